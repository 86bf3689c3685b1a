using LlmNotebooks.Evaluation;

namespace LlmNotebooks.Reporting;

/// <summary>
/// The report's Experiments section: each ablation of the experiments command, the budget its variants shared, and
/// their scores with intervals side by side, from the experiments' own records.
/// </summary>
static class ExperimentSections
{
    public static void Experiments(ReportDocument d, ReportInputs run)
    {
        var records = ExperimentRecord.ReadAll(run.Folders.Experiments);
        d.Md("## Experiments");
        if (records.Count == 0)
        {
            d.Md($"No ablations were run for this pipeline (`dotnet run -c Release -- experiments --preset {run.Folders.Name}` runs them into `experiments/`).");
            return;
        }
        foreach (var group in records.GroupBy(r => r.Record.Experiment))
        {
            var first = group.First().Record;
            var metrics = group.SelectMany(r => r.Record.Scores.Select(s => (s.Task, s.Metric))).Distinct().ToList();
            d.Md($"### {first.Experiment}\n\n{first.Question} Budget of every variant: {d.Q(first.Budget, run.Source(group.First().Path))}.\n\n" + ReportDocument.Table(
                ["variant", "settings", "PFLOP", "wall time", .. metrics.Select(m => d.Q($"{m.Task} {m.Metric}", run.Source(group.First().Path)))],
                group.Select(r =>
                {
                    var source = run.Source(r.Path);
                    return (IEnumerable<string>)[d.Q(r.Record.Variant, source), string.Join(" ", r.Record.Settings.Select(s => $"`{s}`")),
                        d.N(r.Record.TrainingPflop, "F2", source), d.Duration(r.Record.WallSeconds, source),
                        .. metrics.Select(m => r.Record.Scores.FirstOrDefault(s => s.Task == m.Task && s.Metric == m.Metric) is { } s
                            ? $"{d.N(s.Value, "F2", source)}{(s.Low is null ? "" : $" [{d.N(s.Low.Value, "F1", source)}, {d.N(s.High!.Value, "F1", source)}]")}" : "")];
                })));
        }
    }
}
