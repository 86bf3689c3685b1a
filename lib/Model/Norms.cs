using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>
/// RMSNorm: x / sqrt(mean(x²) + ε), times a learned gain. It drops LayerNorm's centring and bias, a little cheaper
/// for the same effect in practice (Zhang and Sennrich 2019). The gain is named "weight", as PyTorch's RMSNorm has it.
/// QK-norm uses one per head dimension on the queries and one on the keys, as Qwen3 does.
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly double _epsilon;

    public RmsNorm(long width, double epsilon = 1e-5) : base("rms_norm")
    {
        weight = Parameter(ones(width, device: CPU));
        _epsilon = epsilon;
        RegisterComponents();
    }

    /// <param name="x">(..., C)</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var wide = x.to(ScalarType.Float32);
        using var eps = _epsilon.ToScalar();
        // add(eps) alone would pass libtorch an implicit alpha of 1, which the GC may free during the call (see Scalars).
        var normalized = (wide * wide.pow(Scalars.Two).mean([-1], keepdim: true).Plus(eps).rsqrt()).to(x.dtype);
        return (normalized * weight).MoveToOuterDisposeScope();
    }
}

public static class Norms
{
    /// <summary>The block's normalisation layer of the config's kind.</summary>
    public static Module<Tensor, Tensor> Create(GptConfig config) => config.Norm == NormKind.RmsNorm
        ? new RmsNorm(config.Width)
        : LayerNorm(config.Width, bias: config.Bias, device: CPU);
}
