using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using LlmNotebooks.Platform;

using LlmNotebooks.Notebooks;

namespace LlmNotebooks.NotebookTool;

/// <summary>One event the kernel sent while running a command: its type (DisplayedValueProduced…) and body.</summary>
public sealed record KernelEvent(string Type, JsonObject Body);

/// <summary>What one submission did: every event it produced, and the error when it failed.</summary>
public sealed record KernelResult(IReadOnlyList<KernelEvent> Events, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>The kernel stopped answering or exited: which command, and what it printed last.</summary>
public sealed class KernelProcessException(string message) : Exception(message);

/// <summary>
/// A .NET Interactive kernel in its own process: <c>dotnet-interactive stdio</c>, the program VS Code's Polyglot
/// Notebooks and Jupyter start, at the version pinned in <c>.config/dotnet-tools.json</c> (restored on first use).
/// Commands and events are one JSON envelope per line on stdin and stdout, as the editors send them, so code run
/// here loads assemblies exactly as it does in a student's editor.
/// </summary>
public sealed class KernelProcess : IDisposable
{
    public const string ToolManifest = ".config/dotnet-tools.json";

    static readonly Lazy<string?> Restored = new(RestoreTool);

    readonly Process _process;
    readonly BlockingCollection<JsonObject?> _events = new();
    readonly StringBuilder _stderr = new();
    int _tokens;

    KernelProcess(Process process)
    {
        _process = process;
        new Thread(ReadEvents) { IsBackground = true, Name = "kernel stdout" }.Start();
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts a kernel whose working directory (relative paths, #load, #r) is <paramref name="workingDirectory"/>.</summary>
    public static KernelProcess Start(string workingDirectory, TimeSpan? readyTimeout = null)
    {
        if (Restored.Value is { } error) throw new KernelProcessException(error);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ProjectPaths.Root,   // where the tool manifest is
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardInputEncoding = new UTF8Encoding(false),
        };
        foreach (var arg in new[] { "tool", "run", "dotnet-interactive", "--", "stdio", "--default-kernel", "csharp", "--working-dir", workingDirectory })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_INTERACTIVE_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // The kernel trains models too: give it the allocator the command-line program restarts itself with.
        foreach (var (key, value) in Tcmalloc.PreloadedEnvironment() ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var kernel = new KernelProcess(Process.Start(start) ?? throw new KernelProcessException("could not start `dotnet tool run dotnet-interactive`"));
        kernel.WaitFor(e => Type(e) == "KernelReady", readyTimeout ?? TimeSpan.FromMinutes(2), "start");
        kernel.ExitWithThisProcess();
        return kernel;
    }

    /// <summary>
    /// A kernel whose stdin closes (its parent died without a word) spins at full speed and never exits: this one
    /// watches this process and exits with it, so a killed run never leaves a kernel eating a core.
    /// </summary>
    void ExitWithThisProcess()
    {
        var watch = Submit($"System.Threading.Tasks.Task.Run(() => {{ System.Diagnostics.Process.GetProcessById({Environment.ProcessId}).WaitForExit(); System.Environment.Exit(0); }});",
            TimeSpan.FromMinutes(1));
        if (!watch.Succeeded) throw new KernelProcessException($"the kernel did not run its first command: {watch.Error}");
    }

    /// <summary>Runs code in the C# kernel and returns once the kernel says the command succeeded or failed.</summary>
    public KernelResult Submit(string code, TimeSpan? timeout = null, CancellationToken cancellation = default) =>
        Send("SubmitCode", new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" }, timeout, cancellation);

    /// <summary>The C# kernel's variables: name and declared type (System.Int32, System.String…).</summary>
    public IReadOnlyDictionary<string, string> Variables()
    {
        var result = Send("RequestValueInfos", new JsonObject { ["mimeType"] = "text/plain+summary", ["targetKernelName"] = "csharp" }, TimeSpan.FromMinutes(1), default);
        var infos = result.Events.FirstOrDefault(e => e.Type == "ValueInfosProduced")?.Body["valueInfos"]?.AsArray() ?? [];
        return infos.OfType<JsonObject>().GroupBy(v => (string)v["name"]!).ToDictionary(g => g.Key, g => (string?)g.Last()["typeName"] ?? "");
    }

    KernelResult Send(string commandType, JsonObject command, TimeSpan? timeout, CancellationToken cancellation)
    {
        var token = $"llmnb-{Interlocked.Increment(ref _tokens)}";
        var envelope = new JsonObject { ["token"] = token, ["commandType"] = commandType, ["command"] = command, ["routingSlip"] = new JsonArray() };
        _process.StandardInput.WriteLine(envelope.ToJsonString());
        _process.StandardInput.Flush();
        var events = new List<KernelEvent>();
        var done = WaitFor(e =>
        {
            var type = Type(e);
            bool ours = (string?)e["command"]?["token"] == token;
            if (ours && type is "CommandSucceeded" or "CommandFailed") return true;
            events.Add(new KernelEvent(type, e["event"] as JsonObject ?? []));
            return false;
        }, timeout, commandType, cancellation);
        return new KernelResult(events, Type(done) == "CommandFailed" ? (string?)done["event"]?["message"] ?? "failed" : null);
    }

    JsonObject WaitFor(Func<JsonObject, bool> isLast, TimeSpan? timeout, string what, CancellationToken cancellation = default)
    {
        var deadline = timeout is { } t ? DateTime.UtcNow + t : DateTime.MaxValue;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new KernelProcessException($"the kernel did not finish {what} within {timeout}{StderrTail()}");
            int wait = left > TimeSpan.FromDays(1) ? Timeout.Infinite : (int)Math.Ceiling(left.TotalMilliseconds);
            if (!_events.TryTake(out var e, wait, cancellation)) continue;
            if (e is null)
            {
                _process.WaitForExit(5000);
                throw new KernelProcessException($"the kernel process exited{(_process.HasExited ? $" with code {_process.ExitCode}" : "")} during {what}{StderrTail()}");
            }
            if (isLast(e)) return e;
        }
    }

    void ReadEvents()
    {
        try
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                // The kernel writes only JSON envelopes, one per line; anything else (a native library's message) is not an event.
                if (!line.StartsWith('{')) continue;
                try { if (JsonNode.Parse(line) is JsonObject e) _events.Add(e); }
                catch (System.Text.Json.JsonException) { }
            }
        }
        finally
        {
            _events.Add(null);   // end of output: the process is gone
        }
    }

    static string Type(JsonObject e) => (string?)e["eventType"] ?? "";

    string StderrTail()
    {
        lock (_stderr)
        {
            var lines = _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return lines.Length == 0 ? "" : $"; it printed: {string.Join(" | ", lines.TakeLast(3))}";
        }
    }

    /// <summary>Restores the pinned kernel once per process; an error message when that is impossible.</summary>
    static string? RestoreTool()
    {
        var start = new ProcessStartInfo("dotnet", "tool restore") { WorkingDirectory = ProjectPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        using var restore = Process.Start(start);
        if (restore is null) return "could not run `dotnet tool restore`";
        var output = restore.StandardOutput.ReadToEndAsync();
        var errors = restore.StandardError.ReadToEnd();
        restore.WaitForExit();
        return restore.ExitCode == 0 ? null
            : $"could not restore the notebook kernel pinned in {Path.Combine(ProjectPaths.Root, ToolManifest)} (`dotnet tool restore`): " +
              (errors + output.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine(new JsonObject { ["token"] = "quit", ["commandType"] = "Quit", ["command"] = new JsonObject(), ["routingSlip"] = new JsonArray() }.ToJsonString());
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
