using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Analysis;

namespace LlmNotebooks.Scoring;

/// <summary>
/// One score: a metric of a system on a task, with its 95% bootstrap interval when measured here, or a published
/// figure (then <see cref="Source"/> names the paper and the interval is absent).
/// </summary>
public sealed record ScoreRow(string Task, string System, string Metric, double Value, double? Low, double? High, int Examples, string Source)
{
    public const string Measured = "measured";
    /// <summary>The systems a model's own rows are named by: its generated answers, and SST-2's label likelihoods.</summary>
    public const string OurModel = "our model", LabelLikelihood = "our model (label likelihood)",
        CalibratedLikelihood = "our model (calibrated label likelihood)";
    /// <summary>The summarization baseline our code computes on the same examples: the article's first three sentences.</summary>
    public const string LeadThree = "Lead-3";
    public bool IsPublished => Source != Measured;
}

/// <summary>Scores as a Microsoft.Data.Analysis DataFrame, saved as CSV and JSON for the report and other tools.</summary>
public static class ScoreTable
{
    public const string CsvFile = "scores.csv", JsonFile = "scores.json";

    public static DataFrame ToDataFrame(IReadOnlyList<ScoreRow> rows) => new(
        new StringDataFrameColumn("task", rows.Select(r => r.Task)),
        new StringDataFrameColumn("system", rows.Select(r => r.System)),
        new StringDataFrameColumn("metric", rows.Select(r => r.Metric)),
        new DoubleDataFrameColumn("value", rows.Select(r => (double?)Math.Round(r.Value, 4))),
        new DoubleDataFrameColumn("low", rows.Select(r => r.Low is { } l ? Math.Round(l, 4) : (double?)null)),
        new DoubleDataFrameColumn("high", rows.Select(r => r.High is { } h ? Math.Round(h, 4) : (double?)null)),
        new Int32DataFrameColumn("examples", rows.Select(r => (int?)r.Examples)),
        new StringDataFrameColumn("source", rows.Select(r => r.Source)));

    public static void Save(string folder, IReadOnlyList<ScoreRow> rows)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, CsvFile), stream => DataFrame.SaveCsv(ToDataFrame(rows), stream, cultureInfo: CultureInfo.InvariantCulture));
        LlmNotebooks.JsonFile.Write(Path.Combine(folder, JsonFile), rows);
    }

    public static IReadOnlyList<ScoreRow> Load(string folder)
    {
        var path = Path.Combine(folder, JsonFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no scores in {folder} (missing {JsonFile}; run evaluate first)", path);
        return LlmNotebooks.JsonFile.Read<List<ScoreRow>>(path, "a score table");
    }
}
