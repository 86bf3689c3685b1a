using LlmNotebooks.Data;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;

namespace LlmNotebooks.Training;

/// <summary>
/// Pretraining from a config: prepares the corpus with the config's tokenizer (once; the shards are shared by every
/// run with the same corpus and tokenizer, in <c>tokens/</c> beside the run folders), then trains.
/// </summary>
public static class Pretraining
{
    /// <summary>The config of a run: the resumed run's own, or the named pretraining preset; overrides on top.</summary>
    public static TrainingConfig Config(string preset, IEnumerable<string> overrides, string runFolder, bool resume) =>
        TrainingConfig.ForRun(runFolder, resume, () => TrainingConfig.Preset(preset), overrides);

    /// <summary>Where the shards for a config's corpus and tokenizer live, beside the run folder.</summary>
    public static string TokensFolder(TrainingConfig config, string runFolder)
    {
        var name = $"{config.Tokenizer}-{string.Join("+", config.Corpus.Select(c => Path.GetFileNameWithoutExtension(c.TrimEnd('/'))))}";
        var slug = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '+' or '.' ? c : '_'));
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runFolder))!, "tokens", slug);
    }

    /// <summary>The prepared shards for the config, preparing them first if they are missing or their files changed.</summary>
    public static (ShardManifest Manifest, TextTokenizer Tokenizer) PrepareData(TrainingConfig config, string dataFolder, string tokensFolder,
        Action<string>? log = null, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        // Datasets of the corpus that this data folder does not hold (a user's download has OpenWebText but not the
        // course's WebText and C4 samples) are left out, saying so.
        var available = DataFolder.Inventory(dataFolder).Where(d => d.Present).Select(d => d.Dataset.Name).ToHashSet();
        var wanted = config.Corpus.Where(c => DataFolder.Datasets.All(d => d.Name != c) || available.Contains(c)).ToList();
        foreach (var left in config.Corpus.Except(wanted)) log?.Invoke($"corpus: {left} is not in {dataFolder}; training without it");
        var files = DataFolder.Corpus(wanted.Count > 0 ? wanted : config.Corpus, dataFolder);
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
        }
        var (manifest, tokenizer) = CorpusPreparer.Prepare(files, config.Tokenizer, tokensFolder, new CorpusPreparer.Options(Seed: config.Seed),
            log, progress, cancellation);
        log?.Invoke($"tokens: {manifest.Tokens:N0} from {manifest.Documents:N0} documents ({manifest.MegabytesPerSecond:F1} MB/s) in {tokensFolder}");
        return (manifest, tokenizer);
    }

    /// <summary>Prepares (if needed) and trains; <paramref name="runFolder"/> receives the log, checkpoints and model.pt.</summary>
    public static TrainingResult Run(TrainingConfig config, string dataFolder, string runFolder, bool resume,
        Action<string>? log = null, Action<TrainerProgress>? progress = null, CancellationToken cancellation = default)
    {
        var tokensFolder = TokensFolder(config, runFolder);
        var (_, tokenizer) = PrepareData(config, dataFolder, tokensFolder, log, cancellation: cancellation);
        var modelConfig = config.ModelConfig(tokenizer.VocabSize);
        using var data = new PretrainingBatches(tokensFolder, config.BatchSize, modelConfig.ContextLength,
            config.AccumulationSteps(modelConfig.ContextLength), config.EvalBatches, config.Seed);
        var trainer = new Trainer(config, runFolder, tokenizer, data) { Log = log, Progress = progress };
        return trainer.Run(resume, cancellation: cancellation);
    }
}
