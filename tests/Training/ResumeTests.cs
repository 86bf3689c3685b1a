using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Training;

/// <summary>
/// Resuming after what really happens to runs: a log line cut short by a full disk, a crash before the first
/// checkpoint, a damaged checkpoint, a mistyped folder, a shape changed on the command line, somebody's files in
/// the way. Nothing already done is lost, and what cannot be done is one line saying why.
/// </summary>
[Collection(TrainerCollection.Name)]
public class ResumeTests
{
    static readonly string Root = TestEnvironment.TempFolder().FullName;

    static string Data => TestEnvironment.RequireData("c4/c4-en-sample1000.jsonl").Replace("/c4/c4-en-sample1000.jsonl", "");

    static TrainingResult Run(string run, bool resume, string[] overrides, List<string>? said = null, Action? beforeCommit = null)
    {
        var folder = Path.Combine(Root, run);
        var config = Pretraining.Config("smoke", overrides, folder, resume);
        return Pretraining.Run(config, new(Data, folder), resume, new TrainingRunHooks(Log: said is null ? null : said.Add, BeforeCheckpointCommit: beforeCommit));
    }

    static List<long> TrainSteps(string run) => MetricsLog.Read(Path.Combine(Root, run)).Where(r => r.Kind == MetricsRecord.TrainKind).Select(r => r.Step).ToList();

    [SkippableFact]
    public void A_last_log_line_cut_short_is_dropped_and_said_damage_before_it_is_an_error_naming_the_line()
    {
        var stop = new CancellationTokenSource();
        var folder = Path.Combine(Root, "torn");
        Pretraining.Run(Pretraining.Config("smoke", [], folder, false), new(Data, folder), false, new TrainingRunHooks(Progress: p => { if (p.Step == 12) stop.Cancel(); }), stop.Token);
        var metrics = Path.Combine(folder, MetricsLog.MetricsFile);
        File.AppendAllText(metrics, "{\"kind\":\"train\",\"step\":17,\"tok");   // the disk filled up mid-write

        var said = new List<string>();
        var resumed = Run("torn", resume: true, [], said);
        Assert.Equal(StopReason.Completed, resumed.Reason);
        Assert.Contains(said, s => s.Contains($"{metrics}:") && s.Contains("cut short") && s.Contains("dropped"));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), TrainSteps("torn"));

        var lines = File.ReadAllLines(metrics).ToList();
        lines.Insert(3, "{\"kind\":\"train\",\"st");
        File.WriteAllLines(metrics, lines);
        var error = Assert.Throws<InvalidDataException>(() => MetricsLog.Read(folder));
        Assert.Contains($"{metrics}:4: not a log record", error.Message);
    }

    [SkippableFact]
    public void A_run_that_stopped_before_its_first_checkpoint_resumes_with_its_own_config_from_step_zero()
    {
        // Every save fails: the run dies (as in a crash) with run.json and some log lines but no checkpoint.
        Assert.Throws<IOException>(() => Run("early", resume: false, ["max_steps=40", "checkpoint_interval=20"], beforeCommit: () => throw new IOException("crash")));
        Assert.Empty(new CheckpointStore(Path.Combine(Root, "early")).Steps());

        var said = new List<string>();
        var resumed = Run("early", resume: true, [], said);   // no --set: the run's own max_steps, not the preset's 30
        Assert.Equal(40, resumed.Steps);
        Assert.Contains(said, s => s.Contains("resuming from step 0"));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), TrainSteps("early"));   // steps logged once each
        Assert.Single(MetricsLog.Read(Path.Combine(Root, "early")), r => r.Kind == MetricsRecord.EvalKind && r.Step == 0);
    }

    [SkippableFact]
    public void A_damaged_newest_checkpoint_is_skipped_for_the_one_before_and_said()
    {
        var stop = new CancellationTokenSource();
        var folder = Path.Combine(Root, "damaged");
        Pretraining.Run(Pretraining.Config("smoke", [], folder, false), new(Data, folder), false, new TrainingRunHooks(Progress: p => { if (p.Step == 25) stop.Cancel(); }), stop.Token);
        var store = new CheckpointStore(folder);
        var newest = store.Latest()!;
        Assert.EndsWith(CheckpointStore.StepName(25), newest);
        var weights = Path.Combine(newest, ModelFiles.Weights);
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..1000]);

        var said = new List<string>();
        var resumed = Run("damaged", resume: true, [], said);
        Assert.Equal(StopReason.Completed, resumed.Reason);
        Assert.Contains(said, s => s.Contains("resuming from step-000020, the newest intact checkpoint") && s.Contains(weights));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), TrainSteps("damaged"));
    }

    [SkippableFact]
    public void Resume_refuses_a_folder_without_a_run_and_a_changed_model_shape()
    {
        var missing = Path.Combine(Root, "typo");
        var error = Assert.Throws<UserError>(() => Pretraining.Config("smoke", [], missing, resume: true));
        Assert.Contains($"nothing to resume in {missing}", error.Message);

        Run("shape", resume: false, ["max_steps=5"]);
        var shape = Assert.Throws<UserError>(() => Pretraining.Config("smoke", ["context_length=128"], Path.Combine(Root, "shape"), resume: true));
        Assert.Contains("--set context_length cannot change when a run resumes", shape.Message);
        Assert.Equal(9, Pretraining.Config("smoke", ["max_steps=9"], Path.Combine(Root, "shape"), resume: true).MaxSteps);   // a longer run is fine
    }

    [SkippableFact]
    public void A_new_run_never_overwrites_files_already_in_its_folder()
    {
        var folder = Path.Combine(Root, "someone");
        Directory.CreateDirectory(folder);
        var theirs = Path.Combine(folder, ModelFiles.HandIn);
        File.WriteAllText(theirs, "somebody's model");
        var error = Assert.Throws<UserError>(() => Run("someone", resume: false, []));
        Assert.Contains($"{folder} is not empty (it holds {ModelFiles.HandIn})", error.Message);
        Assert.Equal("somebody's model", File.ReadAllText(theirs));
    }
}
