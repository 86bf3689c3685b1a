using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Training;

/// <summary>
/// One line of a run's metrics log. Training lines carry the step's loss, learning rate, gradient norm and speed;
/// evaluation lines the validation losses (one per validation set). The report and the notebooks plot from this
/// log only.
/// </summary>
public sealed record MetricsRecord
{
    public const string TrainKind = "train", EvalKind = "eval";

    [JsonPropertyName("kind")] public string Kind { get; init; } = TrainKind;
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("train_loss")] public double? TrainLoss { get; init; }
    [JsonPropertyName("learning_rate")] public double? LearningRate { get; init; }
    [JsonPropertyName("grad_norm")] public double? GradNorm { get; init; }
    [JsonPropertyName("tokens_per_second")] public double? TokensPerSecond { get; init; }
    [JsonPropertyName("mfu")] public double? Mfu { get; init; }
    [JsonPropertyName("peak_memory_mb")] public double? PeakMemoryMb { get; init; }
    [JsonPropertyName("precision")] public string? Precision { get; init; }
    [JsonPropertyName("validation")] public Dictionary<string, double>? Validation { get; init; }
    /// <summary>Finetuning: examples of each task seen so far.</summary>
    [JsonPropertyName("mixture")] public Dictionary<string, long>? Mixture { get; init; }
}

/// <summary>A generation from a fixed prompt at some step, to watch the model improve.</summary>
public sealed record SampleRecord(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("completion")] string Completion);

/// <summary>The run's metrics.jsonl and samples.jsonl: appended as training goes, one JSON object per line.</summary>
public sealed class MetricsLog(string runFolder)
{
    public const string MetricsFile = "metrics.jsonl", SamplesFile = "samples.jsonl";

    static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    string MetricsPath => Path.Combine(runFolder, MetricsFile);
    string SamplesPath => Path.Combine(runFolder, SamplesFile);

    public void Append(MetricsRecord record) => AppendLine(MetricsPath, JsonSerializer.Serialize(record, Json));

    public void Append(SampleRecord sample) => AppendLine(SamplesPath, JsonSerializer.Serialize(sample, Json));

    public static IReadOnlyList<MetricsRecord> Read(string runFolder) => ReadLines<MetricsRecord>(Path.Combine(runFolder, MetricsFile));

    public static IReadOnlyList<SampleRecord> ReadSamples(string runFolder) => ReadLines<SampleRecord>(Path.Combine(runFolder, SamplesFile));

    /// <summary>On resume: forget what was logged after the checkpoint, so the curves continue without duplicates.</summary>
    public void TruncateAfter(long step)
    {
        Keep(MetricsPath, (MetricsRecord r) => r.Step <= step);
        Keep(SamplesPath, (SampleRecord r) => r.Step <= step);
    }

    static void Keep<T>(string path, Func<T, bool> keep)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path).Where(l => l.Length > 0 && keep(JsonSerializer.Deserialize<T>(l, Json)!)).ToList();
        AtomicFile.WriteAllText(path, string.Concat(kept.Select(l => l + "\n")));
    }

    static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        writer.Write(line);
        writer.Write('\n');
    }

    static IReadOnlyList<T> ReadLines<T>(string path)
    {
        if (!File.Exists(path)) return [];
        var records = new List<T>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<T>(line, Json)!);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not a metrics record ({e.Message.Split('.')[0]})", e);
            }
        }
        return records;
    }
}
