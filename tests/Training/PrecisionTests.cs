using LlmNotebooks.Finetune;
using LlmNotebooks.Platform;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Training;

/// <summary>Precision auto on hardware given as input, not read from the machine the tests run on.</summary>
public class PrecisionTests
{
    static readonly CpuInfo Avx2Only = new("AuthenticAMD", "AMD EPYC (Zen 1)", 2, Avx2: true, Avx512: false, Avx512Bf16: false, AmxBf16: false);
    static readonly CpuInfo Avx512NoBf16 = new("GenuineIntel", "Intel Xeon (Ice Lake)", 8, Avx2: true, Avx512: true, Avx512Bf16: false, AmxBf16: false);
    static readonly CpuInfo Zen5 = new("AuthenticAMD", "AMD EPYC (Zen 5)", 2, Avx2: true, Avx512: true, Avx512Bf16: true, AmxBf16: false);
    static readonly CpuInfo SapphireRapids = new("GenuineIntel", "Intel Xeon (Sapphire Rapids)", 8, Avx2: true, Avx512: true, Avx512Bf16: true, AmxBf16: true);

    static IEnumerable<TrainingConfig> EveryPreset =>
        PretrainingConfig.Presets.Values.Cast<TrainingConfig>().Concat(FinetuningConfig.Presets.Values);

    public static TheoryData<string, CpuInfo, Precision> Cpus => new()
    {
        { "AVX2 only", Avx2Only, Precision.Fp32 },
        { "AVX-512 without BF16", Avx512NoBf16, Precision.Fp32 },
        { "AVX512_BF16", Zen5, Precision.Bf16 },
        { "AMX-BF16", SapphireRapids, Precision.Bf16 },
    };

    [Theory]
    [MemberData(nameof(Cpus))]
    public void Every_preset_trains_in_bf16_exactly_where_the_cpu_computes_it(string kind, CpuInfo cpu, Precision expected)
    {
        var hardware = new ComputeHardware("cpu", cpu);
        foreach (var preset in EveryPreset)
        {
            Assert.Equal(Precision.Auto, preset.Precision);
            var choice = PrecisionChoice.For(preset.Precision, hardware);
            Assert.True(expected == choice.Used, $"{kind}: {choice}");
            Assert.False(choice.Bf16Emulated);
            Assert.StartsWith("auto: this CPU has", choice.Reason);
        }
    }

    [Theory]
    [InlineData(6, 1, Precision.Fp32)]   // P100
    [InlineData(7, 0, Precision.Fp32)]   // V100
    [InlineData(7, 5, Precision.Fp32)]   // T4, Colab's and Kaggle's free GPU
    [InlineData(8, 0, Precision.Bf16)]   // A100
    [InlineData(8, 9, Precision.Bf16)]   // RTX 4090
    [InlineData(9, 0, Precision.Bf16)]   // H100
    public void On_cuda_auto_is_bf16_from_compute_capability_8_0(int major, int minor, Precision expected)
    {
        // The host CPU does not matter on a GPU: give it bf16 units to be sure.
        var choice = PrecisionChoice.For(Precision.Auto, new ComputeHardware("cuda:0", Zen5, new CudaCapability(major, minor)));
        Assert.Equal(expected, choice.Used);
        Assert.Contains($"compute capability {major}.{minor}", choice.Reason);
    }

    [Fact]
    public void A_gpu_whose_capability_cannot_be_read_trains_in_fp32()
    {
        var choice = PrecisionChoice.For(Precision.Auto, new ComputeHardware("cuda:0", Zen5, Cuda: null));
        Assert.Equal(Precision.Fp32, choice.Used);
        Assert.Contains("could not be read", choice.Reason);
    }

    [Fact]
    public void A_cap_on_the_instruction_sets_libtorch_may_use_counts_as_no_bf16()
    {
        var capped = PrecisionChoice.For(Precision.Auto, new ComputeHardware("cpu", Zen5, IsaCap: "AVX2"));
        Assert.Equal(Precision.Fp32, capped.Used);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=AVX2", capped.Reason);
        Assert.Equal(Precision.Bf16, PrecisionChoice.For(Precision.Auto, new ComputeHardware("cpu", Zen5, IsaCap: "avx512_core_bf16")).Used);
        Assert.Equal(Precision.Bf16, PrecisionChoice.For(Precision.Auto, new ComputeHardware("cpu", SapphireRapids, IsaCap: "AVX512_CORE_AMX")).Used);
    }

    [Fact]
    public void Bf16_asked_for_where_it_is_emulated_still_runs_and_says_so()
    {
        var choice = PrecisionChoice.For(Precision.Bf16, new ComputeHardware("cpu", Avx2Only));
        Assert.Equal((Precision.Bf16, Precision.Bf16, true), (choice.Used, choice.Requested, choice.Bf16Emulated));
        Assert.Contains("emulated", choice.Reason);
        var warning = PrecisionChoice.EmulationWarning(fp32Gflops: 54, bf16Gflops: 2);
        Assert.StartsWith("warning: bf16 is emulated on this hardware: its matmuls ran 27x slower than fp32", warning);
        Assert.Contains("precision=auto (or fp32)", warning);

        var explicitFp32 = PrecisionChoice.For(Precision.Fp32, new ComputeHardware("cpu", Zen5));
        Assert.Equal((Precision.Fp32, "asked for", false), (explicitFp32.Used, explicitFp32.Reason, explicitFp32.Bf16Emulated));
    }

    [Fact]
    public void The_benchmark_measures_bf16_by_default_only_where_it_is_native()
    {
        Assert.Equal([Precision.Fp32], TrainingBenchmark.DefaultPrecisions(new ComputeHardware("cpu", Avx2Only)));
        Assert.Equal([Precision.Fp32, Precision.Bf16], TrainingBenchmark.DefaultPrecisions(new ComputeHardware("cpu", Zen5)));
        Assert.Equal([Precision.Fp32], TrainingBenchmark.DefaultPrecisions(new ComputeHardware("cuda:0", Zen5, new CudaCapability(7, 5))));
    }

    [Fact]
    public void The_precision_used_and_why_go_into_run_json_and_back()
    {
        var choice = PrecisionChoice.For(Precision.Auto, new ComputeHardware("cpu", Avx2Only));
        var json = System.Text.Json.JsonSerializer.Serialize(choice, TrainingConfig.Json);
        Assert.Contains("\"used\": \"fp32\"", json);
        Assert.Contains("\"requested\": \"auto\"", json);
        Assert.Equal(choice, System.Text.Json.JsonSerializer.Deserialize<PrecisionChoice>(json, TrainingConfig.Json));
    }
}
