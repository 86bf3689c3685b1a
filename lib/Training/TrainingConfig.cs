using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Training;

/// <summary>
/// What every training run needs besides its model and data: the batch and step budget, the optimizer and schedule,
/// the precision, and how often to validate, sample and checkpoint. Pretraining and finetuning add their own
/// settings (<see cref="PretrainingConfig"/>, <c>Finetune.FinetuningConfig</c>). The JSON names are the names of
/// <c>--set key=value</c> and of run.json.
/// </summary>
public abstract record TrainingConfig
{
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 16;
    /// <summary>Tokens per optimizer step; a multiple of batch_size × context gives the gradient-accumulation steps.</summary>
    [JsonPropertyName("tokens_per_step")] public int TokensPerStep { get; init; } = 16 * 256;
    /// <summary>Steps to train; for a run given <see cref="Hours"/>, the most it may train, or null for as many as fit.</summary>
    [JsonPropertyName("max_steps")] public int? MaxSteps { get; init; } = 1000;
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;
    [JsonPropertyName("min_learning_rate")] public double MinLearningRate { get; init; } = 1e-4;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 100;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("beta1")] public double Beta1 { get; init; } = 0.9;
    [JsonPropertyName("beta2")] public double Beta2 { get; init; } = 0.95;
    [JsonPropertyName("grad_clip")] public double GradClip { get; init; } = 1.0;
    /// <summary>adamW, or muon: Muon for the blocks' matrices at the same learning rate and decay, AdamW for the rest.</summary>
    [JsonPropertyName("optimizer")] public OptimizerKind OptimizerKind { get; init; } = OptimizerKind.AdamW;
    /// <summary>auto (bf16 where the hardware computes it natively, else fp32), fp32 or bf16.</summary>
    [JsonPropertyName("precision")] public Precision Precision { get; init; } = Precision.Auto;
    /// <summary>
    /// Wall-time budget in hours: the run times its first steps and fixes how many fit (at most max_steps) before it
    /// starts (<see cref="TimeBudget"/>); null trains max_steps steps.
    /// </summary>
    [JsonPropertyName("hours")] public double? Hours { get; init; }
    [JsonPropertyName("eval_interval")] public int EvalInterval { get; init; } = 100;
    [JsonPropertyName("eval_batches")] public int EvalBatches { get; init; } = 20;
    [JsonPropertyName("sample_interval")] public int SampleInterval { get; init; } = 250;
    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 250;
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 2;
    [JsonPropertyName("seed")] public long Seed { get; init; } = 1337;
    /// <summary>auto (CUDA when available, else the CPU), cpu, cuda or cuda:N.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = Platform.ComputeDevice.Auto;

    /// <summary>Micro-batches per optimizer step.</summary>
    public int AccumulationSteps(int contextLength)
    {
        int micro = BatchSize * contextLength;
        if (TokensPerStep < micro || TokensPerStep % micro != 0)
            throw new UserError($"tokens_per_step ({TokensPerStep}) must be a multiple of batch_size × context ({BatchSize} × {contextLength} = {micro})");
        return TokensPerStep / micro;
    }

    /// <summary>The steps the run trains: fixed by the config, or by its time budget before the first step (<see cref="TimeBudget.Apply"/>).</summary>
    [JsonIgnore] public int Steps => MaxSteps ?? throw new InvalidOperationException("a run given hours without max_steps has no step count until its time budget fixes one");

    /// <summary>"300 steps", or for a run given hours "the steps that fit in 0.08 h (at most 300)".</summary>
    [JsonIgnore] public string Length => Hours is { } hours
        ? $"the steps that fit in {hours:0.###} h{(MaxSteps is { } cap ? $" (at most {cap:N0})" : "")}"
        : $"{Steps:N0} steps";

    [JsonIgnore] public LrSchedule Schedule => new(LearningRate, MinLearningRate, WarmupSteps, Steps);

    [JsonIgnore] public OptimizerSettings Optimizer => new(WeightDecay, Beta1, Beta2, GradientClip: GradClip, Kind: OptimizerKind);

    /// <summary>Settings that fix what is trained (the model, its data, its formats): a resumed run cannot change them.</summary>
    [JsonIgnore] public virtual IReadOnlySet<string> FixedOnResume => new HashSet<string> { "hours", "optimizer" };

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}

/// <summary>Reading, writing and overriding configs by their JSON names, for every kind of <see cref="TrainingConfig"/>.</summary>
public static class TrainingConfigs
{
    public static string ToJson<T>(T config) where T : TrainingConfig => JsonSerializer.Serialize(config, TrainingConfig.Json);

    /// <summary>The names <c>--set</c> takes for a kind of config: its JSON names.</summary>
    public static IEnumerable<string> Keys<T>(T config) where T : TrainingConfig => JsonNode.Parse(ToJson(config))!.AsObject().Select(p => p.Key);

    public static T FromJson<T>(string json) where T : TrainingConfig =>
        JsonSerializer.Deserialize<T>(json, TrainingConfig.Json) ?? throw new InvalidDataException("empty training config");

    /// <summary>
    /// Overrides fields by their JSON names: <c>max_steps=200</c>, <c>precision=bf16</c>, <c>corpus=openwebtext,c4</c>.
    /// An unknown name or a value of the wrong type is an error naming both.
    /// </summary>
    public static T With<T>(this T config, IEnumerable<string> assignments) where T : TrainingConfig
    {
        var node = JsonNode.Parse(ToJson(config))!.AsObject();
        foreach (var assignment in assignments)
        {
            var (key, value) = Split(assignment);
            // key+=a,b appends to a list setting (corpus+=squad: the preset's corpus and SQuAD's passages).
            bool append = key.EndsWith('+');
            key = key.TrimEnd('+').TrimEnd();
            if (!node.ContainsKey(key)) throw new UserError($"unknown setting '{key}'; settings are: {string.Join(", ", node.Select(p => p.Key))}");
            if (append && node[key] is not JsonArray) throw new UserError($"'{key}+=' appends to a list, and {key} is not one; use {key}=value");
            node[key] = node[key] switch
            {
                JsonArray list => new JsonArray([.. (append ? list.Select(v => v!.GetValue<string>()) : []).Concat(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                    .Distinct().Select(v => (JsonNode)JsonValue.Create(v)!)]),
                JsonValue current when current.GetValueKind() == JsonValueKind.String => JsonValue.Create(value),
                _ => ParseLiteral(value),   // numbers, booleans, null; anything else stays text and fails as the wrong type
            };
        }
        T result;
        try
        {
            result = JsonSerializer.Deserialize<T>(node, TrainingConfig.Json)!;
        }
        catch (JsonException e)
        {
            throw new UserError($"--set: {e.Path?.TrimStart('$', '.')} has a value of the wrong type ({e.Message.Split('.')[0]})", e);
        }
        if (result.MaxSteps is null && result.Hours is null) throw new UserError("max_steps=null trains as many steps as fit in some hours: give --hours too, or a number of steps");
        if (result.MaxSteps <= 0) throw new UserError($"max_steps must be positive, got {result.MaxSteps}");
        return result;
    }

    /// <summary>The overrides a resumed run may take: none of the settings that fix what is trained.</summary>
    public static T ForResume<T>(this T config, IEnumerable<string> assignments) where T : TrainingConfig
    {
        var list = assignments.ToList();
        var current = JsonNode.Parse(ToJson(config))!.AsObject();
        // A setting that fixes what is trained may be repeated with the value the run has (an experiment resuming with its own settings).
        foreach (var assignment in list)
            if (Split(assignment).Key.TrimEnd('+').TrimEnd() is var key && config.FixedOnResume.Contains(key)
                && !JsonNode.DeepEquals(current[key], JsonNode.Parse(ToJson(config.With([assignment])))![key]))
                throw new UserError($"--set {key} cannot change when a run resumes (it fixes what is trained: the model, its data or its step count); start a new run with another --out instead");
        return config.With(list);
    }

    /// <summary>Whether the overrides set a setting (<c>max_steps=…</c>).</summary>
    public static bool Sets(IEnumerable<string> assignments, string key) => assignments.Any(a => Split(a).Key == key);

    /// <summary>
    /// <c>--hours H</c>: train for H hours, with no cap from the preset's step count unless <paramref name="capped"/>
    /// (the user set max_steps), so the run trains as many steps as fit. A preset's own hours keep its max_steps as the cap.
    /// </summary>
    public static T ForHours<T>(this T config, double? hours, bool capped) where T : TrainingConfig
    {
        if (hours is not { } h) return config;
        if (!(h > 0)) throw new UserError($"--hours must be positive, got {h}");
        return config with { Hours = h, MaxSteps = capped ? config.MaxSteps : null };
    }

    static (string Key, string Value) Split(string assignment)
    {
        var parts = assignment.Split('=', 2);
        if (parts.Length != 2) throw new UserError($"--set expects key=value, got '{assignment}'");
        return (parts[0].Trim(), parts[1].Trim());
    }

    static JsonNode? ParseLiteral(string value)
    {
        try { return JsonNode.Parse(value); }
        catch (JsonException) { return JsonValue.Create(value); }
    }
}
