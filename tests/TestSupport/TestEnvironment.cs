using System.Diagnostics;
using System.Runtime.CompilerServices;
using LlmNotebooks.Platform;
using TorchSharp;

namespace LlmNotebooks.Tests.TestSupport;

/// <summary>Where the tests find the project, the real datasets and the command-line program.</summary>
public static class TestEnvironment
{
    /// <summary>The one setting for real data: $LLMNB_TEST_DATA, default ../shared/data beside the clone.</summary>
    public const string DataVariable = "LLMNB_TEST_DATA";

    public static string Root => ProjectPaths.Root;

    public static string DataFolder => Path.GetFullPath(
        Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } d ? d : Path.Combine(Root, "..", "shared", "data"));

    /// <summary>Null when the real data is present; otherwise the reason a test that needs it is skipped.</summary>
    public static string? MissingData(params string[] relativePaths)
    {
        foreach (var path in relativePaths.DefaultIfEmpty(""))
            if (!Path.Exists(Path.Combine(DataFolder, path)))
                return $"real data not found at {Path.Combine(DataFolder, path)} (set {DataVariable} to a folder laid out like ../shared/data)";
        return null;
    }

    /// <summary>The full path of a real data file or folder; the calling test is skipped, with the reason, without it.</summary>
    public static string RequireData(string relativePath)
    {
        var missing = MissingData(relativePath);
        Xunit.Skip.If(missing is not null, missing);
        return Path.Combine(DataFolder, relativePath);
    }

    /// <summary>The Release build of the command-line program, as the notebooks reference it.</summary>
    public static string CliAssembly => Path.Combine(Root, "bin", "Release", "net10.0", "LlmNotebooks.dll");

    /// <summary>Tests run in parallel on few cores: one torch thread each keeps them from oversubscribing.</summary>
    [ModuleInitializer]
    public static void StartTorch()
    {
        TorchRuntime.Initialize();
        torch.set_num_threads(1);
    }

    public sealed record CliResult(int ExitCode, string Output)
    {
        public override string ToString() => $"exit code {ExitCode}\n{Output}";
    }

    /// <summary>Runs the command-line program in a child process, as a user would.</summary>
    public static CliResult RunCli(params string[] args) => RunCli(new Dictionary<string, string>(), args);

    /// <summary>The Release build of the notebook tool (tools/Notebooks), which the program's notebooks commands run.</summary>
    public static string NotebookToolAssembly => Path.Combine(Root, "tools", "Notebooks", "bin", "Release", "net10.0", "LlmNotebooks.NotebookTool.dll");

    /// <summary>The notebook tool in a child process: <c>run 00-setup --set scale=smoke</c> as <c>notebooks run …</c> takes it.</summary>
    public static CliResult RunNotebookTool(params string[] args) => RunDotnet([NotebookToolAssembly, .. args], new Dictionary<string, string>(), TimeSpan.FromMinutes(5));

    /// <summary>The same, with environment variables set for the child.</summary>
    public static CliResult RunCli(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunDotnet([CliAssembly, .. args], environment, TimeSpan.FromMinutes(5));

    /// <summary><c>dotnet ARGS</c>, as <see cref="Run"/> runs a program.</summary>
    public static CliResult RunDotnet(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout) =>
        Run("dotnet", args, environment, timeout);

    /// <summary>
    /// A program in the repository root with one torch thread (tests run side by side), its output and error together;
    /// killed with its children after <paramref name="timeout"/>.
    /// </summary>
    public static CliResult Run(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment[TorchRuntime.ThreadsVariable] = "1";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes} minutes\n{output}");
        }
        return new CliResult(process.ExitCode, output + stderr.Result);
    }

    /// <summary>The full path of a program on the PATH, or null.</summary>
    public static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    public static DirectoryInfo TempFolder() => Directory.CreateTempSubdirectory("llmnb-test-");
}
