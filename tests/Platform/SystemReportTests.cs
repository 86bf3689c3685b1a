using LlmNotebooks.Platform;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Platform;

public class SystemReportTests
{
    [Fact]
    public void The_report_covers_what_a_user_needs_when_something_is_wrong()
    {
        var data = TestEnvironment.TempFolder();
        Directory.CreateDirectory(Path.Combine(data.FullName, "squad"));
        File.WriteAllText(Path.Combine(data.FullName, "squad", "dev-v1.1.json"), "{}");

        var report = SystemReport.Collect(data.FullName, LlmNotebooks.Tasks.TaskRegistry.Datasets);

        Assert.True(report.TorchWorks);
        var names = report.Lines.Select(l => l.Name).ToHashSet();
        foreach (var expected in new[] { "OS", ".NET", "CPU", "CPU features", "TorchSharp", "libtorch", "threads", "CUDA", "libstdc++ fix", "folder" })
            Assert.Contains(expected, names);
        Assert.StartsWith("1 file(s)", report.Lines.Single(l => l.Name == "squad").Value);
        Assert.StartsWith("missing", report.Lines.Single(l => l.Name == "openwebtext").Value);
        Assert.DoesNotContain(report.Lines, l => l.Problem);
    }

    [Fact]
    public void A_missing_data_folder_is_flagged()
    {
        var report = SystemReport.Collect(Path.Combine(TestEnvironment.TempFolder().FullName, "absent"), LlmNotebooks.Tasks.TaskRegistry.Datasets);
        Assert.Contains(report.Lines, l => l.Name == "folder" && l.Problem && l.Value.EndsWith("(does not exist)"));
    }

    [Fact]
    public void Cpu_features_are_read_consistently_with_the_runtime()
    {
        var cpu = CpuInfo.Detect();
        Assert.Equal(Environment.ProcessorCount, cpu.LogicalCores);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, cpu.Avx512);
        Assert.False(cpu.Avx512Bf16 && !cpu.Avx512, "AVX-512 BF16 cannot be present without AVX-512");
    }

    [Fact]
    public void The_report_says_what_precision_auto_trains_in_here()
    {
        var report = SystemReport.Collect(TestEnvironment.TempFolder().FullName, LlmNotebooks.Tasks.TaskRegistry.Datasets);
        var line = Assert.Single(report.Lines, l => l.Name == "precision auto");
        var choice = LlmNotebooks.Training.PrecisionChoice.For(LlmNotebooks.Training.Precision.Auto, ComputeHardware.Detect(TorchSharp.torch.CPU));
        Assert.StartsWith($"{choice.Used.ToString().ToLowerInvariant()} on cpu: ", line.Value);
        Assert.Contains(choice.Reason["auto: ".Length..], line.Value);
    }
}
