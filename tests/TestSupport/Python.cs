using System.Diagnostics;

namespace LlmNotebooks.Tests.TestSupport;

/// <summary>
/// An independent check in real PyTorch (Debian's python3-torch, which .ci/run installs): tests that need it are
/// skipped, with the reason, where python3 or torch is missing.
/// </summary>
public static class Python
{
    static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            var (code, output) = Run("import torch; print(torch.__version__)");
            return code == 0 ? null : $"python3 cannot import torch (install python3-torch): {output.Trim().Split('\n')[^1]}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "python3 is not installed";
        }
    });

    /// <summary>Skips the calling test, with the reason, without python3 and torch.</summary>
    public static void RequireTorch() => Xunit.Skip.If(Missing.Value is not null, Missing.Value);

    /// <summary>Runs a script with arguments; exit code and everything it printed.</summary>
    public static (int ExitCode, string Output) Run(string script, params string[] args) => Start(["-c", script, .. args]);

    /// <summary>Runs a script file of the repository (tools/pytorch/…) with arguments.</summary>
    public static (int ExitCode, string Output) RunFile(string path, params string[] args) => Start([path, .. args]);

    /// <summary>Runs python3 with these arguments (e.g. -m torch.distributed.run …).</summary>
    public static (int ExitCode, string Output) Start(params IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + errors.Result);
    }
}
