using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Pipeline;
using LlmNotebooks.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>The main job: every phase of the pipeline in order, resuming where a previous attempt stopped.</summary>
public sealed class AllCommand(IAnsiConsole console) : Command<AllCommand.Settings>
{
    public sealed class Settings : DataSettings
    {
        [CommandOption("--preset <NAME>")]
        [Description("demo (a few minutes, the default), smoke (seconds), cpu (the committed report's run), gpu (CUDA build).")]
        [DefaultValue("demo")]
        public string Preset { get; init; } = "demo";

        [CommandOption("--out <DIR>")]
        [Description("Pipeline folder (pretrain/, finetune/, eval/). Default: runs/<preset>.")]
        public string? Out { get; init; }

        [CommandOption("--hours <H>")]
        [Description("Train for H hours of wall time in all: pretraining and finetuning share them as the preset shares its tokens, each fixing its steps after timing its first ones. Data, evaluation and the report come on top.")]
        public double? Hours { get; init; }

        [CommandOption("--report <DIR>")]
        [Description("Report folder. Default: reports/<pipeline folder name>.")]
        public string? Report { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var preset = PipelinePreset.Named(settings.Preset);
        var folders = new PipelineFolders(Path.GetFullPath(settings.Out ?? PipelineFolders.ForPreset(preset.Name).Root));
        var data = DataFolder.Resolve(settings.Data);
        TorchRuntime.Initialize();
        console.MarkupLine($"[bold]all --preset {preset.Name}[/]: {Markup.Escape(preset.Description)}");
        console.MarkupLine($"data {Markup.Escape(data)}; runs in {Markup.Escape(folders.Root)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = PipelineRunner.Run(preset, data, folders, Path.GetFullPath(settings.Report ?? folders.Report), new PipelineHooks(
            Log: message => console.MarkupLine(Markup.Escape(message)),
            Train: (phase, train) => TrainingDisplay.Run(console, phase, train),
            EvaluationProgress: (task, done, total) => { if (done == total || done % Math.Max(1, total / 5) < 16) console.MarkupLine($"evaluate {task}: {done}/{total}"); }),
            settings.Hours, cancellation);
        console.MarkupLine($"[green]done[/] in {clock.Elapsed:hh\\:mm\\:ss}: {Markup.Escape(report.MarkdownPath)} and {Markup.Escape(report.HtmlPath)}");
        return 0;
    }
}
