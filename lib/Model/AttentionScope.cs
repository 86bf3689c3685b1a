using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>
/// Several sequences packed in one row after a shared prefix (a SQuAD passage, then each of its questions with its
/// answer): <see cref="Segments"/> (B, T) is 0 for the prefix and k for the k-th follower, and a follower's tokens
/// see the prefix and themselves, never another follower; <see cref="Positions"/> (B, T) restarts every follower
/// right after the prefix, so each one is computed exactly as if it stood alone after the prefix.
/// </summary>
public sealed record Packing(Tensor Segments, Tensor Positions) : IDisposable
{
    public Packing To(Device device) => new(Segments.to(device), Positions.to(device));

    public void Dispose()
    {
        Segments.Dispose();
        Positions.Dispose();
    }
}

/// <summary>
/// What each position may attend to in one forward pass: the mask (or the fused kernel's own causal mask), every
/// token's position, and the cache of earlier keys and values when generating. Built once per forward by
/// <see cref="Gpt"/> and passed down through the blocks.
/// </summary>
public sealed class AttentionScope
{
    AttentionScope(Tensor? mask, bool causal, Tensor positions, KvCache? cache) =>
        (Mask, Causal, Positions, Cache) = (mask, causal, positions, cache);

    /// <summary>(B, 1, T, Tk), true where a query may look at a key; null when <see cref="Causal"/> (or nothing) decides.</summary>
    public Tensor? Mask { get; }

    /// <summary>No mask tensor: the fused kernel applies its own causal mask.</summary>
    public bool Causal { get; }

    /// <summary>(T) or (B, T): the position of each token (left padding shifts a row's positions so it starts at 0).</summary>
    public Tensor Positions { get; }

    public KvCache? Cache { get; }

    /// <summary>A forward pass over whole sequences (B, T), no cache: training, validation, scoring.</summary>
    /// <param name="promptEnds">Where each row's prompt ends, for a prefix LM; null keeps every query causal</param>
    /// <param name="packing">Followers packed after a shared prefix; null: one sequence per row</param>
    public static AttentionScope ForSequences(long batch, long length, Device device, long[]? promptEnds = null, Packing? packing = null)
    {
        if (packing is null) return Build(batch, length, start: 0, padding: null, promptEnds, cache: null, device);
        if (promptEnds is not null) throw new ArgumentException("a prefix LM's prompt mask and packed followers do not combine");
        using var scope = NewDisposeScope();
        var segments = packing.Segments.to(device);
        var key = segments.view(batch, 1, 1, length);
        var query = segments.view(batch, 1, length, 1);
        var allowed = CausalMask(length, length, device).view(1, 1, length, length)
            .logical_and(key.eq(Scalars.FirstIndex).logical_or(key.eq(query)));                      // (B, 1, T, T)
        return new(allowed.MoveToOuterDisposeScope(), false, packing.Positions.to(device).MoveToOuterDisposeScope(), null);
    }

    /// <summary>A generation pass: <paramref name="length"/> new tokens after what <paramref name="cache"/> holds, its rows left-padded as it says.</summary>
    public static AttentionScope AfterCache(long batch, long length, KvCache cache, Device device, long[]? promptEnds = null) =>
        Build(batch, length, cache.Length, cache.Padding, promptEnds, cache, device);

    /// <param name="batch">B</param>
    /// <param name="length">T, the new tokens of this pass</param>
    /// <param name="start">Positions already in the cache (0 for a fresh sequence)</param>
    /// <param name="padding">Leading pad positions per row (generation), or null</param>
    /// <param name="promptEnds">Where each row's prompt ends (absolute index, pads included), for a prefix LM; null keeps every query causal</param>
    static AttentionScope Build(long batch, long length, long start, long[]? padding, long[]? promptEnds, KvCache? cache, Device device)
    {
        bool padded = padding is not null && padding.Any(p => p > 0);
        var positions = Scalars.Range(start, start + length, device);                                     // (T)
        if (padded)
        {
            var pad = from_array(padding!).to(device).view(batch, 1);
            positions = (positions.view(1, length) - pad).clamp_min(Scalars.FirstIndex);                 // (B, T)
        }
        if (!padded && promptEnds is null)
        {
            // A fresh sequence: the kernel's causal mask; one new token: it may see everything cached; else causal over the cache.
            if (start == 0) return new(null, causal: true, positions, cache);
            return length == 1 ? new(null, false, positions, cache) : new(CausalMask(length, start + length, device), false, positions, cache);
        }
        return new(BuildMask(length, start, padded ? padding! : null, promptEnds, device), false, positions, cache);
    }

    /// <summary>(T, Tk): query i (the last T of Tk positions) may see keys 0 .. Tk - T + i.</summary>
    public static Tensor CausalMask(long queries, long keys, Device device) =>
        ones(queries, keys, dtype: ScalarType.Bool, device: device).tril(keys - queries);

    /// <summary>
    /// (B, 1, T, Tk): causal, plus the whole prompt for queries inside it (prefix LM); no query sees a pad, and a
    /// pad sees itself so that no row of the softmax is empty.
    /// </summary>
    static Tensor BuildMask(long length, long start, long[]? padding, long[]? promptEnds, Device device)
    {
        using var scope = NewDisposeScope();
        long keys = start + length;
        var key = Scalars.Range(0, keys, device).view(1, 1, 1, keys);
        var query = Scalars.Range(start, keys, device).view(1, 1, length, 1);
        var allowed = key.le(query);
        if (promptEnds is not null)
        {
            var end = from_array(promptEnds).to(device).view(-1, 1, 1, 1);
            allowed = allowed.logical_or(key.lt(end).logical_and(query.lt(end)));
        }
        if (padding is not null)
        {
            var pad = from_array(padding).to(device).view(-1, 1, 1, 1);
            allowed = allowed.logical_and(key.ge(pad)).logical_or(key.eq(query));
        }
        return allowed.MoveToOuterDisposeScope();
    }
}
