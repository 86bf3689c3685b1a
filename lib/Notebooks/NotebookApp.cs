using System.Globalization;
using System.Runtime.CompilerServices;

namespace LlmNotebooks.Notebooks;

/// <summary>
/// The first line of a notebook run as a C# file-based app (notebooks/apps/NN-name.cs, made by
/// <see cref="NotebookAppSource"/>): what the kernel and check.csx give a notebook, without either. It works in the
/// notebooks/ folder as the kernel does, takes the parameters `notebooks run` takes (<c>--set key=value</c>), sends
/// charts to a folder (<c>--out</c>), and turns a setup problem into one line on the console instead of a stack trace.
/// </summary>
public sealed class NotebookApp
{
    public const string Usage = "[--set key=value]... [--out folder]";

    /// <summary>
    /// How to run an app from the repository root. Plain <c>dotnet run file.cs</c> runs the project of the folder it
    /// is typed in (LlmNotebooks.csproj there) and passes the file to it; <c>--file</c> says which is meant.
    /// </summary>
    public static string Command(string name) => $"dotnet run --file notebooks/apps/{name}.cs";

    readonly Dictionary<string, string> _overrides;

    NotebookApp(string name, Dictionary<string, string> overrides)
    {
        Name = name;
        _overrides = overrides;
    }

    /// <summary>The notebook's name (02-attention).</summary>
    public string Name { get; }

    /// <summary>
    /// Starts the app: <paramref name="args"/> are the command line after <c>--</c>; <paramref name="parameters"/> the
    /// names the notebook's parameters cell declares. The app's own path comes from the SDK (or the compiler).
    /// </summary>
    public static NotebookApp Start(string[] args, IReadOnlyList<string> parameters, [CallerFilePath] string sourcePath = "")
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            // As the command line does: one line for what the user can fix, and exit 1 rather than abort.
            var error = (Exception)e.ExceptionObject;
            Console.Error.WriteLine(ActionableError.Describe(error));
            Environment.Exit(1);
        };
        var source = AppContext.GetData("EntryPointFilePath") as string ?? sourcePath;
        var name = Path.GetFileNameWithoutExtension(source);
        var (overrides, outFolder) = ParseArguments(args, name);
        if (overrides.Keys.FirstOrDefault(k => !parameters.Contains(k)) is { } unknown)
            throw new NotebookSetupException($"{name} has no parameter '{unknown}'; it has {string.Join(", ", parameters)} (--set key=value)");
        outFolder = outFolder is null ? null : Path.GetFullPath(outFolder);
        // The kernel's working folder is notebooks/; the notebook's relative paths (a dataFolder too) mean the same here.
        Environment.CurrentDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(source)))!;
        Show.Folder = outFolder ?? Path.Combine(ProjectPaths.Runs, "notebooks", "apps", name);
        Console.WriteLine($"ok: {name} as a file-based app on .NET {Environment.Version}; charts go to {NotebookSession.Relative(Show.Folder)}");
        return new NotebookApp(name, overrides);
    }

    /// <summary>The parameter's value: the one given with --set, converted to the declared value's type, else the declared one.</summary>
    public T Parameter<T>(string name, T value)
    {
        if (!_overrides.TryGetValue(name, out var text)) return value;
        try
        {
            return (T)Convert.ChangeType(text, typeof(T), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new NotebookSetupException($"--set {name}={text}: {name} is a {typeof(T).Name} in {Name}; give a value of that type");
        }
    }

    static (Dictionary<string, string> Overrides, string? Out) ParseArguments(string[] args, string name)
    {
        var overrides = new Dictionary<string, string>();
        string? outFolder = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--set" when Next() is { } pair && pair.Split('=', 2) is [var key, var value]:
                    overrides[key.Trim()] = value;
                    break;
                case "--out" when Next() is { } folder:
                    outFolder = folder;
                    break;
                default:
                    throw new NotebookSetupException($"{name}: cannot read '{string.Join(' ', args)}'; usage: {Command(name)} -- {Usage}");
            }
        }
        return (overrides, outFolder);
    }
}
