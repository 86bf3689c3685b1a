using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Cli;

[Collection(Training.TrainerCollection.Name)]
public class PretrainCommandTests
{
    /// <summary>SIGINT is what Ctrl+C sends; SIGTERM what docker stop, a job scheduler or a cloud VM shutting down send.</summary>
    [SkippableTheory]
    [InlineData(2)]
    [InlineData(15)]
    public void A_stop_signal_saves_a_checkpoint_and_stops_and_resume_finishes_the_run(int signal)
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "sends POSIX signals");
        Skip.If(signal == 2 && SigIntIgnored(), "SIGINT is ignored in this process (the tests were started in the background), so the run it starts would ignore Ctrl+C too");
        var data = TestEnvironment.RequireData("");
        var run = Path.Combine(TestEnvironment.TempFolder().FullName, "run");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.Root };
        foreach (var a in new[] { TestEnvironment.CliAssembly, "pretrain", "--preset", "smoke", "--data", data, "--out", run, "--set", "max_steps=100000" })
            start.ArgumentList.Add(a);
        start.Environment["LLMNB_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var metrics = Path.Combine(run, MetricsLog.MetricsFile);
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && File.ReadLines(metrics).Count() >= 5) && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(100);
        Assert.True(kill(process.Id, signal) == 0, $"signal {signal} could not be sent");
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);   // do not leave a 100,000-step run behind
            Assert.Fail($"the run did not stop after signal {signal}");
        }

        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}\n{output.Result}");
        Assert.Contains("continue with --resume", output.Result);
        var checkpoint = Assert.Single(new CheckpointStore(run).Steps());
        long stoppedAt = CheckpointStore.ReadState(checkpoint).Step;
        Assert.True(stoppedAt >= 5);

        var resumed = TestEnvironment.RunCli("pretrain", "--preset", "smoke", "--data", data, "--out", run, "--resume", "--set", $"max_steps={stoppedAt + 3}");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"resumed from {checkpoint} at step {stoppedAt}", resumed.Output);
        Assert.Equal(Enumerable.Range(1, (int)stoppedAt + 3).Select(i => (long)i),
            MetricsLog.Read(run).Where(r => r.Kind == MetricsRecord.TrainKind).Select(r => r.Step));
        Assert.True(File.Exists(Path.Combine(run, "model.pt")));
    }

    /// <summary>Whether SIGINT (signal 2, bit 1 of the SigIgn mask) is ignored here; children inherit that.</summary>
    static bool SigIntIgnored() =>
        File.Exists("/proc/self/status") && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:")) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0b10) != 0;

    [DllImport("libc")]
    static extern int kill(int pid, int signal);
}
