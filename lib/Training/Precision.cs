using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>Number format of the forward and backward passes.</summary>
public enum Precision
{
    /// <summary>Everything in 32-bit floats.</summary>
    Fp32,
    /// <summary>
    /// Mixed: forward and backward in bfloat16 (about 4x faster matmuls on CPUs with AVX-512 BF16), while the
    /// optimizer keeps fp32 master weights and state and accumulates gradients in fp32.
    /// </summary>
    Bf16,
}

public static class PrecisionExtensions
{
    /// <summary>The type the forward and backward matmuls run in.</summary>
    public static ScalarType ComputeType(this Precision precision) => precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>As logs, run files and the command line write it: fp32 or bf16.</summary>
    public static string Name(this Precision precision) => precision.ToString().ToLowerInvariant();
}
