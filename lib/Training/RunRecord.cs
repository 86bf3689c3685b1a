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
public sealed record RunRecord<TConfig>(
    [property: JsonPropertyName("config")] TConfig Config,
    [property: JsonPropertyName("model")] GptConfig Model,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("parameters_without_embeddings")] long ParametersWithoutEmbeddings,
    [property: JsonPropertyName("training_flops_per_token")] double TrainingFlopsPerToken,
    [property: JsonPropertyName("tokenizer")] TokenizerManifest Tokenizer,
    [property: JsonPropertyName("cpu")] CpuInfo Cpu,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("build")] string Build,
    [property: JsonPropertyName("matmul_ceiling_gflops")] double MatmulCeilingGflops,
    [property: JsonPropertyName("matmul_ceiling_precision")] string MatmulCeilingPrecision,
    [property: JsonPropertyName("precision")] PrecisionChoice? Precision = null,
    [property: JsonPropertyName("time_budget")] TimeBudget? TimeBudget = null)
    where TConfig : TrainingConfig
{
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
