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
        foreach (var experiment in Experiments.All)
            foreach (var variant in experiment.Variants)
            {
                var budget = Experiments.Budget(preset, experiment.Scale);
                var reference = Experiments.RunKeys(budget, Experiments.All.First(e => e.Scale == experiment.Scale).Variants[0]);
                var keys = Experiments.RunKeys(budget, variant);   // an unknown or mistyped setting throws here
                Assert.Equal(variant.Pretrain.Length == 0, keys.Pretrain == reference.Pretrain);
                Assert.Equal(variant.Pretrain.Length == 0 && variant.Finetune.Length == 0, keys.Finetune == reference.Finetune);
            }
    }
}
