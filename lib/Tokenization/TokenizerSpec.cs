using System.Text.Json.Serialization;

namespace LlmNotebooks.Tokenization;

/// <summary>Written beside a learned vocabulary, <c>learning.json</c>: its size and how long learning it took.</summary>
public sealed record TokenizerLearning(
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    public const string FileName = "learning.json";

    public void Write(string folder) => JsonFile.Write(Path.Combine(folder, FileName), this);

    /// <summary>The record beside a vocabulary, or null for one learned before it was recorded.</summary>
    public static TokenizerLearning? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path) ? JsonFile.Read<TokenizerLearning>(path, "a tokenizer learning record") : null;
    }
}

/// <summary>
/// How commands name a tokenizer: <c>gpt2</c>, a folder holding vocab.json + merges.txt, or <c>bpe:N</c> to learn
/// an N-token vocabulary (special tokens included) from the corpus being prepared.
/// </summary>
public static class TokenizerSpec
{
    public static bool IsTraining(string spec, out int vocabSize)
    {
        vocabSize = 0;
        return spec.StartsWith("bpe:", StringComparison.OrdinalIgnoreCase) && int.TryParse(spec[4..], out vocabSize);
    }

    /// <param name="trainedFolder">Where a learned vocabulary is saved (and found again on the next run).</param>
    /// <param name="trainingTexts">Texts to learn from, read only when a vocabulary has to be learned.</param>
    public static TextTokenizer Resolve(string spec, string trainedFolder, Func<IEnumerable<string>> trainingTexts,
        BpeTrainer.MergeProgress? progress = null)
    {
        if (!IsTraining(spec, out int vocabSize)) return TextTokenizer.Load(spec);
        if (vocabSize < 256 + SpecialTokens.All.Count)
            throw new UserError($"bpe:{vocabSize} is too small: 256 byte tokens and {SpecialTokens.All.Count} special tokens need at least {256 + SpecialTokens.All.Count}");
        if (File.Exists(Path.Combine(trainedFolder, BpeVocabulary.MergesFile)))
        {
            var existing = TextTokenizer.FromFolder(trainedFolder);
            if (existing.VocabSize == vocabSize) return existing;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BpeTrainer.Train(trainingTexts(), vocabSize - SpecialTokens.All.Count, progress: progress).Save(trainedFolder);
        new TokenizerLearning(vocabSize, clock.Elapsed.TotalSeconds).Write(trainedFolder);
        return TextTokenizer.FromFolder(trainedFolder);
    }
}
