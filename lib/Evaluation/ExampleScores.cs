using LlmNotebooks.Tasks;

namespace LlmNotebooks.Evaluation;

/// <summary>A prediction with its own score, to find the best and worst examples and to relate scores to inputs.</summary>
public sealed record ScoredPrediction(PredictionRecord Prediction, double Score);

/// <summary>Per-example scores of a task's headline metric (<see cref="FinetuningTask.ExampleScore"/>), as a fraction.</summary>
public static class ExampleScores
{
    /// <summary>Best first; ties in id order, so the same predictions always rank the same.</summary>
    public static List<ScoredPrediction> Ranked(FinetuningTask task, IEnumerable<PredictionRecord> predictions) =>
        predictions.Select(p => new ScoredPrediction(p, task.ExampleScore(p.Prediction, p.References)))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Prediction.Id, StringComparer.Ordinal).ToList();

    /// <summary>The <paramref name="count"/> best and the <paramref name="count"/> worst, labelled.</summary>
    public static List<(string Label, ScoredPrediction Example)> BestAndWorst(FinetuningTask task, IEnumerable<PredictionRecord> predictions, int count)
    {
        var ranked = Ranked(task, predictions);
        return [.. ranked.Take(count).Select(p => ("best", p)), .. ranked.Skip(count).TakeLast(count).Select(p => ("worst", p))];
    }
}
