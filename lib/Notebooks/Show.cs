using System.Collections;
using System.Reflection;
using LlmNotebooks.Reporting;

namespace LlmNotebooks.Notebooks;

/// <summary>A value shown by <see cref="Show"/>, which a cell can redraw as it changes (a loss curve during training).</summary>
public sealed class ShownValue(Action<object> update)
{
    public void Update(object value) => update(value);
}

/// <summary>
/// Shows a value in whichever form a notebook runs. In the .NET Interactive kernel (VS Code, Jupyter) it goes to the
/// editor's display. Run as a C# file-based app (notebooks/apps/), there is no editor: a chart is written as an HTML
/// page with a PNG beside it in <see cref="Folder"/> and named on the console, a table or a token view is printed as
/// text, anything else as its string. This is the one place the workbook touches the kernel's API, by reflection, so
/// the library references no kernel assembly (whose version differs from editor to editor).
/// </summary>
public static class Show
{
    static readonly Lock Gate = new();
    static int _charts;

    /// <summary>Where a console run writes its charts (a file-based app sets its own folder).</summary>
    public static string Folder { get; set; } = Path.Combine(ProjectPaths.Runs, "notebooks", "charts");

    /// <summary>The kernel's invocation context when this code runs in a notebook cell, else null.</summary>
    static object? KernelContext() =>
        Type.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext, Microsoft.DotNet.Interactive")?
            .GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);

    /// <summary>Whether this code runs in a notebook kernel.</summary>
    public static bool InKernel => KernelContext() is not null;

    /// <summary>Shows <paramref name="value"/> now; the returned handle redraws it in place.</summary>
    public static ShownValue Value(object? value)
    {
        if (KernelContext() is { } context) return DisplayInKernel(context, value);
        if (value is Figure figure)
        {
            var (html, png) = WriteChart(figure, NextChartName(figure));
            Console.WriteLine($"chart \"{figure.Title}\": {NotebookSession.Relative(html)} (PNG: {NotebookSession.Relative(png)})");
            return new ShownValue(next => { if (next is Figure updated) WriteChart(updated, Path.GetFileNameWithoutExtension(html)); });
        }
        Console.WriteLine(Text(value));
        return new ShownValue(next => Console.WriteLine(Text(next)));
    }

    /// <summary>The console form of a value: a table or HTML view as text, other sequences as a table of their items.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        string text => text,
        INotebookHtml html => html.ToText(),
        IEnumerable items when value.GetType().IsGenericType => TableView.Of(items.Cast<object>().Select(i => new { Value = i })).ToText(),
        _ => value.ToString() ?? "",
    };

    static ShownValue DisplayInKernel(object context, object? value)
    {
        // KernelInvocationContextExtensions.Display(context, value, mimeTypes): the display whose updates land (value.Display() in
        // this kernel version returns a different display than the one it shows).
        var display = Type.GetType("Microsoft.DotNet.Interactive.KernelInvocationContextExtensions, Microsoft.DotNet.Interactive")!
            .GetMethod("Display", BindingFlags.Public | BindingFlags.Static)!;
        var shown = display.Invoke(null, [context, value, Array.Empty<string>()]);
        var update = shown?.GetType().GetMethod("Update", [typeof(object)]);
        return new ShownValue(next => update?.Invoke(shown, [next]));
    }

    static string NextChartName(Figure figure)
    {
        lock (Gate) return $"{++_charts:D2}-{figure.Slug}";
    }

    /// <summary>The chart as a page that works offline (plotly.js beside it) and its PNG, which the page shows until the chart is drawn.</summary>
    static (string Html, string Png) WriteChart(Figure figure, string name)
    {
        Directory.CreateDirectory(Folder);
        var png = Path.Combine(Folder, name + ".png");
        var html = Path.Combine(Folder, name + ".html");
        PngCharts.Save(figure, png);
        var plotly = Path.Combine(Folder, ChartHtml.PlotlyFile);
        if (!File.Exists(plotly)) AtomicFile.WriteAllText(plotly, ChartHtml.PlotlyScript());
        AtomicFile.WriteAllText(html, $"""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>{System.Net.WebUtility.HtmlEncode(figure.Title)}</title>
            <script src="{ChartHtml.PlotlyFile}"></script></head>
            <body>{ChartHtml.Chart(figure, image: Path.GetFileName(png))}</body></html>
            """);
        return (html, png);
    }

}
