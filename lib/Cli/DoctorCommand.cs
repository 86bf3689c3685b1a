using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class DoctorCommand(IAnsiConsole console) : Command<DoctorCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data folder to inspect (default: $LLMNB_DATA, else the project's data/ folder).")]
        public string? Data { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var report = SystemReport.Collect(DataFolder.Resolve(settings.Data), Tasks.TaskRegistry.Datasets);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "", "").HideHeaders();
        foreach (var line in report.Lines)
            table.AddRow(line.Section, line.Name, line.Problem ? $"[red]{Markup.Escape(line.Value)}[/]" : Markup.Escape(line.Value));
        console.Write(table);
        console.MarkupLine(report.TorchWorks ? "[green]torch works[/]" : "[red]torch cannot run here[/]; see environment.md");
        return report.TorchWorks ? 0 : 1;
    }
}
