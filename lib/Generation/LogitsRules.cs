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
    /// <param name="vocabularies">Per row, the only tokens it may write besides its stop tokens, or null for any</param>
    public static void Apply(Tensor logits, IReadOnlyList<IReadOnlyList<int>> generated, DecodingOptions options, IReadOnlyList<IReadOnlySet<int>?>? vocabularies = null)
    {
        using var scope = NewDisposeScope();
        long vocabulary = logits.shape[1];
        if (options.VocabularyLimit is { } limit && limit < vocabulary)
            logits.index_fill_(1, arange(limit, vocabulary, device: logits.device), double.NegativeInfinity);
        var stops = options.StopTokens?.Where(t => t < vocabulary).Select(t => (long)t).ToArray() ?? [];
        for (int row = 0; row < generated.Count; row++)
        {
            var banned = new List<long>();
            if (generated[row].Count < options.MinNewTokens) banned.AddRange(stops);
            if (options.NoRepeatNgram > 0) banned.AddRange(RepeatedNgramEnds(generated[row], options.NoRepeatNgram).Select(t => (long)t));
            if (banned.Count > 0) logits[row].index_fill_(0, from_array(banned.Distinct().ToArray()).to(logits.device), double.NegativeInfinity);
            if (vocabularies?[row] is { } allowed)
            {
                var outside = ones(vocabulary, dtype: ScalarType.Bool, device: logits.device);
                outside.index_fill_(0, from_array(allowed.Concat(stops.Select(s => (int)s)).Where(t => t < vocabulary).Select(t => (long)t).Distinct().ToArray()).to(logits.device), false);
                logits[row].masked_fill_(outside, double.NegativeInfinity);
            }
        }
    }

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
