// The first cell of every notebook loads this file (#load "check.csx"). Before anything else it checks what the
// workbook needs from this editor's kernel and from this clone, and says in one line what to do when something is
// missing: the next cell references the library, which cannot even compile without a build.

sealed class WorkbookSetupError : System.Exception
{
    public WorkbookSetupError(string message) : base(message) { }
    public override string StackTrace => null;
    public override string ToString() => Message;   // the kernel shows this: one line, no stack trace
}

static class WorkbookSetup
{
    public const string Library = "../bin/Release/net10.0/LlmNotebooks.dll";

    public static string Check()
    {
        var kernel = typeof(Microsoft.DotNet.Interactive.Kernel).Assembly;
        var kernelVersion = System.Reflection.CustomAttributeExtensions
            .GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(kernel)?.InformationalVersion.Split('+')[0] ?? "?";
        if (System.Environment.Version.Major < 10)
            throw new WorkbookSetupError($"This kernel runs on .NET {System.Environment.Version}; the workbook needs .NET 10: install the .NET 10 SDK, " +
                "update the kernel (`dotnet tool update -g Microsoft.dotnet-interactive`, or the editor's extension), then restart it.");
        var root = System.IO.Path.GetFullPath("..");
        if (!System.IO.File.Exists(System.IO.Path.Combine(root, "LlmNotebooks.csproj")))
            throw new WorkbookSetupError($"The kernel's working folder is {System.Environment.CurrentDirectory}, not the repository's notebooks/ folder: " +
                "open the repository folder in VS Code (File > Open Folder), or start Jupyter from it, and open the notebook again.");
        var library = new System.IO.FileInfo(System.IO.Path.GetFullPath(Library));
        if (!library.Exists)
            throw new WorkbookSetupError($"The library is not built: run `dotnet build -c Release` in {root}, then restart the kernel.");
        var newest = System.IO.Directory.EnumerateFiles(System.IO.Path.Combine(root, "lib"), "*.cs", System.IO.SearchOption.AllDirectories)
            .Append(System.IO.Path.Combine(root, "LlmNotebooks.csproj"))
            .Select(f => new System.IO.FileInfo(f)).MaxBy(f => f.LastWriteTimeUtc)!;
        if (newest.LastWriteTimeUtc > library.LastWriteTimeUtc.AddSeconds(1))
            throw new WorkbookSetupError($"The library is older than {System.IO.Path.GetRelativePath(root, newest.FullName)}: run `dotnet build -c Release` in {root}, then restart the kernel.");
        return $"ok: library built {library.LastWriteTime:yyyy-MM-dd HH:mm}; kernel {kernelVersion} on .NET {System.Environment.Version}";
    }
}

System.Console.WriteLine(WorkbookSetup.Check());
