namespace LlmNotebooks.Reporting;

/// <summary>One named line or set of bars: x positions (or category labels) and values.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// A chart described as data, independent of how it is drawn: notebooks and report.html show it as an interactive
/// plotly.js chart (<see cref="PlotlyJson"/>), report.md gets a PNG of the same figure (<see cref="PngCharts"/>).
/// Every figure in the project is one of these. In a notebook, a cell whose value is a figure shows the chart, with
/// its PNG inside for pages and viewers that run no script (GitHub, nbconvert, an offline editor).
/// </summary>
[TypeFormatterSource(typeof(NotebookHtmlFormatterSource), PreferredMimeTypes = ["text/html"])]
public abstract record Figure(string Title) : INotebookHtml
{
    /// <summary>Size of the PNG a notebook keeps with each chart: small, as every copy lives in the notebook file.</summary>
    public const int NotebookPngWidth = 720, NotebookPngHeight = 400;

    public string ToHtml() => ChartHtml.Chart(this, image: PngDataUri);

    public string ToText() => $"[chart: {Title}]";

    /// <summary>The figure's PNG as a data URI.</summary>
    public string PngDataUri => "data:image/png;base64," + Convert.ToBase64String(PngCharts.Png(this, NotebookPngWidth, NotebookPngHeight));

    /// <summary>A short file name for the figure (letters, digits, dashes).</summary>
    public string Slug => string.Concat(Title.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'))
        .Split('-', StringSplitOptions.RemoveEmptyEntries) is var parts ? string.Join('-', parts) : "figure";
}

/// <summary>Lines over a numeric x axis (loss curves, learning rate, activation functions).</summary>
public sealed record LineFigure(string Title, string XLabel, string YLabel, IReadOnlyList<Series> Lines, bool LogY = false) : Figure(Title);

/// <summary>Grouped bars over named categories, optionally with a confidence interval per bar.</summary>
public sealed record BarFigure(string Title, string YLabel, IReadOnlyList<string> Categories, IReadOnlyList<BarGroup> Groups) : Figure(Title);

/// <param name="Low">Lower ends of the interval per category (same length as the values), or null.</param>
public sealed record BarGroup(string Name, IReadOnlyList<double> Values, IReadOnlyList<double>? Low = null, IReadOnlyList<double>? High = null);

/// <summary>A matrix of values with labelled rows and columns (attention weights).</summary>
public sealed record HeatmapFigure(string Title, IReadOnlyList<string> Columns, IReadOnlyList<string> Rows, double[,] Values,
    string XLabel = "", string YLabel = "") : Figure(Title);
