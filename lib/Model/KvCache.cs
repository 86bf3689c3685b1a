using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>
/// Keys and values of the tokens seen so far, per layer, so that generating a token costs one position's work
/// instead of a whole new forward pass. Preallocated to the context length; rows of a batch may be left-padded
/// (prompts of different lengths), and <see cref="Padding"/> says how many leading positions of each row are pads.
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] _keys, _values;   // per layer: (B, nh, context, hs)

    /// <param name="promptWidth">Positions (pads included) that hold the prompt: a prefix LM lets them see each other.</param>
    public KvCache(GptConfig config, int batch, long[]? padding = null, int? promptWidth = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Capacity = config.ContextLength;
        Padding = padding ?? new long[batch];
        PromptWidth = promptWidth;
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _keys[layer] = zeros([batch, config.Heads, config.ContextLength, config.HeadSize], dtype, device);
            _values[layer] = zeros([batch, config.Heads, config.ContextLength, config.HeadSize], dtype, device);
        }
    }

    KvCache(Tensor[] keys, Tensor[] values, int capacity, int length, long[] padding, int? promptWidth) =>
        (_keys, _values, Capacity, Length, Padding, PromptWidth) = (keys, values, capacity, length, padding, promptWidth);

    public int Capacity { get; }

    /// <summary>Positions filled (including left padding).</summary>
    public int Length { get; private set; }

    /// <summary>Leading pad positions per row.</summary>
    public long[] Padding { get; private set; }

    public int? PromptWidth { get; }

    /// <summary>Stores keys and values (B, nh, T, hs) of the new positions; returns all cached ones, (B, nh, Length+T, hs).</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        if (Length + t > Capacity) throw new InvalidOperationException($"the KV cache holds {Capacity} positions; {Length} used, {t} more asked for");
        using (no_grad())
        {
            _keys[layer].narrow(2, Length, t).copy_(keys);
            _values[layer].narrow(2, Length, t).copy_(values);
        }
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called once per forward, after every layer appended its T new positions.</summary>
    internal void Advance(int t) => Length += t;

    /// <summary>Row b becomes a copy of row rows[b] (beam search keeps the hypotheses that survive a step).</summary>
    public void Reorder(long[] rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var index = from_array(rows).to(_keys[0].device);
        foreach (var cached in _keys.Concat(_values)) cached.copy_(cached.index_select(0, index));
        Padding = rows.Select(r => Padding[r]).ToArray();
    }

    /// <summary>A new cache whose every row is <paramref name="times"/> copies of a row of this one (the beams of one prompt).</summary>
    public KvCache Repeat(int times)
    {
        using var _ = no_grad();
        Tensor[] Copy(Tensor[] cached) => [.. cached.Select(t => t.repeat_interleave(times, dim: 0).DetachFromDisposeScope())];
        return new KvCache(Copy(_keys), Copy(_values), Capacity, Length, [.. Padding.SelectMany(p => Enumerable.Repeat(p, times))], PromptWidth);
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values)) t.Dispose();
    }
}
