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

/// <summary>How a token's position enters the model.</summary>
public enum PositionEncoding
{
    /// <summary>A learned vector per position added to the token embedding (GPT-2).</summary>
    Learned,
    /// <summary>Rotary embeddings: queries and keys rotated by an angle proportional to the position (Su et al. 2021).</summary>
    Rotary,
}

public enum NormKind
{
    /// <summary>LayerNorm with gain and bias (GPT-2).</summary>
    LayerNorm,
    /// <summary>RMSNorm: divide by the root mean square, one gain, no mean or bias (Zhang and Sennrich 2019).</summary>
    RmsNorm,
}

public enum MlpKind
{
    /// <summary>4C hidden units, GELU.</summary>
    Gelu,
    /// <summary>4C hidden units, GELU's tanh approximation: GPT-2's own code (Hugging Face's gelu_new).</summary>
    GeluTanh,
    /// <summary>A gated unit, SiLU(xW) ⊙ xV (Shazeer 2020), with 8C/3 hidden units so its weights match GELU's 8C².</summary>
    SwiGlu,
    /// <summary>4C hidden units, ReLU squared (So et al. 2021, modded-nanogpt).</summary>
    ReluSquared,
}

/// <summary>What a finetuning prompt's tokens may look at.</summary>
public enum PromptAttention
{
    /// <summary>Each token sees the tokens before it, as in pretraining.</summary>
    Causal,
    /// <summary>
    /// A prefix LM: every prompt token sees the whole prompt, the response stays causal. Still one decoder; the T5
    /// paper (Raffel et al. 2020, table 2) found it well ahead of a causal decoder on SQuAD at equal compute.
    /// </summary>
    Bidirectional,
}

/// <summary>
/// The shape of a GPT. The JSON names follow nanoGPT's GPTConfig (vocab_size, n_layer, n_head, n_embd) except
/// context_length, the one name this project uses for the context (nanoGPT's block_size, GPT-2's n_positions).
/// The defaults are GPT-2's architecture; the other choices are the switches the experiments compare.
/// </summary>
public sealed record GptConfig(
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("context_length")] int ContextLength,
    [property: JsonPropertyName("n_layer")] int Layers,
    [property: JsonPropertyName("n_head")] int Heads,
    [property: JsonPropertyName("n_embd")] int Width,
    [property: JsonPropertyName("dropout")] double Dropout = 0.0,
    [property: JsonPropertyName("bias")] bool Bias = true,
    [property: JsonPropertyName("tied_embeddings")] bool TiedEmbeddings = true,
    [property: JsonPropertyName("position")] PositionEncoding Position = PositionEncoding.Learned,
    [property: JsonPropertyName("norm")] NormKind Norm = NormKind.LayerNorm,
    [property: JsonPropertyName("mlp")] MlpKind Mlp = MlpKind.Gelu,
    [property: JsonPropertyName("qk_norm")] bool QkNorm = false,
    [property: JsonPropertyName("prompt_attention")] PromptAttention PromptAttention = PromptAttention.Causal,
    [property: JsonPropertyName("attention")] AttentionKind Attention = AttentionKind.Fused)
{
    [JsonIgnore] public int HeadSize => Width / Heads;

    /// <summary>Hidden units of the MLP: 4C, or 8C/3 rounded up to a multiple of 64 for the gated unit's three matrices.</summary>
    [JsonIgnore] public int MlpHidden => Mlp == MlpKind.SwiGlu ? (8 * Width / 3 + 63) / 64 * 64 : 4 * Width;

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
        : throw new UserError($"unknown model preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");

    /// <summary>
    /// The vocabulary for a tokenizer with <paramref name="tokens"/> ids, rounded up to a multiple of 64 (GPT-2's
    /// 50,257 becomes 50,304, as in nanoGPT): the unused rows cost little and keep the output matmul aligned.
    /// </summary>
    public GptConfig ForVocabulary(int tokens) => this with { VocabSize = (tokens + 63) / 64 * 64 };

    public GptConfig Validate()
    {
        if (VocabSize <= 0 || ContextLength <= 0 || Layers <= 0 || Heads <= 0 || Width <= 0)
            throw new UserError($"every size in the model config must be positive: {this}");
        if (Width % Heads != 0) throw new UserError($"width {Width} is not divisible by {Heads} heads");
        if (Position == PositionEncoding.Rotary && HeadSize % 2 != 0) throw new UserError($"rotary positions need an even head size, not {HeadSize}");
        if (Dropout is < 0 or >= 1) throw new UserError($"dropout {Dropout} is outside [0, 1)");
        return this;
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GptConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<GptConfig>(json, Json) ?? throw new InvalidDataException("empty model config")).Validate();

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    public static GptConfig Load(string path)
    {
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path} is not a model config: {e.Message.Split(". Path")[0]}", e);
        }
    }
}
