using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>
/// Multi-head causal self-attention: every position mixes the values of itself and the positions before it, weighted
/// by how well its query matches their keys. Two implementations of the same function: the explicit one (scores,
/// mask, softmax, weighted sum), which can keep its weights for plots, and libtorch's fused kernel.
/// </summary>
public sealed class CausalSelfAttention : Module<Tensor, Tensor>
{
    // Field names are the state_dict names (nanoGPT / GPT-2): attn.c_attn.weight, attn.c_proj.bias …
    readonly Linear c_attn;        // queries, keys and values of all heads in one matmul
    readonly Linear c_proj;        // mixes the heads' outputs back into the residual stream
    readonly Dropout attn_dropout;
    readonly Dropout resid_dropout;
    readonly int _heads, _width;
    readonly double _dropout;

    public CausalSelfAttention(GptConfig config) : base("attn")
    {
        _heads = config.Heads;
        _width = config.Width;
        _dropout = config.Dropout;
        c_attn = Linear(config.Width, 3 * config.Width, hasBias: config.Bias);
        c_proj = Linear(config.Width, config.Width, hasBias: config.Bias);
        attn_dropout = Dropout(config.Dropout);
        resid_dropout = Dropout(config.Dropout);
        Kind = config.Attention;
        RegisterComponents();
    }

    /// <summary>Which implementation runs; switchable on a live model (the tests compare both).</summary>
    public AttentionKind Kind { get; set; }

    /// <summary>When true (explicit path only), the last forward's weights (B, nh, T, Tk) are kept in <see cref="Weights"/>.</summary>
    public bool CaptureWeights { get; set; }

    public Tensor? Weights { get; private set; }

    /// <summary>The projection whose init is scaled by 1/sqrt(2·layers) (it adds to the residual stream).</summary>
    public Linear OutputProjection => c_proj;

    public override Tensor forward(Tensor x) => Forward(x, causal: true, mask: null, cache: null, layer: 0);

    /// <param name="x">(B, T, C)</param>
    /// <param name="causal">Each position sees itself and earlier ones (used when <paramref name="mask"/> is null).</param>
    /// <param name="mask">(B, 1, T, Tk) true where a query may look at a key; overrides <paramref name="causal"/>.</param>
    public Tensor Forward(Tensor x, bool causal, Tensor? mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long B = x.shape[0], T = x.shape[1], C = _width, hs = _width / _heads;
        var qkv = c_attn.forward(x).split(C, dim: 2);                     // 3 × (B, T, C)
        var q = qkv[0].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        var k = qkv[1].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        var v = qkv[2].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        if (cache is not null) (k, v) = cache.Append(layer, k, v);       // (B, nh, Tk, hs), Tk = cached + T

        Tensor y;
        if (Kind == AttentionKind.Explicit || CaptureWeights)
        {
            var scores = q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(hs));   // (B, nh, T, Tk)
            var allowed = mask ?? (causal ? CausalMask(T, k.shape[2], x.device) : null);
            if (allowed is not null) scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
            var weights = functional.softmax(scores, dim: -1);
            if (CaptureWeights)
            {
                Weights?.Dispose();
                Weights = weights.detach().clone().DetachFromDisposeScope();   // kept until the next forward
            }
            y = attn_dropout.forward(weights).matmul(v);                 // (B, nh, T, hs)
        }
        else
        {
            double p = training ? _dropout : 0.0;
            y = functional.scaled_dot_product_attention(q, k, v, attn_mask: mask, p: p, is_casual: mask is null && causal);
        }
        y = y.transpose(1, 2).contiguous().view(B, T, C);                // heads side by side again: (B, T, C)
        return resid_dropout.forward(c_proj.forward(y)).MoveToOuterDisposeScope();
    }

    /// <summary>(T, Tk): query i (the last T of Tk positions) may see keys 0 .. Tk - T + i.</summary>
    public static Tensor CausalMask(long queries, long keys, Device device) =>
        ones(queries, keys, dtype: ScalarType.Bool, device: device).tril(keys - queries);
}
