using LlmNotebooks.Evaluation;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

public class LabelLikelihoodTests
{
    [Fact]
    public void Calibration_turns_a_model_that_prefers_positive_everywhere_into_one_that_follows_the_sentence()
    {
        // (positive, negative) log-likelihoods: "positive" wins for both sentences, but the second moves "negative" up.
        double[]?[] scores = [[-0.2, -2.0], [-0.4, -1.1], null];
        double[] prior = [-0.3, -1.6];   // with no sentence at all, "positive" is 1.3 nats ahead
        var labels = LlmNotebooks.Tasks.TaskRegistry.Sst2.LabelWords;
        Assert.Equal(["positive", "positive", ""], LabelLikelihood.Choose(labels, scores));
        Assert.Equal(["positive", "negative", ""], LabelLikelihood.Choose(labels, scores, prior));
    }
}
