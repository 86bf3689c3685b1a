using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace LlmNotebooks.Platform;

/// <summary>TorchSharp could not start; the message names the real cause, not TorchSharp's generic one.</summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : UserError(message, inner);

/// <summary>
/// The one entry point that makes TorchSharp usable in this process: applies the Linux libstdc++ fix where needed,
/// loads the native library from where TorchSharp will look for it (so a failure reports the loader's own reason),
/// and starts the CPU backend. The CLI, the tests and the notebooks call it before touching <c>torch</c>.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Environment variable that sets torch's intra-op thread count (default: libtorch's, one per core).</summary>
    public const string ThreadsVariable = "LLMNB_THREADS";

    static readonly Lock Gate = new();
    static TorchStatus? _status;

    /// <summary>What <see cref="Initialize"/> did; <c>doctor</c> prints it.</summary>
    public sealed record TorchStatus(
        string? NativeLibraryPath,
        bool HostLacksGlibcxx32,
        IReadOnlyList<(string Path, LibStdCxxFix.Outcome Outcome)> Fixes,
        string? MklAmdFixLibrary);

    public static TorchStatus Status => _status ?? throw new InvalidOperationException("TorchRuntime.Initialize has not run");

    /// <summary>"cpu" or "cuda": the libtorch package this program was built with (<c>-p:TorchDevice=...</c>).</summary>
    public static string BuildDevice { get; } = typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "TorchDevice")?.Value ?? "cpu";

    public static TorchStatus Initialize()
    {
        lock (Gate)
        {
            if (_status is not null) return _status;
            bool lacks = LibStdCxxFix.HostLacksVersion();
            var fixes = new List<(string, LibStdCxxFix.Outcome)>();
            var candidates = NativeLibraryCandidates().Where(File.Exists).ToList();
            if (lacks)
                foreach (var path in candidates)
                    fixes.Add((path, ApplyFix(path)));
            var native = candidates.FirstOrDefault();
            // Before libtorch loads, so MKL binds to our mkl_serv_intel_cpu_true (see MklAmdFix).
            var mklFix = MklAmdFix.Applies(CpuInfo.Detect()) ? MklAmdFix.Load(WritableFolder()) : null;
            if (native is not null) LoadOrExplain(native, lacks);
            try
            {
                // A CUDA build loads the CUDA backend; without a usable GPU it falls back to the CPU one.
                if (BuildDevice != "cuda" || !TryInitializeCuda()) torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e)
            {
                throw new TorchUnavailableException(
                    $"TorchSharp could not start its CPU backend: {FirstLine(e.Message)}" +
                    (native is null ? $" (no {NativeFileName} was found beside {TorchSharpAssemblyDirectory})" : ""), e);
            }
            if (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out int threads) && threads > 0)
                torch.set_num_threads(threads);
            return _status = new TorchStatus(native, lacks, fixes, mklFix);
        }
    }

    /// <summary>Beside our assembly when it can be written to (a build folder), else a per-user temporary folder.</summary>
    static string WritableFolder()
    {
        var beside = Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location)!;
        try
        {
            var probe = Path.Combine(beside, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return beside;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"llmnotebooks-{Environment.UserName}")).FullName;
        }
    }

    static bool TryInitializeCuda()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available();
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    static LibStdCxxFix.Outcome ApplyFix(string path)
    {
        try
        {
            return LibStdCxxFix.Apply(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new TorchUnavailableException(
                $"{path} needs {LibStdCxxFix.MissingVersion}, which this system's {LibStdCxxFix.Library} lacks, " +
                $"and the automatic fix could not be applied: {e.Message}. See environment.md, 'Linux: libstdc++'.", e);
        }
    }

    static void LoadOrExplain(string path, bool hostLacksVersion)
    {
        try
        {
            NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            // The loader's message (dlerror) names the real cause: a missing GLIBCXX version, a missing libtorch file…
            throw new TorchUnavailableException(
                $"TorchSharp's native library {path} cannot be loaded: {FirstLine(e.Message)}" +
                (hostLacksVersion ? $" (this system's {LibStdCxxFix.Library} lacks {LibStdCxxFix.MissingVersion}; see environment.md)" : ""), e);
        }
    }

    static string NativeFileName =>
        OperatingSystem.IsWindows() ? "LibTorchSharp.dll" : OperatingSystem.IsMacOS() ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";

    static string TorchSharpAssemblyDirectory => Path.GetDirectoryName(typeof(torch).Assembly.Location)!;

    /// <summary>Where TorchSharp looks for its native library: beside TorchSharp.dll, flat or under runtimes/RID/native.</summary>
    static IEnumerable<string> NativeLibraryCandidates()
    {
        string rid = NativeAssets.RuntimeIdentifier;
        var folders = new[] { TorchSharpAssemblyDirectory, AppContext.BaseDirectory }
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct();
        foreach (var dir in folders)
        {
            yield return Path.Combine(dir, NativeFileName);
            yield return Path.Combine(dir, "runtimes", rid, "native", NativeFileName);
        }
    }

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
