using Plotly.NET;

namespace LlmNotebooks.Reporting;

/// <summary>
/// HTML for Plotly.NET charts: for notebooks, plotly.js from its CDN (the editor is online); for the offline report,
/// plotly.js itself, as Plotly.NET ships it.
/// </summary>
public static class ChartHtml
{
    public static string PlotlyCdn => $"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min.js";

    /// <summary>The minified plotly.js embedded in Plotly.NET, to inline once in a self-contained page.</summary>
    public static string PlotlyScript()
    {
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream($"Plotly.NET.plotly-{Globals.PLOTLYJS_VERSION}.min.js")
            ?? throw new InvalidOperationException("plotly.js is missing from Plotly.NET");
        return new StreamReader(stream).ReadToEnd();
    }

    public static string ForNotebook(GenericChart chart) =>
        $"<script src=\"{PlotlyCdn}\"></script>\n{GenericChart.toChartHTML(chart)}";
}
