using LlmNotebooks.Platform;

namespace LlmNotebooks.Notebooks;

/// <summary>
/// A setup problem a notebook reports in one line, without a stack trace: the kernel shows an exception's
/// ToString(), which here is the message alone (what is wrong and the fix).
/// </summary>
public sealed class NotebookSetupException(string message, Exception? inner = null) : Exception(message, inner)
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

    /// <summary>The <c>doctor</c> report as rows a notebook shows as a table.</summary>
    public IReadOnlyList<ReportLine> Doctor() => SystemReport.Collect(DataFolder).Lines;
}
