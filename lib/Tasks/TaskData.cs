using LlmNotebooks.Data;

namespace LlmNotebooks.Tasks;

/// <summary>
/// Where each task's splits are in a data folder, in both layouts: the course's files (../shared/data) and the
/// Hugging Face parquet files that <c>data download</c> fetches. The first pattern that matches wins, in order.
/// CNN/DailyMail trains on See et al.'s 39k articles (lower-cased) plus the cased HF rows, and is evaluated on the
/// cased HF validation rows; SQuAD and SST-2 are evaluated on their official dev sets.
/// </summary>
public static class TaskData
{
    static readonly Dictionary<(TaskKind, TaskSplit), string[][]> Layouts = new()
    {
        [(TaskKind.Summarization, TaskSplit.Train)] = [["cnn_dailymail/see-et-al/train.jsonl.gz", "cnn_dailymail/train-first300.csv"], ["cnn_dailymail/train-*.parquet"]],
        [(TaskKind.Summarization, TaskSplit.Validation)] = [["cnn_dailymail/validation-1000.csv"], ["cnn_dailymail/validation-*.parquet"]],
        [(TaskKind.Summarization, TaskSplit.Test)] = [["cnn_dailymail/test*.csv"], ["cnn_dailymail/test-*.parquet"]],
        [(TaskKind.QuestionAnswering, TaskSplit.Train)] = [["squad/train-v1.1.json"], ["squad/train-*.parquet"]],
        [(TaskKind.QuestionAnswering, TaskSplit.Validation)] = [["squad/dev-v1.1.json"], ["squad/validation-*.parquet"]],
        [(TaskKind.Sentiment, TaskSplit.Train)] = [["sst2/train.tsv"], ["sst2/train-*.parquet"]],
        [(TaskKind.Sentiment, TaskSplit.Validation)] = [["sst2/dev.tsv"], ["sst2/validation-*.parquet"]],
        [(TaskKind.Sentiment, TaskSplit.Test)] = [["sst2/test.tsv"], ["sst2/test-*.parquet"]],
    };

    /// <summary>
    /// Whether the data folder holds the split with answers to score against: the CNN/DailyMail test split is
    /// scored when present; SQuAD v1.1's test set was never released and GLUE's SST-2 test labels are hidden.
    /// </summary>
    public static bool HasScoredSplit(TaskKind task, TaskSplit split, string dataFolder)
    {
        if (split == TaskSplit.Test && task != TaskKind.Summarization) return false;
        if (!Layouts.TryGetValue((task, split), out var layouts)) return false;
        return layouts.Any(layout => layout.SelectMany(pattern => Match(dataFolder, pattern)).Any());
    }

    /// <summary>The files of a split; an error naming what was looked for when none exist.</summary>
    public static IReadOnlyList<string> Files(TaskKind task, TaskSplit split, string dataFolder)
    {
        if (!Layouts.TryGetValue((task, split), out var layouts))
            throw new ArgumentException($"{TaskFormats.DatasetName(task)} has no {split} split here");
        foreach (var layout in layouts)
        {
            var found = layout.SelectMany(pattern => Match(dataFolder, pattern)).ToList();
            if (found.Count > 0) return found;
        }
        throw new FileNotFoundException($"{TaskFormats.DatasetName(task)} {split.ToString().ToLowerInvariant()} split not found in {dataFolder} " +
            $"(looked for {string.Join(" or ", layouts.Select(l => string.Join(" + ", l)))}); run `data download`");
    }

    static IEnumerable<string> Match(string folder, string pattern)
    {
        var path = Path.Combine(folder, pattern);
        if (!pattern.Contains('*')) return File.Exists(path) ? [path] : [];
        var directory = Path.GetDirectoryName(path)!;
        return Directory.Exists(directory) ? Directory.GetFiles(directory, Path.GetFileName(path)).Order(StringComparer.Ordinal) : [];
    }

    public static IEnumerable<SummaryExample> Summaries(TaskSplit split, string dataFolder, DataIssues issues) =>
        CnnDailyMail.Read(Files(TaskKind.Summarization, split, dataFolder), issues);

    public static IEnumerable<QaExample> Questions(TaskSplit split, string dataFolder, DataIssues issues) =>
        Squad.Read(Files(TaskKind.QuestionAnswering, split, dataFolder), issues);

    public static IEnumerable<SentimentExample> Sentences(TaskSplit split, string dataFolder, DataIssues issues) =>
        Sst2.Read(Files(TaskKind.Sentiment, split, dataFolder), issues);
}
