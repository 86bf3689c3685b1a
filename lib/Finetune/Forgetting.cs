using LlmNotebooks.Tasks;
using LlmNotebooks.Training;

namespace LlmNotebooks.Finetune;

/// <summary>How much finetuning made the model forget of its pretraining, read from the finetuning run's metrics log.</summary>
public static class Forgetting
{
    /// <summary>
    /// The pretraining validation loss at finetuning's last validation minus at its first (before the first step);
    /// null when finetuning did not validate on pretraining text at least twice.
    /// </summary>
    public static double? Of(IEnumerable<MetricsRecord> finetuneMetrics)
    {
        var evals = finetuneMetrics.Where(r => r.Kind == MetricsRecord.EvalKind && r.Validation?.ContainsKey(Mixture.Pretrain) == true).ToList();
        return evals.Count < 2 ? null : evals[^1].Validation![Mixture.Pretrain] - evals[0].Validation![Mixture.Pretrain];
    }
}
