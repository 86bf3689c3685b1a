using System.Security.Cryptography;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;
using Encoding = System.Text.Encoding;

namespace LlmNotebooks.Pipeline;

/// <summary>
/// One variant of an ablation: settings on top of the budget's pretraining and finetuning, and a decoder (by default
/// each task's recipe, the decoder the experiments were first scored with, so their records stay comparable).
/// </summary>
public sealed record ExperimentVariant(string Name, string[] Pretrain, string[] Finetune, Decoder Decoder = Decoder.Task, DecodingOptions? Decoding = null,
    int? Sentences = null)
{
    public IEnumerable<string> Settings => Pretrain.Select(s => $"pretrain {s}").Concat(Finetune.Select(s => $"finetune {s}"))
        .Append($"decoder {Decoder.ToString().ToLowerInvariant()}{(Decoding is null ? "" : $" ({Decoding.Describe()})")}{(Sentences is { } n ? $", {n} sentences" : "")}");
}

/// <summary>
/// How much compute every variant of an experiment gets. Screening: a short run of GPT-2's block (0.55 PFLOP on the
/// cpu preset), where the first decisions were made but generated answers score near zero. Predictive: the preset's
/// own recipe at about a third of its compute, where the reference answers SQuAD well enough that a difference
/// in the scores says something about the full run.
/// </summary>
public enum ExperimentScale { Screening, Predictive }

/// <summary>An ablation: the question, and its variants (the first is the reference), all at the same budget.</summary>
public sealed record Experiment(string Name, string Question, IReadOnlyList<ExperimentVariant> Variants, ExperimentScale Scale = ExperimentScale.Screening);

/// <summary>
/// What every variant of every experiment gets: the pretraining and finetuning presets with fewer steps, and how many
/// validation examples each task is scored on (the same examples for every variant).
/// </summary>
public sealed record ExperimentBudget(string Preset, string[] Pretrain, string[] Finetune, IReadOnlyDictionary<string, int> Examples)
{
    public string Describe() =>
        $"pretraining `{Preset}` with {string.Join(" ", Pretrain.Select(s => $"`{s}`"))}, finetuning `{Preset}` with {string.Join(" ", Finetune.Select(s => $"`{s}`"))}; " +
        $"scored on the first {string.Join(", ", Examples.Select(e => $"{e.Value:N0} {e.Key}"))} validation examples";
}

/// <summary>
/// The ablations of the report's Experiments section, run at equal compute on this machine: each variant pretrains
/// (or reuses a pretrained model with the same settings), finetunes (likewise), is evaluated on the same examples,
/// and leaves an <see cref="ExperimentRecord"/>. Runs are keyed by their settings, so variants that share a model
/// share its run, and a stopped experiments command resumes where it ended.
/// </summary>
public static class Experiments
{
    public static ExperimentBudget Budget(string preset, ExperimentScale scale) => (preset, scale) switch
    {
        // Equal compute is equal steps: every budget pins hours=null, so a preset that trains for a time (demo) trains
        // the same steps on every variant.
        ("smoke", _) => new("smoke", ["max_steps=10", "hours=null"], ["max_steps=10", "hours=null"], Examples(squad: 8, cnnDailyMail: 4, sst2: 8)),
        // GPT-2's block is pinned so that every reference stays the one the experiments were first measured with,
        // whatever block the preset has since adopted (the Architecture experiment's variant is the preset's).
        // The preset's block, corpus and mixture, each phase shortened to 1,000 steps.
        (_, ExperimentScale.Predictive) => new(preset, ["max_steps=1000", "hours=null", "warmup_steps=100", "eval_interval=250", "sample_interval=1000", "checkpoint_interval=250"],
            ["max_steps=1000", "hours=null", "warmup_steps=50", "eval_interval=250", "sample_interval=1000", "checkpoint_interval=250", "task_eval_interval=0"],
            Examples(squad: 1000, cnnDailyMail: 200, sst2: 872)),
        _ => new(preset, ["max_steps=1000", "hours=null", "warmup_steps=100", "eval_interval=250", "sample_interval=1000", "checkpoint_interval=250",
                "position=learned", "norm=layerNorm", "mlp=gelu", "qk_norm=false", "bias=true"],
            // Each variant is scored once at the end, on more examples than the preset's curve uses; the reference
            // mixes the tasks as the default does (10 % replay), the baseline the replay experiment measures against.
            [$"mixture={Mixture.Default}", "max_steps=800", "hours=null", "warmup_steps=50", "eval_interval=200", "sample_interval=800", "checkpoint_interval=200", "task_eval_interval=0"],
            Examples(squad: 1000, cnnDailyMail: 200, sst2: 872)),
    };

    static Dictionary<string, int> Examples(int squad, int cnnDailyMail, int sst2) => new()
    {
        [TaskRegistry.Squad.Name] = squad, [TaskRegistry.CnnDailyMail.Name] = cnnDailyMail, [TaskRegistry.Sst2.Name] = sst2,
    };

    static readonly ExperimentVariant Reference = new("reference", [], []);

    /// <summary>The ablations, each varying one thing from the reference (GPT-2's architecture, passage-first causal prompts, the preset's data).</summary>
    public static readonly IReadOnlyList<Experiment> All =
    [
        new("Decoders", "The same finetuned model, its answers read out by each decoder.",
        [
            Reference with { Name = "greedy", Decoder = Decoder.Greedy, Decoding = new DecodingOptions() },
            Reference with { Name = "greedy, no repeated trigram", Decoder = Decoder.Greedy, Decoding = new DecodingOptions(NoRepeatNgram: 3) },
            Reference with { Name = "SQuAD answer within the passage", Decoder = Decoder.Span, Decoding = new DecodingOptions(NoRepeatNgram: 3) },
            Reference with { Name = "SQuAD answer within the passage, beam 4", Decoder = Decoder.Span, Decoding = new DecodingOptions(Beams: 4, NoRepeatNgram: 3) },
            Reference with { Name = "SQuAD answer within the 2 sentences closest to the question", Decoder = Decoder.Sentence, Decoding = new DecodingOptions(NoRepeatNgram: 3) },
            Reference with { Name = "beam 4 for summaries (trigram blocking, min 40 tokens)", Decoder = Decoder.Task },
            Reference with { Name = "beam 4, summaries in the article's words", Decoder = Decoder.Extractive },
        ]),
        new("Micro-batches", "Filling each micro-batch to its positions (many short SST-2 sentences or SQuAD questions at once) against a fixed number of rows, at the same compute.",
            [Reference with { Name = "filled to batch_size × context positions" }, Reference with { Name = "batch_size rows", Finetune = ["fill_batches=false"] }]),
        new("Prompt order and attention", "Should the question come before the passage, so that a causal model reads the passage knowing it? " +
            "And a prefix LM (the prompt attends to itself both ways, the answer stays causal) against a causal decoder.",
        [
            Reference with { Name = "passage first, causal" },
            Reference with { Name = "question first, causal", Finetune = ["qa_prompt=questionFirst"] },
            Reference with { Name = "passage first, bidirectional prompt", Finetune = ["prompt_attention=bidirectional"] },
            Reference with { Name = "question first, bidirectional prompt", Finetune = ["prompt_attention=bidirectional", "qa_prompt=questionFirst"] },
        ]),
        new("Replay and mixture", "How much pretraining text to replay during finetuning, against forgetting, and what it costs the tasks.",
        [
            Reference with { Name = "10% replay" },
            Reference with { Name = "25% replay", Finetune = [$"mixture={Mixture.QuarterReplay}"] },
        ]),
        new("Architecture", "GPT-2's block against today's small-model recipe (rotary positions, RMSNorm, SwiGLU, QK-norm) at the same tokens and nearly the same FLOPs.",
        [
            Reference with { Name = "GPT-2" },
            Reference with { Name = "rotary, RMSNorm, SwiGLU, QK-norm", Pretrain = ["position=rotary", "norm=rmsNorm", "mlp=swiGlu", "qk_norm=true"] },
        ]),
        new("Pretraining data", "The assignment asks for OpenWebText; the cpu preset adds Wikipedia (three quarters of its tokens). What does the mix do to the tasks?",
        [
            Reference with { Name = "web text and Wikipedia" },
            Reference with { Name = "web text only", Pretrain = ["corpus=openwebtext,webtext,c4"] },
        ]),
        new("Domain-adaptive pretraining", "Pretraining also on the tasks' own unlabelled training text (Gururangan et al. 2020): " +
            "the SQuAD training passages (Wikipedia articles, one document each; 2.9M tokens beside the corpus's 20M).",
        [
            Reference with { Name = "web text and Wikipedia" },
            Reference with { Name = "and the SQuAD passages", Pretrain = ["corpus+=squad"] },
        ], ExperimentScale.Predictive),
        new("Loss on the prompt", "Finetuning with the loss on the prompt's tokens too, at a tenth of the answer's weight (Shi et al. 2024), " +
            "so that the passages and articles teach as well as the answers.",
        [
            Reference with { Name = "loss on the response only" },
            Reference with { Name = "prompt tokens at weight 0.1", Finetune = ["prompt_loss_weight=0.1"] },
        ], ExperimentScale.Predictive),
        new("SQuAD packed by passage", "Each SQuAD passage once with all its questions and answers after it (each seeing the passage and itself only), " +
            "instead of one copy of the passage per question: about 4.6 answers for the compute of one passage.",
        [
            Reference with { Name = "one question per row" },
            Reference with { Name = "packed by passage", Finetune = ["pack_passages=true"] },
        ], ExperimentScale.Predictive),
        new("Readouts", "The reference model's answers read out by other decoders, chosen on these validation examples (so a gain here is " +
            "tuned on them): SQuAD answers by beam search inside the passage; summaries in the article's words, or made of the article's " +
            "sentences the model scores best as the summary's next line.",
        [
            Reference with { Name = "each task's recipe" },
            Reference with { Name = "SQuAD answer within the passage, beam 4", Decoder = Decoder.Span, Decoding = new DecodingOptions(Beams: 4, NoRepeatNgram: 3) },
            Reference with { Name = "summaries in the article's words", Decoder = Decoder.Extractive },
            Reference with { Name = "summaries of the 3 sentences the model scores best", Decoder = Decoder.Select, Sentences = 3 },
            Reference with { Name = "summaries of the 2 sentences the model scores best", Decoder = Decoder.Select, Sentences = 2 },
        ], ExperimentScale.Predictive),
        new("Biases", "Qwen3's block has no biases (the cpu preset follows it, so that its model exports as Qwen3); GPT-2's has them in every " +
            "linear layer. Short demo runs could not tell the two apart from the spread between seeds.",
        [
            Reference with { Name = "no biases (Qwen3)" },
            Reference with { Name = "biases", Pretrain = ["bias=true"] },
        ], ExperimentScale.Predictive),
        new("Optimizer", "Muon (orthogonalised momentum, as in modded-nanogpt's speed records) for the blocks' matrices, AdamW for the rest, " +
            "at AdamW's learning rate and decay (Liu et al. 2025 scale Muon's update to AdamW's size), in both phases.",
        [
            Reference with { Name = "AdamW" },
            Reference with { Name = "Muon", Pretrain = ["optimizer=muon"], Finetune = ["optimizer=muon"] },
        ], ExperimentScale.Predictive),
    ];

    /// <summary>Runs every experiment (or the one named), skipping variants already recorded.</summary>
    public static void Run(string preset, string dataFolder, PipelineFolders folders, PipelineHooks hooks, string? only = null, CancellationToken cancellation = default)
    {
        DataSetup.Ensure(dataFolder, hooks.Log, cancellation);
        var experiments = All.Where(e => only is null || e.Name.Equals(only, StringComparison.OrdinalIgnoreCase)).ToList();
        if (experiments.Count == 0) throw new UserError($"no experiment named '{only}'; they are: {string.Join(", ", All.Select(e => e.Name))}");
        foreach (var experiment in experiments)
            foreach (var (variant, index) in experiment.Variants.Select((v, i) => (v, i)))
            {
                cancellation.ThrowIfCancellationRequested();
                if (File.Exists(ExperimentRecord.PathOf(folders.Experiments, experiment.Name, variant.Name))) { hooks.Log($"{experiment.Name} / {variant.Name}: done earlier"); continue; }
                var budget = Budget(preset, experiment.Scale);
                hooks.Log($"{experiment.Name} / {variant.Name}: {budget.Describe()}");
                (RunVariant(experiment, variant, budget, dataFolder, folders, hooks, cancellation)
                    with { ExperimentIndex = All.ToList().IndexOf(experiment), VariantIndex = index }).Write(folders.Experiments);
            }
    }

    /// <summary>The scores an experiment record keeps of each evaluation.</summary>
    static readonly HashSet<string> Kept = [Metric.F1, Metric.ExactMatch, Metric.Rouge1, Metric.Rouge2, Metric.RougeL, Metric.Bleu, Metric.Degenerate, Metric.Accuracy];

    static ExperimentRecord RunVariant(Experiment experiment, ExperimentVariant variant, ExperimentBudget budget, string dataFolder, PipelineFolders folders,
        PipelineHooks hooks, CancellationToken cancellation)
    {
        string[] pretrainSettings = [.. budget.Pretrain, .. variant.Pretrain], finetuneSettings = [.. budget.Finetune, .. variant.Finetune];
        var runs = Path.Combine(folders.Experiments, "runs");
        var (pretrainKey, finetuneKey) = RunKeys(budget, variant);
        var pretrain = Path.Combine(runs, $"pretrain-{pretrainKey}");
        var finetune = Path.Combine(runs, $"finetune-{finetuneKey}");
        Train<PretrainingConfig>(pretrain, "pretrain", hooks, resume => hooks.Train("pretrain", watch =>
            Pretraining.Run(Pretraining.Config(budget.Preset, pretrainSettings, pretrain, resume), new(dataFolder, pretrain), resume, watch, cancellation)));
        Train<FinetuningConfig>(finetune, "finetune", hooks, resume => hooks.Train("finetune", watch =>
            Finetuning.Run(Finetuning.Config(budget.Preset, finetuneSettings, finetune, resume), new(dataFolder, finetune, From: pretrain), resume, watch, cancellation)));

        var (model, tokenizer) = Finetuning.LoadModel(finetune);
        var scores = new List<ScoreRow>();
        var perExample = new List<ExampleScoreList>();
        using (model)
            foreach (var (task, examples) in budget.Examples)
            {
                var options = new EvaluationOptions(examples, Decoder: variant.Decoder, Custom: variant.Decoding, QaPrompt: Finetuning.QaPromptOf(finetune),
                    Sentences: variant.Sentences);
                var result = Evaluator.Evaluate(model, tokenizer, TaskRegistry.Named(task), dataFolder, TaskSplit.Validation, options, (done, total) => hooks.EvaluationProgress?.Invoke(task, done, total), cancellation);
                // The model's scores and the baselines' on the same examples (published figures are for the report's evaluation).
                var kept = result.Scores.Where(s => Kept.Contains(s.Metric) && !s.IsPublished).ToList();
                scores.AddRange(kept);
                perExample.Add(ExampleScoreList.Of(TaskRegistry.Named(task), result.Predictions));
                hooks.Log($"  {task}: {string.Join(", ", kept.Select(s => $"{s.System} {s.Metric} {s.Value:F1}"))} ({result.Summary.Decoding})");
            }
        var finetuneMetrics = MetricsLog.Read(finetune);
        scores.AddRange(TaskLosses(finetuneMetrics));
        if (Forgetting.Of(finetuneMetrics) is { } forgetting)
            scores.Add(new ScoreRow(Mixture.Pretrain, ScoreRow.OurModel, Metric.Forgetting, forgetting, null, null, 0, ScoreRow.Measured));
        var pretrainLog = MetricsLog.Read(pretrain).Last(r => r.Kind == MetricsRecord.TrainKind);
        var finetuneLog = finetuneMetrics.Last(r => r.Kind == MetricsRecord.TrainKind);
        double flops = RunRecord<PretrainingConfig>.Read(pretrain).TrainingFlopsPerToken;
        return new ExperimentRecord(Experiment: experiment.Name, Question: experiment.Question, Variant: variant.Name, Settings: [.. variant.Settings],
            Budget: budget.Describe(), TrainingPflop: (pretrainLog.Tokens + finetuneLog.Tokens) * flops / 1e15,
            WallSeconds: pretrainLog.WallSeconds + finetuneLog.WallSeconds, Scores: scores, ExperimentIndex: 0, VariantIndex: 0, Examples: perExample);
    }

    /// <summary>
    /// Each task's validation loss (its held-out examples' response tokens) at the end of finetuning: it moves with
    /// every change, also where a small model's generated answers still score near zero.
    /// </summary>
    static IEnumerable<ScoreRow> TaskLosses(IReadOnlyList<MetricsRecord> finetuneMetrics)
    {
        var last = finetuneMetrics.LastOrDefault(r => r.Kind == MetricsRecord.EvalKind);
        if (last?.Validation is null) yield break;
        foreach (var (task, loss) in last.Validation.Where(v => v.Key != Mixture.Pretrain))
            yield return new ScoreRow(task, ScoreRow.OurModel, Metric.TaskLoss, loss, null, null, 0, ScoreRow.Measured);
    }

    static void Train<T>(string runFolder, string phase, PipelineHooks hooks, Func<bool, TrainingResult> train) where T : TrainingConfig
    {
        if (File.Exists(Path.Combine(runFolder, ModelFiles.HandIn))) { hooks.Log($"  {phase}: reusing {runFolder}"); return; }
        if (train(RunRecord<T>.Exists(runFolder)).Reason == StopReason.Cancelled)
            throw new OperationCanceledException($"stopped during {phase}; run the same command again to continue");
    }

    /// <summary>
    /// The names of a variant's pretraining and finetuning runs: keyed by the whole config each trains with (defaults
    /// included), so a changed default trains anew and variants with the same settings share a run.
    /// </summary>
    public static (string Pretrain, string Finetune) RunKeys(ExperimentBudget budget, ExperimentVariant variant)
    {
        string pretrainConfig = TrainingConfigs.ToJson(PretrainingConfig.Preset(budget.Preset).With([.. budget.Pretrain, .. variant.Pretrain]));
        string finetuneConfig = TrainingConfigs.ToJson(FinetuningConfig.Preset(budget.Preset).With([.. budget.Finetune, .. variant.Finetune]));
        return (Key(pretrainConfig), Key(pretrainConfig + finetuneConfig));
    }

    /// <summary>A short stable name for a training config (the run folder of every variant that trains with it).</summary>
    static string Key(string config) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(config)))[..10].ToLowerInvariant();
}
