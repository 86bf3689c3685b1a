using System.Text.Json.Serialization;
using LlmNotebooks.Model;
using LlmNotebooks.Platform;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Training;

/// <summary>
/// A run's <c>run.json</c>, written when it starts: its config, the model's shape and size, the tokenizer, the
/// hardware, the precision it computes in and why, the matmul ceiling its MFU is measured against, and, for a run
/// given hours rather than steps, how its step count was fixed. Records of runs made before the precision and the
/// time budget were recorded read them as null. A resumed run continues with this config; the
/// report and the notebooks read the run through it.
/// </summary>
public sealed record RunRecord<TConfig> where TConfig : TrainingConfig
{
    [JsonPropertyName("config")] public required TConfig Config { get; init; }
    [JsonPropertyName("model")] public required GptConfig Model { get; init; }
    [JsonPropertyName("parameters")] public required long Parameters { get; init; }
    [JsonPropertyName("parameters_without_embeddings")] public required long ParametersWithoutEmbeddings { get; init; }
    [JsonPropertyName("training_flops_per_token")] public required double TrainingFlopsPerToken { get; init; }
    [JsonPropertyName("tokenizer")] public required TokenizerManifest Tokenizer { get; init; }
    [JsonPropertyName("cpu")] public required CpuInfo Cpu { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("build")] public required string Build { get; init; }
    /// <summary>The matmul rate MFU is measured against, in the precision the run computes in (<see cref="Precision"/>).</summary>
    [JsonPropertyName("matmul_ceiling_gflops")] public required double MatmulCeilingGflops { get; init; }
    [JsonPropertyName("precision")] public PrecisionChoice? Precision { get; init; }
    [JsonPropertyName("time_budget")] public TimeBudget? TimeBudget { get; init; }

    /// <summary>The precision the run computes in, by name ("bf16"); records made before it was recorded say so.</summary>
    [JsonIgnore] public string PrecisionName => Precision?.Used.Name() ?? "unrecorded";

    public const string FileName = "run.json";

    public static bool Exists(string runFolder) => File.Exists(Path.Combine(runFolder, FileName));

    public void Write(string runFolder) => JsonFile.Write(Path.Combine(runFolder, FileName), this, TrainingConfig.Json);

    public static RunRecord<TConfig> Read(string runFolder)
    {
        var path = Path.Combine(runFolder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{runFolder} holds no training run (no {FileName})", path);
        return JsonFile.Read<RunRecord<TConfig>>(path, "a training run's record", TrainingConfig.Json);
    }
}
