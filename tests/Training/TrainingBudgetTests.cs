using System.Text.RegularExpressions;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Training;

public class TrainingBudgetTests
{
    [Fact]
    public void The_gpu_preset_is_one_pass_over_the_assignments_13_to_15_gb_of_openwebtext()
    {
        var config = PretrainingConfig.Preset("gpu");
        using var model = new Gpt(config.ModelConfig(50260));
        var budget = new TrainingBudget(config.Steps, config.TokensPerStep, model.TrainingFlopsPerToken, CorpusTokens: 3_300_000_000);

        // 13–15 GB of text at ~4.3 bytes per GPT-2 token is 3.0–3.5B tokens.
        Assert.InRange(budget.Tokens, 3.0e9, 3.6e9);
        Assert.InRange(budget.Passes!.Value, 0.95, 1.05);
        Assert.StartsWith("budget: 6,800 steps × 491,520 tokens = 3.34B tokens (1.01 passes over the 3.30B training tokens), ", budget.ToString());
        // 6N per token for GPT-2 small's 85M non-embedding parameters, plus attention: about 2.9e18 FLOPs.
        Assert.InRange(budget.Flops, 2.5e18, 3.2e18);
    }

    [Fact]
    public void The_eta_is_the_steps_left_at_the_measured_speed()
    {
        var budget = new TrainingBudget(Steps: 1000, TokensPerStep: 5000, FlopsPerToken: 1e9);
        Assert.Equal("ETA: 1 min 40 s for 100 steps at 5,000 tokens/s (measured here, MFU 50 % of the measured 10,000 GFLOP/s)",
            budget.Eta(stepsLeft: 100, tokensPerSecond: 5000, "measured here", ceilingGflops: 10_000).Replace('\u00a0', ' '));
        Assert.Contains("ETA: 2.3 days", budget.Eta(stepsLeft: 40_000, tokensPerSecond: 1000, "x"));
    }

    [Fact]
    public void An_mfu_above_the_ceiling_is_not_given()
    {
        Assert.Equal(0.5, Mfu.Of(tokensPerSecond: 1000, flopsPerToken: 1e9, ceilingGflops: 2000));
        Assert.Null(Mfu.Of(tokensPerSecond: 71, flopsPerToken: 34.7e6, ceilingGflops: 0.9));   // the 275 % of an emulated bf16 ceiling
        Assert.Null(Mfu.Of(1000, 1e9, 0));
        Assert.StartsWith("no MFU: the measured ceiling (0.9 GFLOP/s) is below the training rate", Mfu.Describe(71, 34.7e6, 0.9));
    }

    [SkippableFact]
    public void A_run_says_its_budget_at_the_start_and_its_eta_after_a_few_steps()
    {
        var data = TestEnvironment.RequireData("c4/c4-en-sample1000.jsonl").Replace("/c4/c4-en-sample1000.jsonl", "");
        var messages = new List<string>();
        Pretraining.Run(PretrainingConfig.Preset("smoke").With(["max_steps=8"]), new(data, Path.Combine(TestEnvironment.TempFolder().FullName, "run")), resume: false,
            new TrainingRunHooks(Log: messages.Add));

        var budget = Assert.Single(messages, m => m.StartsWith("budget: "));
        Assert.Matches(@"^budget: 8 steps × 1,024 tokens = 8,192 tokens \([\d.]+ passes over the [\d.,]+M? training tokens\), \d\.\d\de\d+ FLOPs$", budget);
        var eta = Assert.Single(messages, m => m.StartsWith("ETA: "));
        Assert.Matches(@"for 4 steps at [\d,]+ tokens/s \(measured over steps 2–4, MFU \d+ ?% of the measured [\d,]+ GFLOP/s\)$", eta.Replace('\u00a0', ' '));
        Assert.True(messages.IndexOf(budget) < messages.IndexOf(eta));
    }

    [SkippableFact]
    public void Pretrain_plan_prints_the_budget_and_the_time_it_would_take_here_without_training()
    {
        var run = Path.Combine(TestEnvironment.TempFolder().FullName, "run");
        var result = TestEnvironment.RunCli("pretrain", "--preset", "smoke", "--plan", "--out", run);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("budget: 30 steps × 1,024 tokens = 30,720 tokens", result.Output);
        // In the precision this hardware trains in, said with its reason first.
        var precision = Regex.Match(result.Output, @"precision (fp32|bf16) \(auto: ");
        Assert.True(precision.Success, result.Output);
        Assert.Matches($@"ETA: \d+ min \d\d s for 30 steps at [\d,]+ tokens/s \(2 steps of batch 4 × 256 on cpu, {precision.Groups[1].Value}", result.Output);
        Assert.False(Directory.Exists(run));   // nothing trained, nothing written
    }
}
