using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using static TorchSharp.torch;

namespace LlmNotebooks.Evaluation;

/// <summary>
/// A label task (SST-2) without generating: the log-likelihood of each label's tokens after the prompt, and the label it prefers,
/// as it stands or calibrated (Zhao et al., 2021, "Calibrate Before Use"): a model that says "positive" to
/// everything has learned a prior, so each label's score is measured against its score after content-free
/// sentences ("N/A", "[MASK]", an empty one), and the label the sentence moves up most wins.
/// </summary>
public static class LabelLikelihood
{
    public static readonly IReadOnlyList<string> ContentFree = ["N/A", "[MASK]", ""];

    /// <summary>Per prompt, each label's summed log-probability (with the end-of-text that closes it); null for a prompt that could not be formatted.</summary>
    public static List<double[]?> Scores(Gpt model, TaskFormats formats, IReadOnlyList<string> labels, IEnumerable<FormattedExample?> prompts)
    {
        var labelTokens = labels.Select(l => (int[])[.. formats.Tokenizer.Encode(l), formats.Tokenizer.EndOfText]).ToArray();
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        try
        {
            return prompts.Select(prompt => prompt is null ? null : labelTokens.Select(tokens =>
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                int[] sequence = [.. prompt.Prompt, .. tokens];
                var logits = model.forward(TokenBatch.Row(sequence, device), promptLengths: [prompt.Prompt.Length]).Logits;   // (1, T, V)
                var logProbabilities = nn.functional.log_softmax(logits[0].to(ScalarType.Float32), 1).cpu();
                int start = prompt.Prompt.Length - 1;   // the position that predicts the first label token
                return Enumerable.Range(0, tokens.Length).Sum(k => (double)logProbabilities[start + k, tokens[k]].item<float>());
            }).ToArray()).ToList();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Each label's mean score after the content-free sentences: what the model says with nothing to go on.</summary>
    public static double[] Prior(Gpt model, TaskFormats formats, FinetuningTask task)
    {
        var scores = Scores(model, formats, task.LabelWords, ContentFree.Select(s => task.Prompt(formats, s))).OfType<double[]>().ToList();
        return [.. Enumerable.Range(0, task.LabelWords.Count).Select(k => scores.Average(s => s[k]))];
    }

    /// <summary>The label with the higher score, less <paramref name="prior"/> when given; "" where there is no score.</summary>
    public static List<string> Choose(IReadOnlyList<string> labels, IEnumerable<double[]?> scores, double[]? prior = null) =>
        [.. scores.Select(s => s is null ? "" : labels[Enumerable.Range(0, labels.Count).MaxBy(k => s[k] - (prior?[k] ?? 0))])];
}
