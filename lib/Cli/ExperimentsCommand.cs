using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Pipeline;
using LlmNotebooks.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>The report's ablations: every variant of every experiment at the same budget, resumable.</summary>
public sealed class ExperimentsCommand(IAnsiConsole console) : Command<ExperimentsCommand.Settings>
{
    public sealed class Settings : DataSettings
    {
        [CommandOption("--preset <NAME>")]
        [Description("The pipeline whose report the experiments are for (their budget is a shortened run of its presets): cpu (the default) or smoke.")]
        [DefaultValue("cpu")]
        public string Preset { get; init; } = "cpu";

        [CommandOption("--out <DIR>")]
        [Description("Pipeline folder; the experiments go to its experiments/. Default: runs/<preset>.")]
        public string? Out { get; init; }

        [CommandOption("--only <NAME>")]
        [Description("Run one experiment, by name (e.g. \"Prompt order and attention\"; `--list` shows them).")]
        public string? Only { get; init; }

        [CommandOption("--list")]
        [Description("List the experiments and their variants, and run nothing.")]
        public bool List { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        if (settings.List)
        {
            foreach (var experiment in Experiments.All)
                console.MarkupLine($"[bold]{Markup.Escape(experiment.Name)}[/] ({experiment.Scale.ToString().ToLowerInvariant()}): {Markup.Escape(experiment.Question)}\n  " +
                    string.Join("\n  ", experiment.Variants.Select(v => Markup.Escape($"{v.Name}: {string.Join("; ", v.Settings)}"))));
            foreach (var scale in Enum.GetValues<ExperimentScale>())
                console.MarkupLine($"{scale.ToString().ToLowerInvariant()} budget: {Markup.Escape(Experiments.Budget(settings.Preset, scale).Describe())}");
            return 0;
        }
        var folders = new PipelineFolders(Path.GetFullPath(settings.Out ?? PipelineFolders.ForPreset(settings.Preset).Root));
        TorchRuntime.Initialize();
        console.MarkupLine($"experiments into {Markup.Escape(folders.Experiments)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Experiments.Run(settings.Preset, DataFolder.Resolve(settings.Data), folders, new PipelineHooks(
            Log: message => console.MarkupLine(Markup.Escape(message)),
            Train: (phase, train) => TrainingDisplay.Run(console, phase, train)), settings.Only, cancellation);
        console.MarkupLine($"[green]done[/] in {clock.Elapsed:hh\\:mm\\:ss}; `report --run {Markup.Escape(folders.Root)}` adds them to the report");
        return 0;
    }
}
