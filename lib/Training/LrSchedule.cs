namespace LlmNotebooks.Training;

/// <summary>
/// Learning rate by step: linear warmup from 0 to <paramref name="Max"/> over <paramref name="WarmupSteps"/>, then
/// cosine decay to <paramref name="Min"/> at <paramref name="DecaySteps"/>, and <paramref name="Min"/> after that.
/// </summary>
public sealed record LrSchedule(double Max, double Min, int WarmupSteps, int DecaySteps)
{
    /// <summary>The rate for optimizer step <paramref name="step"/> (counting from 0).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps) return Max * (step + 1) / WarmupSteps;
        if (step >= DecaySteps) return Min;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);   // 0 → 1
        return Min + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (Max - Min);
    }
}
