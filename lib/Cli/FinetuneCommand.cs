using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Finetune;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class FinetuneCommand(IAnsiConsole console) : Command<FinetuneCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--from <PATH>")]
        [Description("The pretrained model: a pretraining run folder, a checkpoint folder or a model folder. Default: runs/<preset>/pretrain.")]
        public string? From { get; init; }

        [CommandOption("--mix <SHARES>")]
        [Description("Task shares, e.g. squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1 (pretrain: replay of pretraining text).")]
        public string? Mix { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var pipeline = PipelineFolders.ForPreset(settings.Preset);
        var runFolder = Path.GetFullPath(settings.Out ?? pipeline.Finetune);
        var from = Path.GetFullPath(settings.From ?? pipeline.Pretrain);
        IReadOnlyList<string> overrides = settings.Mix is null ? settings.Overrides : [.. settings.Overrides, $"mixture={settings.Mix}"];
        var config = Finetuning.Config(settings.Preset, overrides, runFolder, settings.Resume, settings.Hours);
        Platform.TorchRuntime.Initialize();
        console.MarkupLine($"finetuning {Markup.Escape(from)} for {Markup.Escape(config.Length)} into {Markup.Escape(runFolder)}");
        var result = TrainingDisplay.Run(console, "finetune", hooks =>
            Finetuning.Run(config, new(DataFolder.Resolve(settings.Data), runFolder, From: from), settings.Resume, hooks, cancellation));
        return TrainingDisplay.Result(console, result, runFolder);
    }
}
