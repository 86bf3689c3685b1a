using System.ComponentModel;
using LlmNotebooks.HuggingFace;
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

        [CommandOption("--run-preset <NAME>")]
        [Description("Time the step of `pretrain --preset NAME` as the run builds it (block, context, batch, accumulation, precision), with --set on top, and show where its time goes: data, forward, backward, optimizer, the rest.")]
        public string? RunPreset { get; init; }

        [CommandOption("--set <KEY=VALUE>")]
        [Description("With --run-preset: a pretraining setting, as `pretrain --set` takes it (repeatable), e.g. --set precision=fp32 --set batch_size=4.")]
        public string[] Overrides { get; init; } = [];

        [CommandOption("--vs-pytorch")]
        [Description("With --run-preset: alternate with the same step in PyTorch (tools/pytorch/bench_peer.py, on the same weights, batch and precision) and print both and their ratio.")]
        public bool VsPytorch { get; init; }

        [CommandOption("--rounds <N>")]
        [Description("With --vs-pytorch: how many times to alternate ours and PyTorch's.")]
        [DefaultValue(3)]
        public int Rounds { get; init; } = 3;

        [CommandOption("--steps <N>")]
        [Description("Timed training steps per preset (after 2 warm-up steps).")]
        [DefaultValue(5)]
        public int Steps { get; init; } = 5;

        public override ValidationResult Validate() =>
            Batch is <= 0 || Context is <= 0 || Steps <= 0 || Rounds <= 0 ? ValidationResult.Error("--batch, --context, --steps and --rounds must be positive")
            : RunPreset is null && VsPytorch ? ValidationResult.Error("--vs-pytorch goes with --run-preset")
            : RunPreset is null && Overrides.Length > 0 ? ValidationResult.Error("--set goes with --run-preset (model presets take --batch and --context)")
            : RunPreset is not null && (Batch is not null || Context is not null || Precision is not null)
                ? ValidationResult.Error("with --run-preset, set the batch, context and precision as a run does: --set batch_size=…, --set context_length=…, --set precision=…")
            : ValidationResult.Success();
    }

    static readonly Dictionary<string, int> BatchSizes = new() { ["smoke"] = 16, ["tiny"] = 16, ["small"] = 8, ["medium"] = 4, ["gpt2-124m"] = 1 };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        TorchRuntime.Initialize();
        if (settings.RunPreset is { } runPreset)
        {
            var run = Pretraining.Config(runPreset, settings.Overrides, PipelineFolders.ForPreset(runPreset).Pretrain, resume: false);
            void Log(string message) => console.MarkupLine(Markup.Escape(message));
            if (settings.VsPytorch) ShowPeerRounds(runPreset, PytorchPeer.Compare(run, settings.Steps, settings.Rounds, Log));
            else ShowRunStep(runPreset, TrainingBenchmark.OfRun(run, settings.Steps, Log));
            return 0;
        }
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

    void ShowRunModel(string preset, RunStepResult r)
    {
        var m = r.Model;
        console.MarkupLine($"pretrain --preset {Markup.Escape(preset)}: {m.Layers} layers × {m.Heads} heads, width {m.Width}, context {m.ContextLength}, {m.Position}, {m.Norm}, {m.Mlp}" +
                           $"{(m.QkNorm ? ", QK-norm" : "")}{(m.Bias ? ", biases" : "")}; {r.Parameters / 1e6:F1}M parameters; batch {r.BatchSize} × {r.Accumulation} micro-batches; {r.Precision.Used.Name()}");
    }

    void ShowPeerRounds(string preset, IReadOnlyList<PeerRound> rounds)
    {
        ShowRunModel(preset, rounds[0].Ours);
        var median = rounds.OrderBy(r => r.Ratio).ElementAt(rounds.Count / 2);
        console.MarkupLine($"ours / PyTorch {Markup.Escape(median.Peer.Torch)} ({median.Peer.Threads} threads): median [bold]{median.Ratio:F2}x[/] over {rounds.Count} alternating rounds " +
                           $"({string.Join(", ", rounds.Select(r => $"{r.Ratio:F2}x"))}); the median round, part by part:");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("part of a step", "ours, ms", "PyTorch, ms");
        foreach (var ((part, ours), (_, theirs)) in median.Ours.Step.Parts.Zip(median.Peer.Breakdown.Parts))
            table.AddRow(part, $"{1000 * ours:N1}", $"{1000 * theirs:N1}");
        table.AddRow("[bold]step[/]", $"[bold]{1000 * median.Ours.Step.Total:N1}[/]", $"[bold]{1000 * median.Peer.Step:N1}[/]");
        table.AddRow("tokens/s", $"{median.Ours.TokensPerSecond:N0}", $"{median.Peer.TokensPerSecond:N0}");
        console.Write(table);
        console.MarkupLine($"ours: {Markup.Escape(median.Ours.Mfu)}; PyTorch's fp32 matmul: {median.Peer.MatmulGflops:N0} GFLOP/s (1024², its BLAS)");
    }

    void ShowRunStep(string preset, RunStepResult r)
    {
        ShowRunModel(preset, r);
        console.MarkupLine($"[bold]{r.TokensPerSecond:N0}[/] training tokens/s, {Markup.Escape(r.Mfu)}");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("part of a step", "ms", "share");
        foreach (var (part, seconds) in r.Step.Parts) table.AddRow(part, $"{1000 * seconds:N1}", $"{seconds / r.Step.Total:P1}");
        table.AddRow("[bold]step[/]", $"[bold]{1000 * r.Step.Total:N1}[/]", "100 %");
        console.Write(table);
        console.MarkupLine("data: random tokens here (a run reads its token shards); rest: the loop around the parts.");
    }
}
