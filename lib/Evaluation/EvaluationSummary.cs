using System.Text.Json.Serialization;
using LlmNotebooks.Data;

namespace LlmNotebooks.Evaluation;

/// <summary>A record of the split that was not scored: where it is and why (file:line, or the SQuAD id).</summary>
public sealed record SkippedRecord(
    [property: JsonPropertyName("location")] string Location,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// How one evaluation ran, <c>evaluation.json</c>: the split, the files it was read from (relative to the data
/// folder), how much of it was scored (every record skipped is counted by reason and the first ones located), the
/// decoder, the speed, and the bootstrap behind the intervals. Summaries written before the files were recorded read
/// them as null.
/// The report quotes it.
/// </summary>
public sealed record EvaluationSummary(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("examples")] int Examples,
    [property: JsonPropertyName("records_skipped")] int RecordsSkipped,
    [property: JsonPropertyName("skipped_by_reason")] IReadOnlyDictionary<string, int> SkippedByReason,
    [property: JsonPropertyName("skipped_examples")] IReadOnlyList<SkippedRecord> SkippedExamples,
    [property: JsonPropertyName("limit")] int? Limit,
    [property: JsonPropertyName("decoding")] string Decoding,
    [property: JsonPropertyName("generated_tokens")] double GeneratedTokens,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("generated_tokens_per_second")] double GeneratedTokensPerSecond,
    [property: JsonPropertyName("truncated_inputs")] int TruncatedInputs,
    [property: JsonPropertyName("degenerate_outputs")] int? DegenerateOutputs,
    [property: JsonPropertyName("bootstrap_resamples")] int BootstrapResamples,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("data_files")] IReadOnlyList<string>? DataFiles = null)
{
    public const string FileName = "evaluation.json";

    /// <summary>Examples scored plus records skipped: the split as the data folder holds it (or its first <see cref="Limit"/>).</summary>
    [JsonIgnore] public int RecordsRead => Examples + RecordsSkipped;

    /// <summary>The first skipped records of each reason, each as file:location with the file relative to the data folder.</summary>
    public static IReadOnlyList<SkippedRecord> Located(DataIssues issues, string dataFolder) =>
        [.. issues.Examples.Select(i => new SkippedRecord($"{DataFolder.Relative(dataFolder, i.File)}:{i.Location}", i.Reason + (i.Detail is null ? "" : $" ({i.Detail})")))];

    public void Write(string folder) => JsonFile.Write(Path.Combine(folder, FileName), this);

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    public static EvaluationSummary Read(string folder) => JsonFile.Read<EvaluationSummary>(Path.Combine(folder, FileName), "an evaluation summary (run evaluate)");
}
