using System.ComponentModel;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>The option of every command that reads the datasets.</summary>
public class DataSettings : CommandSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
    public string? Data { get; init; }
}

/// <summary>The option of the commands that run a model outside training (training takes --set device=…).</summary>
public class DeviceSettings : CommandSettings
{
    public const string Help = "auto (CUDA when this build and machine have it, else the CPU), cpu, cuda or cuda:N.";

    [CommandOption("--device <NAME>")]
    [Description(Help)]
    [DefaultValue(Platform.ComputeDevice.Auto)]
    public string Device { get; init; } = Platform.ComputeDevice.Auto;
}

/// <summary>The options of the training commands (pretrain, finetune): a preset, where the run goes, resume, overrides.</summary>
public class TrainingSettings : DataSettings
{
    [CommandOption("--preset <NAME>")]
    [Description("smoke (seconds), demo (a few minutes), cpu (the committed report's run), gpu (GPT-2 small; CUDA build); pretrain also has gpu-small.")]
    [DefaultValue("cpu")]
    public string Preset { get; init; } = "cpu";

    [CommandOption("--out <DIR>")]
    [Description("Run folder (log, checkpoints, model). Default: runs/<preset>/pretrain or runs/<preset>/finetune.")]
    public string? Out { get; init; }

    [CommandOption("--resume")]
    [Description("Continue the run in --out from its latest checkpoint, with the config it was started with.")]
    public bool Resume { get; init; }

    [CommandOption("--hours <H>")]
    [Description("Train for H hours of wall time: the run times its first steps and fixes how many fit (the learning-rate schedule runs over exactly those); without --set max_steps, the preset's step count is no cap.")]
    public double? Hours { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Override a training setting (repeatable), e.g. --set max_steps=500 --set precision=fp32 (the default, auto, is bf16 where the hardware computes it natively).")]
    public string[] Overrides { get; init; } = [];
}
