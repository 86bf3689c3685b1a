namespace LlmNotebooks.Data;

/// <summary>One dataset the pipeline reads, and where it lives inside a data folder.</summary>
public sealed record DatasetEntry(string Name, string Folder, string Role, string[] Patterns);

/// <summary>What a data folder holds of one dataset.</summary>
public sealed record DatasetPresence(DatasetEntry Dataset, IReadOnlyList<FileInfo> Files)
{
    public bool Present => Files.Count > 0;
    public long Bytes => Files.Sum(f => f.Length);
}

/// <summary>
/// The data folder, laid out like ../shared/data (one subfolder per dataset). Chosen by <c>--data</c>, else the
/// <see cref="EnvironmentVariable"/> environment variable, else the project's <c>data/</c> folder once it holds a
/// dataset, else a course-provided <c>../shared/data</c> beside the clone, else <c>data/</c> (where
/// <c>data download</c> puts the datasets).
/// </summary>
public static class DataFolder
{
    public const string EnvironmentVariable = "LLMNB_DATA";

    /// <summary>The pretraining text a data folder may hold; each task names its own (<c>Tasks.TaskRegistry.Datasets</c> lists all).</summary>
    public static readonly IReadOnlyList<DatasetEntry> Datasets =
    [
        new("openwebtext", "openwebtext", "pretraining", ["*.jsonl", "*.jsonl.gz", "*.parquet", "*.txt"]),
        new("webtext", "webtext", "pretraining", ["*.jsonl", "*.jsonl.gz", "*.parquet"]),
        new("c4", "c4", "pretraining", ["*.jsonl", "*.jsonl.gz", "*.parquet"]),
        new("wikipedia", "wikipedia", "pretraining (optional)", ["*.jsonl", "*.jsonl.gz", "*.parquet"]),
    ];

    public static string Resolve(string? option = null)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Path.GetFullPath(option);
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment) return Path.GetFullPath(fromEnvironment);
        var project = Path.Combine(ProjectPaths.Root, "data");
        var shared = Path.GetFullPath(Path.Combine(ProjectPaths.Root, "..", "shared", "data"));
        bool HoldsData(string folder) => Inventory(folder).Any(d => d.Present);
        return !HoldsData(project) && HoldsData(shared) ? shared : project;
    }

    /// <summary>A file as reports and logs name it: relative to the data folder when it is inside it, so no machine's paths leak out.</summary>
    public static string Relative(string folder, string path)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(folder), Path.GetFullPath(path));
        return (relative.StartsWith("..") || Path.IsPathRooted(relative) ? path : relative).Replace('\\', '/');
    }

    /// <summary>The web text used for pretraining by default (Wikipedia is optional, for longer runs).</summary>
    public static readonly IReadOnlyList<string> DefaultPretrainingCorpus = ["openwebtext", "webtext", "c4"];

    /// <summary>
    /// Files of a corpus given as dataset names (folders of the data folder: "openwebtext"), paths, folders or globs;
    /// a relative path is looked up in the data folder first ("c4/c4-en-sample1000.jsonl").
    /// </summary>
    public static IReadOnlyList<string> Corpus(IEnumerable<string> specs, string folder)
    {
        var files = new List<string>();
        foreach (var spec in specs)
        {
            var dataset = Datasets.FirstOrDefault(d => d.Name == spec);
            if (dataset is not null)
            {
                var found = Inventory(folder).Single(p => p.Dataset == dataset).Files;
                if (found.Count == 0) throw new FileNotFoundException($"dataset {spec} not found in {folder} (expected {Path.Combine(folder, dataset.Folder)})");
                files.AddRange(found.Select(f => f.FullName));
            }
            else files.AddRange(DataFile.Expand([spec], Path.Exists(Path.Combine(folder, spec)) ? folder : null));
        }
        return files.Distinct().ToList();
    }

    /// <summary>What the folder holds of each dataset (by default the pretraining text).</summary>
    public static IReadOnlyList<DatasetPresence> Inventory(string folder, IEnumerable<DatasetEntry>? datasets = null) =>
        (datasets ?? Datasets).Select(d => new DatasetPresence(d, Files(Path.Combine(folder, d.Folder), d.Patterns))).ToList();

    static IReadOnlyList<FileInfo> Files(string folder, string[] patterns) =>
        Directory.Exists(folder)
            ? patterns.SelectMany(p => new DirectoryInfo(folder).EnumerateFiles(p, SearchOption.AllDirectories))
                .DistinctBy(f => f.FullName).OrderBy(f => f.FullName, StringComparer.Ordinal).ToList()
            : [];
}
