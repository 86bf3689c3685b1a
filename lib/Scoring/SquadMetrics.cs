using System.Text;
using System.Text.RegularExpressions;

namespace LlmNotebooks.Scoring;

/// <summary>
/// SQuAD v1.1 exact match and F1 as the official evaluate-v1.1.py computes them: answers are normalised (lower
/// case, ASCII punctuation removed, the articles a/an/the removed, whitespace collapsed); EM compares normalised
/// strings, F1 the multiset overlap of their tokens; each question takes its best ground truth; a question without
/// a prediction scores 0.
/// </summary>
public static partial class SquadMetrics
{
    const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";   // Python's string.punctuation

    [GeneratedRegex(@"\b(a|an|the)\b")] private static partial Regex Articles();

    public static string Normalize(string text)
    {
        var lower = text.ToLowerInvariant();
        var withoutPunctuation = new StringBuilder(lower.Length);
        foreach (char c in lower) if (!Punctuation.Contains(c)) withoutPunctuation.Append(c);
        var withoutArticles = Articles().Replace(withoutPunctuation.ToString(), " ");
        return string.Join(' ', withoutArticles.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    public static double ExactMatch(string prediction, string groundTruth) => Normalize(prediction) == Normalize(groundTruth) ? 1 : 0;

    public static double F1(string prediction, string groundTruth)
    {
        var predicted = Normalize(prediction).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var truth = Normalize(groundTruth).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var truthCounts = truth.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        int same = predicted.GroupBy(t => t).Sum(g => Math.Min(g.Count(), truthCounts.GetValueOrDefault(g.Key)));
        if (same == 0) return 0;
        double precision = (double)same / predicted.Length, recall = (double)same / truth.Length;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>The best score of a prediction over a question's ground truths.</summary>
    public static double Best(Func<string, string, double> metric, string prediction, IEnumerable<string> groundTruths) =>
        groundTruths.Max(truth => metric(prediction, truth));
}
