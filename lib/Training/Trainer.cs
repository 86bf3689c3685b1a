using System.Diagnostics;
using LlmNotebooks.Tokens;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>How a run ended.</summary>
public enum StopReason { Completed, Cancelled }

public sealed record TrainingResult(StopReason Reason, long Steps, long Tokens, double? BestValidationLoss, string? LastCheckpoint);

/// <summary>Progress for a display: where the run is and how fast it goes.</summary>
public readonly record struct TrainerProgress(long Step, long MaxSteps, double Loss, double TokensPerSecond, TimeSpan Remaining);

/// <summary>What one optimizer step of a run did, as callbacks see it.</summary>
public sealed record StepReport(long Step, long Tokens, long StepTokens, double Loss, double GradientNorm, double LearningRate, double Seconds)
{
    public double TokensPerSecond => StepTokens / Seconds;
}

/// <summary>Where a run stands, shared by the trainer and its callbacks.</summary>
public sealed class TrainingState
{
    readonly Stopwatch _clock = Stopwatch.StartNew();

    public long Step { get; set; }
    public long Tokens { get; set; }
    /// <summary>Wall time of the run so far, earlier attempts (before a resume) included.</summary>
    public double WallSeconds => WallSecondsBefore + _clock.Elapsed.TotalSeconds;
    public double WallSecondsBefore { get; init; }
    public double? BestValidationLoss { get; set; }
    public string? LastCheckpoint { get; set; }
    /// <summary>The step this attempt started from (0, or the resumed checkpoint's).</summary>
    public long FirstStep { get; init; }
    public double SecondsThisAttempt => _clock.Elapsed.TotalSeconds;
}

/// <summary>
/// What hangs off the training loop: validation, samples, checkpoints, logs, a progress display. Each is told when
/// the run starts, after every step, when a validation sets a new best, and when it stops.
/// </summary>
public interface ITrainerCallback
{
    void OnStart(Trainer trainer) { }
    void OnStepEnd(Trainer trainer, StepReport step) { }
    void OnNewBest(Trainer trainer) { }
    void OnStop(Trainer trainer, StopReason reason) { }
}

/// <summary>
/// A callback's work every so many steps (validation, samples, checkpoints, task scores). A run given hours rather
/// than steps does it once before its first step, in a rehearsal that logs and keeps nothing, to fit it beside the steps.
/// </summary>
public interface IPeriodicCallback : ITrainerCallback
{
    /// <summary>What the plan line and run.json call it: validation, samples…</summary>
    string Work { get; }

    /// <summary>How many times it runs in a run of <paramref name="steps"/> steps, at its start and end included.</summary>
    long Runs(long steps);

    /// <summary>Does the work once, leaving no line in a log and no file behind.</summary>
    void Rehearse(Trainer trainer);
}

/// <summary>A loss went to NaN or infinity: the run stopped, and the last good checkpoint is named.</summary>
public sealed class TrainingDivergedException(long step, string? lastCheckpoint, double loss)
    : UserError($"training diverged at step {step} (loss {loss}); " +
                (lastCheckpoint is null ? "no checkpoint was written yet" : $"the last good checkpoint is {lastCheckpoint}") +
                "; try a lower learning_rate or a longer warmup_steps")
{
    public long Step => step;
    public string? LastCheckpoint => lastCheckpoint;
}

/// <summary>How long a run is and how each step is made: its steps, the schedule, micro-batches per step, where batches go.</summary>
public sealed record TrainingPlan(long MaxSteps, LrSchedule Schedule, int Accumulation, Device Device);

/// <summary>
/// The training loop, in the spirit of minGPT's trainer: it knows nothing about GPT or files. Each step draws the
/// plan's micro-batches from the data onto its device, runs one <see cref="TrainingStep"/> at the schedule's rate,
/// and tells the callbacks; it stops cleanly when cancelled (Ctrl+C) and with the last good checkpoint named when the
/// loss turns NaN. Validation reports its losses here, and a new best is announced to every callback.
/// </summary>
public sealed class Trainer(TrainingStep training, IBatchSource data, TrainingPlan plan, TrainingState state)
{
    public TrainingStep Training => training;
    public IBatchSource Data => data;
    public TrainingState State => state;
    public long MaxSteps => plan.MaxSteps;
    public bool AtLastStep => state.Step == plan.MaxSteps;

    public List<ITrainerCallback> Callbacks { get; } = [];

    /// <summary>A validation's mean loss: when it is the run's best, every callback hears of it (checkpointing saves the model).</summary>
    public void ReportValidation(double meanLoss)
    {
        if (state.BestValidationLoss is { } best && meanLoss >= best) return;
        state.BestValidationLoss = meanLoss;
        foreach (var callback in Callbacks) callback.OnNewBest(this);
    }

    public TrainingResult Run(CancellationToken cancellation = default)
    {
        foreach (var callback in Callbacks) callback.OnStart(this);
        while (state.Step < plan.MaxSteps)
        {
            if (cancellation.IsCancellationRequested) return Stop(StopReason.Cancelled);
            var clock = Stopwatch.StartNew();
            var batches = Enumerable.Range(0, plan.Accumulation).Select(m => OnDevice(data.TrainBatch(state.Step, m), plan.Device)).ToList();
            // Token positions computed: finetuning pads each batch to its longest example, not to the context.
            long stepTokens = batches.Sum(b => b.Positions);
            double learningRate = plan.Schedule.At(state.Step);
            StepResult result;
            try
            {
                result = training.Step(batches, learningRate);
            }
            catch (NonFiniteLossException e)
            {
                throw new TrainingDivergedException(state.Step, state.LastCheckpoint, e.Loss);
            }
            finally
            {
                foreach (var batch in batches) batch.Dispose();
            }
            state.Step++;
            state.Tokens += stepTokens;
            var report = new StepReport(state.Step, state.Tokens, stepTokens, result.Loss, result.GradientNorm, learningRate, clock.Elapsed.TotalSeconds);
            foreach (var callback in Callbacks) callback.OnStepEnd(this, report);
        }
        return Stop(StopReason.Completed);
    }

    TrainingResult Stop(StopReason reason)
    {
        foreach (var callback in Callbacks) callback.OnStop(this, reason);
        return new TrainingResult(reason, state.Step, state.Tokens, state.BestValidationLoss, state.LastCheckpoint);
    }

    static Batch OnDevice(Batch batch, Device device)
    {
        var moved = batch.To(device);
        if (!ReferenceEquals(moved, batch)) batch.Dispose();
        return moved;
    }

    /// <summary>Whether a periodic callback is due: every <paramref name="interval"/> steps, and at the last one.</summary>
    public bool Due(int interval) => (interval > 0 && state.Step % interval == 0) || AtLastStep;

    /// <summary>How often a callback that is <see cref="Due"/> every <paramref name="interval"/> steps runs in <paramref name="steps"/> steps.</summary>
    public static long TimesDue(int interval, long steps) => (interval > 0 ? steps / interval : 0) + 1;
}
