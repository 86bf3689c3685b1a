using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Training.Callbacks;

/// <summary>
/// Checkpoints: the best by validation loss whenever it improves, a step checkpoint every
/// <paramref name="interval"/> steps and at the end (only the newest <paramref name="keep"/> are kept), and one
/// when the run is stopped, so a resume loses nothing. A new best can follow each validation, every
/// <paramref name="validationInterval"/> steps.
/// </summary>
public sealed class Checkpointing(CheckpointStore store, int interval, int keep, int validationInterval, TextTokenizer tokenizer, Action<string>? say,
    Action? beforeCommit = null) : IPeriodicCallback
{
    public string Work => "checkpoints";

    public long Runs(long steps) => Trainer.TimesDue(interval, steps) + Trainer.TimesDue(validationInterval, steps) + 1;

    public void Rehearse(Trainer trainer)
    {
        var folder = Directory.CreateTempSubdirectory("llmnb-rehearsal-").FullName;
        try
        {
            new CheckpointStore(folder).Save(CheckpointStore.StepName(0), trainer.Training, new CheckpointState(0, 0, 0, null, CheckpointStore.CaptureRng()), tokenizer);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public void OnNewBest(Trainer trainer) => Save(trainer, CheckpointStore.Best);

    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        if (!trainer.Due(interval)) return;
        Save(trainer, CheckpointStore.StepName(step.Step));
        store.Prune(keep);
    }

    public void OnStop(Trainer trainer, StopReason reason)
    {
        if (reason != StopReason.Cancelled) return;
        Save(trainer, CheckpointStore.StepName(trainer.State.Step));
        say?.Invoke($"stopped at step {trainer.State.Step}; checkpoint {trainer.State.LastCheckpoint}");
    }

    void Save(Trainer trainer, string name)
    {
        var state = trainer.State;
        var saved = store.Save(name, trainer.Training, new CheckpointState(state.Step, state.Tokens, state.WallSeconds, state.BestValidationLoss,
            CheckpointStore.CaptureRng()), tokenizer, beforeCommit);
        if (name != CheckpointStore.Best) state.LastCheckpoint = saved;
    }
}
