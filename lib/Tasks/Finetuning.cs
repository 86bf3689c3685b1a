using System.Text.Json;
using LlmNotebooks.Model;
using LlmNotebooks.Training;

namespace LlmNotebooks.Tasks;

/// <summary>
/// Finetuning one pretrained model on all tasks at once: loads the model and its tokenizer from a pretraining run
/// (or a checkpoint, or a model.pt), formats the task data, mixes it with pretraining replay, and trains with the
/// same trainer, checkpoints and resume as pretraining. The result is one model.pt for every task.
/// </summary>
public static class Finetuning
{
    public const string DataStatsFile = "finetune-data.json";

    /// <summary>The config of a run: the resumed run's own, or the named finetuning preset; overrides on top.</summary>
    public static TrainingConfig Config(string preset, IEnumerable<string> overrides, string runFolder, bool resume) =>
        TrainingConfig.ForRun(runFolder, resume, () => TrainingConfig.FinetunePreset(preset), overrides);

    /// <summary>The pretraining run a model comes from: the folder holding run.json at or above it, if any.</summary>
    public static string? PretrainingRun(string from)
    {
        for (var dir = new DirectoryInfo(Directory.Exists(from) ? from : Path.GetDirectoryName(Path.GetFullPath(from))!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, Trainer.RunFile)) && File.Exists(Path.Combine(dir.FullName, MetricsLog.MetricsFile))) return dir.FullName;
        return null;
    }

    /// <summary>The shards the pretraining run trained on (for replay), when they can be found.</summary>
    public static string? PretrainingTokens(string from)
    {
        var run = PretrainingRun(from);
        if (run is null) return null;
        var latest = new CheckpointStore(run).Latest();
        var config = latest is not null ? CheckpointStore.ReadState(latest).Config : Trainer.RunConfig(Trainer.ReadRunFile(run));
        var folder = Pretraining.TokensFolder(config, run);
        return Directory.Exists(folder) ? folder : null;
    }

    public static TrainingResult Run(TrainingConfig config, string from, string dataFolder, string runFolder, bool resume,
        Action<string>? log = null, Action<TrainerProgress>? progress = null, CancellationToken cancellation = default)
    {
        var (model, tokenizer) = ModelFiles.Load(from);
        var mixture = Mixture.Parse(config.Mixture);
        log?.Invoke($"finetuning {model.ParameterCount():N0} parameters from {from}; mixture {mixture}");
        var formats = new TaskFormats(tokenizer, model.Config.ContextLength);
        var replay = mixture.ShareOf(Mixture.Pretrain) > 0 ? PretrainingTokens(from) : null;
        using var data = new FinetuningBatches(formats, dataFolder, mixture, replay, config.BatchSize,
            config.AccumulationSteps(model.Config.ContextLength), config.EvalBatches, config.Seed, config.MaxExamplesPerTask, log);
        Directory.CreateDirectory(runFolder);
        AtomicFile.WriteAllText(Path.Combine(runFolder, DataStatsFile),
            JsonSerializer.Serialize(new { from = Path.GetFullPath(from), mixture = mixture.ToString(), replay, tasks = data.Stats },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        var trainer = new Trainer(config, runFolder, tokenizer, data) { Log = log, Progress = progress };
        return trainer.Run(resume, model, cancellation);
    }
}
