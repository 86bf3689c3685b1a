using System.Reflection;
using LlmNotebooks.Platform;
using LlmNotebooks.Tests.TestSupport;
using TorchSharp;
using Xunit;

namespace LlmNotebooks.Tests.Platform;

/// <summary>The libstdc++ fix, applied to copies of TorchSharp's real native library from the NuGet cache.</summary>
public class LibStdCxxFixTests
{
    static string? OriginalLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var version = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var path = Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    static string CopyOfOriginal(DirectoryInfo folder)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix concerns Linux only");
        var original = OriginalLibrary();
        Skip.If(original is null, "TorchSharp's linux-x64 native library is not in the NuGet cache");
        var elf = ElfFile.Parse(File.ReadAllBytes(original!));
        Skip.IfNot(elf.VersionNeeds.Any(n => n.Version == LibStdCxxFix.MissingVersion),
            $"this TorchSharp build does not ask for {LibStdCxxFix.MissingVersion}");
        var copy = Path.Combine(folder.FullName, "libLibTorchSharp.so");
        File.Copy(original!, copy);
        return copy;
    }

    [SkippableFact]
    public void The_real_library_asks_for_the_missing_version_for_one_link_time_symbol_only()
    {
        var folder = TestEnvironment.TempFolder();
        var elf = ElfFile.Parse(File.ReadAllBytes(CopyOfOriginal(folder)));

        var need = Assert.Single(elf.VersionNeeds, n => n.Library == LibStdCxxFix.Library && n.Version == LibStdCxxFix.MissingVersion);
        Assert.Equal([LibStdCxxFix.LinkTimeOnlySymbol], elf.UndefinedSymbolsOf(need.Index));
        Assert.Single(elf.VersionNeeds, n => n.Library == LibStdCxxFix.Library && n.Version == LibStdCxxFix.ReplacementVersion);
    }

    [SkippableFact]
    public void Applying_the_fix_rewrites_only_that_requirement()
    {
        var folder = TestEnvironment.TempFolder();
        var path = CopyOfOriginal(folder);
        var before = File.ReadAllBytes(path);
        var modified = File.GetLastWriteTimeUtc(path);

        Assert.Equal(LibStdCxxFix.Outcome.Applied, LibStdCxxFix.Apply(path));

        var after = File.ReadAllBytes(path);
        var elf = ElfFile.Parse(after);
        Assert.DoesNotContain(elf.VersionNeeds, n => n.Version == LibStdCxxFix.MissingVersion);
        var replacements = elf.VersionNeeds.Where(n => n.Version == LibStdCxxFix.ReplacementVersion).ToList();
        Assert.Equal(2, replacements.Count);
        // Both entries now carry the loader's hash of the replacement name, as the original entry for it did.
        var original = ElfFile.Parse(before).VersionNeeds.Single(n => n.Version == LibStdCxxFix.ReplacementVersion);
        uint originalHash = BitConverter.ToUInt32(before, (int)original.AuxOffset);
        Assert.Equal(ElfFile.Hash(LibStdCxxFix.ReplacementVersion), originalHash);
        Assert.All(replacements, r => Assert.Equal(originalHash, BitConverter.ToUInt32(after, (int)r.AuxOffset)));
        // Only the hash and the name offset of one Vernaux record (8 bytes) differ.
        Assert.Equal(before.Length, after.Length);
        Assert.InRange(before.Zip(after).Count(p => p.First != p.Second), 1, 8);
        Assert.Equal(modified, File.GetLastWriteTimeUtc(path));
    }

    [SkippableFact]
    public void Applying_twice_changes_nothing_the_second_time()
    {
        var folder = TestEnvironment.TempFolder();
        var path = CopyOfOriginal(folder);
        LibStdCxxFix.Apply(path);
        var once = File.ReadAllBytes(path);

        Assert.Equal(LibStdCxxFix.Outcome.AlreadyApplied, LibStdCxxFix.Apply(path));
        Assert.Equal(once, File.ReadAllBytes(path));
    }

    [SkippableFact]
    public async Task Concurrent_fixers_leave_one_correct_file_and_no_temporary_files()
    {
        var folder = TestEnvironment.TempFolder();
        var path = CopyOfOriginal(folder);
        var expected = ElfFile.Parse(File.ReadAllBytes(path));
        expected.Redirect(LibStdCxxFix.Library, LibStdCxxFix.MissingVersion, LibStdCxxFix.ReplacementVersion);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => LibStdCxxFix.Apply(path))));

        Assert.Contains(LibStdCxxFix.Outcome.Applied, outcomes);
        Assert.Equal(expected.Bytes, File.ReadAllBytes(path));
        Assert.Equal(["libLibTorchSharp.so"], folder.GetFiles().Select(f => f.Name));
    }

    [SkippableFact]
    public void This_process_loaded_torch_and_reports_whether_the_host_needed_the_fix()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the fix concerns Linux only");
        var status = TorchRuntime.Initialize();
        // Cross-check the runtime probe against the bytes of the libstdc++ this process mapped.
        var libstdcxx = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].Contains("libstdc++.so")).Select(f => f[5]).First();
        bool defines = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(libstdcxx)).Contains(LibStdCxxFix.MissingVersion + "\0");
        Assert.Equal(!defines, status.HostLacksGlibcxx32);
        if (status.HostLacksGlibcxx32)
            Assert.Contains(status.Fixes, f => f.Outcome is LibStdCxxFix.Outcome.Applied or LibStdCxxFix.Outcome.AlreadyApplied);
        Assert.Equal(6f, torch.ones(2, 3).sum().item<float>());
    }
}
