using LlmNotebooks.Evaluation;
using LlmNotebooks.Scoring;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Reporting;

/// <summary>
/// The report's Experiments section: each ablation of the experiments command, the budget its variants shared,
/// their scores with intervals side by side, and which variant won on each task's main measure, all from the
/// experiments' own records.
/// </summary>
static class ExperimentSections
{
    /// <summary>A column of the tables: a task's measure and which way is better.</summary>
    sealed record Measure(string Task, string Metric, string Label, bool HigherIsBetter = true);

    static Measure Of(FinetuningTask task, string metric) => new(task.Name, metric, $"{task.Title} {Metric.Short(metric)}", Metric.HigherIsBetter(metric));

    /// <summary>Every task's compared metrics, then every task's validation loss, then forgetting.</summary>
    static IReadOnlyList<Measure> Columns =>
    [
        .. TaskRegistry.All.SelectMany(t => t.ComparedMetrics.Select(m => Of(t, m))),
        .. TaskRegistry.All.Select(t => Of(t, Metric.TaskLoss)),
        new(Mixture.Pretrain, Metric.Forgetting, Metric.Short(Metric.Forgetting), HigherIsBetter: false),
    ];

    /// <summary>The measures a winner is named for: each task's main score, then its validation loss.</summary>
    static IReadOnlyList<Measure> Deciding =>
        [.. TaskRegistry.All.Select(t => Of(t, t.ComparedMetrics[0])), .. TaskRegistry.All.Select(t => Of(t, Metric.TaskLoss))];

    public static void Experiments(ReportDocument d, ReportInputs run)
    {
        var records = run.Experiments;
        d.Md("## Experiments");
        if (records.Count == 0)
        {
            d.Md($"No ablations were run for this pipeline (`dotnet run -c Release -- experiments --preset {run.Folders.Name}` runs them into `experiments/`).");
            return;
        }
        d.Md("Each experiment changes one thing from its first variant (the reference) and trains every variant with the same budget, " +
             "then scores it on the same validation examples. A screening budget (a short run of GPT-2's block) made the first decisions; " +
             "there, generated answers of a model this small score near zero on some tasks, and the validation losses (held-out training " +
             "examples, response tokens only) are what moves. A predictive budget (the preset's own recipe, each phase shortened) tests what " +
             "shapes the full run, at scores high enough to compare.");
        foreach (var group in records.GroupBy(r => r.Record.Experiment))
        {
            var variants = group.ToList();
            var first = variants[0].Record;
            var columns = Columns.Where(c => variants.Any(v => Score(v.Record, c) is not null)).ToList();
            d.Md($"### {first.Experiment}\n\n{first.Question} Budget of every variant: {d.Q(first.Budget, run.Source(variants[0].Path))}.\n\n" + ReportDocument.Table(
                ["variant", "settings", "PFLOP", "wall time", .. columns.Select(c => c.Label)],
                variants.Select(r =>
                {
                    var source = run.Source(r.Path);
                    return (IEnumerable<string>)[d.Q(r.Record.Variant, source), string.Join(" ", r.Record.Settings.Select(s => $"`{s}`")),
                        d.N(r.Record.TrainingPflop, "F2", source), d.Duration(r.Record.WallSeconds, source),
                        .. columns.Select(c => Score(r.Record, c) is { } s
                            ? $"{d.N(s.Value, "F2", source)}{(s.Low is null ? "" : $" [{d.N(s.Low.Value, "F1", source)}, {d.N(s.High!.Value, "F1", source)}]")}" : "")];
                })));
            if (variants.Count > 1) d.Md("What won: " + string.Join("; ", Deciding.Where(c => variants.All(v => Score(v.Record, c) is not null)).Select(c => Winner(d, run, variants, c))) + ".");
            Baselines(d, run, variants[0]);
            Paired(d, run, variants);
        }
    }

    /// <summary>The baselines' headline scores on the same examples, where the reference's record has them: the bar each variant has to clear.</summary>
    static void Baselines(ReportDocument d, ReportInputs run, (string Path, ExperimentRecord Record) reference)
    {
        var source = run.Source(reference.Path);
        var rows = TaskRegistry.All.SelectMany(task => reference.Record.Scores
            .Where(s => s.Task == task.Name && s.Metric == task.ComparedMetrics[0] && s.System != ScoreRow.OurModel && !s.System.StartsWith(ScoreRow.OurModel, StringComparison.Ordinal))
            .Select(s => $"{d.Q(s.System, source)} {task.Title} {Metric.Short(s.Metric)} {d.N(s.Value, "F2", source)}")).ToList();
        if (rows.Count > 0) d.Md($"Baselines on the same examples: {string.Join("; ", rows)}.");
    }

    /// <summary>
    /// Each variant against the reference, example by example: the difference of each task's headline score with
    /// its paired bootstrap interval, and a line naming the differences whose interval holds 0 (not significant).
    /// Records that kept no per-example scores are left out, saying so.
    /// </summary>
    static void Paired(ReportDocument d, ReportInputs run, IReadOnlyList<(string Path, ExperimentRecord Record)> variants)
    {
        var reference = variants[0];
        if (variants.Count < 2 || reference.Record.Examples is not { Count: > 0 } referenceLists) return;
        var rows = new List<IEnumerable<string>>();
        var insignificant = new List<string>();
        var unpaired = new List<string>();
        foreach (var (path, record) in variants.Skip(1))
        {
            var source = run.Source(path);
            foreach (var before in referenceLists)
            {
                var after = record.Examples?.FirstOrDefault(l => l.Task == before.Task && l.Metric == before.Metric);
                if (after is null || !after.Ids.SequenceEqual(before.Ids)) { unpaired.Add($"*{d.Q(record.Variant, source)}* on {before.Task}"); continue; }
                var interval = Bootstrap.Paired(before.Scores, after.Scores);
                double difference = after.Scores.Average() - before.Scores.Average();
                bool significant = interval.Low > 0 || interval.High < 0;
                var label = $"{TaskRegistry.Named(before.Task).Title} {Metric.Short(before.Metric)}";
                rows.Add([d.Q(record.Variant, source), label, d.N(before.Scores.Count, "N0", source), $"{(difference >= 0 ? "+" : "")}{d.N(difference, "F2", source)}",
                    $"[{d.N(interval.Low, "F2", source)}, {d.N(interval.High, "F2", source)}]", significant ? "yes" : "no"]);
                if (!significant) insignificant.Add($"*{d.Q(record.Variant, source)}* on {label}");
            }
        }
        if (rows.Count > 0)
            d.Md($"Each variant against the reference, *{d.Q(reference.Record.Variant, run.Source(reference.Path))}*, example by example: the difference " +
                 "of the mean scores on the same validation examples, and its paired bootstrap interval (an example's two scores resampled together, " +
                 "at the confidence of the intervals above):\n\n" +
                 ReportDocument.Table(["variant", "measure", "examples", "difference", "paired interval", "significant"], rows) +
                 (insignificant.Count == 0 ? "\n\nEvery difference is significant (no interval holds 0)."
                     : $"\n\nNot significant (the interval holds 0): {string.Join("; ", insignificant)}."));
        if (unpaired.Count > 0) d.Md($"Not compared example by example (no per-example scores kept, or other examples): {string.Join("; ", unpaired)}.");
    }

    static ScoreRow? Score(ExperimentRecord record, Measure measure) =>
        record.Scores.FirstOrDefault(s => s.Task == measure.Task && s.Metric == measure.Metric && s.System == ScoreRow.OurModel);

    /// <summary>"SQuAD F1: question first (3.20 against 0.70 for the reference, outside its interval)".</summary>
    static string Winner(ReportDocument d, ReportInputs run, IReadOnlyList<(string Path, ExperimentRecord Record)> variants, Measure measure)
    {
        var reference = variants[0];
        double Better(ExperimentRecord record) => Score(record, measure)!.Value * (measure.HigherIsBetter ? 1 : -1);
        // Ties go to the reference: a change has to do better to win.
        var best = variants.Skip(1).Aggregate(reference, (so, v) => Better(v.Record) > Better(so.Record) ? v : so);
        var (won, against) = (Score(best.Record, measure)!, Score(reference.Record, measure)!);
        if (best.Path == reference.Path) return $"{measure.Label}: the reference, *{d.Q(reference.Record.Variant, run.Source(reference.Path))}* ({d.N(won.Value, "F2", run.Source(best.Path))})";
        string margin = against.Low is { } low && against.High is { } high
            ? won.Value > high || won.Value < low ? ", outside the reference's interval" : ", within the reference's interval"
            : "";
        return $"{measure.Label}: *{d.Q(best.Record.Variant, run.Source(best.Path))}* ({d.N(won.Value, "F2", run.Source(best.Path))} against " +
               $"{d.N(against.Value, "F2", run.Source(reference.Path))}{margin})";
    }
}
