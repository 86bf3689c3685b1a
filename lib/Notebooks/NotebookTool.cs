using System.Diagnostics;

namespace LlmNotebooks.Notebooks;

/// <summary>
/// The notebook tool in tools/Notebooks: the kernel runner and the app generator, kept out of the library the
/// notebooks load (the generator brings Roslyn, which the kernel carries its own of). Run with <c>dotnet run</c>,
/// which builds it when its sources changed; it writes to this process's console.
/// </summary>
public static class NotebookTool
{
    public static string Project => Path.Combine(ProjectPaths.Root, "tools", "Notebooks");

    /// <summary>Runs the tool with <paramref name="args"/> ("run 00-setup --set scale=smoke") and gives its exit code.</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        if (!Directory.Exists(Project)) throw new UserError($"the notebook tool is missing ({Project}); it comes with a clone of the repository");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = ProjectPaths.Root };
        foreach (var argument in (string[])["run", "-c", "Release", "--project", Project, "--", .. args]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.WaitForExit();   // Ctrl+C reaches the tool itself, which stops its kernel
        return process.ExitCode;
    }
}
