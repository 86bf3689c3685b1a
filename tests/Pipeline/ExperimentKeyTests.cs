using LlmNotebooks.Pipeline;
using Xunit;

namespace LlmNotebooks.Tests.Pipeline;

public class ExperimentKeyTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("smoke")]
    public void Every_variant_resolves_its_settings_and_trains_only_what_it_changes(string preset)
    {
        var budget = Experiments.Budget(preset);
        var reference = Experiments.RunKeys(budget, Experiments.All[0].Variants[0]);
        foreach (var experiment in Experiments.All)
            foreach (var variant in experiment.Variants)
            {
                var keys = Experiments.RunKeys(budget, variant);   // an unknown or mistyped setting throws here
                Assert.Equal(variant.Pretrain.Length == 0, keys.Pretrain == reference.Pretrain);
                Assert.Equal(variant.Pretrain.Length == 0 && variant.Finetune.Length == 0, keys.Finetune == reference.Finetune);
            }
    }
}
