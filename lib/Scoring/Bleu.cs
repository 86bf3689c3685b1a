using System.Text.RegularExpressions;

namespace LlmNotebooks.Scoring;

/// <summary>A BLEU score with everything needed to check it against another implementation.</summary>
public sealed record BleuScore(double Score, IReadOnlyList<long> Correct, IReadOnlyList<long> Total, IReadOnlyList<double> Precisions,
    double BrevityPenalty, long SystemLength, long ReferenceLength, string Signature)
{
    public double Ratio => ReferenceLength > 0 ? (double)SystemLength / ReferenceLength : 0;

    public override string ToString() =>
        $"BLEU = {Score:F2} {string.Join("/", Precisions.Select(p => p.ToString("F1")))} (BP = {BrevityPenalty:F3} ratio = {Ratio:F3} " +
        $"hyp_len = {SystemLength} ref_len = {ReferenceLength}) {Signature}";
}

/// <summary>
/// BLEU exactly as sacreBLEU 2.x computes it by default: the 13a tokenizer (mteval-v13a), case-sensitive, n-grams up
/// to 4, clipped counts against the maximum over references, the closest reference length (shorter on ties), corpus
/// statistics summed before the geometric mean, and "exp" smoothing for orders without a match. Sentence BLEU uses
/// the effective order, as sacreBLEU recommends.
/// </summary>
public static partial class Bleu
{
    public const int MaxOrder = 4;

    /// <summary>mteval-v13a tokenization, in sacreBLEU's order of steps.</summary>
    public static string Tokenize13a(string line)
    {
        line = line.Replace("<skipped>", "").Replace("-\n", "").Replace("\n", " ");
        if (line.Contains('&')) line = line.Replace("&quot;", "\"").Replace("&amp;", "&").Replace("&lt;", "<").Replace("&gt;", ">");
        line = $" {line} ";
        line = Punctuation().Replace(line, " $1 ");           // ASCII punctuation except ' , - .
        line = PeriodCommaAfter().Replace(line, "$1 $2 ");     // . and , unless after a digit
        line = PeriodCommaBefore().Replace(line, " $1 $2");    // . and , unless before a digit
        line = DashAfterDigit().Replace(line, "$1 $2 ");       // - after a digit
        return string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    [GeneratedRegex(@"([\{-\~\[-\` -\&\(-\+\:-\@\/])")] private static partial Regex Punctuation();
    [GeneratedRegex(@"([^0-9])([\.,])")] private static partial Regex PeriodCommaAfter();
    [GeneratedRegex(@"([\.,])([^0-9])")] private static partial Regex PeriodCommaBefore();
    [GeneratedRegex(@"([0-9])(-)")] private static partial Regex DashAfterDigit();

    /// <summary>Sufficient statistics of one segment: lengths, then matches and totals per order.</summary>
    public sealed record SegmentStatistics(long SystemLength, long ReferenceLength, long[] Correct, long[] Total);

    public static SegmentStatistics Statistics(string hypothesis, IReadOnlyList<string> references, int maxOrder = MaxOrder)
    {
        var hyp = Tokenize13a(hypothesis.TrimEnd()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var referenceNgrams = new Dictionary<string, int>();
        var referenceLengths = new List<int>();
        foreach (var reference in references)
        {
            var tokens = Tokenize13a(reference.TrimEnd()).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            referenceLengths.Add(tokens.Length);
            foreach (var (ngram, count) in Ngrams(tokens, maxOrder))
                referenceNgrams[ngram] = Math.Max(referenceNgrams.GetValueOrDefault(ngram), count);
        }
        var correct = new long[maxOrder];
        var total = new long[maxOrder];
        foreach (var (ngram, count) in Ngrams(hyp, maxOrder))
        {
            int order = ngram.Count(c => c == ' ');   // n-1 separators
            total[order] += count;
            if (referenceNgrams.TryGetValue(ngram, out int inReference)) correct[order] += Math.Min(count, inReference);
        }
        return new SegmentStatistics(hyp.Length, ClosestLength(hyp.Length, referenceLengths), correct, total);
    }

    /// <summary>Corpus BLEU: <paramref name="references"/>[i] are the references of hypothesis i.</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, int maxOrder = MaxOrder)
    {
        if (hypotheses.Count != references.Count) throw new ArgumentException($"{hypotheses.Count} hypotheses but {references.Count} reference sets");
        var stats = hypotheses.Select((h, i) => Statistics(h, references[i], maxOrder)).ToList();
        int streams = references.Count == 0 ? 1 : references.Max(r => r.Count);
        return FromStatistics(stats, maxOrder, effectiveOrder: false, streams);
    }

    /// <summary>Sentence BLEU with sacreBLEU's sentence defaults (exp smoothing, effective order).</summary>
    public static BleuScore Sentence(string hypothesis, IReadOnlyList<string> references) =>
        FromStatistics([Statistics(hypothesis, references)], MaxOrder, effectiveOrder: true, references.Count);

    public static BleuScore FromStatistics(IReadOnlyList<SegmentStatistics> segments, int maxOrder = MaxOrder, bool effectiveOrder = false, int referenceStreams = 1)
    {
        long sys = segments.Sum(s => s.SystemLength), reference = segments.Sum(s => s.ReferenceLength);
        var correct = Enumerable.Range(0, maxOrder).Select(n => segments.Sum(s => s.Correct[n])).ToArray();
        var total = Enumerable.Range(0, maxOrder).Select(n => segments.Sum(s => s.Total[n])).ToArray();
        string signature = $"nrefs:{referenceStreams}|case:mixed|eff:{(effectiveOrder ? "yes" : "no")}|tok:13a|smooth:exp|version:2.x";
        double bp = sys < reference ? (sys > 0 ? Math.Exp(1 - (double)reference / sys) : 0.0) : 1.0;
        var precisions = new double[maxOrder];
        if (correct.All(c => c == 0)) return new BleuScore(0, correct, total, precisions, bp, sys, reference, signature);

        double smooth = 1;
        int order = maxOrder;
        for (int n = 1; n <= maxOrder; n++)
        {
            if (total[n - 1] == 0) break;
            if (effectiveOrder) order = n;
            if (correct[n - 1] == 0)
            {
                smooth *= 2;
                precisions[n - 1] = 100.0 / (smooth * total[n - 1]);
            }
            else precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
        }
        // sacreBLEU's log of 0 is -9999999999, which makes the score 0 without a NaN.
        double logMean = precisions.Take(order).Sum(p => p > 0 ? Math.Log(p) : -9999999999) / order;
        return new BleuScore(bp * Math.Exp(logMean), correct, total, precisions, bp, sys, reference, signature);
    }

    static int ClosestLength(int hypothesisLength, List<int> referenceLengths)
    {
        int best = -1, bestDifference = -1;
        foreach (int length in referenceLengths)
        {
            int difference = Math.Abs(hypothesisLength - length);
            if (bestDifference == -1 || difference < bestDifference || (difference == bestDifference && length < best))
                (best, bestDifference) = (length, difference);
        }
        return best;
    }

    static Dictionary<string, int> Ngrams(string[] tokens, int maxOrder)
    {
        var counts = new Dictionary<string, int>();
        for (int n = 1; n <= maxOrder; n++)
            for (int i = 0; i + n <= tokens.Length; i++)
            {
                var ngram = string.Join(' ', tokens, i, n);
                counts[ngram] = counts.GetValueOrDefault(ngram) + 1;
            }
        return counts;
    }
}
