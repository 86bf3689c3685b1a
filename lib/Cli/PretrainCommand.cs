using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class PretrainCommand(IAnsiConsole console) : Command<PretrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--plan")]
        [Description("Print what the run would spend (steps, tokens, passes, FLOPs) and how long it would take on this machine, timed over a few steps, then stop.")]
        public bool Plan { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var runFolder = Path.GetFullPath(settings.Out ?? PipelineFolders.ForPreset(settings.Preset).Pretrain);
        var config = Pretraining.Config(settings.Preset, settings.Overrides, runFolder, settings.Resume, settings.Hours);
        Platform.TorchRuntime.Initialize();
        if (settings.Plan)
        {
            console.MarkupLine($"timing {Markup.Escape(config.Model)} (batch {config.BatchSize})…");
            var (budget, eta) = Pretraining.Plan(config, runFolder, message => console.MarkupLine(Markup.Escape(message)));
            console.MarkupLine(Markup.Escape(budget.ToString()));
            console.MarkupLine(Markup.Escape(eta));
            return 0;
        }
        console.MarkupLine($"pretraining [bold]{Markup.Escape(config.Model)}[/] for {Markup.Escape(config.Length)} into {Markup.Escape(runFolder)}");
        var result = TrainingDisplay.Run(console, "pretrain", hooks =>
            Pretraining.Run(config, new(DataFolder.Resolve(settings.Data), runFolder), settings.Resume, hooks, cancellation));
        return TrainingDisplay.Result(console, result, runFolder);
    }
}
