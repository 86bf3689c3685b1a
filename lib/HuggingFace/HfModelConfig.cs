using System.Text.Json.Serialization;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// The fields every Hugging Face config.json this project writes has, whatever the architecture;
/// <c>llmnb_special_tokens</c> carries our finetuning markers (transformers keeps unknown keys).
/// </summary>
public abstract record HfModelConfig
{
    [JsonPropertyName("model_type")] public string? ModelTypeName { get; init; }
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = [];
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public int? EosTokenId { get; init; }
    [JsonPropertyName("use_cache")] public bool UseCache { get; init; } = true;
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; init; } = "float32";
    [JsonPropertyName("llmnb_special_tokens")] public Dictionary<string, int>? SpecialTokens { get; init; }

    /// <summary>Writes config.json with the fields of this architecture (the runtime type's).</summary>
    public void Write(string folder) => JsonFile.Write<object>(Path.Combine(folder, HfFolder.ConfigFile), this, JsonFile.Readable);
}
