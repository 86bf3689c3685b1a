using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Platform;

/// <summary>A CUDA device's compute capability (7.5 for a T4, 8.0 for an A100, 8.9 for an RTX 4090).</summary>
public sealed record CudaCapability(int Major, int Minor)
{
    public override string ToString() => $"{Major}.{Minor}";
}

/// <summary>
/// What the device a run computes on can do natively, as the choices made for it need to know: the CPU's features,
/// a cap on the instruction sets libtorch may use (oneDNN's <c>ONEDNN_MAX_CPU_ISA</c>), or the GPU's compute capability.
/// Detected once per device; tests construct it with the hardware they mean.
/// </summary>
public sealed record ComputeHardware(string Device, CpuInfo Cpu, CudaCapability? Cuda = null, string? IsaCap = null)
{
    /// <summary>oneDNN's variable (and its older name) that caps the instruction sets libtorch's bf16 matmuls may use.</summary>
    public static readonly string[] IsaCapVariables = ["ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"];

    public bool IsCuda => Device.StartsWith("cuda", StringComparison.Ordinal);

    /// <summary>Whether bf16 matmuls run in hardware here (else they are emulated, slower than fp32), and why.</summary>
    public (bool Native, string Why) Bf16 => IsCuda
        ? Cuda switch
        {
            null => (false, "the GPU's compute capability could not be read"),
            { Major: >= 8 } c => (true, $"the GPU (compute capability {c}) computes bf16 natively"),
            var c => (false, $"the GPU (compute capability {c}, below 8.0) has no bf16 units"),
        }
        : !(Cpu.Avx512Bf16 || Cpu.AmxBf16) ? (false, "this CPU has no AVX512_BF16 or AMX-BF16")
        : IsaCap is { } cap && !AllowsBf16(cap) ? (false, $"this CPU has {(Cpu.AmxBf16 ? "AMX-BF16" : "AVX512_BF16")}, but ONEDNN_MAX_CPU_ISA={cap} keeps libtorch from it")
        : (true, $"this CPU has {(Cpu.AmxBf16 ? "AMX-BF16" : "AVX512_BF16")}");

    /// <summary>The hardware behind <paramref name="device"/>, as this machine has it.</summary>
    public static ComputeHardware Detect(Device device) => new(ComputeDevice.Name(device), CpuInfo.Detect(),
        device.type == DeviceType.CUDA ? CudaDriver.Capability(Math.Max(0, (int)device.index)) : null,
        IsaCapVariables.Select(Environment.GetEnvironmentVariable).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim());

    /// <summary>oneDNN ISA names at or above the first with bf16 instructions (AVX512_CORE_BF16).</summary>
    static bool AllowsBf16(string cap)
    {
        var name = cap.ToUpperInvariant();
        return name is "ALL" or "AVX512_CORE_BF16" or "AVX512_CORE_FP16" || name.StartsWith("AVX512_CORE_AMX") || name.StartsWith("AVX10");
    }
}

/// <summary>
/// The compute capability from the CUDA driver itself (libcuda / nvcuda), which every NVIDIA driver installs:
/// TorchSharp 0.107 does not expose <c>torch.cuda.get_device_capability</c>.
/// </summary>
static class CudaDriver
{
    const int MajorAttribute = 75, MinorAttribute = 76;   // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR

    delegate int Init(uint flags);
    delegate int DeviceGet(out int device, int ordinal);
    delegate int DeviceGetAttribute(out int value, int attribute, int device);

    public static CudaCapability? Capability(int ordinal)
    {
        string library = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(library, out var handle)) return null;
        T Function<T>(string name) where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(handle, name));
        try
        {
            if (Function<Init>("cuInit")(0) != 0 || Function<DeviceGet>("cuDeviceGet")(out int device, ordinal) != 0) return null;
            var attribute = Function<DeviceGetAttribute>("cuDeviceGetAttribute");
            return attribute(out int major, MajorAttribute, device) == 0 && attribute(out int minor, MinorAttribute, device) == 0
                ? new CudaCapability(major, minor) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }
}
