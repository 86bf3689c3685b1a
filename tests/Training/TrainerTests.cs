using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Training;

/// <summary>The trainer at smoke scale on real web text (one C4 file, our 512-token BPE).</summary>
[Collection(TrainerCollection.Name)]
public class TrainerTests
{
    /// <summary>All runs of this class share one root, so the corpus is tokenized once.</summary>
    static readonly string Root = TestEnvironment.TempFolder().FullName;

    static PretrainingConfig Smoke(params string[] overrides) => PretrainingConfig.Preset("smoke").With(overrides);

    static string Data => TestEnvironment.RequireData("c4/c4-en-sample1000.jsonl").Replace("/c4/c4-en-sample1000.jsonl", "");

    static TrainingResult Train(string run, PretrainingConfig config, bool resume = false, CancellationToken cancellation = default,
        Action<TrainerProgress>? progress = null, Action? beforeCommit = null) =>
        Pretraining.Run(config, new(Data, Path.Combine(Root, run)), resume, new TrainingRunHooks(Progress: progress, BeforeCheckpointCommit: beforeCommit), cancellation);

    static List<MetricsRecord> Steps(string run) => MetricsLog.Read(Path.Combine(Root, run)).Where(r => r.Kind == MetricsRecord.TrainKind).ToList();

    [SkippableTheory]
    [InlineData("adamW")]
    [InlineData("muon")]   // Muon's momentum is saved and restored too
    public void A_resumed_run_repeats_the_uninterrupted_run_step_by_step(string optimizer)
    {
        var config = Smoke($"optimizer={optimizer}");
        string straightRun = $"straight-{optimizer}", interruptedRun = $"interrupted-{optimizer}";
        Train(straightRun, config);

        using var stop = new CancellationTokenSource();
        var first = Train(interruptedRun, config, cancellation: stop.Token, progress: p => { if (p.Step == 13) stop.Cancel(); });
        Assert.Equal(StopReason.Cancelled, first.Reason);
        Assert.Equal(13, first.Steps);
        Assert.EndsWith(CheckpointStore.StepName(13), first.LastCheckpoint);
        Assert.Equal(optimizer == "muon", File.Exists(Path.Combine(first.LastCheckpoint!, CheckpointStore.MuonFile)));
        var resumed = Train(interruptedRun, config, resume: true);
        Assert.Equal(StopReason.Completed, resumed.Reason);

        var straight = Steps(straightRun);
        var interrupted = Steps(interruptedRun);
        Assert.Equal(30, straight.Count);
        Assert.Equal(straight.Select(r => r.Step), interrupted.Select(r => r.Step));
        Assert.Equal(straight.Select(r => r.TrainLoss), interrupted.Select(r => r.TrainLoss));
        Assert.Equal(straight.Select(r => r.GradNorm), interrupted.Select(r => r.GradNorm));
        var evalStraight = MetricsLog.Read(Path.Combine(Root, straightRun)).Where(r => r.Kind == MetricsRecord.EvalKind).Select(r => r.Validation!["val"]);
        var evalResumed = MetricsLog.Read(Path.Combine(Root, interruptedRun)).Where(r => r.Kind == MetricsRecord.EvalKind).Select(r => r.Validation!["val"]);
        Assert.Equal(evalStraight, evalResumed);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Root, straightRun, ModelFiles.Weights)), File.ReadAllBytes(Path.Combine(Root, interruptedRun, ModelFiles.Weights)));
    }

    [SkippableFact]
    public void A_failure_while_saving_leaves_the_previous_checkpoint_loadable()
    {
        var config = Smoke();
        int saves = 0;
        // Saves: best at 0, best at 10, step 10, best at 20 -> fail while writing the fifth (step 20).
        var error = Assert.Throws<IOException>(() => Train("crash", config, beforeCommit: () => { if (++saves == 5) throw new IOException("disk full (simulated)"); }));
        Assert.Equal("disk full (simulated)", error.Message);
        var store = new CheckpointStore(Path.Combine(Root, "crash"));
        var latest = Assert.Single(store.Steps());
        Assert.EndsWith(CheckpointStore.StepName(10), latest);
        var (model, _) = ModelFiles.Load(latest);
        Assert.Equal(10, CheckpointStore.ReadState(latest).Step);
        model.Dispose();

        var resumed = Train("crash", config, resume: true);
        Assert.Equal(30, resumed.Steps);
    }

    [SkippableFact]
    public void A_diverging_run_stops_and_names_the_last_good_checkpoint()
    {
        var error = Assert.Throws<TrainingDivergedException>(() =>
            Train("diverge", Smoke("learning_rate=1e6", "min_learning_rate=1e6", "warmup_steps=1", "checkpoint_interval=1", "eval_interval=1000", "grad_clip=1e9")));
        Assert.True(error.Step >= 1);
        Assert.NotNull(error.LastCheckpoint);
        Assert.Contains(error.LastCheckpoint!, error.Message);
        Assert.True(double.IsFinite(CheckpointStore.ReadState(error.LastCheckpoint!).Step));
        using var model = ModelFiles.Load(error.LastCheckpoint!).Model;
        Assert.All(model.UniqueParameters(), p => Assert.False(p.Parameter.isnan().any().item<bool>()));
    }

    [SkippableFact]
    public void A_short_run_on_real_text_lowers_the_validation_loss()
    {
        var result = Train("learns", Smoke());
        var evals = MetricsLog.Read(Path.Combine(Root, "learns")).Where(r => r.Kind == MetricsRecord.EvalKind).ToList();
        double uniform = Math.Log(512);   // a uniform guess over the 512-token vocabulary
        Assert.Equal(0, evals[0].Step);   // validated before the first step: the untrained model, close to a uniform guess
        Assert.InRange(evals[0].Validation!["val"], uniform - 0.3, uniform + 0.3);
        Assert.True(evals[^1].Validation!["val"] < uniform - 0.5, $"validation loss {evals[^1].Validation!["val"]:F3} vs uniform {uniform:F3}");
        Assert.Equal(result.BestValidationLoss, evals.Min(e => e.Validation!["val"]));
        Assert.Equal(4, evals.Count);
        Assert.Equal(6, MetricsLog.ReadSamples(Path.Combine(Root, "learns")).Count);   // 3 prompts at steps 15 and 30
        var last = Steps("learns")[^1];
        Assert.All(new double?[] { last.LearningRate, last.GradNorm, last.TokensPerSecond, last.Mfu, last.PeakMemoryMb }, v => Assert.True(v > 0));
        // The smoke preset asks for auto: what this machine computes natively, as run.json records it.
        var chosen = PrecisionChoice.For(Precision.Auto, LlmNotebooks.Platform.ComputeHardware.Detect(CPU));
        Assert.Equal(chosen.Used.Name(), last.Precision);
        Assert.Equal(chosen, RunRecord<PretrainingConfig>.Read(Path.Combine(Root, "learns")).Precision);
    }

    [SkippableFact]
    public void Bf16_reaches_the_fp32_validation_loss()
    {
        var fp32 = Train("fp32", Smoke("precision=fp32"));
        var bf16 = Train("bf16", Smoke("precision=bf16"));
        Assert.InRange(bf16.BestValidationLoss!.Value - fp32.BestValidationLoss!.Value, -0.05, 0.05);
        Assert.Equal("bf16", Steps("bf16")[^1].Precision);
    }

    [SkippableFact]
    public void The_exported_model_round_trips_and_has_a_pytorch_copy()
    {
        Train("export", Smoke());
        var folder = Path.Combine(Root, "export");
        var bytes = File.ReadAllBytes(Path.Combine(folder, ModelFiles.HandIn));
        Assert.Equal("PK"u8.ToArray(), bytes[..2]);   // torch.save's zip container
        Assert.False(File.Exists(Path.Combine(new CheckpointStore(folder).BestCheckpoint!, ModelFiles.HandIn)));   // checkpoints keep only what resume loads

        var (model, tokenizer) = ModelFiles.Load(folder);
        var best = ModelFiles.Load(new CheckpointStore(folder).BestCheckpoint!).Model;
        var idx = LlmNotebooks.Model.TokenBatch.Row(tokenizer.Encode("The weather today is"));
        model.eval(); best.eval();
        Assert.True(model.forward(idx).Logits.equal(best.forward(idx).Logits).all().item<bool>());
        Assert.Equal(512, tokenizer.VocabSize);

        var copy = Path.Combine(Root, "export-copy");
        ModelFiles.Save(copy, model, tokenizer);
        var (again, _) = ModelFiles.Load(copy);
        again.eval();
        Assert.True(again.forward(idx).Logits.equal(model.forward(idx).Logits).all().item<bool>());
    }

    [SkippableFact]
    public void An_existing_run_is_never_overwritten_without_resume()
    {
        Train("once", Smoke("max_steps=10"));
        var error = Assert.Throws<UserError>(() => Train("once", Smoke("max_steps=10")));
        Assert.Contains("--resume", error.Message);
    }

    [Fact]
    public void The_schedule_warms_up_then_decays_along_a_cosine()
    {
        var schedule = new LrSchedule(Max: 1e-3, Min: 1e-4, WarmupSteps: 10, DecaySteps: 110);
        Assert.Equal(1e-4, schedule.At(0), 12);              // (0 + 1) / 10 of the maximum
        Assert.Equal(5e-4, schedule.At(4), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);             // warmup done: the maximum
        Assert.Equal(5.5e-4, schedule.At(60), 12);           // halfway through the decay: the mean of max and min
        Assert.Equal(1e-4, schedule.At(110), 12);
        Assert.Equal(1e-4, schedule.At(500), 12);
        Assert.True(schedule.At(30) > schedule.At(31));
    }

    [Fact]
    public void Settings_are_overridden_by_name_and_checked()
    {
        var config = Smoke("max_steps=7", "precision=bf16", "corpus=openwebtext,c4", "context_length=32", "learning_rate=3e-4");
        Assert.Equal((7, Precision.Bf16, 32, 3e-4), (config.MaxSteps, config.Precision, config.ContextLength!.Value, config.LearningRate));
        Assert.Equal(["openwebtext", "c4"], config.Corpus);
        Assert.Contains("unknown setting 'max_stpes'", Assert.Throws<UserError>(() => Smoke("max_stpes=3")).Message);
        Assert.Contains("max_steps", Assert.Throws<UserError>(() => Smoke("max_steps=many")).Message);
        Assert.Contains("tokens_per_step", Assert.Throws<UserError>(() => Smoke("tokens_per_step=100").AccumulationSteps(64)).Message);
        Assert.Equal(config, TrainingConfigs.FromJson<PretrainingConfig>(TrainingConfigs.ToJson(config)) with { Corpus = config.Corpus, SamplePrompts = config.SamplePrompts });
    }

    [Fact]
    public void A_config_is_written_as_its_settings_alone_not_what_is_computed_from_them()
    {
        // run.json is read back by name: a computed property written beside the settings looks like one of them.
        foreach (var json in new[] { TrainingConfigs.ToJson(PretrainingConfig.Preset("cpu")), TrainingConfigs.ToJson(LlmNotebooks.Finetune.FinetuningConfig.Preset("cpu")) })
        {
            var names = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains("max_steps", names);
            Assert.DoesNotContain(names, n => n is "Schedule" or "Optimizer" or "FixedOnResume");
        }
    }
}

[CollectionDefinition(Name)]
public class TrainerCollection
{
    public const string Name = "trainer";
}
