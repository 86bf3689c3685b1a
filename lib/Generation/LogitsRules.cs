using LlmNotebooks.Model;
using static TorchSharp.torch;

namespace LlmNotebooks.Generation;

/// <summary>
/// The rules every decoder applies to next-token logits (B, V) before choosing: never an id past the tokenizer's
/// vocabulary, no stop token before the minimum length, no n-gram the row has already written, and, where a row has
/// a vocabulary of its own (a summary in its article's words), nothing outside it. Banned tokens get −∞, so greedy,
/// sampling and beam search alike never pick them.
/// </summary>
public static class LogitsRules
{
    /// <param name="logits">(B, V), changed in place</param>
    /// <param name="generated">Each row's tokens so far (the prompt excluded)</param>
    /// <param name="outside">(B, V), true where a row's own vocabulary bans a token (<see cref="Outside"/>), or null for none</param>
    public static void Apply(Tensor logits, IReadOnlyList<IReadOnlyList<int>> generated, DecodingOptions options, Tensor? outside = null)
    {
        using var scope = NewDisposeScope();
        long vocabulary = logits.shape[1];
        if (options.VocabularyLimit is { } limit && limit < vocabulary)
            logits.index_fill_(1, Scalars.Range(limit, vocabulary, logits.device), Scalars.NegativeInfinity);
        var stops = Stops(options, vocabulary);
        for (int row = 0; row < generated.Count; row++)
        {
            var banned = new List<long>();
            if (generated[row].Count < options.MinNewTokens) banned.AddRange(stops);
            if (options.NoRepeatNgram > 0) banned.AddRange(RepeatedNgramEnds(generated[row], options.NoRepeatNgram).Select(t => (long)t));
            if (banned.Count > 0) logits[row].index_fill_(0, from_array(banned.Distinct().ToArray()).to(logits.device), Scalars.NegativeInfinity);
        }
        if (outside is not null) logits.masked_fill_(outside, Scalars.NegativeInfinity);
    }

    /// <summary>
    /// (B, V), true where a row's vocabulary (besides the stop tokens) leaves a token out; all false for a row with
    /// none. Built once per batch: the vocabularies do not change from step to step.
    /// </summary>
    /// <param name="vocabularies">Per row, the only tokens it may write besides its stop tokens, or null for any</param>
    public static Tensor Outside(IReadOnlyList<IReadOnlySet<int>?> vocabularies, long vocabulary, DecodingOptions options, Device device)
    {
        var stops = Stops(options, vocabulary);
        var outside = new bool[vocabularies.Count * vocabulary];
        for (int row = 0; row < vocabularies.Count; row++)
        {
            if (vocabularies[row] is not { } allowed) continue;
            long offset = row * vocabulary;
            Array.Fill(outside, true, (int)offset, (int)vocabulary);
            foreach (long token in allowed.Select(t => (long)t).Concat(stops).Where(t => t < vocabulary)) outside[offset + token] = false;
        }
        return from_array(outside).view(vocabularies.Count, vocabulary).to(device);
    }

    static long[] Stops(DecodingOptions options, long vocabulary) =>
        options.StopTokens?.Where(t => t < vocabulary).Select(t => (long)t).ToArray() ?? [];

    /// <summary>The tokens that would complete an n-gram already in <paramref name="tokens"/> after its last n − 1 tokens.</summary>
    public static IEnumerable<int> RepeatedNgramEnds(IReadOnlyList<int> tokens, int n)
    {
        int k = n - 1;
        if (tokens.Count < k) yield break;
        for (int start = 0; start + k < tokens.Count; start++)
        {
            bool same = true;
            for (int i = 0; i < k && same; i++) same = tokens[start + i] == tokens[tokens.Count - k + i];
            if (same) yield return tokens[start + k];
        }
    }
}
