using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Platform;

/// <summary>
/// Where models, batches, caches and generators live: the <c>device</c> setting, <c>auto</c> (CUDA when this build
/// and machine have it, else the CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. Tests use <c>meta</c>, a device
/// with shapes and no data, to catch tensors created on the wrong device.
/// </summary>
public static class ComputeDevice
{
    public const string Auto = "auto";

    public static Device Resolve(string setting)
    {
        TorchRuntime.Initialize();
        var name = setting.Trim().ToLowerInvariant();
        if (name is "" or Auto) name = torch.cuda.is_available() ? "cuda" : "cpu";
        if (name.StartsWith("cuda") && !torch.cuda.is_available())
            throw new UserError($"device {setting}: CUDA is not available here ({(TorchRuntime.BuildDevice == "cuda" ? "no usable GPU or driver" : "this is the CPU build; build with -p:TorchDevice=cuda")})");
        try
        {
            var device = torch.device(name);
            // fp32 matmuls in TF32 on Ampere and later (PyTorch's default for convolutions, opt-in for matmuls): about
            // 8x the fp32 rate at a 10-bit mantissa, which training tolerates. bf16 runs are unaffected.
            if (device.type == DeviceType.CUDA) torch.backends.cuda.matmul.allow_tf32 = true;
            return device;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new UserError($"device '{setting}' is not one of auto, cpu, cuda, cuda:N", e);
        }
    }

    /// <summary>As run.json and the report name it: cpu, cuda:0.</summary>
    public static string Name(Device device) => device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : device.type.ToString().ToLowerInvariant();
}
