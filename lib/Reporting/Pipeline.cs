using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;

namespace LlmNotebooks.Reporting;

/// <summary>
/// An <c>all</c> run: the pretraining and finetuning presets of this name (so <c>pretrain</c>, <c>finetune</c> and
/// <c>all</c> with the same preset share runs/&lt;name&gt;/), and how many examples each task is evaluated on.
/// </summary>
public sealed record PipelinePreset(string Name, int? EvaluationLimit, string Description);

/// <summary>
/// The whole pipeline in one call: data (downloaded into the project's data/ folder if it is missing there),
/// tokenizer and shards, pretraining, finetuning, evaluation and the report, each phase into its folder of
/// <see cref="PipelineFolders"/>. A phase already complete is skipped and an interrupted one resumed, so running it
/// again after a stop picks up where the previous attempt ended.
/// </summary>
public static class Pipeline
{
    public static readonly IReadOnlyDictionary<string, PipelinePreset> Presets = new Dictionary<string, PipelinePreset>
    {
        ["smoke"] = new("smoke", 20, "seconds: tiny sizes, for tests"),
        ["demo"] = new("demo", 100, "a few minutes on a laptop CPU; every phase on real data"),
        ["cpu"] = new("cpu", null, "about an hour of pretraining and an hour of finetuning on 2 CPU cores, full evaluation"),
        ["gpu"] = new("gpu", null, "GPT-2 small on OpenWebText (CUDA build)"),
    };

    public static PipelinePreset Preset(string name) => Presets.TryGetValue(name, out var preset) ? preset
        : throw new ArgumentException($"unknown pipeline preset '{name}'; choose from {string.Join(", ", Presets.Keys)}");

    public sealed record Hooks(Action<string> Log, Func<string, Func<Action<string>, Action<TrainerProgress>, TrainingResult>, TrainingResult> Train,
        Action<string, int, int>? EvaluationProgress = null)
    {
        /// <summary>Log lines only, no progress display (notebooks).</summary>
        public static Hooks Lines(Action<string> log) => new(log, (_, train) => train(log, _ => { }));
    }

    public static ReportResult Run(PipelinePreset preset, string dataFolder, PipelineFolders folders, string reportFolder, Hooks hooks, CancellationToken cancellation = default)
    {
        EnsureData(dataFolder, hooks.Log, cancellation);

        var pretrainConfig = TrainingConfig.Preset(preset.Name);
        if (!Complete(folders.Pretrain, pretrainConfig))
        {
            bool resume = Started(folders.Pretrain);
            var config = resume ? Pretraining.Config(preset.Name, [], folders.Pretrain, true) : pretrainConfig;
            hooks.Log($"pretrain: {(resume ? "resuming" : "starting")} ({config.Model}, {config.MaxSteps} steps)");
            if (Stopped(hooks.Train("pretrain", (log, progress) => Pretraining.Run(config, dataFolder, folders.Pretrain, resume, log, progress, cancellation))))
                throw new OperationCanceledException("stopped during pretraining; run the same command again to continue");
        }
        else hooks.Log($"pretrain: complete in {folders.Pretrain}");

        var finetuneConfig = TrainingConfig.FinetunePreset(preset.Name);
        if (!Complete(folders.Finetune, finetuneConfig))
        {
            bool resume = Started(folders.Finetune);
            var config = resume ? Finetuning.Config(preset.Name, [], folders.Finetune, true) : finetuneConfig;
            hooks.Log($"finetune: {(resume ? "resuming" : "starting")} ({config.MaxSteps} steps, mixture {config.Mixture})");
            if (Stopped(hooks.Train("finetune", (log, progress) => Finetuning.Run(config, folders.Pretrain, dataFolder, folders.Finetune, resume, log, progress, cancellation))))
                throw new OperationCanceledException("stopped during finetuning; run the same command again to continue");
        }
        else hooks.Log($"finetune: complete in {folders.Finetune}");

        var (model, tokenizer) = ModelFiles.Load(folders.Finetune);
        using (model)
        {
            foreach (var task in Evaluator.Tasks)
            {
                cancellation.ThrowIfCancellationRequested();
                var folder = folders.EvalTask(task);
                if (File.Exists(Path.Combine(folder, Evaluator.SummaryFile)) && File.GetLastWriteTimeUtc(Path.Combine(folder, Evaluator.SummaryFile)) > File.GetLastWriteTimeUtc(Path.Combine(folders.Finetune, ModelFiles.Weights)))
                {
                    hooks.Log($"evaluate {task}: done earlier ({folder})");
                    continue;
                }
                var options = new EvaluationOptions(preset.EvaluationLimit);
                var result = Evaluator.Evaluate(model, tokenizer, task, dataFolder, TaskSplit.Validation, options,
                    (done, total) => hooks.EvaluationProgress?.Invoke(task, done, total));
                Evaluator.Save(folder, result, Evaluator.ScoresWithBaselines(result, dataFolder, TaskSplit.Validation, options));
                hooks.Log($"evaluate {task}: {string.Join(", ", result.Scores.Select(s => $"{s.Metric} {s.Value:F1}"))} ({result.Predictions.Count} examples)");
            }
        }
        return ReportBuilder.Build(folders, reportFolder, hooks.Log);
    }

    static bool Stopped(TrainingResult result) => result.Reason == StopReason.Cancelled;

    static bool Started(string runFolder) => new CheckpointStore(runFolder).Latest() is not null;

    /// <summary>A training phase is complete when its model was exported after its last step.</summary>
    static bool Complete(string runFolder, TrainingConfig config)
    {
        var latest = new CheckpointStore(runFolder).Latest();
        return latest is not null && File.Exists(Path.Combine(runFolder, ModelFiles.Weights))
            && CheckpointStore.ReadState(latest).Step >= CheckpointStore.ReadState(latest).Config.MaxSteps;
    }

    /// <summary>Downloads the datasets into the project's data/ folder when they are missing there; elsewhere only checks.</summary>
    static void EnsureData(string dataFolder, Action<string> log, CancellationToken cancellation)
    {
        var missing = DataFolder.Inventory(dataFolder).Where(d => !d.Present && d.Dataset.Name is not ("wikipedia" or "webtext" or "c4")).Select(d => d.Dataset.Name).ToList();
        if (missing.Count == 0) return;
        if (Path.GetFullPath(dataFolder) != Path.GetFullPath(Path.Combine(ProjectPaths.Root, "data")))
            throw new FileNotFoundException($"{dataFolder} lacks {string.Join(", ", missing)}; run `data download --data {dataFolder}` or choose another --data");
        log($"data: downloading {string.Join(", ", missing)} into {dataFolder} (the first time only)");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var downloader = new HubDownloader(http, HubDownloader.DefaultHub);
        foreach (var dataset in HubDownloader.Datasets.Where(d => missing.Contains(d.Name)))
            foreach (var file in downloader.ListAsync(dataset, dataset.Name == "openwebtext" ? 2 : null, cancellation).GetAwaiter().GetResult())
            {
                log($"data: {dataset.Name}/{file.LocalName} ({file.Size / 1e6:F0} MB)");
                downloader.DownloadAsync(file, dataFolder, cancellation: cancellation).GetAwaiter().GetResult();
            }
    }
}
