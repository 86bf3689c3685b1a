using System.Text.Json.Serialization;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Evaluation;

/// <summary>
/// One task's headline score (percent) on each evaluated example, in evaluation order: two variants scored on the same
/// examples are compared example by example (<see cref="Scoring.Bootstrap.Paired"/>).
/// </summary>
public sealed record ExampleScoreList(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("ids")] IReadOnlyList<string> Ids,
    [property: JsonPropertyName("scores")] IReadOnlyList<double> Scores)
{
    /// <summary>The list of an evaluation's predictions, each scored by the task's headline metric.</summary>
    public static ExampleScoreList Of(Tasks.FinetuningTask task, IReadOnlyList<PredictionRecord> predictions) =>
        new(task.Name, task.Headline, [.. predictions.Select(p => p.Id)], [.. predictions.Select(p => 100 * task.ExampleScore(p.Prediction, p.References))]);
}

/// <summary>
/// One variant of one ablation, <c>experiment.json</c> in its folder: what was compared, the budget every variant
/// got, what this variant cost, and its scores (with intervals) on the same evaluation examples as the others, and
/// each example's headline score (records written before they were kept have none).
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
    [property: JsonPropertyName("variant_index")] int VariantIndex,
    [property: JsonPropertyName("examples")] IReadOnlyList<ExampleScoreList>? Examples = null)
{
    public const string FileName = "experiment.json";

    /// <summary>The metric name of a task's validation loss at the end of finetuning.</summary>

    /// <summary>Where a variant's record lies under an experiments folder: <c>architecture/gpt-2/experiment.json</c>.</summary>
    public static string PathOf(string experimentsFolder, string experiment, string variant) =>
        Path.Combine(experimentsFolder, Slug(experiment), Slug(variant), FileName);

    public void Write(string experimentsFolder)
    {
        var path = PathOf(experimentsFolder, Experiment, Variant);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        JsonFile.Write(path, this);
    }

    /// <summary>Every experiment.json under a folder, in the experiments' order, each reference (variant 0) first.</summary>
    public static IReadOnlyList<(string Path, ExperimentRecord Record)> ReadAll(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        return InOrder(Directory.GetFiles(folder, FileName, SearchOption.AllDirectories)
            .Select(path => (path, Record: JsonFile.Read<ExperimentRecord>(path, "an experiment record"))));
    }

    /// <summary>
    /// A run's records, and for the variants it has not measured those a report kept (run folders are not
    /// committed, a report's copies are, so a report rebuilt from a new run keeps the ablations measured before it).
    /// </summary>
    public static IReadOnlyList<(string Path, ExperimentRecord Record)> ReadAll(string runFolder, string keptFolder)
    {
        var run = ReadAll(runFolder);
        var measured = run.Select(r => (r.Record.Experiment, r.Record.Variant)).ToHashSet();
        return InOrder(run.Concat(ReadAll(keptFolder).Where(k => !measured.Contains((k.Record.Experiment, k.Record.Variant)))));
    }

    static List<(string Path, ExperimentRecord Record)> InOrder(IEnumerable<(string Path, ExperimentRecord Record)> records) =>
        records.OrderBy(r => r.Record.ExperimentIndex).ThenBy(r => r.Record.VariantIndex).ToList();

    static string Slug(string name) => string.Join('-', string.Concat(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' '))
        .Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
