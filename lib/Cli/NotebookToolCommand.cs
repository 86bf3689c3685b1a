using System.ComponentModel;
using LlmNotebooks.Notebooks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>
/// <c>notebooks run</c> and <c>notebooks apps</c>: developer tooling that lives in tools/Notebooks (the kernel runner
/// and the Roslyn-based app generator stay out of the library the notebooks load). These commands take the tool's
/// options, so help and unknown options work as for every command, and hand the command line to it.
/// </summary>
public sealed class NotebookToolCommand<TSettings> : Command<TSettings> where TSettings : CommandSettings
{
    public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellation) =>
        NotebookTool.Run([.. context.Arguments.Skip(1)]);   // without "notebooks"
}

/// <summary>The options of <c>notebooks run</c>, here and in the tool.</summary>
public sealed class NotebookRunSettings : CommandSettings
{
    [CommandArgument(0, "[notebooks]")]
    [Description("Notebook files or names (e.g. 00-setup); default: every notebook in notebooks/, in order.")]
    public string[] Notebooks { get; init; } = [];

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Override a parameter of the notebooks' parameters cell (repeatable), e.g. --set scale=smoke.")]
    public string[] Parameters { get; init; } = [];

    [CommandOption("--out <DIR>")]
    [Description("Where the executed notebooks (with outputs) are written. Default: reports/notebooks.")]
    public string? Out { get; init; }

    [CommandOption("--record")]
    [Description("Save each notebook that runs through over itself, with its outputs and the hash of the code they came from: the outputs GitHub, nbviewer and an editor show before anything is run.")]
    public bool Record { get; init; }

    [CommandOption("--cell-timeout <MINUTES>")]
    [Description("Fail a cell that runs longer than this many minutes (default: no limit).")]
    public double? CellTimeout { get; init; }

    public override ValidationResult Validate() =>
        Parameters.FirstOrDefault(p => !p.Contains('=')) is { } bad
            ? ValidationResult.Error($"--set expects KEY=VALUE, got '{bad}'")
            : ValidationResult.Success();
}

/// <summary>The options of <c>notebooks apps</c>, here and in the tool.</summary>
public sealed class NotebookAppsSettings : CommandSettings
{
    [CommandArgument(0, "[notebooks]")]
    [Description("Notebook files or names (e.g. 02-attention); default: every notebook in notebooks/.")]
    public string[] Notebooks { get; init; } = [];
}
