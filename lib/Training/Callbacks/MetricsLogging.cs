using System.Diagnostics;

namespace LlmNotebooks.Training.Callbacks;

/// <summary>Writes every step to metrics.jsonl: loss, rate, gradient norm, speed, MFU, memory, and the mixture seen.</summary>
public sealed class MetricsLogging(MetricsLog log, double flopsPerToken, double ceilingGflops, Precision precision) : ITrainerCallback
{
    public void OnStepEnd(Trainer trainer, StepReport step) => log.Append(new MetricsRecord
    {
        Step = step.Step, Tokens = step.Tokens, WallSeconds = trainer.State.WallSeconds, TrainLoss = step.Loss, LearningRate = step.LearningRate,
        GradNorm = step.GradientNorm, TokensPerSecond = step.TokensPerSecond,
        Mfu = Training.Mfu.Of(step.TokensPerSecond, flopsPerToken, ceilingGflops),
        PeakMemoryMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,
        Precision = precision.Name(),
        Mixture = trainer.Data.Seen(step.Step),
    });
}
