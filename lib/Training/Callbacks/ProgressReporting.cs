namespace LlmNotebooks.Training.Callbacks;

/// <summary>Tells a display where the run is after every step, with the time left at this attempt's pace.</summary>
public sealed class ProgressReporting(Action<TrainerProgress> progress) : ITrainerCallback
{
    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        var state = trainer.State;
        double perStep = state.SecondsThisAttempt / Math.Max(1, state.Step - state.FirstStep);
        progress(new TrainerProgress(step.Step, trainer.MaxSteps, step.Loss, step.TokensPerSecond, TimeSpan.FromSeconds(perStep * (trainer.MaxSteps - step.Step))));
    }
}
