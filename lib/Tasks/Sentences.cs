using System.Text.RegularExpressions;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Tasks;

/// <summary>Sentence rules the baselines and the sentence decoder share: splitting a text, and ranking its sentences by a question.</summary>
public static partial class Sentences
{
    /// <summary>A sentence ends at . ! or ? (with any closing quote or bracket) before whitespace and a capital, digit or quote.</summary>
    [GeneratedRegex(@"(?<=[.!?][""'”’)\]]*)\s+(?=[""'“‘(\[]?[A-Z0-9])")]
    private static partial Regex SentenceBreak();

    public static IReadOnlyList<string> Split(string text) =>
        SentenceBreak().Split(text.Trim()).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>The text's sentences, the most (distinct, SQuAD-normalised) words shared with the question first; the earliest on ties.</summary>
    public static IEnumerable<string> ByOverlap(string text, string question)
    {
        var questionWords = SquadMetrics.Normalize(question).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return Split(text).Select((sentence, index) => (sentence, index,
                overlap: SquadMetrics.Normalize(sentence).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().Count(questionWords.Contains)))
            .OrderByDescending(s => s.overlap).ThenBy(s => s.index).Select(s => s.sentence);
    }
}
