using System.Runtime.InteropServices;
using LlmNotebooks.Platform;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Platform;

/// <summary>The two measures that make libtorch fast on Linux: the MKL AMD fix and the tcmalloc restart.</summary>
public class SpeedMeasuresTests
{
    [SkippableFact]
    public unsafe void The_generated_library_loads_and_its_function_returns_one()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, "an x86-64 ELF file");
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "shim.so");
        File.WriteAllBytes(path, MklAmdFix.SharedObject());

        var handle = NativeLibrary.Load(path);
        var function = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, MklAmdFix.Symbol);

        Assert.Equal(1, function());
    }

    [SkippableFact]
    public void On_non_intel_linux_the_fix_is_active_in_this_process()
    {
        var cpu = CpuInfo.Detect();
        Skip.IfNot(MklAmdFix.Applies(cpu), "the fix applies to non-Intel x64 Linux only");
        Assert.True(MklAmdFix.Active());
        Assert.NotNull(TorchRuntime.Status.MklAmdFixLibrary);
    }

    [SkippableFact]
    public void The_command_line_program_runs_on_tcmalloc_when_the_system_has_it()
    {
        Skip.If(Tcmalloc.Find() is null, "libtcmalloc-minimal4 is not installed");
        var result = TestEnvironment.RunCli("doctor");
        Assert.Matches(@"allocator\s+.*tcmalloc", result.Output);
        Assert.DoesNotMatch(@"allocator\s+.*glibc", result.Output);
    }
}
