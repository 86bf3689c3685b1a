using LlmNotebooks.Data;
using LlmNotebooks.Platform;
using LlmNotebooks.Reporting;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace LlmNotebooks.Notebooks;

/// <summary>What a notebook gets from <see cref="NotebookSession.Start"/>: a working torch and the data folder.</summary>
public sealed record NotebookSession(string DataFolder, TorchRuntime.TorchStatus Torch)
{
    /// <summary>
    /// The first call of every notebook: makes TorchSharp load (applying the Linux fix where needed), resolves the data
    /// folder (a notebook parameter; empty means the default) and teaches the notebook how to show charts.
    /// </summary>
    public static NotebookSession Start(string? dataFolder = null)
    {
        var torch = TorchRuntime.Initialize();
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ChartHtml.ForNotebook(chart)), HtmlFormatter.MimeType);
        Formatter.Register<Reporting.Figure>((figure, writer) => writer.Write(ChartHtml.ForNotebook(PlotlyCharts.Render(figure))), HtmlFormatter.MimeType);
        // A list of figures (one per task, say) shows as the charts one below the other, not as a tree of objects.
        Formatter.Register<IEnumerable<Reporting.Figure>>((figures, writer) =>
        {
            foreach (var figure in figures) writer.Write(ChartHtml.ForNotebook(PlotlyCharts.Render(figure)));
        }, HtmlFormatter.MimeType);
        return new NotebookSession(Data.DataFolder.Resolve(string.IsNullOrWhiteSpace(dataFolder) ? null : dataFolder), torch);
    }

    /// <summary>The <c>doctor</c> report as rows a notebook shows as a table.</summary>
    public IReadOnlyList<ReportLine> Doctor() => SystemReport.Collect(DataFolder).Lines;
}
