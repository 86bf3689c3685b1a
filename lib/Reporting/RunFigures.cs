using LlmNotebooks.Finetune;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;

namespace LlmNotebooks.Reporting;

/// <summary>The figures of a training run, drawn from its metrics log only (never from numbers typed in).</summary>
public static class RunFigures
{
    public static LineFigure Loss(string runFolder, string title = "Loss") => Loss(MetricsLog.Read(runFolder), title);

    /// <summary>Training loss (smoothed over a few steps) and every validation set's loss, by step.</summary>
    public static LineFigure Loss(IReadOnlyList<MetricsRecord> records, string title = "Loss")
    {
        var train = records.Where(r => r.Kind == MetricsRecord.TrainKind && r.TrainLoss is not null).ToList();
        var lines = new List<Series>();
        if (train.Count > 0)
            lines.Add(new Series("train", train.Select(r => (double)r.Step).ToList(), Smooth(train.Select(r => r.TrainLoss!.Value).ToList(), Window(train.Count))));
        var evals = records.Where(r => r.Kind == MetricsRecord.EvalKind && r.Validation is not null).ToList();
        foreach (var set in evals.SelectMany(e => e.Validation!.Keys).Distinct())
        {
            var points = evals.Where(e => e.Validation!.ContainsKey(set)).ToList();
            lines.Add(new Series($"validation: {set}", points.Select(p => (double)p.Step).ToList(), points.Select(p => p.Validation![set]).ToList()));
        }
        return new LineFigure(title, "step", "cross-entropy loss (nats per token)", lines);
    }

    public static LineFigure LearningRate(IReadOnlyList<MetricsRecord> records) => Single(records, "Learning rate", "learning rate", r => r.LearningRate);

    public static LineFigure Throughput(IReadOnlyList<MetricsRecord> records) => Single(records, "Training throughput", "tokens per second", r => r.TokensPerSecond, smooth: true);

    public static LineFigure GradientNorm(IReadOnlyList<MetricsRecord> records) => Single(records, "Gradient norm (before clipping)", "L2 norm", r => r.GradNorm, smooth: true);

    /// <summary>Each task's score on its held-out examples, measured during finetuning: does the task itself improve?</summary>
    public static LineFigure TaskScores(IReadOnlyList<MetricsRecord> records)
    {
        var points = records.Where(r => r.Kind == MetricsRecord.TaskKind && r.TaskScores is not null).ToList();
        return new LineFigure("Task scores during finetuning", "step", "score (%)", [.. points.SelectMany(p => p.TaskScores!.Keys).Distinct().Select(name =>
        {
            var with = points.Where(p => p.TaskScores!.ContainsKey(name)).ToList();
            return new Series(name, with.Select(p => (double)p.Step).ToList(), with.Select(p => p.TaskScores![name]).ToList());
        })]);
    }

    /// <summary>A finetuning run's mixture: the shares requested and the shares of examples actually drawn.</summary>
    public static BarFigure Mixture(string finetuneFolder)
    {
        var requested = Tasks.Mixture.Parse(FinetuneDataRecord.Read(finetuneFolder).Mixture);
        var seen = MetricsLog.Read(finetuneFolder).LastOrDefault(r => r.Kind == MetricsRecord.TrainKind)?.Mixture ?? [];
        double total = Math.Max(1, seen.Values.Sum());
        var sources = requested.Shares.Select(s => s.Source).ToList();
        return new BarFigure("Finetuning mixture", "share of examples", sources,
        [
            new BarGroup("requested", requested.Shares.Select(s => s.Share).ToList()),
            new BarGroup("seen", sources.Select(s => seen.GetValueOrDefault(s) / total).ToList()),
        ]);
    }

    static LineFigure Single(IReadOnlyList<MetricsRecord> records, string title, string axis, Func<MetricsRecord, double?> value, bool smooth = false)
    {
        var points = records.Where(r => r.Kind == MetricsRecord.TrainKind && value(r) is not null).ToList();
        var y = points.Select(p => value(p)!.Value).ToList();
        return new LineFigure(title, "step", axis, [new Series(axis, points.Select(p => (double)p.Step).ToList(), smooth ? Smooth(y, Window(y.Count)) : y)]);
    }

    /// <summary>About 1% of the run, at least 1: enough to see the trend through the noise of single batches.</summary>
    static int Window(int count) => Math.Max(1, count / 100);

    /// <summary>Trailing moving average.</summary>
    public static IReadOnlyList<double> Smooth(IReadOnlyList<double> values, int window)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
