using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>Token ids as the model takes them: int64 tensors of shape (B, T).</summary>
public static class TokenBatch
{
    /// <summary>One sequence as a batch of one, (1, T).</summary>
    public static Tensor Row(IEnumerable<int> ids, Device? device = null)
    {
        long[] row = [.. ids.Select(i => (long)i)];
        return tensor(row, [1, row.Length], ScalarType.Int64, device);
    }
}
