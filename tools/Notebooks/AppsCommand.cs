using System.ComponentModel;
using LlmNotebooks.Notebooks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>Generates each notebook's C# file-based app (notebooks/apps/NN-name.cs), which runs without a kernel.</summary>
public sealed class NotebookAppsCommand(IAnsiConsole console) : Command<NotebookAppsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[notebooks]")]
        [Description("Notebook files or names (e.g. 02-attention); default: every notebook in notebooks/.")]
        public string[] Notebooks { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        foreach (var file in NotebookFile.Find(settings.Notebooks))
        {
            bool changed = NotebookAppSource.Write(NotebookFile.Load(file));
            console.MarkupLine($"{Markup.Escape(NotebookSession.Relative(NotebookAppSource.PathOf(file)))}: {(changed ? "[green]written[/]" : "up to date")}");
        }
        return 0;
    }
}
