using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LlmNotebooks.Model;

namespace LlmNotebooks.Training;

/// <summary>
/// Everything a training run needs besides its data: the model shape, the batch and step budget, the optimizer and
/// schedule, and how often to evaluate, sample and checkpoint. Named presets; any field can be overridden by name
/// (<c>--set learning_rate=3e-4</c>); saved with every run and checkpoint.
/// </summary>
public sealed record TrainingConfig
{
    [JsonPropertyName("model")] public string Model { get; init; } = "tiny";
    /// <summary>Overrides the preset's context length when set.</summary>
    [JsonPropertyName("context_length")] public int? ContextLength { get; init; }
    [JsonPropertyName("dropout")] public double Dropout { get; init; }
    /// <summary>Tokenizer spec: gpt2, a folder, or bpe:N (learned from the corpus).</summary>
    [JsonPropertyName("tokenizer")] public string Tokenizer { get; init; } = "gpt2";
    /// <summary>Pretraining corpus: datasets of the data folder, files or globs.</summary>
    [JsonPropertyName("corpus")] public string[] Corpus { get; init; } = ["openwebtext", "webtext", "c4"];
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 16;
    /// <summary>Tokens per optimizer step; a multiple of batch_size × context gives the gradient-accumulation steps.</summary>
    [JsonPropertyName("tokens_per_step")] public int TokensPerStep { get; init; } = 16 * 256;
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = 1000;
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 100;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("beta1")] public double Beta1 { get; init; } = 0.9;
    [JsonPropertyName("beta2")] public double Beta2 { get; init; } = 0.95;
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 1.0;
    [JsonPropertyName("precision")] public Precision Precision { get; init; } = Precision.Fp32;
    [JsonPropertyName("eval_interval")] public int EvalInterval { get; init; } = 100;
    [JsonPropertyName("eval_batches")] public int EvalBatches { get; init; } = 20;
    [JsonPropertyName("sample_interval")] public int SampleInterval { get; init; } = 250;
    [JsonPropertyName("sample_tokens")] public int SampleTokens { get; init; } = 48;
    [JsonPropertyName("sample_prompts")] public string[] SamplePrompts { get; init; } = ["The", "In a statement on Tuesday,", "Scientists have found"];
    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 250;
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 2;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1337;
    /// <summary>Finetuning: shares of the tasks and of pretraining replay (see Tasks.Mixture).</summary>
    [JsonPropertyName("mixture")] public string Mixture { get; init; } = "squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1";
    /// <summary>Finetuning: use at most this many training examples per task (for quick runs); null uses all.</summary>
    [JsonPropertyName("max_examples_per_task")] public int? MaxExamplesPerTask { get; init; }

    public GptConfig ModelConfig(int tokenizerVocabulary)
    {
        var preset = GptConfig.Preset(Model).ForVocabulary(tokenizerVocabulary) with { Dropout = Dropout };
        return (ContextLength is { } context ? preset with { ContextLength = context } : preset).Validate();
    }

    /// <summary>Micro-batches per optimizer step.</summary>
    public int AccumulationSteps(int contextLength)
    {
        int micro = BatchSize * contextLength;
        if (TokensPerStep < micro || TokensPerStep % micro != 0)
            throw new ArgumentException($"tokens_per_step ({TokensPerStep}) must be a multiple of batch_size × context ({BatchSize} × {contextLength} = {micro})");
        return TokensPerStep / micro;
    }

    public LrSchedule Schedule => new(LearningRate, MinLearningRate, WarmupSteps, MaxSteps);

    public OptimizerSettings Optimizer => new(WeightDecay, Beta1, Beta2, GradientClip: GradClip);

    public static readonly IReadOnlyDictionary<string, TrainingConfig> Presets = new Dictionary<string, TrainingConfig>
    {
        // Seconds: for tests and a first try. Our BPE learned from one C4 file.
        ["smoke"] = new()
        {
            Model = "smoke", ContextLength = 256, Tokenizer = "bpe:512", Corpus = ["c4/c4-en-sample1000.jsonl"],
            BatchSize = 4, TokensPerStep = 4 * 256, MaxSteps = 30, LearningRate = 3e-3, MinLearningRate = 3e-4, WarmupSteps = 5,
            EvalInterval = 10, EvalBatches = 4, SampleInterval = 15, SampleTokens = 16, CheckpointInterval = 10, KeepCheckpoints = 2,
        },
        // A few minutes on 2 CPU cores: the default of `all`, enough to see every phase work on real data.
        ["demo"] = new()
        {
            Model = "tiny", Tokenizer = "bpe:4096", Corpus = ["openwebtext", "webtext", "c4"],
            BatchSize = 16, TokensPerStep = 16 * 256, MaxSteps = 300, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 50,
            Precision = Precision.Bf16, EvalInterval = 100, EvalBatches = 20, SampleInterval = 150, CheckpointInterval = 100,
        },
        // About an hour on 2 CPU cores: the tiny model (5.3M parameters) on our 8,192-token BPE, all web text plus
        // Wikipedia, bf16 where the CPU has it. A 512-token context leaves room for a news article's lead and its
        // summary when the same model is finetuned.
        ["cpu"] = new()
        {
            Model = "tiny", ContextLength = 512, Tokenizer = "bpe:8192", Corpus = ["openwebtext", "webtext", "c4", "wikipedia"],
            BatchSize = 8, TokensPerStep = 8 * 512 * 2, MaxSteps = 3400, LearningRate = 2e-3, MinLearningRate = 2e-4, WarmupSteps = 200,
            Precision = Precision.Bf16, EvalInterval = 200, EvalBatches = 40, SampleInterval = 600, CheckpointInterval = 200,
        },
        // GPU runs (CUDA build): a 30M-parameter model for a smaller GPU, and GPT-2 small on OpenWebText with
        // nanoGPT's recipe scaled to one GPU (the pipeline's gpu preset).
        ["gpu-small"] = new()
        {
            Model = "small", Tokenizer = "gpt2", Corpus = ["openwebtext"], BatchSize = 32, TokensPerStep = 32 * 256 * 4,
            MaxSteps = 20000, LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 1000, Precision = Precision.Bf16,
            EvalInterval = 500, EvalBatches = 100, SampleInterval = 2000, CheckpointInterval = 1000,
        },
        ["gpu"] = new()
        {
            Model = "gpt2-124m", Tokenizer = "gpt2", Corpus = ["openwebtext"], BatchSize = 12, TokensPerStep = 12 * 1024 * 40,
            MaxSteps = 600000, LearningRate = 6e-4, MinLearningRate = 6e-5, WarmupSteps = 2000, Precision = Precision.Bf16,
            EvalInterval = 2000, EvalBatches = 200, SampleInterval = 5000, CheckpointInterval = 2000,
        },
    };

    /// <summary>
    /// The config a run uses: a resumed run continues with the config it was started with (from its latest
    /// checkpoint); a new run starts from <paramref name="preset"/>. Overrides (key=value) apply on top in both cases.
    /// </summary>
    public static TrainingConfig ForRun(string runFolder, bool resume, Func<TrainingConfig> preset, IEnumerable<string> overrides)
    {
        var latest = new CheckpointStore(runFolder).Latest();
        var config = resume && latest is not null ? CheckpointStore.ReadState(latest).Config : preset();
        return config.With(overrides);
    }

    public static TrainingConfig Preset(string name) => Presets.TryGetValue(name, out var preset) ? preset
        : throw new ArgumentException($"unknown training preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");

    /// <summary>
    /// Finetuning presets: the model, tokenizer and context come from the pretrained checkpoint; these set the
    /// mixture, the schedule (a lower peak rate than pretraining) and the budget.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TrainingConfig> FinetunePresets = new Dictionary<string, TrainingConfig>
    {
        ["smoke"] = new()
        {
            BatchSize = 4, TokensPerStep = 4 * 256 * 2, MaxSteps = 20, LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 4,
            MaxExamplesPerTask = 400, EvalInterval = 10, EvalBatches = 2, SampleInterval = 20, CheckpointInterval = 10, KeepCheckpoints = 2,
        },
        ["demo"] = new()
        {
            BatchSize = 8, TokensPerStep = 8 * 256 * 2, MaxSteps = 150, LearningRate = 1e-3, MinLearningRate = 1e-4, WarmupSteps = 20,
            Precision = Precision.Bf16, MaxExamplesPerTask = 4000, EvalInterval = 50, EvalBatches = 4, SampleInterval = 150, CheckpointInterval = 50,
        },
        // About an hour on 2 CPU cores, from the cpu pretraining run (context 512).
        ["cpu"] = new()
        {
            BatchSize = 8, TokensPerStep = 8 * 512 * 2, MaxSteps = 4000, LearningRate = 6e-4, MinLearningRate = 6e-5, WarmupSteps = 100,
            Precision = Precision.Bf16, EvalInterval = 250, EvalBatches = 8, SampleInterval = 1000, CheckpointInterval = 250,
        },
        ["gpu"] = new()
        {
            BatchSize = 16, TokensPerStep = 16 * 1024 * 4, MaxSteps = 20000, LearningRate = 2e-4, MinLearningRate = 2e-5, WarmupSteps = 500,
            Precision = Precision.Bf16, EvalInterval = 1000, EvalBatches = 25, SampleInterval = 2000, CheckpointInterval = 1000,
        },
    };

    public static TrainingConfig FinetunePreset(string name) => FinetunePresets.TryGetValue(name, out var preset) ? preset
        : throw new ArgumentException($"unknown finetuning preset '{name}'; choose from {string.Join(", ", FinetunePresets.Keys)}");

    static JsonNode? ParseLiteral(string value)
    {
        try { return JsonNode.Parse(value); }
        catch (JsonException) { return JsonValue.Create(value); }
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainingConfig FromJson(string json) =>
        JsonSerializer.Deserialize<TrainingConfig>(json, Json) ?? throw new InvalidDataException("empty training config");

    /// <summary>
    /// Overrides fields by their JSON names: <c>max_steps=200</c>, <c>precision=bf16</c>,
    /// <c>corpus=openwebtext,c4</c>. An unknown name or a value of the wrong type is an error naming both.
    /// </summary>
    public TrainingConfig With(IEnumerable<string> assignments)
    {
        var node = JsonNode.Parse(ToJson())!.AsObject();
        foreach (var assignment in assignments)
        {
            var parts = assignment.Split('=', 2);
            if (parts.Length != 2) throw new ArgumentException($"--set expects key=value, got '{assignment}'");
            var (key, value) = (parts[0].Trim(), parts[1].Trim());
            if (!node.ContainsKey(key)) throw new ArgumentException($"unknown setting '{key}'; settings are: {string.Join(", ", node.Select(p => p.Key))}");
            node[key] = node[key] switch
            {
                JsonArray => new JsonArray(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                JsonValue current when current.GetValueKind() == JsonValueKind.String => JsonValue.Create(value),
                _ => ParseLiteral(value),   // numbers, booleans, null; anything else stays text and fails as the wrong type
            };
        }
        try
        {
            return JsonSerializer.Deserialize<TrainingConfig>(node, Json)!;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"--set: {e.Path?.TrimStart('$', '.')} has a value of the wrong type ({e.Message.Split('.')[0]})", e);
        }
    }
}
