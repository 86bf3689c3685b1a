using System.ComponentModel;
using LlmNotebooks.Model;
using LlmNotebooks.Platform;
using LlmNotebooks.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace LlmNotebooks.Cli;

public sealed class BenchModelCommand(IAnsiConsole console) : Command<BenchModelCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandOption("--presets <NAMES>")]
        [Description("Comma-separated model presets, each with its batch size: tiny (16), small (8), gpt2-124m (1), medium (4), smoke (16).")]
        [DefaultValue("tiny,small,gpt2-124m")]
        public string Presets { get; init; } = "tiny,small,gpt2-124m";

        [CommandOption("--precision <LIST>")]
        [Description("fp32, bf16 or both (comma-separated); only these are measured. Default: fp32, and bf16 where this hardware computes it natively.")]
        public string? Precision { get; init; }

        [CommandOption("--batch <N>")]
        [Description("Sequences per step for every preset, instead of each preset's own batch size.")]
        public int? Batch { get; init; }

        [CommandOption("--context <N>")]
        [Description("Context length for every preset, instead of each preset's own (e.g. 512 for the cpu training preset).")]
        public int? Context { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Timed training steps per preset (after 2 warm-up steps).")]
        [DefaultValue(5)]
        public int Steps { get; init; } = 5;

        public override ValidationResult Validate() =>
            Batch is <= 0 || Context is <= 0 || Steps <= 0 ? ValidationResult.Error("--batch, --context and --steps must be positive") : ValidationResult.Success();
    }

    static readonly Dictionary<string, int> BatchSizes = new() { ["smoke"] = 16, ["tiny"] = 16, ["small"] = 8, ["medium"] = 4, ["gpt2-124m"] = 1 };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        TorchRuntime.Initialize();
        var presets = settings.Presets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var device = ComputeDevice.Resolve(settings.Device);
        var hardware = ComputeHardware.Detect(device);
        var precisions = settings.Precision is null ? TrainingBenchmark.DefaultPrecisions(hardware)
            : settings.Precision.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => Enum.TryParse<Precision>(p, ignoreCase: true, out var parsed) && parsed != Training.Precision.Auto ? parsed
                    : throw new UserError($"unknown precision '{p}' for --precision (fp32 or bf16)")).Distinct().ToList();
        console.MarkupLine($"{torch.get_num_threads()} threads; MKL AMD fix {(MklAmdFix.Active() ? "active" : "inactive")}; allocator {(Tcmalloc.Loaded() ? "tcmalloc" : "glibc malloc")}; " +
                           $"bf16 {(hardware.Bf16.Native ? "native" : "emulated")}: {Markup.Escape(hardware.Bf16.Why)}");
        var ceilings = precisions.ToDictionary(p => p, p => MatmulCeiling.Measure(p.ComputeType(), device));
        console.MarkupLine($"matmul ceiling on {ComputeDevice.Name(device)} (best of several trials after a warm-up): " +
                           string.Join(", ", ceilings.Select(c => $"{c.Key.Name()} [bold]{c.Value:N0}[/] GFLOP/s")));

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("preset", "params", "batch × ctx", "precision", "train tokens/s", "MFU (vs its ceiling)", "generate tok/s (KV cache)", "generate tok/s (no cache)");
        foreach (var preset in presets)
        {
            var config = GptConfig.Preset(preset);
            if (settings.Context is { } contextLength) config = config with { ContextLength = contextLength };
            long parameters;
            using (var model = new Gpt(config, seed: 1)) parameters = model.ParameterCount();
            foreach (var precision in precisions)
            {
                cancellation.ThrowIfCancellationRequested();
                int batch = settings.Batch ?? BatchSizes.GetValueOrDefault(preset, 8);
                var r = TrainingBenchmark.Measure(preset, config, batch, precision, ceilings[precision], settings.Steps, device);
                string mfu = Markup.Escape(Mfu.Describe(r.TrainingTokensPerSecond, r.TrainingFlopsPerToken, ceilings[precision]));
                console.MarkupLine($"  {preset} {precision.Name()}: {r.TrainingTokensPerSecond:N0} training tokens/s, {mfu}");
                table.AddRow(preset, $"{parameters / 1e6:F1}M", $"{batch} × {config.ContextLength}", precision.Name(),
                    $"{r.TrainingTokensPerSecond:N0}", r.Mfu is { } share ? $"{share:P0}" : "n/a", $"{r.GenerationTokensPerSecondCached:N0}", $"{r.GenerationTokensPerSecondUncached:N0}");
            }
        }
        console.Write(table);
        return 0;
    }
}
