using System.Diagnostics;
using System.Text.Json;
using LlmNotebooks.Model;
using LlmNotebooks.Platform;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>How a run ended.</summary>
public enum StopReason { Completed, Cancelled }

public sealed record TrainingResult(StopReason Reason, long Steps, long Tokens, double? BestValidationLoss, string? LastCheckpoint, string? ExportedModel);

/// <summary>Progress for a display: where the run is and how fast it goes.</summary>
public readonly record struct TrainerProgress(long Step, long MaxSteps, double Loss, double TokensPerSecond, TimeSpan Remaining);

/// <summary>A loss went to NaN or infinity: the run stopped, and the last good checkpoint is named.</summary>
public sealed class TrainingDivergedException(long step, string? lastCheckpoint, double loss)
    : Exception($"training diverged at step {step} (loss {loss}); " +
                (lastCheckpoint is null ? "no checkpoint was written yet" : $"the last good checkpoint is {lastCheckpoint}") +
                "; try a lower learning_rate or a longer warmup_steps")
{
    public long Step => step;
    public string? LastCheckpoint => lastCheckpoint;
}

/// <summary>
/// The training loop shared by pretraining and finetuning (the data differs, through <see cref="IBatchSource"/>):
/// learning-rate schedule, gradient accumulation, periodic validation loss and sample generations, a metrics log,
/// checkpoints (keep-last-N and best-by-validation), exact resume, a clean stop on cancellation (Ctrl+C) with a
/// checkpoint, and a stop with the last good checkpoint named when the loss turns NaN.
/// </summary>
public sealed class Trainer(TrainingConfig config, string runFolder, TextTokenizer tokenizer, IBatchSource data)
{
    public const string RunFile = "run.json";

    /// <summary>A run's run.json: its config, model, hardware and the matmul ceiling its MFU is relative to.</summary>
    public static JsonElement ReadRunFile(string runFolder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(runFolder, RunFile))).RootElement;

    /// <summary>The training config a run.json records.</summary>
    public static TrainingConfig RunConfig(JsonElement run) => TrainingConfig.FromJson(run.GetProperty("config").GetRawText());

    /// <summary>Called after every step.</summary>
    public Action<TrainerProgress>? Progress { get; init; }

    /// <summary>Messages worth showing: evaluations, samples, checkpoints.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Runs between writing a checkpoint's files and committing it (tests inject a failure here).</summary>
    public Action? BeforeCheckpointCommit { get; init; }

    /// <param name="initialModel">Weights to start from (finetuning; the trainer takes ownership); null starts from scratch.</param>
    public TrainingResult Run(bool resume, Gpt? initialModel = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(runFolder);
        var store = new CheckpointStore(runFolder);
        var log = new MetricsLog(runFolder);
        var latest = store.Latest();
        if (!resume && (latest is not null || File.Exists(Path.Combine(runFolder, MetricsLog.MetricsFile))))
            throw new InvalidOperationException($"{runFolder} already holds a run; continue it with --resume, or choose another --out");

        torch.manual_seed(config.Seed);
        using var model = initialModel ?? new Gpt(config.ModelConfig(tokenizer.VocabSize), config.Seed);
        if (model.Config.VocabSize < tokenizer.VocabSize)
            throw new ArgumentException($"the model's vocabulary ({model.Config.VocabSize}) is smaller than the tokenizer's ({tokenizer.VocabSize})");
        int accumulation = config.AccumulationSteps(model.Config.ContextLength);
        using var training = new TrainingStep(model, config.Optimizer, config.Precision);

        long step = 0, tokens = 0;
        double wallBefore = 0;
        double? best = null;
        if (resume && latest is not null)
        {
            var state = CheckpointStore.Restore(latest, training);
            (step, tokens, wallBefore, best) = (state.Step, state.TokensSeen, state.WallSeconds, state.BestValidationLoss);
            log.TruncateAfter(step);
            Log?.Invoke($"resumed from {latest} at step {step}");
        }
        // MFU's denominator, measured here in the run's compute precision: the best of three short trials, so a brief
        // disturbance does not lower it.
        double ceiling = Enumerable.Range(0, 3).Max(_ => MatmulCeiling.Measure(n: 1024, dtype: config.Precision.ComputeType(), seconds: 0.3));
        WriteRunFile(model, ceiling);
        var schedule = config.Schedule;
        string? lastCheckpoint = latest;
        long firstStep = step;
        var clock = Stopwatch.StartNew();
        var stepClock = new Stopwatch();
        double wall() => wallBefore + clock.Elapsed.TotalSeconds;

        string SaveCheckpoint(string name) =>
            store.Save(name, training, new TrainerState(step, tokens, wall(), best, CheckpointStore.CaptureRng(), config), tokenizer, BeforeCheckpointCommit);

        void Validate()
        {
            var losses = Evaluate(training.ComputeModel);
            log.Append(new MetricsRecord { Kind = MetricsRecord.EvalKind, Step = step, Tokens = tokens, WallSeconds = wall(), Validation = losses });
            double mean = losses.Values.Average();
            Log?.Invoke($"step {step}: validation loss {string.Join(", ", losses.Select(l => $"{l.Key} {l.Value:F4}"))}");
            if (best is null || mean < best)
            {
                best = mean;
                SaveCheckpoint(CheckpointStore.Best);
            }
        }

        // A new run is validated before its first step too: where it starts (a finetuning run: the pretrained model on each task).
        if (step == 0) Validate();

        while (step < config.MaxSteps)
        {
            if (cancellation.IsCancellationRequested)
            {
                lastCheckpoint = SaveCheckpoint(CheckpointStore.StepName(step));
                Log?.Invoke($"stopped at step {step}; checkpoint {lastCheckpoint}");
                return new TrainingResult(StopReason.Cancelled, step, tokens, best, lastCheckpoint, null);
            }
            stepClock.Restart();
            var batches = Enumerable.Range(0, accumulation).Select(m => data.TrainBatch(step, m)).ToList();
            // Token positions computed: finetuning pads each batch to its longest example, not to the context.
            long stepTokens = batches.Sum(b => b.Inputs.numel());
            StepResult result;
            double learningRate = schedule.At(step);
            try
            {
                result = training.Step(batches, learningRate);
            }
            catch (NonFiniteLossException e)
            {
                throw new TrainingDivergedException(step, lastCheckpoint, e.Loss);
            }
            finally
            {
                foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
            }
            step++;
            tokens += stepTokens;
            double seconds = stepClock.Elapsed.TotalSeconds, tokensPerSecond = stepTokens / seconds;
            log.Append(new MetricsRecord
            {
                Step = step, Tokens = tokens, WallSeconds = wall(), TrainLoss = result.Loss, LearningRate = learningRate,
                GradNorm = result.GradientNorm, TokensPerSecond = tokensPerSecond,
                Mfu = tokensPerSecond * model.TrainingFlopsPerToken / (ceiling * 1e9),
                PeakMemoryMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,
                Precision = config.Precision.Name(),
                Mixture = data.Seen(step),
            });
            Progress?.Invoke(new TrainerProgress(step, config.MaxSteps, result.Loss, tokensPerSecond,
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (step - firstStep) * (config.MaxSteps - step))));

            bool last = step == config.MaxSteps;
            if (step % config.EvalInterval == 0 || last) Validate();
            if (step % config.SampleInterval == 0 || last) Sample(training.ComputeModel, step, log);
            if (step % config.CheckpointInterval == 0 || last)
            {
                lastCheckpoint = SaveCheckpoint(CheckpointStore.StepName(step));
                store.Prune(config.KeepCheckpoints);
            }
        }

        // The hand-in model: the best by validation loss (the last one if validation never ran).
        var source = store.BestCheckpoint ?? lastCheckpoint!;
        var (exported, _) = ModelFiles.Load(source);
        using (exported) ModelFiles.Save(runFolder, exported, tokenizer, handIn: true);
        Log?.Invoke($"model: {Path.Combine(runFolder, ModelFiles.HandIn)} (from {Path.GetFileName(source)})");
        return new TrainingResult(StopReason.Completed, step, tokens, best, lastCheckpoint, Path.Combine(runFolder, ModelFiles.HandIn));
    }

    /// <summary>Mean loss over each validation set's fixed batches, in evaluation mode (no dropout).</summary>
    Dictionary<string, double> Evaluate(Gpt model)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            return data.ValidationSets.ToDictionary(set => set.Key, set => set.Value.Average(batch =>
            {
                using var scope = NewDisposeScope();
                return (double)model.Forward(batch.Inputs, batch.Targets).Loss.item<float>();
            }));
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    void Sample(Gpt model, long step, MetricsLog log)
    {
        var options = new SamplingOptions(Temperature: 0.8, TopK: 200, Seed: step, StopTokens: [tokenizer.EndOfText], VocabularyLimit: tokenizer.VocabSize);
        var prompts = data.SamplePrompts?.Select(p => (Label: p.Label, Ids: p.Prompt, Options: options with { MaxNewTokens = p.MaxTokens, Temperature = 0 }))
            ?? config.SamplePrompts.Select(p => (Label: p, Ids: tokenizer.Encode(p), Options: options with { MaxNewTokens = config.SampleTokens }))
                .Where(p => p.Ids.Length > 0);
        foreach (var (label, ids, sampling) in prompts)
        {
            var text = tokenizer.Decode(Generation.Generate(model, [ids], sampling)[0]);
            log.Append(new SampleRecord(step, label, text));
            Log?.Invoke($"sample at step {step}: {label}{(data.SamplePrompts is null ? "" : ": ")}{text.ReplaceLineEndings(" ")}");
        }
    }

    void WriteRunFile(Gpt model, double ceiling)
    {
        var run = new
        {
            config = JsonSerializer.SerializeToNode(config, TrainingConfig.Json),
            model = JsonSerializer.SerializeToNode(model.Config, GptConfig.Json),
            parameters = model.ParameterCount(),
            parameters_without_embeddings = model.ParameterCount(includeEmbeddings: false),
            training_flops_per_token = model.TrainingFlopsPerToken,
            tokenizer = tokenizer.Manifest,
            cpu = CpuInfo.Detect(),
            threads = torch.get_num_threads(),
            matmul_ceiling_gflops = ceiling,
            matmul_ceiling_precision = config.Precision.Name(),
            device = TorchRuntime.BuildDevice,
        };
        AtomicFile.WriteAllText(Path.Combine(runFolder, RunFile), JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
    }
}
