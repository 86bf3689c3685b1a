using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>The main job: every phase of the pipeline in order, at a small default scale.</summary>
public sealed class AllCommand(IAnsiConsole console) : Command<AllCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }
    }

    static readonly string[] PhasesNotYetBuilt = ["prepare", "pretrain", "finetune", "evaluate", "report"];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = SystemReport.Collect(DataFolder.Resolve(settings.Data));
        foreach (var line in report.Lines.Where(l => l.Section != "system" || l.Problem))
            console.MarkupLine($"  {line.Name,-15} {(line.Problem ? "[red]" : "")}{Markup.Escape(line.Value)}{(line.Problem ? "[/]" : "")}");
        if (!report.TorchWorks) return 1;
        console.MarkupLine("[green]check: torch works[/]");
        foreach (var phase in PhasesNotYetBuilt)
            console.MarkupLine($"[yellow]{phase}: not built yet[/] (see the open issues)");
        return 0;
    }
}
