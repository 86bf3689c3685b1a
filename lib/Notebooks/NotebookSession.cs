using LlmNotebooks.Platform;

namespace LlmNotebooks.Notebooks;

/// <summary>
/// A setup problem a notebook reports in one line, without a stack trace: the kernel shows an exception's
/// ToString(), which here is the message alone (what is wrong and the fix).
/// </summary>
public sealed class NotebookSetupException(string message, Exception? inner = null) : UserError(message, inner)
{
    public override string? StackTrace => null;
    public override string ToString() => Message;
}

/// <summary>What a notebook gets from <see cref="Start"/>: a working torch and the data folder.</summary>
public sealed record NotebookSession(string DataFolder, TorchRuntime.TorchStatus Torch)
{
    /// <summary>
    /// The first call of every notebook: makes TorchSharp load (applying the Linux fix where needed) and resolves the
    /// data folder (a notebook parameter; empty means the default). Anything that cannot work is one line saying what to do.
    /// </summary>
    public static NotebookSession Start(string? dataFolder = null)
    {
        TorchRuntime.TorchStatus torch;
        try
        {
            torch = TorchRuntime.Initialize();
        }
        catch (TorchUnavailableException e)
        {
            throw new NotebookSetupException($"torch cannot load in this kernel: {e.Message} (`dotnet run -c Release -- doctor` in the repository root says more)", e);
        }
        try
        {
            return new NotebookSession(Data.DataFolder.Resolve(string.IsNullOrWhiteSpace(dataFolder) ? null : dataFolder), torch);
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            throw new NotebookSetupException(e.Message, e);
        }
    }

    /// <summary>A notebook's own run folder, inside this clone (runs/notebooks/&lt;name&gt;), so clones never share one.</summary>
    public static string RunFolder(string name) => Path.Combine(ProjectPaths.Runs, "notebooks", name);

    /// <summary>
    /// A path as the notebooks print it: relative to the repository (so outputs read the same on every clone), or
    /// beside it (../shared/data); anywhere else, in full.
    /// </summary>
    public static string Relative(string path)
    {
        var relative = Path.GetRelativePath(ProjectPaths.Root, path).Replace('\\', '/');
        return relative.StartsWith("../../", StringComparison.Ordinal) ? Path.GetFullPath(path) : relative;
    }

    /// <summary>A log line of the library as a notebook prints it: paths relative to the repository (see <see cref="Readable"/>).</summary>
    public static void Log(string message) => Console.WriteLine(Readable(message));

    /// <summary>
    /// Text with the repository's own paths relative to it, and those beside it (a course's ../shared/data) as ../…:
    /// outputs then read the same on every clone, and committed ones name no one's home folder.
    /// </summary>
    public static string Readable(string text)
    {
        var root = ProjectPaths.Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var parent = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar));
        text = text.Replace(root, "");
        return parent is null || parent == Path.GetPathRoot(parent) ? text : text.Replace(parent + Path.DirectorySeparatorChar, ".." + Path.DirectorySeparatorChar);
    }

    /// <summary>
    /// The finished pipeline a notebook reads (evaluation, report): at smoke scale a fresh one of its own
    /// (runs/notebooks/<paramref name="smokeName"/>); else the cpu run once it has been evaluated, else the README's demo
    /// run. The phases it lacks run first, each printed: a few minutes for the demo run, nothing for a finished one.
    /// </summary>
    public PipelineFolders FinishedPipeline(bool smoke, string smokeName)
    {
        var cpu = PipelineFolders.ForPreset("cpu");
        var folders = smoke ? new PipelineFolders(RunFolder(smokeName))
            : Evaluation.EvaluationSummary.Exists(cpu.EvalTask(Tasks.TaskRegistry.Sst2.Name)) ? cpu : PipelineFolders.ForPreset("demo");
        if (smoke && Directory.Exists(folders.Root)) Directory.Delete(folders.Root, recursive: true);
        Pipeline.PipelineRunner.Run(Pipeline.PipelinePreset.Named(smoke ? "smoke" : folders.Name), DataFolder, folders,
            Path.Combine(folders.Root, "report"), Pipeline.PipelineHooks.Lines(Log));
        return folders;
    }

    /// <summary>The <c>doctor</c> report as rows a notebook shows as a table.</summary>
    public IReadOnlyList<ReportLine> Doctor() => [.. SystemReport.Collect(DataFolder, Tasks.TaskRegistry.Datasets).Lines.Select(l => l with { Value = Readable(l.Value) })];
}
