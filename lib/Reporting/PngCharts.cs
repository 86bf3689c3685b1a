using ScottPlot;

namespace LlmNotebooks.Reporting;

/// <summary>
/// Draws a <see cref="Figure"/> as a PNG with ScottPlot, without a browser: the static images of report.md. The
/// same figure objects feed the interactive Plotly charts of the notebooks and report.html.
/// </summary>
public static class PngCharts
{
    public const int Width = 900, Height = 500;

    static PngCharts()
    {
        Platform.NativeAssets.Resolve(typeof(SkiaSharp.SKTypeface).Assembly);
        Platform.NativeAssets.Resolve(typeof(HarfBuzzSharp.Blob).Assembly);
    }

    public static void Save(Figure figure, string path, int width = Width, int height = Height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var bytes = Png(figure, width, height);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The figure as PNG bytes.</summary>
    public static byte[] Png(Figure figure, int width = Width, int height = Height)
    {
        var plot = new Plot();
        plot.Title(figure.Title);
        switch (figure)
        {
            case LineFigure f:
                foreach (var series in f.Lines.Where(s => s.X.Count > 0))
                {
                    var line = plot.Add.ScatterLine(series.X.ToArray(), series.Y.ToArray());
                    line.LegendText = f.Lines.Count > 1 ? series.Name : "";
                    line.LineWidth = 2;
                }
                plot.XLabel(f.XLabel);
                plot.YLabel(f.YLabel);
                if (f.Lines.Count > 1) plot.ShowLegend(Alignment.UpperRight);
                break;
            case BarFigure f:
                DrawBars(plot, f);
                break;
            case HeatmapFigure f:
                DrawHeatmap(plot, f);
                break;
            default:
                throw new ArgumentException($"no PNG rendering for {figure.GetType().Name}");
        }
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    static void DrawBars(Plot plot, BarFigure f)
    {
        int groups = f.Groups.Count;
        double width = 0.8 / groups;
        var palette = new ScottPlot.Palettes.Category10();
        for (int g = 0; g < groups; g++)
        {
            var group = f.Groups[g];
            var bars = group.Values.Select((value, c) => new Bar
            {
                Position = c + (g - (groups - 1) / 2.0) * width,
                Value = value,
                Size = width * 0.9,
                FillColor = palette.GetColor(g),
                Error = group.Low is null || group.High is null ? 0 : (group.High[c] - group.Low[c]) / 2,
            }).ToList();
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = groups > 1 ? group.Name : "";
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, f.Categories.Count).Select(i => (double)i).ToArray(), f.Categories.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.YLabel(f.YLabel);
        plot.Axes.Margins(bottom: 0);
        if (groups > 1) plot.ShowLegend(Alignment.UpperRight);
    }

    static void DrawHeatmap(Plot plot, HeatmapFigure f)
    {
        var heatmap = plot.Add.Heatmap(f.Values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        // Cell i is centred on i; rows go top to bottom as in a matrix.
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, f.Columns.Count).Select(i => (double)i).ToArray(), f.Columns.ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, f.Rows.Count).Select(i => (double)(f.Rows.Count - 1 - i)).ToArray(), f.Rows.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.XLabel(f.XLabel);
        plot.YLabel(f.YLabel);
    }
}
