using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace LlmNotebooks.Reporting;

/// <summary>Draws a <see cref="Figure"/> as an interactive Plotly.NET chart (notebooks, report.html).</summary>
public static class PlotlyCharts
{
    public static GenericChart Render(Figure figure)
    {
        var chart = figure switch
        {
            LineFigure f => Axes(CSharpChart.Combine((f.Lines.Count > 0 ? f.Lines : [new Series("(no data yet)", [], [])]).Select(s =>
                CSharpChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowLegend: f.Lines.Count > 1))), f.XLabel, f.YLabel, f.LogY),
            BarFigure f => Axes(CSharpChart.Combine(f.Groups.Select(g => Bars(f, g))), "", f.YLabel, false),
            HeatmapFigure f => Axes(Heatmap(f), f.XLabel, f.YLabel, false),
            _ => throw new ArgumentException($"no Plotly rendering for {figure.GetType().Name}"),
        };
        return Chart.withTitle(figure.Title, null).Invoke(chart);
    }

    static GenericChart Bars(BarFigure figure, BarGroup group)
    {
        var bars = CSharpChart.Column<double, string, string>(values: group.Values, Keys: figure.Categories.ToArray(), Name: group.Name,
            ShowLegend: figure.Groups.Count > 1);
        if (group.Low is null || group.High is null) return bars;
        var plus = group.Values.Zip(group.High, (v, h) => h - v).ToArray();
        var minus = group.Values.Zip(group.Low, (v, l) => v - l).ToArray();
        // F# optional parameters are plain FSharpOption arguments from C#; null is None.
        var error = Plotly.NET.TraceObjects.Error.init<double, double>(null, StyleParam.ErrorType.Data, false, plus, minus,
            null, null, null, null, null, null, null, null, null, null);
        return Chart.withYError(error).Invoke(bars);
    }

    static GenericChart Heatmap(HeatmapFigure f)
    {
        var rows = Enumerable.Range(0, f.Values.GetLength(0))
            .Select(r => Enumerable.Range(0, f.Values.GetLength(1)).Select(c => f.Values[r, c]).ToArray()).ToArray();
        // Rows top to bottom as in a matrix, and duplicate labels (repeated tokens) kept apart by their position.
        var chart = CSharpChart.Heatmap<double, string, string, string>(zData: rows,
            X: f.Columns.Select((c, i) => $"{i}:{c}").ToArray(), Y: f.Rows.Select((r, i) => $"{i}:{r}").ToArray(), ReverseYAxis: true);
        return chart;
    }

    static GenericChart Axes(GenericChart chart, string x, string y, bool logY)
    {
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: x);
        return logY
            ? Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: y, AxisType: StyleParam.AxisType.Log)
            : Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: y);
    }
}
