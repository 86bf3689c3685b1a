using System.Text.RegularExpressions;
using LlmNotebooks.Data;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Evaluation;

/// <summary>
/// Simple systems every score is read against, computed by the same metric code as the model, plus the published
/// figures they are usually compared with (labelled as published, with their source).
/// </summary>
public static partial class Baselines
{
    /// <summary>A sentence ends at . ! or ? (with any closing quote or bracket) before whitespace and a capital, digit or quote.</summary>
    [GeneratedRegex(@"(?<=[.!?][""'”’)\]]*)\s+(?=[""'“‘(\[]?[A-Z0-9])")]
    private static partial Regex SentenceBreak();

    public static IReadOnlyList<string> Sentences(string text) =>
        SentenceBreak().Split(text.Trim()).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

    /// <summary>Lead-3: the article's first three sentences, one per line (so ROUGE-Lsum sees sentences).</summary>
    public static string LeadThree(string article) => string.Join('\n', Sentences(article).Take(3));

    /// <summary>
    /// The passage sentence sharing the most distinct (normalised) words with the question; the earliest on ties.
    /// An answer that is a whole sentence rarely matches exactly, so this bounds what retrieval alone gives.
    /// </summary>
    public static string BestOverlapSentence(string context, string question) => SentencesByOverlap(context, question).First();

    /// <summary>The passage's sentences, the most (distinct, normalised) words shared with the question first; the earliest on ties.</summary>
    public static IEnumerable<string> SentencesByOverlap(string context, string question)
    {
        var questionWords = SquadMetrics.Normalize(question).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return Sentences(context).Select((sentence, index) => (sentence, index,
                overlap: SquadMetrics.Normalize(sentence).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().Count(questionWords.Contains)))
            .OrderByDescending(s => s.overlap).ThenBy(s => s.index).Select(s => s.sentence);
    }

    /// <summary>The most frequent label of the training split.</summary>
    public static int MajorityLabel(IEnumerable<SentimentExample> train) =>
        train.Where(e => e.Label is not null).GroupBy(e => e.Label!.Value).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;

    /// <summary>
    /// The simple baselines on the evaluated examples themselves, through the same metrics: Lead-3 for summaries, the
    /// best-overlap sentence for SQuAD (<paramref name="inputs"/> give each example's article or passage and question),
    /// the training split's majority label for SST-2.
    /// </summary>
    public static List<ScoreRow> Scores(string task, IReadOnlyList<(string Source, string? Question)> inputs, IReadOnlyList<IReadOnlyList<string>> references,
        bool stem, string dataFolder)
    {
        switch (TaskFormats.FromDatasetName(task))
        {
            case TaskKind.Summarization:
                return TaskMetrics.Score(task, ScoreRow.LeadThree, [.. inputs.Select(i => LeadThree(i.Source))], references, stem);
            case TaskKind.QuestionAnswering:
                return TaskMetrics.Score(task, "best-overlap sentence", [.. inputs.Select(i => BestOverlapSentence(i.Source, i.Question!))], references, stem);
            default:
                var label = TaskFormats.Label(MajorityLabel(TaskData.Sentences(TaskSplit.Train, dataFolder, new DataIssues())));
                return TaskMetrics.Score(task, $"majority class ({label})", [.. inputs.Select(_ => label)], references, stem);
        }
    }

    const string LeadThreeSource = "published: Lead-3 on the whole CNN/DailyMail test set, CNN and Daily Mail stories (course notes, metrics.md)";
    const string SquadSource = "published: Rajpurkar et al. 2016, SQuAD paper, Table 5, dev set";

    /// <summary>Published figures, cited; metric names match ours so tables and charts line them up.</summary>
    public static IReadOnlyList<ScoreRow> Published(string task) => task switch
    {
        "cnn_dailymail" =>
        [
            new(task, "Lead-3 (published)", Metric.Rouge1, 40.4, null, null, 11490, LeadThreeSource),
            new(task, "Lead-3 (published)", Metric.Rouge2, 17.6, null, null, 11490, LeadThreeSource),
            new(task, "Lead-3 (published)", Metric.RougeL, 36.7, null, null, 11490, LeadThreeSource),
        ],
        "squad" =>
        [
            new(task, "sliding window (published)", Metric.F1, 20.2, null, null, 10570, SquadSource),
            new(task, "logistic regression (published)", Metric.F1, 51.0, null, null, 10570, SquadSource),
            new(task, "human (published)", Metric.F1, 91.2, null, null, 10570, SquadSource),
        ],
        _ => [],
    };
}
