namespace LlmNotebooks.Training.Callbacks;

/// <summary>
/// Says at the start what the run will spend (<see cref="TrainingBudget"/>) and, once a few steps are measured,
/// how long the rest takes at this speed: before hours of a GPU are committed, not after.
/// </summary>
public sealed class BudgetReporting(TrainingBudget budget, Action<string>? log, double ceilingGflops) : ITrainerCallback
{
    /// <summary>Steps timed for the estimate, after the first (which allocates the optimizer state and warms the kernels).</summary>
    public const int MeasuredSteps = 3;

    double _seconds;
    long _tokens, _measured;

    public void OnStart(Trainer trainer) => log?.Invoke(trainer.State.Step == 0 ? budget.ToString() : $"{budget}; resuming at step {trainer.State.Step:N0}");

    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        if (step.Step == trainer.State.FirstStep + 1 || _measured >= MeasuredSteps) return;
        _seconds += step.Seconds;
        _tokens += step.StepTokens;
        if (++_measured == MeasuredSteps || trainer.AtLastStep)
            log?.Invoke(budget.Eta(trainer.MaxSteps - step.Step, _tokens / _seconds, $"measured over steps {step.Step - _measured + 1}–{step.Step}", ceilingGflops));
    }
}
