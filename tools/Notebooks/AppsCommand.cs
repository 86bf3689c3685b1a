using System.ComponentModel;
using LlmNotebooks.Cli;
using LlmNotebooks.Notebooks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.NotebookTool;

/// <summary>Generates each notebook's C# file-based app (notebooks/apps/NN-name.cs), which runs without a kernel.</summary>
public sealed class AppsCommand(IAnsiConsole console) : Command<NotebookAppsSettings>
{
    public override int Execute(CommandContext context, NotebookAppsSettings settings, CancellationToken cancellation)
    {
        foreach (var file in NotebookFile.Find(settings.Notebooks))
        {
            bool changed = NotebookAppSource.Write(NotebookFile.Load(file));
            console.MarkupLine($"{Markup.Escape(NotebookSession.Relative(NotebookAppSource.PathOf(file)))}: {(changed ? "[green]written[/]" : "up to date")}");
        }
        return 0;
    }
}
