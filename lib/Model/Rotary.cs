using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>
/// Rotary position embeddings (Su et al. 2021, RoFormer): each pair of a query's or key's dimensions is rotated by an
/// angle proportional to the token's position, at a frequency that falls with the pair's index. The dot product of a
/// rotated query and key then depends on their distance only. No parameters; this pairs dimension i with i + hs/2,
/// as GPT-NeoX and Llama do.
/// </summary>
public static class Rotary
{
    const double Base = 10000;

    /// <param name="x">(B, nh, T, hs) queries or keys</param>
    /// <param name="positions">(T) or (B, T): each token's position</param>
    public static Tensor Apply(Tensor x, Tensor positions)
    {
        using var scope = NewDisposeScope();
        long hs = x.shape[^1], half = hs / 2;
        using var theta = tensor(Base);                   // held, as every Scalar or number passed to libtorch (see Scalars)
        using var width = ((double)half).ToScalar();
        var frequencies = pow(theta, Scalars.Range(0, half, x.device, ScalarType.Float32).neg_().div_(width));   // (hs/2): Base^(−i/(hs/2))
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * frequencies;                          // (T, hs/2) or (B, T, hs/2)
        if (angles.dim() == 3) angles = angles.unsqueeze(1);                                                 // (B, 1, T, hs/2)
        var (cos, sin) = (angles.cos().to(x.dtype), angles.sin().to(x.dtype));
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat([first * cos - second * sin, (first * sin).Plus(second * cos)], dim: -1).MoveToOuterDisposeScope();
    }
}
