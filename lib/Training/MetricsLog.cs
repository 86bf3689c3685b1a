using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Training;

/// <summary>
/// One line of a run's metrics log. Training lines carry the step's loss, learning rate, gradient norm and speed;
/// evaluation lines the validation losses (one per validation set); task lines the scores of a few held-out examples
/// generated and scored as evaluation does. The report and the notebooks plot from this log only.
/// </summary>
public sealed record MetricsRecord
{
    public const string TrainKind = "train", EvalKind = "eval", TaskKind = "task";

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
    /// <summary>Task lines: score per "task metric" (squad F1, sst2 accuracy…) on the held-out examples.</summary>
    [JsonPropertyName("task_scores")] public Dictionary<string, double>? TaskScores { get; init; }
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

    public static IReadOnlyList<MetricsRecord> Read(string runFolder) => ReadLines<MetricsRecord>(Path.Combine(runFolder, MetricsFile), out _);

    public static IReadOnlyList<SampleRecord> ReadSamples(string runFolder) => ReadLines<SampleRecord>(Path.Combine(runFolder, SamplesFile), out _);

    /// <summary>
    /// On resume: forget what was logged after the checkpoint, so the curves continue without duplicates. A last
    /// line cut short (a disk that filled up, power lost mid-write) is dropped, and said so.
    /// </summary>
    public void TruncateAfter(long step, Action<string>? log = null)
    {
        Keep(MetricsPath, (MetricsRecord r) => r.Step <= step, log);
        Keep(SamplesPath, (SampleRecord r) => r.Step <= step, log);
    }

    static void Keep<T>(string path, Func<T, bool> keep, Action<string>? log)
    {
        if (!File.Exists(path)) return;
        var records = ReadLines<T>(path, out var torn);
        if (torn is not null) log?.Invoke($"{path}:{torn}: the last line was cut short (an interrupted write); dropped it");
        AtomicFile.WriteAllText(path, string.Concat(records.Where(keep).Select(r => JsonSerializer.Serialize(r, Json) + "\n")));
    }

    static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        writer.Write(line);
        writer.Write('\n');
    }

    /// <summary>The records of a log; an unreadable last line is left out (its number in <paramref name="tornLine"/>), any other is an error naming the file and line.</summary>
    static IReadOnlyList<T> ReadLines<T>(string path, out int? tornLine)
    {
        tornLine = null;
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path);
        int last = Array.FindLastIndex(lines, l => l.Length > 0);
        var records = new List<T>();
        for (int i = 0; i <= last; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                records.Add(JsonSerializer.Deserialize<T>(lines[i], Json)!);
            }
            catch (JsonException e)
            {
                if (i == last) { tornLine = i + 1; break; }
                throw new InvalidDataException($"{path}:{i + 1}: not a log record ({e.Message.Split('.')[0]}); the log is damaged before its last line", e);
            }
        }
        return records;
    }
}
