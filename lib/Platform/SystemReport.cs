using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using LlmNotebooks.Data;
using TorchSharp;

namespace LlmNotebooks.Platform;

/// <summary>One line of the system report: a section, a name and what was found.</summary>
public sealed record ReportLine(string Section, string Name, string Value, bool Problem = false);

/// <summary>
/// Everything a user needs to see when something is wrong: OS, .NET, TorchSharp/libtorch, threads, CPU features,
/// CUDA, the Linux native-library fix, and the data folder. Printed by <c>doctor</c> and by the setup notebook.
/// </summary>
public sealed record SystemReport(IReadOnlyList<ReportLine> Lines, bool TorchWorks)
{
    public static SystemReport Collect(string dataFolder, IEnumerable<DatasetEntry> datasets)
    {
        var lines = new List<ReportLine>();
        void Add(string section, string name, string value, bool problem = false) => lines.Add(new(section, name, value, problem));

        Add("system", "OS", RuntimeInformation.OSDescription);
        Add("system", ".NET", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.ProcessArchitecture})");
        var cpu = CpuInfo.Detect();
        Add("system", "CPU", $"{cpu.Model} ({cpu.Vendor}), {cpu.LogicalCores} logical cores");
        Add("system", "CPU features", cpu.Features);

        Add("torch", "TorchSharp", $"{typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?"} ({TorchRuntime.BuildDevice} build)");
        bool works = false;
        try
        {
            var status = TorchRuntime.Initialize();
            Add("torch", "libtorch", torch.__version__);
            Add("torch", "native library", status.NativeLibraryPath ?? "(found by TorchSharp)");
            Add("torch", "libstdc++ fix", !status.HostLacksGlibcxx32
                ? $"not needed (the system's {LibStdCxxFix.Library} has {LibStdCxxFix.MissingVersion})"
                : string.Join("; ", status.Fixes.Select(f => $"{Describe(f.Outcome)}: {f.Path}")));
            Add("torch", "threads", $"{torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op");
            Add("torch", "MKL on AMD", !MklAmdFix.Applies(cpu) ? "fix not needed (Intel CPU, not Linux x64, or switched off)"
                : MklAmdFix.Active() ? $"fix active: {MklAmdFix.Symbol} returns 1 ({status.MklAmdFixLibrary})" : "fix could not be loaded", problem: MklAmdFix.Applies(cpu) && !MklAmdFix.Active());
            Add("torch", "allocator", Tcmalloc.Loaded() ? "tcmalloc" : Tcmalloc.MissingAdvice() ?? "glibc malloc (LLMNB_ALLOCATOR=system)",
                problem: OperatingSystem.IsLinux() && Tcmalloc.Find() is null && Environment.GetEnvironmentVariable(Tcmalloc.SwitchVariable) != "system");
            works = Probe(out var probe);
            Add("torch", "fp32 check", probe, problem: !works);
            Add("torch", "bf16 check", ProbeBf16());
            Add("torch", "precision auto", AutoPrecision(ComputeHardware.Detect(torch.CPU)));
            bool cuda = torch.cuda.is_available();
            Add("torch", "CUDA", cuda ? $"available, {torch.cuda.device_count()} device(s){GpuNames()}" : "not available (CPU build or no NVIDIA driver)");
            if (cuda) Add("torch", "precision auto (GPU)", AutoPrecision(ComputeHardware.Detect(torch.CUDA)));
        }
        catch (TorchUnavailableException e)
        {
            Add("torch", "status", e.Message, problem: true);
        }

        Add("data", "folder", Directory.Exists(dataFolder) ? dataFolder : $"{dataFolder} (does not exist)", problem: !Directory.Exists(dataFolder));
        foreach (var d in DataFolder.Inventory(dataFolder, datasets))
            Add("data", d.Dataset.Name, d.Present ? $"{d.Files.Count} file(s), {d.Bytes / 1e6:F1} MB ({d.Dataset.Role})" : $"missing ({d.Dataset.Role})");
        return new SystemReport(lines, works);
    }

    static string Describe(LibStdCxxFix.Outcome outcome) => outcome switch
    {
        LibStdCxxFix.Outcome.Applied => $"applied now ({LibStdCxxFix.MissingVersion} -> {LibStdCxxFix.ReplacementVersion})",
        LibStdCxxFix.Outcome.AlreadyApplied => "applied earlier",
        _ => "not needed by this file",
    };

    /// <summary>A small matmul whose result is known exactly, so a broken backend cannot pass.</summary>
    static bool Probe(out string result)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.from_array(new float[] { 0, 1, 2, 3, 4, 5 }).reshape(2, 3);
        float sum = a.matmul(a.T).sum().item<float>();   // [[5,14],[14,50]] sums to 83
        result = sum == 83f ? "ok (2x3 matmul)" : $"wrong result {sum} (expected 83)";
        return sum == 83f;
    }

    static string ProbeBf16()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(64, 64, dtype: torch.bfloat16);
        float value = a.matmul(a)[0, 0].to(torch.float32).item<float>();
        return value == 64f ? "ok (64x64 matmul)" : $"wrong result {value}";
    }

    /// <summary>What a run's precision auto becomes on this hardware (Training.PrecisionChoice): bf16 exactly where it is native.</summary>
    public static string AutoPrecision(ComputeHardware hardware) => hardware.Bf16 switch
    {
        (true, var why) => $"bf16 on {hardware.Device}: {why}",
        (false, var why) => $"fp32 on {hardware.Device}: {why}, so bf16 would be emulated (slower than fp32)",
    };

    static string GpuNames()
    {
        try
        {
            using var smi = Process.Start(new ProcessStartInfo("nvidia-smi", "--query-gpu=name --format=csv,noheader")
                { RedirectStandardOutput = true, UseShellExecute = false });
            var names = smi!.StandardOutput.ReadToEnd().Trim().Replace('\n', ',');
            smi.WaitForExit();
            return names.Length > 0 ? $": {names}" : "";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "";
        }
    }
}
