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

    public KvCache(GptConfig config, int batch, long[]? padding = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        Capacity = config.ContextLength;
        Padding = padding ?? new long[batch];
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (int layer = 0; layer < config.Layers; layer++)
        {
            _keys[layer] = zeros([batch, config.Heads, config.ContextLength, config.HeadSize], dtype, device);
            _values[layer] = zeros([batch, config.Heads, config.ContextLength, config.HeadSize], dtype, device);
        }
    }

    public int Capacity { get; }

    /// <summary>Positions filled (including left padding).</summary>
    public int Length { get; private set; }

    /// <summary>Leading pad positions per row.</summary>
    public long[] Padding { get; }

    public bool HasPadding => Padding.Any(p => p > 0);

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

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values)) t.Dispose();
    }
}
