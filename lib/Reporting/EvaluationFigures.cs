using LlmNotebooks.Tasks;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Reporting;

/// <summary>The figures of an evaluation, drawn from its scores and predictions files.</summary>
public static class EvaluationFigures
{
    /// <summary>Every system scored on the task's examples (published figures, from other examples, left out), by metric, with bootstrap intervals.</summary>
    public static BarFigure Scores(string task, IReadOnlyList<ScoreRow> allRows)
    {
        var rows = allRows.Where(r => !r.IsPublished).ToList();
        var metrics = rows.Select(r => r.Metric).Distinct().ToList();
        var groups = rows.Select(r => r.System).Distinct().Select(system =>
        {
            var byMetric = metrics.Select(m => rows.FirstOrDefault(r => r.System == system && r.Metric == m)).ToList();
            return new BarGroup(system, byMetric.Select(r => r?.Value ?? 0).ToList(),
                byMetric.Select(r => r?.Low ?? r?.Value ?? 0).ToList(), byMetric.Select(r => r?.High ?? r?.Value ?? 0).ToList());
        }).ToList();
        return new BarFigure($"{task}: our model and the baselines", "score (%)", metrics, groups);
    }

    /// <summary>
    /// The mean per-example score in four bins of input length (quartiles of the prompt's tokens), with bootstrap
    /// intervals: does the model do worse on long inputs, or on inputs cut to fit the context?
    /// </summary>
    public static BarFigure ByInputLength(FinetuningTask task, IReadOnlyList<PredictionRecord> predictions, int bins = 4)
    {
        var scored = predictions.Select(p => (p.InputTokens, Score: 100 * task.ExampleScore(p.Prediction, p.References))).OrderBy(p => p.InputTokens).ToList();
        var categories = new List<string>();
        var means = new List<double>();
        var lows = new List<double>();
        var highs = new List<double>();
        for (int b = 0; b < bins; b++)
        {
            var bin = scored.Skip(b * scored.Count / bins).Take((b + 1) * scored.Count / bins - b * scored.Count / bins).ToList();
            if (bin.Count == 0) continue;
            var interval = Bootstrap.Mean(bin.Select(p => p.Score).ToList());
            categories.Add($"{bin[0].InputTokens}–{bin[^1].InputTokens} tokens");
            means.Add(bin.Average(p => p.Score));
            lows.Add(interval.Low);
            highs.Add(interval.High);
        }
        return new BarFigure($"{task.Name}: {task.Headline} by input length", $"mean {task.Headline} (%)", categories,
            [new BarGroup(ScoreRow.OurModel, means, lows, highs)]);
    }
}
