using System.ComponentModel;
using LlmNotebooks.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class ReportCommand(IAnsiConsole console) : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--run <DIR>")]
        [Description("Pipeline folder holding pretrain/, finetune/ and eval/ (as `all` writes them). Default: runs/cpu.")]
        public string? Run { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Report folder. Default: reports/<run folder name>.")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var folders = new PipelineFolders(Path.GetFullPath(settings.Run ?? Path.Combine(ProjectPaths.Runs, "cpu")));
        var result = ReportBuilder.Build(folders, Path.GetFullPath(settings.Out ?? folders.Report), message => console.MarkupLine(Markup.Escape(message)));
        console.MarkupLine($"{result.Figures.Count} figures, {result.Numbers.Count} numbers from {result.Numbers.Select(n => n.Source).Distinct().Count()} files of the run");
        return 0;
    }
}
