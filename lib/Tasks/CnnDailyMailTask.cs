using LlmNotebooks.Data;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Tasks;

/// <summary>
/// CNN/DailyMail summarization: "Summarize the news article." / the article / the highlights, one sentence per line.
/// An article longer than the room left in the context keeps its lead (its first tokens): the highlights draw most on
/// the opening paragraphs, and Lead-3 is the classic baseline for that reason. Trains on See et al.'s 39k articles
/// (lower-cased) plus the cased HF rows, and is evaluated on the cased HF validation rows; its test split is scored
/// when the data folder has it.
/// </summary>
public sealed class CnnDailyMailTask : FinetuningTask
{
    public override string Name => "cnn_dailymail";
    public override string Title => "CNN/DM";
    public override ResponseKind Response => ResponseKind.Text;
    public override string Instruction => "Summarize the news article.";

    /// <summary>Longest summary (in tokens, with end of text) trained on; generation allows as much.</summary>
    public const int MaxSummaryTokens = 128;
    public override int MaxResponseTokens => MaxSummaryTokens;

    public override DatasetEntry Dataset => new(Name, Name, "summarization", ["*.csv", "*.jsonl", "*.jsonl.gz", "*.parquet"]);
    public override HubDataset Download => new(Name, "abisee/cnn_dailymail", "main", "3.0.0/", Name);

    protected override IReadOnlyDictionary<TaskSplit, string[][]> Layouts { get; } = new Dictionary<TaskSplit, string[][]>
    {
        [TaskSplit.Train] = [["cnn_dailymail/see-et-al/train.jsonl.gz", "cnn_dailymail/train-first300.csv"], ["cnn_dailymail/train-*.parquet"]],
        [TaskSplit.Validation] = [["cnn_dailymail/validation-1000.csv"], ["cnn_dailymail/validation-*.parquet"]],
        [TaskSplit.Test] = [["cnn_dailymail/test*.csv"], ["cnn_dailymail/test-*.parquet"]],
    };

    /// <summary>The test split's highlights are public.</summary>
    protected override bool HasAnswers(TaskSplit split) => true;

    protected override IEnumerable<TaskExample> Read(IReadOnlyList<string> files, TaskSplit split, DataIssues issues) =>
        CnnDailyMail.Read(files, issues).Select(e => new TaskExample(e.Id, e.Article, [e.Highlights], e.Article, null, e.Id,
            (formats, withResponse) => Format(formats, e, withResponse)));

    /// <summary>
    /// A summarization example; dropped when the summary alone is too long. For evaluation (<paramref name="withResponse"/>
    /// false) the article is cut to leave room for the longest summary. Each line of the summary starts with a space, as
    /// its words stand in the article (" Harry", not "Harry"), so a phrase copied from the article is the same tokens.
    /// </summary>
    public Formatting Format(TaskFormats formats, SummaryExample example, bool withResponse)
    {
        var response = withResponse ? formats.Response(SummaryText(example.Highlights)) : [];
        if (response.Length > MaxSummaryTokens) return Formatting.Drop("summary longer than the summary budget");
        var head = formats.Head(Instruction);
        int room = formats.ContextLength - head.Length - 1 - (withResponse ? response.Length : MaxSummaryTokens);
        if (room < 1) return Formatting.Drop("no room for the article in the context");
        var article = formats.Tokenizer.Encode(example.Article);
        var kept = article.Length <= room ? article : article[..room];   // the lead
        return new(new FormattedExample(Name, example.Id, [.. head, .. kept, formats.ResponseStart], response, article.Length - kept.Length), null);
    }

    /// <summary>A summary as the model writes it: every line starting with a space.</summary>
    public static string SummaryText(string highlights) => string.Join('\n', highlights.Split('\n').Select(line => line.Length == 0 || line[0] == ' ' ? line : " " + line));

    /// <summary>Lead-3: the article's first three sentences, one per line (so ROUGE-Lsum sees sentences).</summary>
    public static string LeadThree(string article) => string.Join('\n', Sentences.Split(article).Take(3));

    public override IReadOnlyList<TaskBaseline> Baselines(string dataFolder) => [new(ScoreRow.LeadThree, e => LeadThree(e.Source))];

    const string LeadThreeSource = "published: Lead-3 on the whole CNN/DailyMail test set, CNN and Daily Mail stories (course notes, metrics.md)";

    public override IReadOnlyList<ScoreRow> Published =>
    [
        new(Name, "Lead-3 (published)", Metric.Rouge1, 40.4, null, null, 11490, LeadThreeSource),
        new(Name, "Lead-3 (published)", Metric.Rouge2, 17.6, null, null, 11490, LeadThreeSource),
        new(Name, "Lead-3 (published)", Metric.RougeL, 36.7, null, null, 11490, LeadThreeSource),
    ];

    /// <summary>The two publishers write differently (a Daily Mail story leads with its highlights): CNN's by its "(CNN)" dateline near the start.</summary>
    public override InputTally Tally => new("articles carry CNN's \"(CNN)\" dateline near their start",
        input => input.AsSpan(0, Math.Min(200, input.Length)).Contains("(CNN)", StringComparison.Ordinal));
}
