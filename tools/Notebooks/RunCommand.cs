using System.ComponentModel;
using LlmNotebooks.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

using LlmNotebooks.Notebooks;

namespace LlmNotebooks.NotebookTool;

/// <summary>
/// Runs notebooks in the real kernel (dotnet-interactive, as VS Code and Jupyter start it) and saves them with their
/// outputs: what passes here runs in a student's editor.
/// </summary>
public sealed class RunCommand(IAnsiConsole console) : Command<NotebookRunSettings>
{
    public override int Execute(CommandContext context, NotebookRunSettings settings, CancellationToken cancellation)
    {
        var parameters = settings.Parameters.Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p[1]);
        var outFolder = Path.GetFullPath(settings.Out ?? Path.Combine(ProjectPaths.Reports, "notebooks"));
        foreach (var file in NotebookFile.Find(settings.Notebooks))
        {
            console.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(file))}[/]");
            var runner = new NotebookRunner
            {
                CellStarting = (cell, firstLine) => console.MarkupLine($"  [grey]cell {cell}:[/] {Markup.Escape(Shorten(firstLine))}"),
                CellTimeout = settings.CellTimeout is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            };
            var result = runner.Run(file, Path.Combine(outFolder, Path.GetFileName(file)), parameters, cancellation);
            if (!result.Succeeded)
            {
                console.MarkupLine($"[red]FAILED[/] {Markup.Escape(result.Failure!.ToString())}");
                console.MarkupLine($"  executed notebook with the error: {Markup.Escape(result.ExecutedNotebook)}");
                return 1;
            }
            if (settings.Record) File.Copy(result.ExecutedNotebook, file, overwrite: true);
            console.MarkupLine($"  [green]ok[/] {result.Cells.Count} code cells, {result.Charts} {(result.Charts == 1 ? "chart" : "charts")} in {result.Elapsed.TotalSeconds:F1} s -> " +
                               Markup.Escape(settings.Record ? $"{file} (recorded)" : result.ExecutedNotebook));
        }
        return 0;
    }

    static string Shorten(string line) => line.Length <= 80 ? line : line[..77] + "...";
}
