using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using static TorchSharp.torch;

namespace LlmNotebooks.Training.Callbacks;

/// <summary>
/// The mean loss on each fixed validation set, in evaluation mode (no dropout): before the first step of a new run
/// (where it starts from: for finetuning, the pretrained model on each task), every <paramref name="interval"/>
/// steps and at the end. The mean goes to the trainer, which announces a new best.
/// </summary>
public sealed class Validation(MetricsLog log, int interval, Action<string>? say) : IPeriodicCallback
{
    public string Work => "validation";

    public long Runs(long steps) => Trainer.TimesDue(interval, steps) + 1;   // and once before the first step

    public void Rehearse(Trainer trainer) => Losses(trainer.Training.ComputeModel, trainer.Data.ValidationSets);

    public void OnStart(Trainer trainer)
    {
        if (trainer.State.Step == 0) Validate(trainer);
    }

    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        if (trainer.Due(interval)) Validate(trainer);
    }

    void Validate(Trainer trainer)
    {
        var losses = Losses(trainer.Training.ComputeModel, trainer.Data.ValidationSets);
        var state = trainer.State;
        log.Append(new MetricsRecord { Kind = MetricsRecord.EvalKind, Step = state.Step, Tokens = state.Tokens, WallSeconds = state.WallSeconds, Validation = losses });
        say?.Invoke($"step {state.Step}: validation loss {string.Join(", ", losses.Select(l => $"{l.Key} {l.Value:F4}"))}");
        trainer.ReportValidation(losses.Values.Average());
    }

    public static Dictionary<string, double> Losses(Gpt model, IReadOnlyDictionary<string, IReadOnlyList<Batch>> sets)
    {
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        try
        {
            using var _ = no_grad();
            return sets.ToDictionary(set => set.Key, set => set.Value.Average(batch =>
            {
                using var scope = NewDisposeScope();
                var onDevice = batch.To(device);
                return (double)TrainingStep.Loss(model, onDevice).item<float>();
            }));
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
