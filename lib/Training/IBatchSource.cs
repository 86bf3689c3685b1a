using LlmNotebooks.Tokens;

namespace LlmNotebooks.Training;

/// <summary>
/// What the trainer trains on. Batches are a pure function of (step, micro-step), so a resumed run sees exactly the
/// batches an uninterrupted one would; validation sets are fixed batches, named (pretraining has one, finetuning one
/// per task).
/// </summary>
public interface IBatchSource : IDisposable
{
    /// <summary>A new batch the caller disposes.</summary>
    Batch TrainBatch(long step, int microStep);

    IReadOnlyDictionary<string, IReadOnlyList<Batch>> ValidationSets { get; }

    /// <summary>Tokens of the training split, for the passes a budget makes over it; null where that is not one number.</summary>
    long? TrainTokens => null;

    /// <summary>Counts per data source seen up to a step (finetuning's mixture), or null.</summary>
    Dictionary<string, long>? Seen(long steps) => null;
}
