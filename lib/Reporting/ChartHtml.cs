using Plotly.NET;

namespace LlmNotebooks.Reporting;

/// <summary>HTML for Plotly.NET charts, for notebooks (plotly.js from its CDN, as the editor is online).</summary>
public static class ChartHtml
{
    public static string PlotlyCdn => $"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min.js";

    public static string ForNotebook(GenericChart chart) =>
        $"<script src=\"{PlotlyCdn}\"></script>\n{GenericChart.toChartHTML(chart)}";
}
