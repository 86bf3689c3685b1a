namespace LlmNotebooks;

/// <summary>Where the project's folders are, found from the running program or the current directory.</summary>
public static class ProjectPaths
{
    public const string ProjectFile = "LlmNotebooks.csproj";

    static readonly Lazy<string> RootFolder = new(FindRoot);

    /// <summary>
    /// The folder that holds LlmNotebooks.csproj: found from the library's own location (bin/Release/net10.0/ in a
    /// clone, also when a notebook kernel loaded it), else from the current directory; the current directory outside a clone.
    /// </summary>
    public static string Root => RootFolder.Value;

    public static string Notebooks => Path.Combine(Root, "notebooks");
    public static string Reports => Path.Combine(Root, "reports");
    public static string Runs => Path.Combine(Root, "runs");

    static string FindRoot()
    {
        foreach (var start in new[] { Path.GetDirectoryName(typeof(ProjectPaths).Assembly.Location)!, Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, ProjectFile))) return dir.FullName;
        }
        return Environment.CurrentDirectory;
    }
}
