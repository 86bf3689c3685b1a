using System.Runtime.InteropServices;

namespace LlmNotebooks.Platform;

/// <summary>
/// Makes TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> load on Linux systems whose libstdc++ predates GCC 13
/// (Debian 12, Ubuntu 22.04). The .so was linked with GCC 15 and asks for <c>GLIBCXX_3.4.32</c> for a single symbol,
/// <c>std::ios_base_library_init()</c>, which GCC 13+ headers reference only to pull iostream initialisation in at
/// link time; nothing calls it. Pointing that one requirement at <c>GLIBCXX_3.4.30</c> lets the loader accept the
/// file. The fix is applied only when the host's libstdc++ lacks the version, only when that symbol is the sole user
/// of it, and by atomic rename, so it is idempotent and safe when two processes start at once.
/// </summary>
public static class LibStdCxxFix
{
    public const string Library = "libstdc++.so.6";
    public const string MissingVersion = "GLIBCXX_3.4.32";
    public const string ReplacementVersion = "GLIBCXX_3.4.30";
    /// <summary>The only symbol the fix accepts behind the missing version (mangled <c>std::ios_base_library_init()</c>).</summary>
    public const string LinkTimeOnlySymbol = "_ZSt21ios_base_library_initv";

    public enum Outcome { NotNeeded, AlreadyApplied, Applied }

    /// <summary>True when the libstdc++ this process gets does not define <see cref="MissingVersion"/>.</summary>
    public static bool HostLacksVersion()
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (!NativeLibrary.TryLoad(Library, out var handle)) return false;   // no libstdc++ at all: nothing we can fix
        // The symbol was introduced with GLIBCXX_3.4.32, so its presence tells whether the version is defined.
        return !NativeLibrary.TryGetExport(handle, LinkTimeOnlySymbol, out _);
    }

    /// <summary>Patches the file at <paramref name="path"/> if it needs it; safe to call any number of times.</summary>
    public static Outcome Apply(string path)
    {
        var elf = ElfFile.Parse(File.ReadAllBytes(path));
        var need = elf.VersionNeeds.FirstOrDefault(n => n.Library == Library && n.Version == MissingVersion);
        if (need is null)
        {
            bool redirected = elf.VersionNeeds.Count(n => n.Library == Library && n.Version == ReplacementVersion) > 1;
            return redirected ? Outcome.AlreadyApplied : Outcome.NotNeeded;
        }
        var users = elf.UndefinedSymbolsOf(need.Index);
        if (users.Any(s => s != LinkTimeOnlySymbol))
            throw new InvalidDataException(
                $"{path} needs {MissingVersion} for {string.Join(", ", users)}; only {LinkTimeOnlySymbol} is known to be safe to redirect");
        elf.Redirect(Library, MissingVersion, ReplacementVersion);
        ReplaceAtomically(path, elf.Bytes);
        return Outcome.Applied;
    }

    /// <summary>
    /// Written beside the original and renamed over it: a process that already mapped the old file keeps it, and a
    /// concurrent patcher writes identical bytes. The mode and modification time are kept so that incremental builds
    /// do not copy the unpatched file over the patched one again.
    /// </summary>
    static void ReplaceAtomically(string path, byte[] bytes)
    {
        var info = new FileInfo(path);
        AtomicFile.Write(path, stream => stream.Write(bytes), temp =>
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, info.UnixFileMode);
            File.SetLastWriteTimeUtc(temp, info.LastWriteTimeUtc);
        });
    }
}
