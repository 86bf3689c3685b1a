using System.Text.Json.Serialization;
using LlmNotebooks.Model;

namespace LlmNotebooks.Training;

/// <summary>
/// A pretraining run: the model (a preset shape, any part of it overridable), the tokenizer and corpus it learns
/// from, and the prompts it writes samples from, on top of the shared <see cref="TrainingConfig"/>. Named presets
/// from seconds (smoke) to GPT-2 small on a GPU.
/// </summary>
public sealed record PretrainingConfig : TrainingConfig
{
    [JsonPropertyName("model")] public string Model { get; init; } = "tiny";
    /// <summary>Overrides of the preset's shape and architecture; null keeps the preset's.</summary>
    [JsonPropertyName("context_length")] public int? ContextLength { get; init; }
    [JsonPropertyName("n_layer")] public int? Layers { get; init; }
    [JsonPropertyName("n_head")] public int? Heads { get; init; }
    [JsonPropertyName("n_embd")] public int? Width { get; init; }
    [JsonPropertyName("position")] public PositionEncoding? Position { get; init; }
    [JsonPropertyName("norm")] public NormKind? Norm { get; init; }
    [JsonPropertyName("mlp")] public MlpKind? Mlp { get; init; }
    [JsonPropertyName("qk_norm")] public bool? QkNorm { get; init; }
    /// <summary>Biases in the linear layers and LayerNorms (GPT-2 has them; Llama and Qwen3 do not).</summary>
    [JsonPropertyName("bias")] public bool? Bias { get; init; }
    [JsonPropertyName("tied_embeddings")] public bool? TiedEmbeddings { get; init; }
    [JsonPropertyName("dropout")] public double Dropout { get; init; }
    /// <summary>Tokenizer spec: gpt2, a folder, or bpe:N (learned from the corpus).</summary>
    [JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = "gpt2";
    /// <summary>Pretraining corpus: datasets of the data folder, files or globs.</summary>
    [JsonPropertyName("corpus")] public string[] Corpus { get; init; } = ["openwebtext", "webtext", "c4"];
    [JsonPropertyName("sample_tokens")] public int SampleTokens { get; init; } = 48;
    [JsonPropertyName("sample_prompts")] public string[] SamplePrompts { get; init; } = ["The", "In a statement on Tuesday,", "Scientists have found"];

    [JsonIgnore] public override IReadOnlySet<string> FixedOnResume => new HashSet<string>(base.FixedOnResume)
        { "model", "context_length", "n_layer", "n_head", "n_embd", "position", "norm", "mlp", "qk_norm", "bias", "tied_embeddings", "tokenizer", "corpus" };

    public GptConfig ModelConfig(int tokenizerVocabulary)
    {
        var preset = GptConfig.Preset(Model).ForVocabulary(tokenizerVocabulary);
        return (preset with
        {
            ContextLength = ContextLength ?? preset.ContextLength, Layers = Layers ?? preset.Layers, Heads = Heads ?? preset.Heads,
            Width = Width ?? preset.Width, Position = Position ?? preset.Position, Norm = Norm ?? preset.Norm, Mlp = Mlp ?? preset.Mlp,
            QkNorm = QkNorm ?? preset.QkNorm, Bias = Bias ?? preset.Bias, TiedEmbeddings = TiedEmbeddings ?? preset.TiedEmbeddings, Dropout = Dropout,
        }).Validate();
    }

    public static readonly IReadOnlyDictionary<string, PretrainingConfig> Presets = new Dictionary<string, PretrainingConfig>
    {
        // Seconds: for tests and a first try. Our BPE learned from one C4 file.
        ["smoke"] = new()
        {
            Model = "smoke", ContextLength = 256, Tokenizer = "bpe:512", Corpus = ["c4/c4-en-sample1000.jsonl"],
            BatchSize = 4, TokensPerStep = 4 * 256, MaxSteps = 30, LearningRate = 3e-3, MinLearningRate = 3e-4, WarmupSteps = 5,
            EvalInterval = 10, EvalBatches = 4, SampleInterval = 15, SampleTokens = 16, CheckpointInterval = 10, KeepCheckpoints = 2,
        },
        // A few minutes on any laptop: the default of `all`, enough to see every phase work on real data. At most 300
        // steps, fewer where they do not fit in 3.6 minutes.
        ["demo"] = new()
        {
            Model = "tiny", Tokenizer = "bpe:4096", Corpus = ["openwebtext", "webtext", "c4"],
            BatchSize = 16, TokensPerStep = 16 * 256, MaxSteps = 300, Hours = 0.06, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 50,
            EvalInterval = 100, EvalBatches = 20, SampleInterval = 150, CheckpointInterval = 100,
        },
        // The committed report's run, in fixed steps so that it can be reproduced: the tiny model (5.3M parameters) on
        // our 8,192-token BPE, all web text plus Wikipedia. A 512-token context leaves room for a news article's lead and its
        // summary when the same model is finetuned. The block is the Architecture experiment's winner (rotary,
        // RMSNorm, SwiGLU, QK-norm; reports/cpu/experiments has the figures), without biases: Qwen3's block exactly,
        // so that export writes it as a Qwen3 folder.
        ["cpu"] = new()
        {
            Model = "tiny", ContextLength = 512, Tokenizer = "bpe:8192", Corpus = ["openwebtext", "webtext", "c4", "wikipedia"],
            Position = PositionEncoding.Rotary, Norm = NormKind.RmsNorm, Mlp = MlpKind.SwiGlu, QkNorm = true, Bias = false,
            BatchSize = 8, TokensPerStep = 8 * 512 * 2, MaxSteps = 1800, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 200,
            EvalInterval = 200, EvalBatches = 40, SampleInterval = 600, CheckpointInterval = 200,
        },
        // GPU runs (CUDA build): a 30M-parameter model for a smaller GPU, and GPT-2 small on OpenWebText.
        ["gpu-small"] = new()
        {
            Model = "small", Tokenizer = "gpt2", Corpus = ["openwebtext"], BatchSize = 32, TokensPerStep = 32 * 256 * 4,
            MaxSteps = 20000, LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 1000,
            EvalInterval = 500, EvalBatches = 100, SampleInterval = 2000, CheckpointInterval = 1000,
        },
        // The assignment's run: one pass over a 13–15 GB subset of OpenWebText, about 3.3B GPT-2 tokens
        // (`data download --gb 14`), in nanoGPT's batch of 491,520 tokens: 6,800 steps, with llm.c's 700 warm-up steps.
        ["gpu"] = new()
        {
            Model = "gpt2-124m", Tokenizer = "gpt2", Corpus = ["openwebtext"], BatchSize = 12, TokensPerStep = 12 * 1024 * 40,
            MaxSteps = 6800, LearningRate = 6e-4, MinLearningRate = 6e-5, WarmupSteps = 700,
            EvalInterval = 250, EvalBatches = 100, SampleInterval = 1000, CheckpointInterval = 500,
        },
    };

    public static PretrainingConfig Preset(string name) => Presets.TryGetValue(name, out var preset) ? preset
        : throw new UserError($"unknown pretraining preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");
}
