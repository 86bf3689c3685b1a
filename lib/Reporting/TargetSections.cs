using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Reporting;

/// <summary>
/// The model against its targets (targets.json): each measured score with its interval beside the floor and the
/// goal, and, for a score below its floor, what the task-score curve of finetuning says it would take to reach it.
/// </summary>
static class TargetSections
{
    public static void Targets(ReportDocument d, ReportInputs run)
    {
        if (run.Targets is not { } targets) return;
        const string source = TargetsRecord.FileName;
        d.Md($"### Against the targets\n\n{d.Q(targets.Source, source)}; validation splits, the same examples as above.");
        var rows = targets.Targets.Select(t => (Target: t, Measured: Measured(run, t), Floor: FloorOf(run, t), Goal: GoalOf(run, t))).ToList();
        d.Md(ReportDocument.Table(["measure", "ours", "floor", "goal", "reached"], rows.Select(r => new[]
        {
            r.Target.Label,
            r.Measured is { } m ? $"{d.N(m.Value, "F2", m.Source)}{(m.Low is null ? "" : $" [{d.N(m.Low.Value, "F2", m.Source)}, {d.N(m.High!.Value, "F2", m.Source)}]")}" : Unmeasured(run, r.Target),
            r.Floor is { } floor ? $"{(r.Target.HigherIsBetter ? "≥" : "≤")} {d.N(floor.Value, "0.##", floor.Source)}" +
                (r.Target.FloorBaseline is { } fb ? $" ({fb} on the same examples)" : r.Target.FloorReason is { } why ? $" ({d.Q(why, source)})" : "") : "",
            r.Goal is { } goal ? $"{(r.Target.HigherIsBetter ? "≥" : "≤")} {d.N(goal.Value, "0.##", goal.Source)}" + (r.Target.GoalBaseline is { } b ? $" ({b} on the same examples)" : "") : "",
            r.Measured is not { } score ? "" : r.Goal is { } g && r.Target.Reaches(score.Value, g.Value) ? "goal"
                : r.Floor is { } f ? (r.Target.Reaches(score.Value, f.Value) ? "floor" : "**no**") : r.Goal is not null ? "**no**" : "",
        })));
        foreach (var (target, measured, floor, _) in rows.Where(r => r.Measured is { } m && r.Floor is { } f && !r.Target.Reaches(m.Value, f.Value)))
            if (Curve(d, run, target, measured!, floor!) is { } text) d.Md(text);
    }

    sealed record Score(double Value, double? Low, double? High, string Source);

    static Score? Measured(ReportInputs run, Target target)
    {
        if (target.Task == Mixture.Pretrain)
            return Forgetting.Of(run.FinetuneMetrics) is { } change
                ? new(change, null, null, run.FinetuneMetricsSource) : null;
        return Row(run, target, target.System);
    }

    static Score? Row(ReportInputs run, Target target, string system)
    {
        var evaluation = run.Evaluations.FirstOrDefault(e => e.Task == target.Task && e.Split == TaskSplit.Validation);
        var row = evaluation?.Scores.FirstOrDefault(s => s.System == system && s.Metric == target.Metric);
        return row is null ? null : new(row.Value, row.Low, row.High, $"{evaluation!.Source}/{ScoreTable.JsonFile}");
    }

    /// <summary>Why a target has no score: not evaluated, or evaluated without the row it reads (scored without stemming, say).</summary>
    static string Unmeasured(ReportInputs run, Target target) =>
        run.Evaluations.FirstOrDefault(e => e.Task == target.Task && e.Split == TaskSplit.Validation) is { } evaluation
            ? $"not measured: {evaluation.Source}/{ScoreTable.JsonFile} has no {target.System} row `{target.Metric}` " +
              $"(it has {string.Join(", ", evaluation.Scores.Where(s => s.System == ScoreRow.OurModel).Select(s => $"`{s.Metric}`"))})"
            : "not measured";

    static Score? FloorOf(ReportInputs run, Target target) =>
        target.FloorBaseline is { } baseline ? Row(run, target, baseline) : target.Floor is { } floor ? new(floor, null, null, TargetsRecord.FileName) : null;

    static Score? GoalOf(ReportInputs run, Target target) =>
        target.GoalBaseline is { } baseline ? Row(run, target, baseline) : target.Goal is { } goal ? new(goal, null, null, TargetsRecord.FileName) : null;

    /// <summary>
    /// The task's score during finetuning against finetuning tokens, a straight line through log(tokens), and where a
    /// line of that slope from the full set's score at the end meets the floor: a rough guide to the budget the floor
    /// needs (curves flatten, so it is a lower bound at best). The periodic scores come from a small sample, whose level
    /// can be far from the full set's, so only their rate is used.
    /// </summary>
    static string? Curve(ReportDocument d, ReportInputs run, Target target, Score full, Score floorScore)
    {
        // The periodic scores are of generated answers in a task's headline score: a target read from another row has no curve here.
        if (TaskRegistry.Find(target.Task) is not { } task || task.Headline != target.Metric || target.System != ScoreRow.OurModel
            || run.Finetune is not { } finetune) return null;
        double floor = floorScore.Value;
        var points = run.FinetuneMetrics.Where(r => r.Kind == MetricsRecord.TaskKind && r.Tokens > 0 && r.TaskScores?.ContainsKey(task.ScoreKey) == true)
            .Select(r => (Tokens: (double)r.Tokens, Score: r.TaskScores![task.ScoreKey])).ToList();
        if (ScoreTrend.Fit(points) is not { } trend) return null;
        var source = run.FinetuneMetricsSource;
        var configSource = run.FinetuneConfigSource;
        string Tokens(double tokens) => tokens >= 1e6 ? $"{d.N(tokens / 1e6, "F1", source)}M" : d.N(tokens, "N0", source);
        string seen = $"{target.Label} on the first {d.N(finetune.Config.TaskEvalExamples, "N0", configSource)} validation examples, scored during " +
                      $"finetuning (the task scores above), went from {d.N(points[0].Score, "F1", source)} at {Tokens(points[0].Tokens)} finetuning " +
                      $"tokens to {d.N(points[^1].Score, "F1", source)} at {Tokens(points[^1].Tokens)}";
        if (trend.Slope <= 0) return $"{seen}: no rise to extrapolate a budget from.";
        string fullAtEnd = $"The full validation set gives {d.N(full.Value, "F2", full.Source)} at the end; the sample's level is not the full set's, " +
                           "so only its rate is read, from there";
        string perDoubling = $"{seen}, {d.N(trend.PointsPerDoubling, "F2", source)} points per doubling of the tokens (a straight line through log(tokens)). {fullAtEnd}";
        double lastTokens = points[^1].Tokens;
        if (trend.TokensFor(floor, full.Value, lastTokens) is not { } needed)
            return $"{perDoubling}: at that rate the floor of {d.N(floor, "0.##", floorScore.Source)} lies beyond a hundred times this run's tokens, " +
                   "further than such a line can be read; this budget is too small to say what the floor needs.";
        double ratio = needed / lastTokens;
        double seconds = ratio * run.FinetuneMetrics.Last(r => r.Kind == MetricsRecord.TrainKind).WallSeconds;
        return $"{perDoubling}: it reaches the floor of {d.N(floor, "0.##", floorScore.Source)} at about {Tokens(needed)} finetuning tokens, " +
               $"{d.N(ratio, "F1", source)}× this run's (about {d.Duration(seconds, source)} of finetuning at its speed); such curves flatten, " +
               "so take it as the least it would need.";
    }
}
