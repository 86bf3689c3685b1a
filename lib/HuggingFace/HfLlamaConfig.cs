using System.Text.Json.Serialization;
using LlmNotebooks.Model;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// The config.json of a Hugging Face Llama or Qwen3 folder (transformers' LlamaConfig and Qwen3Config), with the fields
/// this project writes and reads. Both are our modern block (rotary positions, RMSNorm, SwiGLU); Qwen3 adds QK-norm
/// and has no MLP biases, Llama has no QK-norm.
/// </summary>
public sealed record HfLlamaConfig : HfModelConfig
{
    public const string Llama = "llama", Qwen3 = "qwen3";

    /// <summary>The rotary base and the norms' epsilon of our model: a folder with others cannot be imported exactly.</summary>
    const double RopeTheta = 10000, NormEpsilon = 1e-5;

    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public int Layers { get; init; }
    [JsonPropertyName("num_attention_heads")] public int Heads { get; init; }
    /// <summary>Null means as many as the query heads (no grouped-query attention).</summary>
    [JsonPropertyName("num_key_value_heads")] public int? KeyValueHeads { get; init; }
    /// <summary>Null means hidden_size / num_attention_heads.</summary>
    [JsonPropertyName("head_dim")] public int? HeadDim { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; }
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeBase { get; init; } = RopeTheta;
    [JsonPropertyName("rope_scaling")] public object? RopeScaling { get; init; }
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    /// <summary>Llama only: biases in gate, up and down projections (Qwen3's MLP has none).</summary>
    [JsonPropertyName("mlp_bias"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? MlpBias { get; init; }
    [JsonPropertyName("attention_dropout")] public double AttentionDropout { get; init; }
    [JsonPropertyName("use_sliding_window"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? UseSlidingWindow { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }

    /// <summary>
    /// What keeps a model of ours from being a Llama or a Qwen3 exactly; empty when it is one (a Qwen3 with QK-norm,
    /// a Llama without). An untied head is not on the list: <c>tie_word_embeddings: false</c> expresses it.
    /// </summary>
    public static IReadOnlyList<string> Differences(GptConfig model) => new[]
    {
        model.Position != PositionEncoding.Rotary ? "learned positions (Llama and Qwen3 rotate queries and keys instead)" : null,
        model.Norm != NormKind.RmsNorm ? "LayerNorm (Llama and Qwen3 use RMSNorm)" : null,
        model.Mlp != MlpKind.SwiGlu ? $"a {model.Mlp} MLP (Llama's and Qwen3's is SwiGLU)" : null,
        model.QkNorm && model.Bias ? "QK-norm with MLP biases (Qwen3 has QK-norm but no MLP biases, Llama MLP biases but no QK-norm; train with bias=false)" : null,
        model.PromptAttention != PromptAttention.Causal ? "a prefix-LM mask (Llama and Qwen3 are causal throughout; transformers would run it causally and answer differently)" : null,
    }.OfType<string>().ToList();

    /// <summary>The config of our model as Qwen3 (with QK-norm) or Llama (without); call <see cref="Differences"/> first.</summary>
    public static HfLlamaConfig From(GptConfig model, int? endOfText, IReadOnlyDictionary<string, int>? specials)
    {
        bool qwen = model.QkNorm;
        return new()
        {
            ModelTypeName = qwen ? Qwen3 : Llama, Architectures = [qwen ? "Qwen3ForCausalLM" : "LlamaForCausalLM"],
            VocabSize = model.VocabSize, HiddenSize = model.Width, IntermediateSize = model.MlpHidden, Layers = model.Layers,
            Heads = model.Heads, KeyValueHeads = model.Heads, HeadDim = model.HeadSize, MaxPositions = model.ContextLength,
            RmsNormEps = NormEpsilon, RopeBase = RopeTheta, AttentionBias = model.Bias, MlpBias = qwen ? null : model.Bias,
            UseSlidingWindow = qwen ? false : null, AttentionDropout = model.Dropout, TieWordEmbeddings = model.TiedEmbeddings,
            BosTokenId = endOfText, EosTokenId = endOfText, SpecialTokens = specials?.ToDictionary(),
        };
    }

    /// <summary>
    /// Our config for this folder. Missing biases become zero biases (exact); a setting we cannot reproduce exactly is
    /// an error naming it.
    /// </summary>
    public GptConfig ToGptConfig(string source)
    {
        string? Refusal() => HiddenAct != "silu" ? $"hidden_act '{HiddenAct}' is not silu, the SwiGLU here"
            : KeyValueHeads is { } kv && kv != Heads ? $"grouped-query attention ({kv} key/value heads for {Heads} query heads) has no counterpart here"
            : HeadDim is { } dim && dim * Heads != HiddenSize ? $"head_dim {dim} × {Heads} heads is not hidden_size {HiddenSize}, the only attention width here"
            : Math.Abs(RmsNormEps - NormEpsilon) > 1e-12 ? $"rms_norm_eps {RmsNormEps} is not {NormEpsilon}, the epsilon here"
            : Math.Abs(RopeBase - RopeTheta) > 1e-9 || RopeScaling is not null ? $"rotary base {RopeBase}{(RopeScaling is null ? "" : " with rope_scaling")} is not {RopeTheta} unscaled, the rotary here"
            : UseSlidingWindow == true ? "sliding-window attention has no counterpart here"
            : null;
        if (Refusal() is { } reason) throw new InvalidDataException($"{source}: {reason}; this folder cannot be imported exactly");
        var config = new GptConfig(VocabSize, MaxPositions, Layers, Heads, HiddenSize, Dropout: AttentionDropout,
            Bias: AttentionBias || MlpBias == true, TiedEmbeddings: TieWordEmbeddings, Position: PositionEncoding.Rotary,
            Norm: NormKind.RmsNorm, Mlp: MlpKind.SwiGlu, QkNorm: ModelTypeName == Qwen3);
        if (config.MlpHidden != IntermediateSize)
            throw new InvalidDataException($"{source}: intermediate_size {IntermediateSize} is not {config.MlpHidden}, the SwiGLU width here for hidden_size {HiddenSize} (8/3 of it, rounded up to 64); this folder cannot be imported exactly");
        return config.Validate();
    }

    public static HfLlamaConfig Read(string folder) => JsonFile.Read<HfLlamaConfig>(Path.Combine(folder, HfFolder.ConfigFile), "a Hugging Face Llama or Qwen3 config");
}
