using LlmNotebooks.Cli;
using LlmNotebooks.Tests.TestSupport;
using Spectre.Console.Cli.Testing;
using Xunit;

namespace LlmNotebooks.Tests.Cli;

public class CommandLineTests
{
    static CommandAppResult Run(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(CommandLine.Configure);
        return app.Run(args);
    }

    [Theory]
    [InlineData("all", "--preset")]
    [InlineData("doctor", "--data")]
    [InlineData("data download", "--max-files")]
    [InlineData("prepare", "--tokenizer")]
    [InlineData("pretrain", "--resume")]
    [InlineData("finetune", "--mix")]
    [InlineData("evaluate", "--decoder")]
    [InlineData("experiments", "--only")]
    [InlineData("generate", "--ids")]
    [InlineData("export", "--format")]
    [InlineData("import", "--from")]
    [InlineData("report", "--run")]
    [InlineData("score", "--references")]
    [InlineData("bench model", "--presets")]
    [InlineData("bench tokenize", "--corpus")]
    [InlineData("notebooks run", "--set")]
    [InlineData("notebooks apps", "file-based app")]
    public void Every_command_has_help(string command, string option)
    {
        var result = Run([.. command.Split(' '), "--help"]);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(option, result.Output);
        Assert.DoesNotContain("error", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("doctor")]
    [InlineData("data download")]
    [InlineData("prepare")]
    [InlineData("pretrain")]
    [InlineData("finetune")]
    [InlineData("evaluate")]
    [InlineData("experiments")]
    [InlineData("generate --model m --prompt p")]
    [InlineData("export --model m --out o")]
    [InlineData("import --from f --out o")]
    [InlineData("report")]
    [InlineData("score --metric bleu --predictions p --references r")]
    [InlineData("bench model")]
    [InlineData("bench tokenize")]
    [InlineData("notebooks run")]
    [InlineData("notebooks apps")]
    public void Every_command_rejects_an_option_it_does_not_take_before_doing_anything(string command)
    {
        var result = Run([.. command.Split(' '), "--bogus-option", "1"]);
        Assert.Equal(2, result.ExitCode);
        var name = string.Join(' ', command.Split(' ').TakeWhile(w => !w.StartsWith('-')));
        Assert.Contains($"error: {name} does not take --bogus-option (it", result.Output);
        Assert.Matches(@"\((its options: --[a-z-]+.*|it takes no options); --help explains", result.Output);
    }

    [Theory]
    [InlineData("pretrain --prest cpu", "did you mean --preset?")]
    [InlineData("all --preset smoke --hour 1", "did you mean --hours?")]
    [InlineData("pretrain --max-step 100000", "did you mean --set max_steps=…?")]
    [InlineData("finetune --warmup-steps 5", "did you mean --set warmup_steps=…?")]
    public void A_mistyped_option_is_named_with_the_closest_valid_one(string command, string suggestion)
    {
        var result = Run(command.Split(' '));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(suggestion, result.Output);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var result = Run("--help");
        Assert.Contains("doctor", result.Output);
        Assert.Contains("notebooks", result.Output);
    }

    [Fact]
    public void An_unknown_command_is_an_error()
    {
        var result = Run("pretrian");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("pretrian", result.Output);
    }

    [Fact]
    public void A_parameter_without_a_value_is_rejected_before_anything_runs()
    {
        var result = Run("notebooks", "run", "00-setup", "--set", "scale");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--set expects KEY=VALUE, got 'scale'", result.Output);
    }

    [Fact]
    public void A_missing_notebook_is_one_clear_error()
    {
        var result = TestEnvironment.RunNotebookTool("run", "99-nothing");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: notebook not found: 99-nothing (looked in {ProjectPaths.Notebooks})", result.Output.Trim());
    }

    /// <summary>The program's notebooks commands hand their command line to the tool in tools/Notebooks, which the library does not carry.</summary>
    [Fact]
    public void The_notebooks_commands_run_the_notebook_tool()
    {
        var result = TestEnvironment.RunCli("notebooks", "apps", "02-attention");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("notebooks/apps/02-attention.cs: up to date", result.Output);
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(TestEnvironment.CliAssembly)!), f => Path.GetFileName(f).StartsWith("Microsoft.CodeAnalysis"));
    }

    [Fact]
    public void Doctor_reports_a_data_folder_and_succeeds_when_torch_runs()
    {
        var data = TestEnvironment.TempFolder();
        Directory.CreateDirectory(Path.Combine(data.FullName, "sst2"));
        File.WriteAllText(Path.Combine(data.FullName, "sst2", "dev.tsv"), "sentence\tlabel\ngood film .\t1\n");

        var result = TestEnvironment.RunCli("doctor", "--data", data.FullName);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("torch works", result.Output);
        Assert.Contains(data.FullName, result.Output);
        Assert.Matches(@"sst2\s+.*1 file\(s\)", result.Output);
        Assert.Matches(@"squad\s+.*missing", result.Output);
        Assert.Contains("libstdc++ fix", result.Output);
    }

    /// <summary>The run's own model and step, its time split into parts that add up to it: what a student reads to see where training time goes.</summary>
    [Fact]
    public void Bench_model_times_a_runs_step_part_by_part()
    {
        var result = TestEnvironment.RunCli("bench", "model", "--run-preset", "smoke", "--set", "precision=fp32", "--set", "position=rotary", "--steps", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("pretrain --preset smoke: ", result.Output);
        Assert.Contains("Rotary", result.Output);   // --set reaches the model as it reaches a run's
        Assert.Matches(@"batch 4 × 1 micro-batches; fp32", result.Output);
        double Ms(string part) => double.Parse(System.Text.RegularExpressions.Regex.Match(result.Output, $@"│ {part} +│ +([\d.,]+) +│").Groups[1].Value.Replace(",", ""),
            System.Globalization.CultureInfo.InvariantCulture);
        string[] parts = ["data", "forward", "backward", "optimizer", "rest"];
        Assert.All(parts[..4], p => Assert.True(Ms(p) > 0, $"{p} took no time"));
        Assert.Equal(Ms("step"), parts.Sum(Ms), 0.5);   // printed to 0.1 ms, five roundings
        Assert.Contains("set the batch, context and precision as a run does",
            TestEnvironment.RunCli("bench", "model", "--run-preset", "smoke", "--batch", "2").Output);
    }

    /// <summary>The same run's step in PyTorch, alternating with ours: both sides' parts and the ratio of the median round.</summary>
    [SkippableFact]
    public void Bench_model_vs_pytorch_alternates_ours_and_the_peers_step_on_the_same_model()
    {
        Python.RequireTorch();
        var result = TestEnvironment.RunCli("bench", "model", "--run-preset", "smoke", "--set", "precision=fp32", "--set", "position=rotary", "--set", "norm=rmsNorm",
            "--set", "mlp=swiGlu", "--set", "qk_norm=true", "--set", "bias=false", "--vs-pytorch", "--steps", "1", "--rounds", "2");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"round 1/2: ours [\d,]+ tokens/s, PyTorch [\w.]+ [\d,]+ tokens/s \(\d+\.\d\dx\)", result.Output);
        Assert.Contains("round 2/2", result.Output);
        Assert.Matches(@"ours / PyTorch .* median \d+\.\d\dx over 2 alternating rounds", result.Output);
        var rows = System.Text.RegularExpressions.Regex.Matches(result.Output, @"│ (data|forward|backward|optimizer|rest|step) +│ +([\d.,]+) +│ +([\d.,]+) +│");
        Assert.Equal(6, rows.Count);
        double Sum(int column, bool step) => rows.Where(r => (r.Groups[1].Value == "step") == step)
            .Sum(r => double.Parse(r.Groups[column].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Sum(2, step: true), Sum(2, step: false), 0.5);   // ours: the parts add up to the step
        Assert.Equal(Sum(3, step: true), Sum(3, step: false), 0.5);   // the peer's too
        Assert.Contains("--vs-pytorch goes with --run-preset", TestEnvironment.RunCli("bench", "model", "--vs-pytorch").Output);
    }

    [Fact]
    public void Bench_model_measures_only_the_precisions_it_is_given()
    {
        var result = TestEnvironment.RunCli("bench", "model", "--presets", "smoke", "--precision", "fp32", "--steps", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        var ceiling = Assert.Single(result.Output.Split('\n'), l => l.StartsWith("matmul ceiling"));
        Assert.Matches(@"fp32 [\d,]+ GFLOP/s", ceiling);
        Assert.DoesNotContain("bf16", ceiling);
        Assert.Matches(@"smoke fp32: [\d,]+ training tokens/s, MFU \d+ ?%", result.Output);
        Assert.DoesNotContain("smoke bf16", result.Output);
    }

    [Fact]
    public void Where_bf16_is_not_native_doctor_says_auto_is_fp32_and_bench_leaves_bf16_out()
    {
        // The hardware is injected: oneDNN's cap keeps libtorch from bf16 instructions whatever this CPU has.
        var noBf16 = new Dictionary<string, string> { ["ONEDNN_MAX_CPU_ISA"] = "AVX2" };
        var doctor = TestEnvironment.RunCli(noBf16, "doctor");
        Assert.Matches(@"precision auto\s+.*fp32 on cpu: this CPU has", doctor.Output);

        var bench = TestEnvironment.RunCli(noBf16, "bench", "model", "--presets", "smoke", "--steps", "1");
        Assert.True(bench.ExitCode == 0, bench.ToString());
        Assert.Contains("bf16 emulated", bench.Output);
        Assert.DoesNotContain("smoke bf16", bench.Output);
        Assert.Contains("smoke fp32", bench.Output);
    }
}
