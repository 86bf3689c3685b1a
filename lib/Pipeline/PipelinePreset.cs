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
        ["demo"] = new("demo", 100, "a few minutes on a laptop CPU; every phase on real data"),
        ["cpu"] = new("cpu", null, "about 2.5 hours on 2 CPU cores: pretraining, finetuning, full evaluation"),
        ["gpu"] = new("gpu", null, "GPT-2 small on OpenWebText (CUDA build)"),
    };

    public static PipelinePreset Named(string name) => Presets.TryGetValue(name, out var preset) ? preset
        : throw new ArgumentException($"unknown pipeline preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");
}
