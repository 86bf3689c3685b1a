using LlmNotebooks.Evaluation;
using LlmNotebooks.Pipeline;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Pipeline;

/// <summary>An experiment stopped in the middle of a variant's training continues from its checkpoint when the command runs again.</summary>
[Collection(LlmNotebooks.Tests.Training.TrainerCollection.Name)]
public class ExperimentResumeTests
{
    [SkippableFact]
    public void A_stopped_experiment_resumes_its_variant_s_training_where_it_stopped()
    {
        var missing = TestEnvironment.MissingData("c4", "squad", "cnn_dailymail", "sst2");
        Skip.If(missing is not null, missing);
        var folders = new PipelineFolders(Path.Combine(TestEnvironment.TempFolder().FullName, "smoke"));
        var said = new List<string>();
        using var stop = new CancellationTokenSource();
        var stopping = new PipelineHooks(said.Add, (phase, train) => train(new TrainingRunHooks(said.Add,
            Progress: p => { if (phase == "pretrain" && p.Step == 6) stop.Cancel(); })));

        var error = Assert.Throws<OperationCanceledException>(() =>
            Experiments.Run("smoke", TestEnvironment.DataFolder, folders, stopping, "Micro-batches", stop.Token));
        Assert.Contains("run the same command again to continue", error.Message);

        // Again, with the same settings: the variant's pretraining resumes (it refused its own settings before).
        Experiments.Run("smoke", TestEnvironment.DataFolder, folders, PipelineHooks.Lines(said.Add), "Micro-batches");
        Assert.Contains(said, s => s.StartsWith("resumed from") && s.Contains("pretrain-"));
        var pretrain = Directory.GetDirectories(Path.Combine(folders.Experiments, "runs"), "pretrain-*").Single();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i),
            MetricsLog.Read(pretrain).Where(r => r.Kind == MetricsRecord.TrainKind).Select(r => r.Step));   // every step once
        Assert.Equal(2, ExperimentRecord.ReadAll(folders.Experiments).Count);
    }
}
