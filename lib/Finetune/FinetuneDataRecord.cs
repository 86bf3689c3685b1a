using System.Text.Json.Serialization;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Finetune;

/// <summary>What went into one task's finetuning data: examples kept, held out, cut to fit, and dropped (by reason, with where the first one is).</summary>
public sealed record TaskDataStats(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("train")] int Train,
    [property: JsonPropertyName("validation")] int Validation,
    [property: JsonPropertyName("truncated")] int Truncated,
    [property: JsonPropertyName("truncated_tokens")] long TruncatedTokens,
    [property: JsonPropertyName("dropped")] IReadOnlyDictionary<string, int> Dropped,
    [property: JsonPropertyName("first_dropped")] IReadOnlyDictionary<string, string> FirstDropped);

/// <summary>
/// A finetuning run's <c>finetune-data.json</c>: which model it started from, the mixture, the pretraining tokens
/// replayed, and each task's data. Written when the run starts; the report quotes it.
/// </summary>
public sealed record FinetuneDataRecord(
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("mixture")] string Mixture,
    [property: JsonPropertyName("replay")] string? Replay,
    [property: JsonPropertyName("tasks")] IReadOnlyList<TaskDataStats> Tasks)
{
    public const string FileName = "finetune-data.json";

    public void Write(string runFolder) => JsonFile.Write(Path.Combine(runFolder, FileName), this);

    public static bool Exists(string runFolder) => File.Exists(Path.Combine(runFolder, FileName));

    public static FinetuneDataRecord Read(string runFolder) => JsonFile.Read<FinetuneDataRecord>(Path.Combine(runFolder, FileName), "a finetuning data summary");
}
