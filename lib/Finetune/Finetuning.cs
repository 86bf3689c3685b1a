using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using LlmNotebooks.Training.Callbacks;

namespace LlmNotebooks.Finetune;

/// <summary>
/// Finetuning one pretrained model on all tasks at once: loads the model and its tokenizer from a pretraining run
/// (or a checkpoint, or a model folder), formats the task data, mixes it with pretraining replay, and trains with
/// the same trainer, checkpoints and resume as pretraining. The result is one model for every task.
/// </summary>
public static class Finetuning
{
    /// <summary>The config of a run: the resumed run's own, or the named finetuning preset; overrides on top.</summary>
    public static FinetuningConfig Config(string preset, IReadOnlyList<string> overrides, string runFolder, bool resume, double? hours = null) =>
        TrainingRun.Config(runFolder, resume, () => FinetuningConfig.Preset(preset), overrides, hours);

    /// <summary>The pretraining run a model comes from: the folder holding run.json and a metrics log at or above it, if any.</summary>
    public static string? PretrainingRun(string from)
    {
        for (var dir = new DirectoryInfo(ModelFiles.Folder(from)); dir is not null; dir = dir.Parent)
            if (RunRecord<PretrainingConfig>.Exists(dir.FullName) && File.Exists(Path.Combine(dir.FullName, MetricsLog.MetricsFile))) return dir.FullName;
        return null;
    }

    /// <summary>The shards the pretraining run trained on (for replay), when they can be found.</summary>
    public static string? PretrainingTokens(string from)
    {
        var run = PretrainingRun(from);
        if (run is null) return null;
        var folder = Pretraining.TokensFolder(RunRecord<PretrainingConfig>.Read(run).Config, run);
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>
    /// The SQuAD prompt order a model was finetuned with, from the run.json of the finetuning run at or above it
    /// (evaluation must format prompts the same way); the default for a model from elsewhere.
    /// </summary>
    public static QaPrompt QaPromptOf(string modelPath)
    {
        for (var dir = new DirectoryInfo(ModelFiles.Folder(modelPath)); dir is not null; dir = dir.Parent)
            if (RunRecord<FinetuningConfig>.Exists(dir.FullName) && FinetuneDataRecord.Exists(dir.FullName))
                return RunRecord<FinetuningConfig>.Read(dir.FullName).Config.QaPrompt;
        return new FinetuningConfig().QaPrompt;
    }

    /// <summary>The finetuned model of a run, on the device the run trained on.</summary>
    public static (Gpt Model, Tokenization.TextTokenizer Tokenizer) LoadModel(string runFolder) =>
        ModelFiles.Load(runFolder, device: Platform.ComputeDevice.Resolve(RunRecord<FinetuningConfig>.Read(runFolder).Config.Device));

    /// <param name="paths">The data folder, the run's folder, and the pretrained model it starts from (a run, checkpoint or model folder).</param>
    public static TrainingResult Run(FinetuningConfig config, RunPaths paths, bool resume, TrainingRunHooks? hooks = null, CancellationToken cancellation = default)
    {
        hooks ??= new TrainingRunHooks();
        var (dataFolder, runFolder, from) = paths;
        if (from is null) throw new ArgumentException("finetuning starts from a pretrained model: give RunPaths its From folder");
        var tokenizer = ModelFiles.LoadTokenizer(ModelFiles.Folder(from));
        var modelConfig = ModelFiles.LoadConfig(from) with { PromptAttention = config.PromptAttention };
        var mixture = Mixture.Parse(config.Mixture);
        if (config.PackPassages && (config.PromptAttention != PromptAttention.Causal || config.QaPrompt != QaPrompt.PassageFirst))
            throw new UserError("pack_passages=true packs questions after their passage for a causal model: it needs qa_prompt=passageFirst and prompt_attention=causal");
        hooks.Log?.Invoke($"finetuning from {from}; mixture {mixture}; SQuAD prompts {config.QaPrompt}{(config.PackPassages ? ", packed by passage" : "")}; prompt attention {config.PromptAttention}");
        var formats = config.Formats(tokenizer, modelConfig.ContextLength);
        var replay = mixture.ShareOf(Mixture.Pretrain) > 0 ? PretrainingTokens(from) : null;
        using var data = new FinetuningBatches(formats, dataFolder, mixture, replay, BatchOptions.Of(config, modelConfig.ContextLength), hooks.Log);
        var record = new FinetuneDataRecord(Path.GetFullPath(from), mixture.ToString(), replay, data.Stats);
        var greedy = new DecodingOptions(StopTokens: [tokenizer.EndOfText], VocabularyLimit: tokenizer.VocabSize);
        var prompts = data.HeldOut.Select(h => new SamplePrompt($"{h.Key}: ", h.Value[0].Prompt,
            greedy with { MaxNewTokens = TaskRegistry.Named(h.Key).MaxResponseTokens })).ToList();
        var tasks = mixture.Tasks;
        IEnumerable<IPeriodicCallback> Scoring(Tokenization.TextTokenizer t) => config.TaskEvalInterval > 0
            ? [new TaskScoring(tasks, dataFolder, t, config.QaPrompt, config.TaskEvalInterval, config.TaskEvalExamples, new MetricsLog(runFolder), hooks.Log)]
            : [];
        return TrainingRun.Execute(config, runFolder, resume, tokenizer, data, () => ModelFiles.Load(from, _ => modelConfig).Model, prompts,
            hooks with { Started = folder => { record.Write(folder); hooks.Started?.Invoke(folder); }, ExtraCallbacks = Scoring }, cancellation);
    }
}
