using System.ComponentModel;
using LlmNotebooks.Notebooks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>
/// Runs notebooks in the real kernel (dotnet-interactive, as VS Code and Jupyter start it) and saves them with their
/// outputs: what passes here runs in a student's editor.
/// </summary>
public sealed class RunNotebooksCommand(IAnsiConsole console) : Command<RunNotebooksCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[notebooks]")]
        [Description("Notebook files or names (e.g. 00-setup); default: every notebook in notebooks/, in order.")]
        public string[] Notebooks { get; init; } = [];

        [CommandOption("--set <KEY=VALUE>")]
        [Description("Override a parameter of the notebooks' parameters cell (repeatable), e.g. --set scale=smoke.")]
        public string[] Parameters { get; init; } = [];

        [CommandOption("--out <DIR>")]
        [Description("Where the executed notebooks (with outputs) are written. Default: reports/notebooks.")]
        public string? Out { get; init; }

        [CommandOption("--record")]
        [Description("Save each notebook that runs through over itself, with its outputs and the hash of the code they came from: the outputs GitHub, nbviewer and an editor show before anything is run.")]
        public bool Record { get; init; }

        [CommandOption("--cell-timeout <MINUTES>")]
        [Description("Fail a cell that runs longer than this many minutes (default: no limit).")]
        public double? CellTimeout { get; init; }

        public override ValidationResult Validate() =>
            Parameters.FirstOrDefault(p => !p.Contains('=')) is { } bad
                ? ValidationResult.Error($"--set expects KEY=VALUE, got '{bad}'")
                : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
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
