using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Model;

/// <summary>Which attention implementation a model uses; both compute the same function.</summary>
public enum AttentionKind
{
    /// <summary>libtorch's fused scaled_dot_product_attention: fast, for training and generation.</summary>
    Fused,
    /// <summary>Scores, mask, softmax, weighted sum written out: slower, can keep the weights for plots.</summary>
    Explicit,
}

/// <summary>
/// The shape of a GPT. JSON names follow nanoGPT's GPTConfig (vocab_size, block_size, n_layer …) so a config file
/// reads the same in both projects.
/// </summary>
public sealed record GptConfig(
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("block_size")] int ContextLength,
    [property: JsonPropertyName("n_layer")] int Layers,
    [property: JsonPropertyName("n_head")] int Heads,
    [property: JsonPropertyName("n_embd")] int Width,
    [property: JsonPropertyName("dropout")] double Dropout = 0.0,
    [property: JsonPropertyName("bias")] bool Bias = true,
    [property: JsonPropertyName("tied_embeddings")] bool TiedEmbeddings = true,
    [property: JsonPropertyName("attention")] AttentionKind Attention = AttentionKind.Fused)
{
    [JsonIgnore] public int HeadSize => Width / Heads;

    /// <summary>Named shapes from test-sized to GPT-2 small. The vocabulary is set from the tokenizer at training time.</summary>
    public static readonly IReadOnlyDictionary<string, GptConfig> Presets = new Dictionary<string, GptConfig>
    {
        ["smoke"] = new(VocabSize: 512, ContextLength: 64, Layers: 2, Heads: 2, Width: 64),
        ["tiny"] = new(VocabSize: 8192, ContextLength: 256, Layers: 4, Heads: 4, Width: 256),
        ["small"] = new(VocabSize: 50304, ContextLength: 256, Layers: 6, Heads: 6, Width: 384),
        ["medium"] = new(VocabSize: 50304, ContextLength: 512, Layers: 8, Heads: 8, Width: 512),
        ["gpt2-124m"] = new(VocabSize: 50304, ContextLength: 1024, Layers: 12, Heads: 12, Width: 768),
    };

    public static GptConfig Preset(string name) => Presets.TryGetValue(name, out var config) ? config
        : throw new ArgumentException($"unknown model preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");

    /// <summary>
    /// The vocabulary for a tokenizer with <paramref name="tokens"/> ids, rounded up to a multiple of 64 (GPT-2's
    /// 50,257 becomes 50,304, as in nanoGPT): the unused rows cost little and keep the output matmul aligned.
    /// </summary>
    public GptConfig ForVocabulary(int tokens) => this with { VocabSize = (tokens + 63) / 64 * 64 };

    public GptConfig Validate()
    {
        if (VocabSize <= 0 || ContextLength <= 0 || Layers <= 0 || Heads <= 0 || Width <= 0)
            throw new ArgumentException($"every size in the model config must be positive: {this}");
        if (Width % Heads != 0) throw new ArgumentException($"width {Width} is not divisible by {Heads} heads");
        if (Dropout is < 0 or >= 1) throw new ArgumentException($"dropout {Dropout} is outside [0, 1)");
        return this;
    }

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GptConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<GptConfig>(json, Json) ?? throw new InvalidDataException("empty model config")).Validate();

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    public static GptConfig Load(string path) => FromJson(File.ReadAllText(path));
}
