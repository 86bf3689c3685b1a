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
public sealed class CausalSelfAttention : Module<Tensor, AttentionScope, Tensor>
{
    // Field names are the state_dict names (nanoGPT / GPT-2): attn.c_attn.weight, attn.c_proj.bias …
    readonly Linear c_attn;        // queries, keys and values of all heads in one matmul
    readonly Linear c_proj;        // mixes the heads' outputs back into the residual stream
    readonly RmsNorm? q_norm;      // QK-norm: each head's queries and keys RMS-normalised, one gain per dimension (Qwen3's)
    readonly RmsNorm? k_norm;
    readonly Dropout attn_dropout;
    readonly Dropout resid_dropout;
    readonly int _heads, _width, _layer;
    readonly double _dropout;
    readonly bool _rotary;

    /// <param name="layer">Which block this is: its slot in a <see cref="KvCache"/>.</param>
    public CausalSelfAttention(GptConfig config, int layer = 0) : base("attn")
    {
        (_heads, _width, _layer, _dropout) = (config.Heads, config.Width, layer, config.Dropout);
        _rotary = config.Position == PositionEncoding.Rotary;
        c_attn = Linear(config.Width, 3 * config.Width, hasBias: config.Bias, device: CPU);
        c_proj = Linear(config.Width, config.Width, hasBias: config.Bias, device: CPU);
        if (config.QkNorm) (q_norm, k_norm) = (new RmsNorm(config.HeadSize), new RmsNorm(config.HeadSize));
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

    /// <param name="x">(B, T, C)</param>
    public override Tensor forward(Tensor x, AttentionScope scope)
    {
        using var disposeScope = NewDisposeScope();
        long B = x.shape[0], T = x.shape[1], C = _width, hs = _width / _heads;
        var qkv = c_attn.forward(x).split(C, dim: 2);                     // 3 × (B, T, C)
        var q = qkv[0].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        var k = qkv[1].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        var v = qkv[2].view(B, T, _heads, hs).transpose(1, 2);           // (B, nh, T, hs)
        if (q_norm is not null && k_norm is not null) (q, k) = (q_norm.forward(q), k_norm.forward(k));   // bounded scores, whatever the weights' scale
        if (_rotary) (q, k) = (Rotary.Apply(q, scope.Positions), Rotary.Apply(k, scope.Positions));
        if (scope.Cache is { } cache) (k, v) = cache.Append(_layer, k, v);    // (B, nh, Tk, hs), Tk = cached + T

        Tensor y;
        if (Kind == AttentionKind.Explicit || CaptureWeights)
        {
            using var scale = (1.0 / Math.Sqrt(hs)).ToScalar();
            var scores = q.matmul(k.transpose(-2, -1)) * scale;   // (B, nh, T, Tk)
            var allowed = scope.Mask ?? (scope.Causal ? AttentionScope.CausalMask(T, k.shape[2], x.device) : null);
            if (allowed is not null) scores = scores.masked_fill(allowed.logical_not(), Scalars.NegativeInfinity);
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
            y = functional.scaled_dot_product_attention(q, k, v, attn_mask: scope.Mask, p: p, is_casual: scope.Mask is null && scope.Causal);
        }
        y = y.transpose(1, 2).contiguous().view(B, T, C);                // heads side by side again: (B, T, C)
        return resid_dropout.forward(c_proj.forward(y)).MoveToOuterDisposeScope();
    }
}
