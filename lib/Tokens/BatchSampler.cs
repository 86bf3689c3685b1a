using static TorchSharp.torch;

namespace LlmNotebooks.Tokens;

/// <summary>
/// Random training windows from a token stream: each batch row is T + 1 consecutive tokens, the first T the input
/// and the last T (shifted by one) the target. Window starts are a pure function of (seed, step, row), so a resumed
/// run sees exactly the batches an uninterrupted one would, without saving any sampler state.
/// </summary>
public sealed class BatchSampler(TokenStream tokens, int batchSize, int contextLength, long seed)
{
    public int BatchSize => batchSize;
    public int ContextLength => contextLength;

    public long[] WindowStarts(long step)
    {
        long span = tokens.Count - contextLength - 1;
        if (span < 0)
            throw new UserError($"the split holds {tokens.Count} tokens, fewer than one window of {contextLength + 1}");
        var starts = new long[batchSize];
        for (int row = 0; row < batchSize; row++)
            starts[row] = (long)(StableRandom.Hash(seed, step, row) % (ulong)(span + 1));
        return starts;
    }

    /// <summary>Inputs and targets, both (B, T) int64, on the CPU.</summary>
    public Batch Batch(long step)
    {
        var starts = WindowStarts(step);
        var window = new long[contextLength + 1];
        var inputs = new long[batchSize * contextLength];
        var targets = new long[batchSize * contextLength];
        for (int row = 0; row < batchSize; row++)
        {
            tokens.CopyTo(starts[row], window);
            window.AsSpan(0, contextLength).CopyTo(inputs.AsSpan(row * contextLength));
            window.AsSpan(1).CopyTo(targets.AsSpan(row * contextLength));
        }
        return new Batch(tensor(inputs, [batchSize, contextLength], int64, CPU), tensor(targets, [batchSize, contextLength], int64, CPU));
    }
}
