using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Reporting;

/// <summary>One task's evaluation on one split, as its folder holds it.</summary>
public sealed record EvaluationInputs(string Task, TaskSplit Split, string Source, EvaluationSummary Summary, IReadOnlyList<ScoreRow> Scores,
    IReadOnlyList<PredictionRecord> Predictions);

/// <summary>
/// Everything the report reads from a pipeline run, each file through its own typed reader: run.json, the metrics
/// and sample logs, the token manifest and tokenizer record, the finetuning data summary, every evaluation, the targets and the experiments.
/// <see cref="Source"/> names each file as the report's list of sources does, relative to the run folder.
/// </summary>
public sealed record ReportInputs(
    PipelineFolders Folders,
    RunRecord<PretrainingConfig> Pretrain,
    IReadOnlyList<MetricsRecord> PretrainMetrics,
    IReadOnlyList<SampleRecord> PretrainSamples,
    string TokensFolder,
    ShardManifest? Manifest,
    TokenizerLearning? Learning,
    RunRecord<FinetuningConfig>? Finetune,
    IReadOnlyList<MetricsRecord> FinetuneMetrics,
    FinetuneDataRecord? FinetuneData,
    IReadOnlyList<EvaluationInputs> Evaluations,
    TargetsRecord? Targets,
    IReadOnlyList<(string Path, ExperimentRecord Record)> Experiments)
{
    /// <param name="keptExperiments">The report's own copies of experiment records, for those the run folder lacks.</param>
    public static ReportInputs Read(PipelineFolders folders, string keptExperiments)
    {
        var pretrain = RunRecord<PretrainingConfig>.Read(folders.Pretrain);
        var tokens = Pretraining.TokensFolder(pretrain.Config, folders.Pretrain);
        bool finetuned = RunRecord<FinetuningConfig>.Exists(folders.Finetune);
        var evaluations = new List<EvaluationInputs>();
        foreach (var split in new[] { TaskSplit.Validation, TaskSplit.Test })
            foreach (var task in TaskRegistry.Names)
            {
                var folder = folders.EvalTask(task, split);
                if (!EvaluationSummary.Exists(folder)) continue;
                evaluations.Add(new EvaluationInputs(task, split, Path.GetRelativePath(folders.Root, folder), EvaluationSummary.Read(folder),
                    ScoreTable.Load(folder), Evaluator.ReadPredictions(folder)));
            }
        return new ReportInputs(
            Folders: folders, Pretrain: pretrain, PretrainMetrics: MetricsLog.Read(folders.Pretrain), PretrainSamples: MetricsLog.ReadSamples(folders.Pretrain),
            TokensFolder: tokens, Manifest: Directory.Exists(tokens) ? ShardManifest.Load(tokens) : null,
            Learning: TokenizerLearning.ReadIfPresent(Path.Combine(tokens, CorpusPreparer.TokenizerFolder)),
            Finetune: finetuned ? RunRecord<FinetuningConfig>.Read(folders.Finetune) : null, FinetuneMetrics: finetuned ? MetricsLog.Read(folders.Finetune) : [],
            FinetuneData: FinetuneDataRecord.Exists(folders.Finetune) ? FinetuneDataRecord.Read(folders.Finetune) : null, Evaluations: evaluations,
            Targets: TargetsRecord.ReadIfPresent(folders.Root), Experiments: ExperimentRecord.ReadAll(folders.Experiments, keptExperiments));
    }

    /// <summary>A file of the run as the report's sources name it: "pretrain/run.json".</summary>
    public string Source(string path) => Path.GetRelativePath(Folders.Root, path).Replace('\\', '/');

    /// <summary>The pretraining run.json as the report's sources name it.</summary>
    public string PretrainConfigSource => Source(Path.Combine(Folders.Pretrain, RunRecord<PretrainingConfig>.FileName));

    /// <summary>The finetuning run.json as the report's sources name it.</summary>
    public string FinetuneConfigSource => Source(Path.Combine(Folders.Finetune, RunRecord<FinetuningConfig>.FileName));

    /// <summary>The finetuning metrics log as the report's sources name it.</summary>
    public string FinetuneMetricsSource => Source(Path.Combine(Folders.Finetune, MetricsLog.MetricsFile));
}
