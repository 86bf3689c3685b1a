using LlmNotebooks.Data;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training.Callbacks;
using TorchSharp;

namespace LlmNotebooks.Training;

/// <summary>
/// Pretraining from a config: prepares the corpus with the config's tokenizer (once; the shards are shared by every
/// run with the same corpus and tokenizer, in <c>tokens/</c> beside the run folders), then trains.
/// </summary>
public static class Pretraining
{
    /// <summary>The config of a run: the resumed run's own, or the named pretraining preset; overrides on top.</summary>
    public static PretrainingConfig Config(string preset, IReadOnlyList<string> overrides, string runFolder, bool resume, double? hours = null) =>
        TrainingRun.Config(runFolder, resume, () => PretrainingConfig.Preset(preset), overrides, hours);

    /// <summary>Where the shards for a config's corpus and tokenizer live, beside the run folder.</summary>
    public static string TokensFolder(PretrainingConfig config, string runFolder)
    {
        var name = $"{config.Tokenizer}-{string.Join("+", config.Corpus.Select(c => Path.GetFileNameWithoutExtension(c.TrimEnd('/'))))}";
        var slug = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '+' or '.' ? c : '_'));
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runFolder))!, "tokens", slug);
    }

    /// <summary>The prepared shards for the config, preparing them first if they are missing or their files changed.</summary>
    public static (ShardManifest Manifest, TextTokenizer Tokenizer) PrepareData(PretrainingConfig config, string dataFolder, string tokensFolder,
        Action<string>? log = null, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        var parts = CorpusParts(config, dataFolder, log);
        var files = parts.SelectMany(p => p.Files).Distinct().ToList();
        var tokenizerFolder = Path.Combine(tokensFolder, CorpusPreparer.TokenizerFolder);
        if (File.Exists(Path.Combine(tokensFolder, ShardManifest.FileName)))
        {
            var existing = ShardManifest.Load(tokensFolder);
            bool sameFiles = existing.Files.Select(f => (f.Path, f.Bytes)).SequenceEqual(files.Select(f => (Path.GetFullPath(f), new FileInfo(f).Length)));
            if (sameFiles)
            {
                log?.Invoke($"tokens: {tokensFolder} ({existing.Tokens:N0} tokens, prepared earlier)");
                // Read a learned tokenizer from the tokens folder, not the manifest's absolute path: a moved run keeps working.
                return (existing, Directory.Exists(tokenizerFolder) ? TextTokenizer.Load(tokenizerFolder) : TextTokenizer.Load(existing.Tokenizer));
            }
            log?.Invoke($"tokens: the corpus files changed since {tokensFolder} was prepared; preparing again");
            if (TokenizerSpec.IsTraining(config.Tokenizer, out _) && Directory.Exists(tokenizerFolder))
            {
                // The merges were learned from the old files: learn them again from the new ones.
                Directory.Delete(tokenizerFolder, recursive: true);
                log?.Invoke($"tokens: learning the {config.Tokenizer} vocabulary again from the changed corpus");
            }
        }
        var (manifest, tokenizer) = CorpusPreparer.Prepare(parts, config.Tokenizer, tokensFolder, new CorpusPreparer.Options(Seed: config.Seed),
            log, progress, cancellation);
        log?.Invoke($"tokens: {manifest.Tokens:N0} from {manifest.Documents:N0} documents ({manifest.MegabytesPerSecond:F1} MB/s) in {tokensFolder}");
        return (manifest, tokenizer);
    }

    /// <summary>
    /// The corpus of a config: its web text (datasets of the data folder, files or globs) and, for a task's name, that
    /// task's unlabelled training text (<c>corpus+=squad</c>: the SQuAD training passages).
    /// </summary>
    static IReadOnlyList<CorpusPart> CorpusParts(PretrainingConfig config, string dataFolder, Action<string>? log)
    {
        var tasks = config.Corpus.Select(TaskRegistry.Find).OfType<FinetuningTask>().ToList();
        var text = config.Corpus.Where(c => TaskRegistry.Find(c) is null).ToList();
        // Datasets of the corpus that this data folder does not hold (a user's download has OpenWebText but not the
        // course's WebText and C4 samples) are left out, saying so.
        var available = DataFolder.Inventory(dataFolder).Where(d => d.Present).Select(d => d.Dataset.Name).ToHashSet();
        var wanted = text.Where(c => DataFolder.Datasets.All(d => d.Name != c) || available.Contains(c)).ToList();
        foreach (var left in text.Except(wanted)) log?.Invoke($"corpus: {left} is not in {dataFolder}; training without it");
        // With no dataset of it present and no task text either, asking for them all names what is missing.
        var files = wanted.Count > 0 ? DataFolder.Corpus(wanted, dataFolder) : tasks.Count == 0 ? DataFolder.Corpus(text, dataFolder) : [];
        return [.. files.Count > 0 ? [PretrainingText.Part(files)] : Array.Empty<CorpusPart>(), .. tasks.Select(t => t.PretrainingText(dataFolder, config.Seed))];
    }

    /// <summary>
    /// What a run would spend and how long it would take here, without preparing data or training: its budget, the
    /// precision this hardware trains in, and the ETA from a few timed steps of its model and batch on its device
    /// (random tokens); for a run given hours, how many steps would fit in them at that speed.
    /// </summary>
    public static (TrainingBudget Budget, string Eta) Plan(PretrainingConfig config, string runFolder, Action<string>? log = null, int timedSteps = 2)
    {
        var tokens = TokensFolder(config, runFolder);
        long? corpus = File.Exists(Path.Combine(tokens, ShardManifest.FileName)) ? ShardManifest.Load(tokens).Splits[ShardManifest.Train].Tokens : null;
        var (model, precision, ceiling) = ModelAsRun(config, log);
        using var _ = model;
        var modelConfig = model.Config;
        var device = model.Head.weight.device;
        using var step = new TrainingStep(model, config.Optimizer, precision.Used);
        double speed = TrainingBenchmark.TrainingTokensPerSecond(step, config.BatchSize, timedSteps);
        long steps;
        if (config.Hours is not { } hours) steps = config.Steps;
        else
        {
            steps = TimeBudget.StepsThatFit(hours * 3600, config.TokensPerStep / speed, periodic: [], config.MaxSteps);
            log?.Invoke($"{steps:N0} steps would fit in {hours:0.###} h at this speed before validation, samples and checkpoints; the run times its own batches and those before it starts");
        }
        var budget = new TrainingBudget(steps, config.TokensPerStep, model.TrainingFlopsPerToken, corpus);
        return (budget, budget.Eta(steps, speed, $"{timedSteps} steps of batch {config.BatchSize} × {modelConfig.ContextLength} on {Platform.ComputeDevice.Name(device)}, {precision.Used.Name()}", ceiling));
    }

    /// <summary>
    /// The model a run of <paramref name="config"/> trains (its tokenizer's vocabulary, its block and context) on its
    /// device, the precision this hardware trains it in (said through <paramref name="log"/>) and that precision's matmul
    /// ceiling: what <see cref="Plan"/> and <c>bench model --run-preset</c> time.
    /// </summary>
    public static (Gpt Model, PrecisionChoice Precision, double Ceiling) ModelAsRun(PretrainingConfig config, Action<string>? log = null)
    {
        int vocabulary = TokenizerSpec.IsTraining(config.Tokenizer, out int size) ? size : TextTokenizer.Load(config.Tokenizer).VocabSize;
        var device = Platform.ComputeDevice.Resolve(config.Device);
        var (precision, ceiling) = TrainingRun.ChoosePrecision(config.Precision, device, log);
        var model = new Gpt(config.ModelConfig(vocabulary), config.Seed);
        model.to(device);
        return (model, precision, ceiling);
    }

    /// <summary>Prepares (if needed) and trains; <paramref name="runFolder"/> receives the log, checkpoints and model.pt.</summary>
    public static TrainingResult Run(PretrainingConfig config, RunPaths paths, bool resume, TrainingRunHooks? hooks = null, CancellationToken cancellation = default)
    {
        hooks ??= new TrainingRunHooks();
        var (dataFolder, runFolder, _) = paths;
        var tokensFolder = TokensFolder(config, runFolder);
        var (_, tokenizer) = PrepareData(config, dataFolder, tokensFolder, hooks.Log, cancellation: cancellation);
        var modelConfig = config.ModelConfig(tokenizer.VocabSize);
        using var data = new PretrainingBatches(tokensFolder, config.BatchSize, modelConfig.ContextLength, config.AccumulationSteps(modelConfig.ContextLength),
            config.EvalBatches, config.Seed);
        var decoding = DecodingOptions.Sampling with { MaxNewTokens = config.SampleTokens, StopTokens = [tokenizer.EndOfText], VocabularyLimit = tokenizer.VocabSize };
        var prompts = config.SamplePrompts.Select(p => new SamplePrompt(p, tokenizer.Encode(p), decoding)).Where(p => p.Prompt.Length > 0).ToList();
        return TrainingRun.Execute(config, runFolder, resume, tokenizer, data, () => new Gpt(modelConfig, config.Seed), prompts, hooks, cancellation);
    }
}
