using LlmNotebooks.Finetune;
using LlmNotebooks.Training;

namespace LlmNotebooks.Pipeline;

/// <summary>
/// An <c>all</c> run: the pretraining and finetuning presets of this name (so <c>pretrain</c>, <c>finetune</c> and
/// <c>all</c> with the same preset share runs/&lt;name&gt;/), and how many examples each task is evaluated on.
/// </summary>
public sealed record PipelinePreset(string Name, int? EvaluationLimit, string Description)
{
    public static readonly IReadOnlyDictionary<string, PipelinePreset> Presets = new Dictionary<string, PipelinePreset>
    {
        ["smoke"] = new("smoke", 20, "seconds: tiny sizes, for tests"),
        ["demo"] = new("demo", 100, "a few minutes on any laptop: every phase on real data, each training phase within its minutes"),
        ["cpu"] = new("cpu", null, "the committed report's run (fixed steps; add --hours H for the best model this machine trains in H hours): pretraining, finetuning, full evaluation"),
        ["gpu"] = new("gpu", null, "GPT-2 small on OpenWebText (CUDA build)"),
    };

    /// <summary>
    /// <c>all --hours H</c>: the hours of pretraining and of finetuning, H split in the proportion of the tokens the
    /// preset's two phases train on (its steps × tokens per step). Data, evaluation and the report come on top.
    /// </summary>
    public (double Pretrain, double Finetune) SplitHours(double hours)
    {
        var pretrain = PretrainingConfig.Preset(Name);
        var finetune = FinetuningConfig.Preset(Name);
        double pretrainTokens = (double)pretrain.Steps * pretrain.TokensPerStep, finetuneTokens = (double)finetune.Steps * finetune.TokensPerStep;
        double share = pretrainTokens / (pretrainTokens + finetuneTokens);
        return (hours * share, hours * (1 - share));
    }

    public static PipelinePreset Named(string name) => Presets.TryGetValue(name, out var preset) ? preset
        : throw new UserError($"unknown pipeline preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");
}
