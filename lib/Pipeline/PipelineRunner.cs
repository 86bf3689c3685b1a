using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Model;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Pipeline;

/// <summary>How a pipeline run is shown: log lines, a display around each training phase, evaluation progress.</summary>
/// <param name="Train">Runs a training phase (its name, and the phase given the hooks to watch it with).</param>
public sealed record PipelineHooks(Action<string> Log, Func<string, Func<TrainingRunHooks, TrainingResult>, TrainingResult> Train,
    Action<string, int, int>? EvaluationProgress = null)
{
    /// <summary>Log lines only, no progress display (notebooks).</summary>
    public static PipelineHooks Lines(Action<string> log) => new(log, (_, train) => train(new TrainingRunHooks(log)));
}

/// <summary>
/// The whole pipeline in one call: data (downloaded into the project's data/ folder if it is missing there),
/// tokenizer and shards, pretraining, finetuning, evaluation (validation, and test where the data folder has a
/// scored one) and the report, each phase into its folder of <see cref="PipelineFolders"/>. A phase already complete
/// is skipped and an interrupted one resumed, so running it again after a stop picks up where the previous attempt
/// ended.
/// </summary>
public static class PipelineRunner
{
    /// <param name="hours">Hours for the two training phases together (<see cref="PipelinePreset.SplitHours"/>); null: the presets' own lengths.</param>
    public static ReportResult Run(PipelinePreset preset, string dataFolder, PipelineFolders folders, string reportFolder, PipelineHooks hooks,
        double? hours = null, CancellationToken cancellation = default)
    {
        var split = hours is { } h ? preset.SplitHours(h) : ((double Pretrain, double Finetune)?)null;
        DataSetup.Ensure(dataFolder, hooks.Log, cancellation);
        Directory.CreateDirectory(folders.Root);
        TargetsRecord.Assignment.Write(folders.Root);

        Phase<PretrainingConfig>(folders.Pretrain, "pretrain", hooks, resume =>
        {
            var config = Pretraining.Config(preset.Name, [], folders.Pretrain, resume, resume ? null : split?.Pretrain);   // a resumed run keeps its step count
            hooks.Log($"pretrain: {(resume ? "resuming" : "starting")} ({config.Model}, {config.Length})");
            return hooks.Train("pretrain", watch => Pretraining.Run(config, new(dataFolder, folders.Pretrain), resume, watch, cancellation));
        });
        Phase<FinetuningConfig>(folders.Finetune, "finetune", hooks, resume =>
        {
            var config = Finetuning.Config(preset.Name, [], folders.Finetune, resume, resume ? null : split?.Finetune);
            hooks.Log($"finetune: {(resume ? "resuming" : "starting")} ({config.Length}, mixture {config.Mixture})");
            return hooks.Train("finetune", watch => Finetuning.Run(config, new(dataFolder, folders.Finetune, From: folders.Pretrain), resume, watch, cancellation));
        });
        Evaluate(folders, dataFolder, new EvaluationOptions(preset.EvaluationLimit, QaPrompt: Finetuning.QaPromptOf(folders.Finetune)), hooks, cancellation);
        return ReportBuilder.Build(folders, reportFolder, hooks.Log);
    }

    /// <summary>Runs a training phase unless it is complete; one that was started (it has run.json) resumes.</summary>
    static void Phase<T>(string runFolder, string name, PipelineHooks hooks, Func<bool, TrainingResult> train) where T : TrainingConfig
    {
        if (Complete<T>(runFolder)) { hooks.Log($"{name}: complete in {runFolder}"); return; }
        if (train(RunRecord<T>.Exists(runFolder)).Reason == StopReason.Cancelled)
            throw new OperationCanceledException($"stopped during {name}; run the same command again to continue");
    }

    /// <summary>A training phase is complete when its model was exported after its last step.</summary>
    static bool Complete<T>(string runFolder) where T : TrainingConfig
    {
        var latest = new CheckpointStore(runFolder).Latest();
        return latest is not null && File.Exists(Path.Combine(runFolder, ModelFiles.HandIn)) && RunRecord<T>.Exists(runFolder)
            && CheckpointStore.ReadState(latest).Step >= RunRecord<T>.Read(runFolder).Config.Steps;
    }

    /// <summary>Every task on its validation split, and on its test split where the data folder has one with answers; an evaluation newer than the model is kept.</summary>
    static void Evaluate(PipelineFolders folders, string dataFolder, EvaluationOptions options, PipelineHooks hooks, CancellationToken cancellation)
    {
        var (model, tokenizer) = Finetuning.LoadModel(folders.Finetune);
        using (model)
        {
            var modelTime = File.GetLastWriteTimeUtc(Path.Combine(folders.Finetune, ModelFiles.Weights));
            foreach (var split in new[] { TaskSplit.Validation, TaskSplit.Test })
                foreach (var task in TaskRegistry.All.Where(t => t.HasScoredSplit(split, dataFolder)))
                {
                    cancellation.ThrowIfCancellationRequested();
                    var folder = folders.EvalTask(task.Name, split);
                    var summary = Path.Combine(folder, EvaluationSummary.FileName);
                    if (File.Exists(summary) && File.GetLastWriteTimeUtc(summary) > modelTime)
                    {
                        hooks.Log($"evaluate {task} ({split}): done earlier ({folder})");
                        continue;
                    }
                    var result = Evaluator.Evaluate(model, tokenizer, task, dataFolder, split, options, (done, total) => hooks.EvaluationProgress?.Invoke(task.Name, done, total), cancellation);
                    Evaluator.Save(folder, result);
                    hooks.Log($"evaluate {task} ({split}): {string.Join(", ", result.Scores.Where(s => s.System == ScoreRow.OurModel).Select(s => $"{s.Metric} {s.Value:F1}"))} " +
                              $"({result.Predictions.Count} examples{(result.Summary.RecordsSkipped > 0 ? $"; {result.Summary.RecordsSkipped} records skipped" : "")})");
                }
        }
    }
}
