using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class FinetuneCommand(IAnsiConsole console) : Command<FinetuneCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--from <PATH>")]
        [Description("The pretrained model: a pretraining run folder (its model.pt), a checkpoint folder or a model.pt. Default: runs/<preset>/pretrain.")]
        public string? From { get; init; }

        [CommandOption("--preset <NAME>")]
        [Description("smoke (seconds), demo (a few minutes), cpu (about an hour on 2 cores), gpu (CUDA build).")]
        [DefaultValue("cpu")]
        public string Preset { get; init; } = "cpu";

        [CommandOption("--mix <SHARES>")]
        [Description("Task shares, e.g. squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1 (pretrain: replay of pretraining text).")]
        public string? Mix { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Run folder. Default: runs/<preset>/finetune.")]
        public string? Out { get; init; }

        [CommandOption("--resume")]
        [Description("Continue the run in --out from its latest checkpoint.")]
        public bool Resume { get; init; }

        [CommandOption("--set <KEY=VALUE>")]
        [Description("Override a training setting (repeatable), e.g. --set max_steps=500.")]
        public string[] Overrides { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var pipeline = new Reporting.PipelineFolders(Path.Combine(ProjectPaths.Runs, settings.Preset));
        var runFolder = Path.GetFullPath(settings.Out ?? pipeline.Finetune);
        var from = Path.GetFullPath(settings.From ?? pipeline.Pretrain);
        var overrides = settings.Mix is null ? settings.Overrides : [.. settings.Overrides, $"mixture={settings.Mix}"];
        var config = Finetuning.Config(settings.Preset, overrides, runFolder, settings.Resume);
        Platform.TorchRuntime.Initialize();
        console.MarkupLine($"finetuning {Markup.Escape(from)} for {config.MaxSteps} steps into {Markup.Escape(runFolder)}");
        var result = TrainingDisplay.Run(console, "finetune", (log, progress) =>
            Finetuning.Run(config, from, DataFolder.Resolve(settings.Data), runFolder, settings.Resume, log, progress, cancellation));
        console.MarkupLine(result.Reason == StopReason.Completed
            ? $"[green]done[/]: {result.Steps} steps, best mean validation loss {result.BestValidationLoss:F4}; model {Markup.Escape(result.ExportedModel ?? "")}"
            : $"[yellow]stopped[/] at step {result.Steps}; continue with --resume (checkpoint {Markup.Escape(result.LastCheckpoint ?? "")})");
        return result.Reason == StopReason.Completed ? 0 : 130;
    }
}
