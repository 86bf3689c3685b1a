using System.Text.RegularExpressions;

namespace LlmNotebooks.Scoring;

/// <summary>Precision, recall and F-measure of one ROUGE type.</summary>
public readonly record struct RougeScore(double Precision, double Recall, double FMeasure)
{
    public static RougeScore From(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
}

/// <summary>
/// ROUGE exactly as Google's rouge-score package computes it: lower-case, every run of characters outside a–z and
/// 0–9 becomes a space (so non-ASCII letters vanish), optional Porter stemming of tokens longer than three letters;
/// ROUGE-N from clipped n-gram overlaps, ROUGE-L from the longest common subsequence, and ROUGE-Lsum as the
/// summary-level union LCS over newline-separated sentences. Arguments are (target, prediction), reference first.
/// </summary>
public static partial class Rouge
{
    public static readonly IReadOnlyList<string> Types = ["rouge1", "rouge2", "rougeL", "rougeLsum"];

    [GeneratedRegex("[^a-z0-9]+")] private static partial Regex NonAlphanumeric();
    [GeneratedRegex("^[a-z0-9]+$")] private static partial Regex ValidToken();

    public static List<string> Tokenize(string text, bool stem)
    {
        var spaced = NonAlphanumeric().Replace(text.ToLowerInvariant(), " ");
        var tokens = spaced.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).AsEnumerable();
        if (stem) tokens = tokens.Select(t => t.Length > 3 ? PorterStemmer.Stem(t) : t);
        return tokens.Where(t => ValidToken().IsMatch(t)).ToList();
    }

    public static IReadOnlyDictionary<string, RougeScore> Score(string target, string prediction, bool stem = false, IEnumerable<string>? types = null)
    {
        var result = new Dictionary<string, RougeScore>();
        List<string>? targetTokens = null, predictionTokens = null;
        foreach (var type in types ?? Types)
        {
            if (type == "rougeLsum")
            {
                result[type] = SummaryLevelLcs(Sentences(target).Select(s => Tokenize(s, stem)).ToList(),
                    Sentences(prediction).Select(s => Tokenize(s, stem)).ToList());
                continue;
            }
            targetTokens ??= Tokenize(target, stem);
            predictionTokens ??= Tokenize(prediction, stem);
            if (type == "rougeL") result[type] = Lcs(targetTokens, predictionTokens);
            else if (type.Length == 6 && type.StartsWith("rouge") && char.IsAsciiDigit(type[5]) && type[5] != '0')
                result[type] = Ngrams(targetTokens, predictionTokens, type[5] - '0');
            else throw new ArgumentException($"unknown ROUGE type {type} (rouge1 … rouge9, rougeL, rougeLsum)");
        }
        return result;
    }

    /// <summary>
    /// Several references: per ROUGE type, the score against the reference with the best F-measure (the first on
    /// ties), as rouge-score's score_multi.
    /// </summary>
    public static IReadOnlyDictionary<string, RougeScore> ScoreMulti(IReadOnlyList<string> targets, string prediction, bool stem = false, IEnumerable<string>? types = null)
    {
        if (targets.Count == 0) throw new ArgumentException("at least one reference is needed");
        var perTarget = targets.Select(t => Score(t, prediction, stem, types)).ToList();
        return perTarget[0].Keys.ToDictionary(type => type, type => perTarget.Select(s => s[type]).Aggregate((best, s) => s.FMeasure > best.FMeasure ? s : best));
    }

    static IEnumerable<string> Sentences(string text) => text.Split('\n').Where(s => s.Length > 0);

    static RougeScore Ngrams(List<string> target, List<string> prediction, int n)
    {
        var targetCounts = Counts(target, n);
        var predictionCounts = Counts(prediction, n);
        long overlap = targetCounts.Sum(t => Math.Min(t.Value, predictionCounts.GetValueOrDefault(t.Key)));
        return RougeScore.From((double)overlap / Math.Max(predictionCounts.Values.Sum(), 1), (double)overlap / Math.Max(targetCounts.Values.Sum(), 1));
    }

    static Dictionary<string, int> Counts(List<string> tokens, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= tokens.Count; i++)
        {
            var key = string.Join(' ', tokens.GetRange(i, n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    static RougeScore Lcs(List<string> target, List<string> prediction)
    {
        if (target.Count == 0 || prediction.Count == 0) return new RougeScore(0, 0, 0);
        int length = LcsTable(target, prediction)[target.Count, prediction.Count];
        return RougeScore.From((double)length / prediction.Count, (double)length / target.Count);
    }

    static int[,] LcsTable(List<string> reference, List<string> candidate)
    {
        var table = new int[reference.Count + 1, candidate.Count + 1];
        for (int i = 1; i <= reference.Count; i++)
            for (int j = 1; j <= candidate.Count; j++)
                table[i, j] = reference[i - 1] == candidate[j - 1] ? table[i - 1, j - 1] + 1 : Math.Max(table[i - 1, j], table[i, j - 1]);
        return table;
    }

    /// <summary>Indices into <paramref name="reference"/> of one longest common subsequence (rouge-score's backtrack).</summary>
    static List<int> LcsIndices(List<string> reference, List<string> candidate)
    {
        var table = LcsTable(reference, candidate);
        var indices = new List<int>();
        int i = reference.Count, j = candidate.Count;
        while (i > 0 && j > 0)
        {
            if (reference[i - 1] == candidate[j - 1]) { indices.Add(i - 1); i--; j--; }
            else if (table[i, j - 1] > table[i - 1, j]) j--;
            else i--;
        }
        indices.Reverse();
        return indices;
    }

    /// <summary>ROUGE-Lsum: union LCS of each reference sentence with all candidate sentences, each token counted once.</summary>
    static RougeScore SummaryLevelLcs(List<List<string>> referenceSentences, List<List<string>> candidateSentences)
    {
        if (referenceSentences.Count == 0 || candidateSentences.Count == 0) return new RougeScore(0, 0, 0);
        int m = referenceSentences.Sum(s => s.Count), n = candidateSentences.Sum(s => s.Count);
        if (m == 0 || n == 0) return new RougeScore(0, 0, 0);
        var referenceCounts = referenceSentences.SelectMany(s => s).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var candidateCounts = candidateSentences.SelectMany(s => s).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        int hits = 0;
        foreach (var sentence in referenceSentences)
        {
            var union = candidateSentences.SelectMany(c => LcsIndices(sentence, c)).Distinct().Order().Select(i => sentence[i]);
            foreach (var token in union)
            {
                if (candidateCounts.GetValueOrDefault(token) <= 0 || referenceCounts.GetValueOrDefault(token) <= 0) continue;
                hits++;
                candidateCounts[token]--;
                referenceCounts[token]--;
            }
        }
        return RougeScore.From((double)hits / n, (double)hits / m);
    }
}
