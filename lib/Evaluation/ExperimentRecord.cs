using System.Text.Json.Serialization;

namespace LlmNotebooks.Evaluation;

/// <summary>
/// One variant of one ablation, <c>experiment.json</c> in its folder: what was compared, the budget every variant
/// got, what this variant cost, and its scores (with intervals) on the same evaluation examples as the others.
/// The experiments command writes them; the report's Experiments section reads them.
/// </summary>
public sealed record ExperimentRecord(
    [property: JsonPropertyName("experiment")] string Experiment,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("settings")] IReadOnlyList<string> Settings,
    [property: JsonPropertyName("budget")] string Budget,
    [property: JsonPropertyName("training_pflop")] double TrainingPflop,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("scores")] IReadOnlyList<ScoreRow> Scores,
    [property: JsonPropertyName("experiment_index")] int ExperimentIndex,
    [property: JsonPropertyName("variant_index")] int VariantIndex)
{
    public const string FileName = "experiment.json";

    /// <summary>The metric name of a task's validation loss at the end of finetuning.</summary>
    public const string TaskLossMetric = "validation loss";

    public void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        JsonFile.Write(Path.Combine(folder, FileName), this);
    }

    /// <summary>Every experiment.json under a folder, in the experiments' order, each reference (variant 0) first.</summary>
    public static IReadOnlyList<(string Path, ExperimentRecord Record)> ReadAll(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        return Directory.GetFiles(folder, FileName, SearchOption.AllDirectories)
            .Select(path => (path, Record: JsonFile.Read<ExperimentRecord>(path, "an experiment record")))
            .OrderBy(r => r.Record.ExperimentIndex).ThenBy(r => r.Record.VariantIndex).ToList();
    }
}
