using System.Text;
using Markdig;

namespace LlmNotebooks.Reporting;

/// <summary>
/// Writes a composed report: <c>report.md</c> with a PNG of every figure beside it (ScottPlot), and
/// <c>report.html</c>, with the same figures as interactive plotly.js charts. plotly.js (4.9 MB) is a file beside the
/// page rather than inlined, so the page stays small enough to commit and review; where that file is missing (a
/// checkout: it is not committed) the page loads plotly.js from its CDN, and offline it shows the PNGs. Both end with
/// the list of files the numbers were read from.
/// </summary>
static class ReportRenderer
{
    public const string MarkdownFile = "report.md", HtmlFile = "report.html";

    public static ReportResult Write(ReportDocument document, string title, string outFolder, Action<string>? log)
    {
        Directory.CreateDirectory(outFolder);
        var figures = new List<string>();
        var markdown = new StringBuilder();
        var html = new StringBuilder();
        var pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case ReportText t:
                    markdown.AppendLine(t.Markdown.Trim()).AppendLine();
                    html.AppendLine(Markdown.ToHtml(t.Markdown, pipeline));
                    break;
                case ReportChart c:
                    PngCharts.Save(c.Figure, Path.Combine(outFolder, c.File));
                    figures.Add(c.File);
                    markdown.AppendLine($"![{c.Figure.Title}]({c.File})").AppendLine();
                    html.AppendLine($"<div class=\"figure\">{ChartHtml.Chart(c.Figure, image: c.File)}</div>");
                    break;
            }
        }
        var sources = string.Join("\n", ["## Where the numbers come from", "", "Files of the run folder each number above was read from:", "",
            .. document.Numbers.Select(n => n.Source).Distinct().Order(StringComparer.Ordinal).Select(s => $"- `{s}`")]);
        markdown.AppendLine(sources);
        html.AppendLine(Markdown.ToHtml(sources, pipeline));

        var markdownPath = Path.Combine(outFolder, MarkdownFile);
        var htmlPath = Path.Combine(outFolder, HtmlFile);
        AtomicFile.WriteAllText(markdownPath, markdown.ToString());
        AtomicFile.WriteAllText(Path.Combine(outFolder, ChartHtml.PlotlyFile), ChartHtml.PlotlyScript());
        AtomicFile.WriteAllText(htmlPath, Page(title, html.ToString()));
        log?.Invoke($"report: {markdownPath} and {htmlPath} ({figures.Count} figures)");
        return new ReportResult(markdownPath, htmlPath, figures, document.Numbers);
    }

    static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{System.Net.WebUtility.HtmlEncode(title)}}</title>
        <style>
          body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }
          table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
          th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
          blockquote { background: #fff8e1; border-left: 4px solid #f0b400; margin: 1em 0; padding: 0.5em 1em; }
          .figure { margin: 1.5em 0; }
          code { background: #f3f3f3; padding: 0 0.2em; }
        </style>
        <script type="text/javascript" src="{{ChartHtml.PlotlyFile}}"></script>
        </head><body>
        {{body}}
        </body></html>
        """;
}
