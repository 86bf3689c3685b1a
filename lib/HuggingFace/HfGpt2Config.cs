using System.Text.Json.Serialization;
using LlmNotebooks.Model;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// The config.json of a Hugging Face GPT-2 folder (transformers' GPT2Config), with the fields this project writes
/// and reads.
/// </summary>
public sealed record HfGpt2Config : HfModelConfig
{
    public const string ModelType = "gpt2";

    [JsonPropertyName("n_positions")] public int Positions { get; init; }
    [JsonPropertyName("n_ctx")] public int? Context { get; init; }
    [JsonPropertyName("n_embd")] public int Width { get; init; }
    [JsonPropertyName("n_layer")] public int Layers { get; init; }
    [JsonPropertyName("n_head")] public int Heads { get; init; }
    /// <summary>MLP hidden units; null means 4 × n_embd.</summary>
    [JsonPropertyName("n_inner")] public int? Inner { get; init; }
    [JsonPropertyName("activation_function")] public string Activation { get; init; } = "gelu_new";
    [JsonPropertyName("layer_norm_epsilon")] public double LayerNormEpsilon { get; init; } = 1e-5;
    [JsonPropertyName("resid_pdrop")] public double ResidualDropout { get; init; }
    [JsonPropertyName("embd_pdrop")] public double EmbeddingDropout { get; init; }
    [JsonPropertyName("attn_pdrop")] public double AttentionDropout { get; init; }
    [JsonPropertyName("scale_attn_weights")] public bool ScaleAttentionWeights { get; init; } = true;
    [JsonPropertyName("scale_attn_by_inverse_layer_idx")] public bool ScaleByInverseLayer { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>
    /// What keeps a model of ours from being a GPT-2 exactly; empty when it is one. Missing biases and an untied head
    /// are not on the list: zero biases and <c>tie_word_embeddings: false</c> express them exactly.
    /// </summary>
    public static IReadOnlyList<string> Differences(GptConfig model) => new[]
    {
        model.Position != PositionEncoding.Learned ? "rotary positions (GPT-2 learns a position embedding)" : null,
        model.Norm != NormKind.LayerNorm ? "RMSNorm (GPT-2 uses LayerNorm)" : null,
        model.Mlp is not (MlpKind.Gelu or MlpKind.GeluTanh) ? $"a {model.Mlp} MLP (GPT-2's is GELU)" : null,
        model.QkNorm ? "QK-norm (GPT-2 has none)" : null,
        model.PromptAttention != PromptAttention.Causal ? "a prefix-LM mask (GPT-2 is causal throughout; transformers would run it causally and answer differently)" : null,
    }.OfType<string>().ToList();

    public static HfGpt2Config From(GptConfig model, int? endOfText, IReadOnlyDictionary<string, int>? specials) => new()
    {
        ModelTypeName = ModelType, Architectures = ["GPT2LMHeadModel"], VocabSize = model.VocabSize, Positions = model.ContextLength, Context = model.ContextLength,
        Width = model.Width, Layers = model.Layers, Heads = model.Heads,
        Activation = model.Mlp == MlpKind.GeluTanh ? "gelu_new" : "gelu",
        ResidualDropout = model.Dropout, EmbeddingDropout = model.Dropout, AttentionDropout = model.Dropout,
        TieWordEmbeddings = model.TiedEmbeddings, BosTokenId = endOfText, EosTokenId = endOfText,
        SpecialTokens = specials?.ToDictionary(),
    };

    /// <summary>Our config for this GPT-2; a setting we cannot reproduce exactly is an error naming it.</summary>
    public GptConfig ToGptConfig(string source)
    {
        var mlp = Activation switch
        {
            "gelu" => MlpKind.Gelu,
            "gelu_new" or "gelu_pytorch_tanh" => MlpKind.GeluTanh,
            _ => throw new InvalidDataException($"{source}: activation_function '{Activation}' has no counterpart here (gelu, gelu_new or gelu_pytorch_tanh)"),
        };
        if (Inner is { } inner && inner != 4 * Width) throw new InvalidDataException($"{source}: n_inner {inner} is not 4 × n_embd ({4 * Width}), the only MLP width here");
        if (Math.Abs(LayerNormEpsilon - 1e-5) > 1e-12) throw new InvalidDataException($"{source}: layer_norm_epsilon {LayerNormEpsilon} is not 1e-5, the epsilon here");
        if (!ScaleAttentionWeights || ScaleByInverseLayer) throw new InvalidDataException($"{source}: attention scaled other than by 1/sqrt(head size) (scale_attn_weights, scale_attn_by_inverse_layer_idx)");
        return new GptConfig(VocabSize, Positions, Layers, Heads, Width, Dropout: ResidualDropout, TiedEmbeddings: TieWordEmbeddings, Mlp: mlp).Validate();
    }

    public static HfGpt2Config Read(string folder) => JsonFile.Read<HfGpt2Config>(Path.Combine(folder, HfFolder.ConfigFile), "a Hugging Face GPT-2 config");
}
