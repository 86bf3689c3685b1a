using LlmNotebooks.Data;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class PretrainCommand(IAnsiConsole console) : Command<TrainingSettings>
{
    public override int Execute(CommandContext context, TrainingSettings settings, CancellationToken cancellation)
    {
        var runFolder = Path.GetFullPath(settings.Out ?? PipelineFolders.ForPreset(settings.Preset).Pretrain);
        var config = Pretraining.Config(settings.Preset, settings.Overrides, runFolder, settings.Resume);
        Platform.TorchRuntime.Initialize();
        console.MarkupLine($"pretraining [bold]{Markup.Escape(config.Model)}[/] ({config.Precision.Name()}) for {config.MaxSteps} steps into {Markup.Escape(runFolder)}");
        var result = TrainingDisplay.Run(console, "pretrain", hooks =>
            Pretraining.Run(config, DataFolder.Resolve(settings.Data), runFolder, settings.Resume, hooks, cancellation));
        return TrainingDisplay.Result(console, result);
    }
}
