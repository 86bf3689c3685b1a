using System.Text.Json.Serialization;
using LlmNotebooks.Platform;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>Number format of the forward and backward passes.</summary>
public enum Precision
{
    /// <summary>bf16 where the hardware computes it natively, fp32 elsewhere (see <see cref="PrecisionChoice.For"/>).</summary>
    Auto,
    /// <summary>Everything in 32-bit floats.</summary>
    Fp32,
    /// <summary>
    /// Mixed: forward and backward in bfloat16 (faster matmuls where the hardware has bf16 units), while the
    /// optimizer keeps fp32 master weights and state and accumulates gradients in fp32.
    /// </summary>
    Bf16,
}

public static class PrecisionExtensions
{
    /// <summary>The type the forward and backward matmuls run in.</summary>
    public static ScalarType ComputeType(this Precision precision) => precision switch
    {
        Precision.Fp32 => ScalarType.Float32,
        Precision.Bf16 => ScalarType.BFloat16,
        _ => throw new ArgumentException("precision auto must be resolved for the hardware first (PrecisionChoice.For)"),
    };

    /// <summary>As logs, run files and the command line write it: auto, fp32 or bf16.</summary>
    public static string Name(this Precision precision) => precision.ToString().ToLowerInvariant();
}

/// <summary>
/// The precision a run computes in, what was asked for, and why: run.json records it, the run prints it, the report's
/// setup table shows it. <see cref="Bf16Emulated"/> is set when bf16 was asked for on hardware that only emulates it.
/// </summary>
public sealed record PrecisionChoice(
    [property: JsonPropertyName("used")] Precision Used,
    [property: JsonPropertyName("requested")] Precision Requested,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("bf16_emulated")] bool Bf16Emulated = false)
{
    /// <summary>
    /// auto: bf16 where <paramref name="hardware"/> computes it natively (AVX512_BF16 or AMX-BF16 CPUs; CUDA compute
    /// capability 8.0 and later), fp32 elsewhere. An explicit choice is kept, and an emulated bf16 says so.
    /// </summary>
    public static PrecisionChoice For(Precision requested, ComputeHardware hardware)
    {
        var (native, why) = hardware.Bf16;
        return requested switch
        {
            Precision.Auto => new(native ? Precision.Bf16 : Precision.Fp32, requested, $"auto: {why}"),
            Precision.Bf16 when !native => new(Precision.Bf16, requested, $"asked for, though {why}: bf16 is emulated", Bf16Emulated: true),
            _ => new(requested, requested, "asked for"),
        };
    }

    /// <summary>One line for a run's start: "precision fp32 (auto: this CPU has no AVX512_BF16 or AMX-BF16)".</summary>
    public override string ToString() => $"precision {Used.Name()} ({Reason})";

    /// <summary>
    /// For a bf16 run on hardware that only emulates it: how much slower its matmuls are than fp32 here, measured now
    /// by two short matmul ceilings, and what to do instead.
    /// </summary>
    public static string EmulationWarning(double fp32Gflops, double bf16Gflops) =>
        $"warning: bf16 is emulated on this hardware: its matmuls ran {fp32Gflops / Math.Max(bf16Gflops, 1e-3):0.#}x slower than fp32 " +
        $"just now ({bf16Gflops:N1} against {fp32Gflops:N0} GFLOP/s); precision=auto (or fp32) trains faster here";
}
