using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace LlmNotebooks.Platform;

/// <summary>
/// What the CPU offers the math libraries, read with CPUID so it is the same on Linux, Windows and macOS (x86).
/// AVX-512 decides libtorch's fastest fp32 kernels; AVX-512 BF16 / AMX make bf16 matmuls faster than fp32.
/// </summary>
public sealed record CpuInfo(string Vendor, string Model, int LogicalCores, bool Avx2, bool Avx512, bool Avx512Bf16, bool AmxBf16)
{
    public bool IsAmd => Vendor.Contains("AMD", StringComparison.OrdinalIgnoreCase);
    public bool IsIntel => Vendor.Contains("Intel", StringComparison.OrdinalIgnoreCase);

    public string Features => string.Join(", ", new[]
        {
            (Avx2, "AVX2"), (Avx512, "AVX-512"), (Avx512Bf16, "AVX-512 BF16"), (AmxBf16, "AMX-BF16"),
        }.Where(f => f.Item1).Select(f => f.Item2).DefaultIfEmpty("none of AVX2 / AVX-512 / BF16"));

    public static CpuInfo Detect()
    {
        int cores = Environment.ProcessorCount;
        if (!X86Base.IsSupported)
            return new CpuInfo(RuntimeInformation.ProcessArchitecture.ToString(), RuntimeInformation.ProcessArchitecture.ToString(),
                cores, false, false, false, false);
        var (_, ebx0, ecx0, edx0) = X86Base.CpuId(0, 0);
        string vendor = Ascii(ebx0, edx0, ecx0);
        var (_, ebx7, _, edx7) = X86Base.CpuId(7, 0);
        var (eax71, _, _, _) = X86Base.CpuId(7, 1);
        bool avx512 = Avx512F.IsSupported;   // also checks that the OS saves AVX-512 state
        return new CpuInfo(vendor, BrandString(), cores,
            Avx2: System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            Avx512: avx512,
            Avx512Bf16: avx512 && (eax71 & (1 << 5)) != 0,
            AmxBf16: (edx7 & (1 << 22)) != 0 && (ebx7 & (1 << 16)) != 0);
    }

    static string BrandString()
    {
        var (max, _, _, _) = X86Base.CpuId(unchecked((int)0x80000000), 0);
        if ((uint)max < 0x80000004) return "unknown";
        var text = new StringBuilder();
        for (uint leaf = 0x80000002; leaf <= 0x80000004; leaf++)
        {
            var (a, b, c, d) = X86Base.CpuId(unchecked((int)leaf), 0);
            text.Append(Ascii(a, b, c, d));
        }
        return text.ToString().TrimEnd('\0').Trim();
    }

    static string Ascii(params int[] registers) =>
        Encoding.ASCII.GetString(registers.SelectMany(BitConverter.GetBytes).ToArray()).TrimEnd('\0');
}
