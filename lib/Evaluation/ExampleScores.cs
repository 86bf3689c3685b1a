namespace LlmNotebooks.Evaluation;

/// <summary>A prediction with its own score, to find the best and worst examples and to relate scores to inputs.</summary>
public sealed record ScoredPrediction(PredictionRecord Prediction, double Score);

/// <summary>
/// Per-example scores of each task's headline metric (<see cref="Metric.Headline"/>), as a fraction: ROUGE-1 F
/// (stemmed) for summaries, SQuAD F1 (best reference) for answers, accuracy (1 if right, else 0) for labels.
/// </summary>
public static class ExampleScores
{
    public static double Score(string task, PredictionRecord p) => task switch
    {
        "cnn_dailymail" => Rouge.ScoreMulti(p.References, p.Prediction, true, ["rouge1"])["rouge1"].FMeasure,
        "squad" => SquadMetrics.Best(SquadMetrics.F1, p.Prediction, p.References),
        _ => p.References.Contains(p.Prediction) ? 1.0 : 0.0,
    };

    /// <summary>Best first; ties in id order, so the same predictions always rank the same.</summary>
    public static List<ScoredPrediction> Ranked(string task, IEnumerable<PredictionRecord> predictions) =>
        predictions.Select(p => new ScoredPrediction(p, Score(task, p)))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Prediction.Id, StringComparer.Ordinal).ToList();

    /// <summary>The <paramref name="count"/> best and the <paramref name="count"/> worst, labelled.</summary>
    public static List<(string Label, ScoredPrediction Example)> BestAndWorst(string task, IEnumerable<PredictionRecord> predictions, int count)
    {
        var ranked = Ranked(task, predictions);
        return [.. ranked.Take(count).Select(p => ("best", p)), .. ranked.Skip(count).TakeLast(count).Select(p => ("worst", p))];
    }
}
