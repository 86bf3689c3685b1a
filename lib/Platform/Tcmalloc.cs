using System.Runtime.InteropServices;
using System.Text;

namespace LlmNotebooks.Platform;

/// <summary>
/// libtorch allocates and frees many large, short-lived buffers per training step. With glibc's malloc each of them
/// is a fresh mmap (and page faults to zero it); tcmalloc keeps them (environment.md has what it gains). An allocator
/// can only be swapped before the process starts, so the
/// command-line program restarts itself once with tcmalloc preloaded when the system has it (Debian/Ubuntu package
/// libtcmalloc-minimal4). <c>LLMNB_ALLOCATOR=system</c> keeps glibc's malloc.
/// </summary>
public static class Tcmalloc
{
    public const string SwitchVariable = "LLMNB_ALLOCATOR";
    const string RestartedVariable = "LLMNB_TCMALLOC_RESTARTED";
    const string Library = "libtcmalloc_minimal.so.4";

    static readonly string[] LibraryFolders =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/lib64"];

    /// <summary>The tcmalloc library of this system, or null.</summary>
    public static string? Find() => OperatingSystem.IsLinux()
        ? LibraryFolders.Select(f => Path.Combine(f, Library)).FirstOrDefault(File.Exists) : null;

    /// <summary>Whether this process runs on tcmalloc.</summary>
    public static bool Loaded() =>
        OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libtcmalloc"));

    /// <summary>
    /// Replaces this process by itself with tcmalloc preloaded, when that is possible and not done yet; otherwise
    /// returns and the program goes on with the allocator it has. Must run before anything else in Main.
    /// </summary>
    public static void RestartWithTcmallocIfAvailable()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(SwitchVariable) == "system"
            || Environment.GetEnvironmentVariable(RestartedVariable) == "1" || Loaded()) return;
        var preloaded = PreloadedEnvironment();
        if (preloaded is null) return;
        // The exact command line and environment of this process, plus the preload.
        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        foreach (var (key, value) in preloaded) environment[key] = value;
        environment[RestartedVariable] = "1";
        var envp = environment.Select(e => $"{e.Key}={e.Value}").ToArray();
        Console.Out.Flush();
        execve("/proc/self/exe", [.. argv, null], [.. envp, null]);
        // execve only returns on failure: carry on without tcmalloc.
    }

    /// <summary>
    /// What a newcomer's machine lacks for full training speed, in one line with the fix; null when nothing is
    /// missing (tcmalloc is loaded, switched off on purpose, or this is not Linux).
    /// </summary>
    public static string? MissingAdvice()
    {
        if (!OperatingSystem.IsLinux() || Loaded() || Environment.GetEnvironmentVariable(SwitchVariable) == "system") return null;
        return Find() is null
            ? "allocator: glibc malloc, because tcmalloc is not installed; training is slower without it (environment.md, 'Speed on Linux', has the measured difference). " +
              "Install it with: sudo apt-get install libtcmalloc-minimal4"
            : "allocator: glibc malloc, because this process was started without tcmalloc preloaded; the command-line program restarts itself with it, a notebook kernel needs LD_PRELOAD (environment.md)";
    }

    /// <summary>
    /// The environment variables that start a child process on tcmalloc (the notebook kernel that <c>notebooks run</c>
    /// starts, for one), or null where tcmalloc is missing or switched off.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? PreloadedEnvironment()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(SwitchVariable) == "system") return null;
        var library = Find();
        if (library is null) return null;
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        return new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = string.IsNullOrEmpty(preload) ? library : preload.Contains(library) ? preload : $"{library}:{preload}",
            // Keep freed memory instead of handing it back to the system only to fault it in again next step (+5% on
            // the small preset), and do not warn about the large activation buffers of big batches.
            ["TCMALLOC_RELEASE_RATE"] = Environment.GetEnvironmentVariable("TCMALLOC_RELEASE_RATE") ?? "0",
            ["TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD"] = Environment.GetEnvironmentVariable("TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD") ?? (64L << 30).ToString(),
        };
    }

    [DllImport("libc", SetLastError = true)]
    static extern int execve(string path, string?[] argv, string?[] envp);
}
