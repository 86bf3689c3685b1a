using LlmNotebooks.Model;
using LlmNotebooks.Platform;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Training.Callbacks;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>Where a training run reads and writes: the data folder, its own folder, and, for finetuning, the model it starts from.</summary>
public sealed record RunPaths(string Data, string Run, string? From = null);

/// <summary>
/// How a run is watched and what hangs off it besides the standard callbacks. <paramref name="Started"/> is called
/// with the run folder once it holds run.json (finetuning writes its data summary there then).
/// </summary>
public sealed record TrainingRunHooks(Action<string>? Log = null, Action<TrainerProgress>? Progress = null, Action? BeforeCheckpointCommit = null,
    Func<TextTokenizer, IEnumerable<IPeriodicCallback>>? ExtraCallbacks = null, Action<string>? Started = null);

/// <summary>
/// One training run in its folder, shared by pretraining and finetuning: checks the folder, builds or restores the
/// model and optimizer, writes run.json, hangs the standard callbacks on the <see cref="Trainer"/> (metrics log,
/// validation, samples, checkpoints, progress), runs it, and exports the best checkpoint as the run's model.
/// </summary>
public static class TrainingRun
{
    /// <summary>
    /// The config a run uses: a resumed run continues with its own (run.json), taking only the overrides that do not
    /// change what is trained; a new run starts from <paramref name="preset"/> with the overrides on top, and trains
    /// for <paramref name="hours"/> when given (<see cref="TrainingConfigs.ForHours"/>).
    /// </summary>
    public static T Config<T>(string runFolder, bool resume, Func<T> preset, IReadOnlyList<string> overrides, double? hours = null) where T : TrainingConfig
    {
        if (!resume) return preset().With(overrides).ForHours(hours, capped: TrainingConfigs.Sets(overrides, "max_steps"));
        if (!RunRecord<T>.Exists(runFolder))
            throw new UserError($"nothing to resume in {runFolder}: it holds no run ({RunRecord<T>.FileName} is missing); check --out, or start the run without --resume");
        if (hours is not null)
            throw new UserError("--hours cannot change when a run resumes (its step count was fixed when it started); resume without --hours, or start a new run with another --out");
        return RunRecord<T>.Read(runFolder).Config.ForResume(overrides);
    }

    /// <param name="newModel">Builds the model of a new run (finetuning: the pretrained one; the run takes ownership).</param>
    public static TrainingResult Execute<T>(T config, string runFolder, bool resume, TextTokenizer tokenizer, IBatchSource data, Func<Gpt> newModel,
        IReadOnlyList<SamplePrompt> samplePrompts, TrainingRunHooks hooks, CancellationToken cancellation = default) where T : TrainingConfig
    {
        Guard(runFolder, resume);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var device = ComputeDevice.Resolve(config.Device);
        var (precision, ceiling) = ChoosePrecision(config.Precision, device, hooks.Log);
        torch.manual_seed(config.Seed);
        var record = resume ? RunRecord<T>.Read(runFolder) : null;
        using var model = record is null ? newModel() : new Gpt(record.Model);
        if (model.Config.VocabSize < tokenizer.VocabSize)
            throw new UserError($"the model's vocabulary ({model.Config.VocabSize}) is smaller than the tokenizer's ({tokenizer.VocabSize})");
        model.to(device);
        int accumulation = config.AccumulationSteps(model.Config.ContextLength);
        var store = new CheckpointStore(runFolder);
        var log = new MetricsLog(runFolder);
        List<IPeriodicCallback> periodic =
        [
            new Validation(log, config.EvalInterval, hooks.Log),
            .. hooks.ExtraCallbacks?.Invoke(tokenizer) ?? [],
            new Sampling(log, config.SampleInterval, samplePrompts, tokenizer, hooks.Log),
            new Checkpointing(store, config.CheckpointInterval, config.KeepCheckpoints, config.EvalInterval, tokenizer, hooks.Log, hooks.BeforeCheckpointCommit),
        ];
        if (record is null)
        {
            TimeBudget? timed = null;
            if (config.Hours is { } hours)
            {
                timed = TimeBudget.Calibrate(config, hours, clock.Elapsed.TotalSeconds, model, precision.Used, data, accumulation, device, periodic);
                config = timed.Apply(config);
                hooks.Log?.Invoke(timed.ToString());
            }
            Directory.CreateDirectory(runFolder);
            record = new RunRecord<T>
            {
                Config = config, Model = model.Config, Parameters = model.ParameterCount(), ParametersWithoutEmbeddings = model.ParameterCount(includeEmbeddings: false),
                TrainingFlopsPerToken = model.TrainingFlopsPerToken, Tokenizer = tokenizer.Manifest, Cpu = CpuInfo.Detect(), Threads = torch.get_num_threads(),
                Device = ComputeDevice.Name(device), Build = TorchRuntime.BuildDevice, MatmulCeilingGflops = ceiling, Precision = precision, TimeBudget = timed,
            };
            record.Write(runFolder);
        }
        else if (record.Config != config || record.Precision != precision)
        {
            // More max_steps, or a machine that computes in another precision: the record says what this attempt does.
            record = record with { Config = config, Precision = precision, MatmulCeilingGflops = ceiling };
            record.Write(runFolder);
        }
        using var training = new TrainingStep(model, config.Optimizer, precision.Used);
        var state = Restore(store, training, log, hooks.Log, resume, model, newModel);
        hooks.Started?.Invoke(runFolder);

        var trainer = new Trainer(training, data, new TrainingPlan(config.Steps, config.Schedule, accumulation, device), state);
        trainer.Callbacks.Add(new BudgetReporting(new TrainingBudget(config.Steps, config.TokensPerStep, model.TrainingFlopsPerToken, data.TrainTokens),
            hooks.Log, ceiling));
        trainer.Callbacks.Add(new MetricsLogging(log, model.TrainingFlopsPerToken, ceiling, precision.Used));
        trainer.Callbacks.AddRange(periodic);
        if (hooks.Progress is { } progress) trainer.Callbacks.Add(new ProgressReporting(progress));
        var result = trainer.Run(cancellation);
        if (result.Reason != StopReason.Completed) return result;

        // The hand-in model: the best by validation loss (the last one if validation never ran).
        var source = store.BestCheckpoint ?? state.LastCheckpoint!;
        var (exported, _) = ModelFiles.Load(source);
        using (exported) ModelFiles.Save(runFolder, exported, tokenizer, handIn: true);
        hooks.Log?.Invoke($"model: {Path.Combine(runFolder, ModelFiles.HandIn)} (from {Path.GetFileName(source)})");
        return result;
    }

    /// <summary>
    /// The precision this hardware trains in (printed, with the reason) and the matmul ceiling in it, the MFU
    /// denominator. bf16 asked for where it is emulated runs, after a warning with the slow-down measured here.
    /// </summary>
    public static (PrecisionChoice Choice, double CeilingGflops) ChoosePrecision(Precision requested, Device device, Action<string>? log)
    {
        var choice = PrecisionChoice.For(requested, ComputeHardware.Detect(device));
        log?.Invoke(choice.ToString());
        double ceiling = MatmulCeiling.Measure(choice.Used.ComputeType(), device);
        if (choice.Bf16Emulated) log?.Invoke(PrecisionChoice.EmulationWarning(MatmulCeiling.Measure(ScalarType.Float32, device), ceiling));
        return (choice, ceiling);
    }

    /// <summary>A new run needs an empty folder (nothing of anybody's is overwritten); a resumed one, a run.</summary>
    static void Guard(string runFolder, bool resume)
    {
        if (resume) return;   // Config<T> has checked that there is a run to resume
        if (Directory.Exists(runFolder) && Directory.EnumerateFileSystemEntries(runFolder).FirstOrDefault() is { } existing)
            throw new UserError(File.Exists(Path.Combine(runFolder, RunRecord<PretrainingConfig>.FileName))
                ? $"{runFolder} already holds a run; continue it with --resume, or choose another --out"
                : $"{runFolder} is not empty (it holds {Path.GetFileName(existing)}); choose another --out, so that nothing there is overwritten");
    }

    /// <summary>Where a resumed run continues: its newest intact checkpoint, or step 0 when it stopped before the first one.</summary>
    static TrainingState Restore(CheckpointStore store, TrainingStep training, MetricsLog log, Action<string>? say, bool resume, Gpt model, Func<Gpt> newModel)
    {
        if (!resume) return new TrainingState();
        var restored = store.RestoreLatest(training, say);
        if (restored is not { } found)
        {
            // Stopped before its first checkpoint: start again from the initial weights, with the run's own config.
            using (var initial = newModel())
            using (no_grad())
                foreach (var ((_, target), (_, source)) in model.UniqueParameters().Zip(initial.UniqueParameters())) target.copy_(source);
            training.CopyWeightsToCompute();
            log.TruncateAfter(-1, say);
            say?.Invoke("resuming from step 0: the run stopped before its first checkpoint");
            return new TrainingState();
        }
        log.TruncateAfter(found.State.Step, say);
        say?.Invoke($"resumed from {found.Checkpoint} at step {found.State.Step}");
        return new TrainingState
        {
            Step = found.State.Step, Tokens = found.State.TokensSeen, WallSecondsBefore = found.State.WallSeconds,
            BestValidationLoss = found.State.BestValidationLoss, LastCheckpoint = found.Checkpoint, FirstStep = found.State.Step,
        };
    }
}
