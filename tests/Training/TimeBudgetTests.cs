using LlmNotebooks.Pipeline;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Training;

/// <summary>Runs given hours instead of steps: the count they fix, and that it stays fixed.</summary>
[Collection(TrainerCollection.Name)]
public class TimeBudgetTests
{
    static readonly string Root = TestEnvironment.TempFolder().FullName;

    static string Data => TestEnvironment.RequireData("c4/c4-en-sample1000.jsonl").Replace("/c4/c4-en-sample1000.jsonl", "");

    [Fact]
    public void The_steps_that_fit_leave_room_for_the_periodic_work_and_the_reserve()
    {
        // 100 s at 1 s a step, 5 % kept: 95 steps.
        Assert.Equal(95, TimeBudget.StepsThatFit(100, 1, [], maxSteps: 1000));
        // A 2 s validation before the first step, every 10 steps and at the end: n + 2 (n/10 + 2) ≤ 95 gives 77.
        Assert.Equal(77, TimeBudget.StepsThatFit(100, 1, [(n => n / 10 + 2, 2.0)], maxSteps: 1000));
        Assert.Equal(50, TimeBudget.StepsThatFit(100, 1, [], maxSteps: 50));
        Assert.Equal(1, TimeBudget.StepsThatFit(1, 10, [], maxSteps: 50));   // never none
        Assert.Equal(95, TimeBudget.StepsThatFit(100, 1, [], maxSteps: null));   // no cap: the time alone decides
        Assert.Equal(77, TimeBudget.StepsThatFit(100, 1, [(n => n / 10 + 2, 2.0)], maxSteps: null));
    }

    [Fact]
    public void Warmup_stays_within_a_fifth_of_the_fixed_steps()
    {
        var demo = PretrainingConfig.Preset("demo");
        TimeBudget Fixed(int steps) => new(0.06, steps, demo.MaxSteps, 1, 4096, new Dictionary<string, double>(), 1);
        Assert.Equal((300, 50), (Fixed(300).Apply(demo).Steps, Fixed(300).Apply(demo).WarmupSteps));
        Assert.Equal((100, 20), (Fixed(100).Apply(demo).Steps, Fixed(100).Apply(demo).WarmupSteps));
        Assert.Equal(1, Fixed(3).Apply(demo).WarmupSteps);
    }

    [Fact]
    public void Hours_on_the_command_line_lift_the_presets_step_count_unless_max_steps_is_set_and_cannot_change_on_resume()
    {
        var folder = Path.Combine(Root, "hours");
        var lifted = Pretraining.Config("cpu", [], folder, resume: false, hours: 3);
        Assert.Equal((3.0, (int?)null), (lifted.Hours, lifted.MaxSteps));   // no cap: as many steps as fit
        Assert.Equal("the steps that fit in 3 h", lifted.Length);
        var capped = Pretraining.Config("cpu", ["max_steps=500"], folder, resume: false, hours: 3);
        Assert.Equal((3.0, (int?)500), (capped.Hours, capped.MaxSteps));
        Assert.Equal((null, (int?)5), (Pretraining.Config("cpu", ["max_steps=5"], folder, resume: false).Hours, Pretraining.Config("cpu", ["max_steps=5"], folder, resume: false).MaxSteps));
        Assert.Throws<UserError>(() => Pretraining.Config("cpu", [], folder, resume: false, hours: 0));
        Assert.StartsWith("max_steps=null trains as many steps as fit", Assert.Throws<UserError>(() => PretrainingConfig.Preset("cpu").With(["max_steps=null"])).Message);

        var error = Assert.Throws<UserError>(() => lifted.ForResume(["hours=1"]));
        Assert.Contains("--set hours cannot change when a run resumes", error.Message);
    }

    [Fact]
    public void All_with_hours_splits_them_as_the_preset_splits_its_tokens()
    {
        var (pretrain, finetune) = PipelinePreset.Named("cpu").SplitHours(3);
        Assert.Equal(3, pretrain + finetune, 9);
        // cpu: 1,800 × 8,192 pretraining tokens against 4,000 × 8,192 finetuning tokens.
        Assert.Equal(3 * 1800.0 / 5800, pretrain, 9);
    }

    [SkippableFact]
    public void A_run_given_hours_fixes_its_steps_first_keeps_them_on_resume_and_trains_as_that_many_steps_would()
    {
        var timed = Path.Combine(Root, "timed");
        var config = Pretraining.Config("smoke", ["max_steps=200"], timed, resume: false, hours: 0.001);
        var said = new List<string>();
        using var stop = new CancellationTokenSource();
        long fixedSteps = 0;
        var first = Pretraining.Run(config, new(Data, timed), resume: false, new TrainingRunHooks(Log: said.Add, Progress: p =>
        {
            fixedSteps = p.MaxSteps;
            if (p.Step == Math.Max(1, p.MaxSteps / 2)) stop.Cancel();
        }), stop.Token);

        var record = RunRecord<PretrainingConfig>.Read(timed);
        var budget = Assert.IsType<TimeBudget>(record.TimeBudget);
        Assert.Equal(((int?)budget.Steps, (int?)200), (record.Config.MaxSteps, budget.MaxSteps));
        Assert.Equal(fixedSteps, budget.Steps);
        Assert.Equal(Math.Max(1, Math.Min(5, budget.Steps / 5)), record.Config.WarmupSteps);
        Assert.Equal(["validation", "samples", "checkpoints"], budget.PeriodicSeconds.Keys);
        Assert.Contains(said, s => s.StartsWith($"time budget: {budget.Steps:N0} steps fit in 0.001 h at "));
        Assert.Contains(said, s => s.StartsWith("precision "));

        // Resumed with the run's own config: the count stays, no second calibration.
        if (first.Reason == StopReason.Cancelled)
        {
            said.Clear();
            Pretraining.Run(Pretraining.Config("smoke", [], timed, resume: true), new(Data, timed), resume: true, new TrainingRunHooks(Log: said.Add));
            Assert.DoesNotContain(said, s => s.StartsWith("time budget"));
        }
        var timedSteps = MetricsLog.Read(timed).Where(r => r.Kind == MetricsRecord.TrainKind).ToList();
        Assert.Equal(Enumerable.Range(1, budget.Steps).Select(i => (long)i), timedSteps.Select(r => r.Step));

        // The same count as a step budget: the calibration left the weights and the random state as they were.
        var stepped = Path.Combine(Root, "stepped");
        Pretraining.Run(Pretraining.Config("smoke", [$"max_steps={budget.Steps}", $"warmup_steps={record.Config.WarmupSteps}"], stepped, false), new(Data, stepped), false);
        var steppedSteps = MetricsLog.Read(stepped).Where(r => r.Kind == MetricsRecord.TrainKind).ToList();
        Assert.Equal(steppedSteps.Select(r => r.TrainLoss), timedSteps.Select(r => r.TrainLoss));
        Assert.Equal(steppedSteps.Select(r => r.LearningRate), timedSteps.Select(r => r.LearningRate));
    }
}
