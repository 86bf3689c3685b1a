using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>
/// What the trainer trains on. Batches are a pure function of (step, micro-step), so a resumed run sees exactly the
/// batches an uninterrupted one would; validation sets are fixed batches, named (pretraining has one, finetuning one
/// per task).
/// </summary>
public interface IBatchSource : IDisposable
{
    /// <summary>Inputs and targets (B, T); targets equal to <c>Gpt.IgnoreIndex</c> add nothing to the loss.</summary>
    (Tensor Inputs, Tensor Targets) TrainBatch(long step, int microStep);

    IReadOnlyDictionary<string, IReadOnlyList<(Tensor Inputs, Tensor Targets)>> ValidationSets { get; }

    /// <summary>Counts per data source seen up to a step (finetuning's mixture), or null.</summary>
    Dictionary<string, long>? Seen(long steps) => null;

    /// <summary>Prompts to sample from (finetuning: one held-out example per task), or null for the config's text prompts.</summary>
    IReadOnlyList<(string Label, int[] Prompt, int MaxTokens)>? SamplePrompts => null;
}
