using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class PretrainCommand(IAnsiConsole console) : Command<PretrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--preset <NAME>")]
        [Description("smoke (seconds), demo (a few minutes), cpu (about an hour on 2 cores), gpu-small, gpu (GPT-2 small; CUDA build).")]
        [DefaultValue("cpu")]
        public string Preset { get; init; } = "cpu";

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Run folder (log, checkpoints, model.pt). Default: runs/<preset>/pretrain.")]
        public string? Out { get; init; }

        [CommandOption("--resume")]
        [Description("Continue the run in --out from its latest checkpoint, with the config it was started with.")]
        public bool Resume { get; init; }

        [CommandOption("--set <KEY=VALUE>")]
        [Description("Override a training setting (repeatable), e.g. --set max_steps=500 --set precision=fp32.")]
        public string[] Overrides { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var runFolder = Path.GetFullPath(settings.Out ?? new Reporting.PipelineFolders(Path.Combine(ProjectPaths.Runs, settings.Preset)).Pretrain);
        var config = Pretraining.Config(settings.Preset, settings.Overrides, runFolder, settings.Resume);
        Platform.TorchRuntime.Initialize();
        console.MarkupLine($"pretraining [bold]{Markup.Escape(config.Model)}[/] ({config.Precision.Name()}) for {config.MaxSteps} steps into {Markup.Escape(runFolder)}");
        var result = TrainingDisplay.Run(console, "pretrain", (log, progress) =>
            Pretraining.Run(config, DataFolder.Resolve(settings.Data), runFolder, settings.Resume, log, progress, cancellation));
        console.MarkupLine(result.Reason == StopReason.Completed
            ? $"[green]done[/]: {result.Steps} steps, {result.Tokens:N0} tokens, best validation loss {result.BestValidationLoss:F4}; model {Markup.Escape(result.ExportedModel ?? "")}"
            : $"[yellow]stopped[/] at step {result.Steps}; continue with --resume (checkpoint {Markup.Escape(result.LastCheckpoint ?? "")})");
        return result.Reason == StopReason.Completed ? 0 : 130;
    }
}
