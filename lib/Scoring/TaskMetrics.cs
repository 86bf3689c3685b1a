namespace LlmNotebooks.Scoring;

/// <summary>
/// The families of metrics a task's responses are scored with, computed the same way for our model, the baselines
/// and the <c>score</c> command: free text (summaries) gets corpus BLEU and ROUGE-1/2/L/Lsum F (rouge-score's mean
/// over examples, best reference per type), answers get SQuAD's EM and F1 plus ROUGE, labels get accuracy. Values are
/// percentages with 95% bootstrap intervals over examples. Which family a task uses is the task's to say
/// (<c>Tasks.FinetuningTask.Score</c>).
/// </summary>
public static class TaskMetrics
{

    /// <summary>A summary that loops: some word 4-gram occurs three times or more ("the match is the first… the match is the first…").</summary>
    public static bool IsDegenerate(string text)
    {
        var words = text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return Enumerable.Range(0, Math.Max(0, words.Length - 3)).GroupBy(i => string.Join(' ', words, i, 4)).Any(g => g.Count() >= 3);
    }

    public static List<ScoreRow> Summaries(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem = true)
    {
        var rows = new List<ScoreRow> { BleuRow(task, system, predictions, references) };
        rows.AddRange(RougeRows(task, system, predictions, references, stem, Rouge.Types));
        rows.Add(MeanRow(task, system, Metric.Degenerate, predictions.Select(p => IsDegenerate(p) ? 1.0 : 0.0).ToList()));
        return rows;
    }

    public static List<ScoreRow> Answers(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem = true)
    {
        var rows = SquadOfficial(task, system, predictions, references);
        rows.AddRange(RougeRows(task, system, predictions, references, stem, ["rouge1", "rouge2", "rougeL"]));
        return rows;
    }

    /// <summary>SQuAD's official exact match and F1 (each prediction against its best reference).</summary>
    public static List<ScoreRow> SquadOfficial(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references)
    {
        var exact = predictions.Select((p, i) => SquadMetrics.Best(SquadMetrics.ExactMatch, p, references[i])).ToList();
        var f1 = predictions.Select((p, i) => SquadMetrics.Best(SquadMetrics.F1, p, references[i])).ToList();
        return [MeanRow(task, system, Metric.ExactMatch, exact), MeanRow(task, system, Metric.F1, f1)];
    }

    /// <summary>Each ROUGE type's mean precision, recall and F, with their intervals (the <c>score</c> command's table).</summary>
    public static List<ScoreRow> RougeDetail(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem)
    {
        var scores = predictions.Select((p, i) => Rouge.ScoreMulti(references[i], p, stem)).ToList();
        return [.. Rouge.Types.SelectMany(type => new[]
        {
            MeanRow(task, system, Metric.RougeP(type, stem), scores.Select(s => s[type].Precision).ToList()),
            MeanRow(task, system, Metric.RougeR(type, stem), scores.Select(s => s[type].Recall).ToList()),
            MeanRow(task, system, Metric.RougeF(type, stem), scores.Select(s => s[type].FMeasure).ToList()),
        })];
    }

    public static List<ScoreRow> Labels(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references) =>
        [MeanRow(task, system, Metric.Accuracy, predictions.Select((p, i) => references[i].Contains(p) ? 1.0 : 0.0).ToList())];

    public static ScoreRow BleuRow(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references)
    {
        var segments = predictions.Select((p, i) => Bleu.Statistics(p, references[i])).ToList();
        var score = Bleu.FromStatistics(segments);
        var interval = Bootstrap.Resample(segments.Count, indices => Bleu.FromStatistics(indices.Select(i => segments[i]).ToList()).Score);
        return new ScoreRow(task, system, Metric.Bleu, score.Score, interval.Low, interval.High, segments.Count, ScoreRow.Measured);
    }

    static IEnumerable<ScoreRow> RougeRows(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references,
        bool stem, IReadOnlyList<string> types)
    {
        var scores = predictions.Select((p, i) => Rouge.ScoreMulti(references[i], p, stem, types)).ToList();
        return types.Select(type => MeanRow(task, system, Metric.RougeF(type, stem), scores.Select(s => s[type].FMeasure).ToList()));
    }

    /// <summary>100 × the mean of per-example values in [0, 1], with its bootstrap interval.</summary>
    public static ScoreRow MeanRow(string task, string system, string metric, IReadOnlyList<double> perExample)
    {
        var interval = Bootstrap.Mean(perExample);
        return new ScoreRow(task, system, metric, 100 * (perExample.Count == 0 ? 0 : perExample.Average()), 100 * interval.Low, 100 * interval.High,
            perExample.Count, ScoreRow.Measured);
    }
}
