using System.Reflection;

namespace LlmNotebooks.Reporting;

/// <summary>
/// The HTML of an interactive chart, the same in a notebook cell and in report.html. It draws with the page's
/// plotly.js when there is one (report.html inlines it), through require.js where the page has that (classic
/// Jupyter), and otherwise loads plotly.js from its CDN once per page (VS Code, JupyterLab). If plotly.js cannot be
/// loaded (no internet), the chart's place says so.
/// </summary>
public static class ChartHtml
{
    /// <summary>The plotly.js release embedded in the library (from the Plotly.Blazor package; see LlmNotebooks.csproj).</summary>
    public static string PlotlyVersion { get; } = typeof(ChartHtml).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "PlotlyJsVersion").Value!;

    public static string PlotlyCdn => $"https://cdn.plot.ly/plotly-{PlotlyVersion}.min";

    /// <summary>Marks every chart's element, so tests and tools can count the charts in a page or a notebook.</summary>
    public const string ChartClass = "llmnb-chart";

    /// <summary>plotly.js itself, to inline once in a page that must work offline.</summary>
    public static string PlotlyScript()
    {
        using var stream = typeof(ChartHtml).Assembly.GetManifestResourceStream("plotly.min.js")
            ?? throw new InvalidOperationException("plotly.min.js is not embedded in the library (see LlmNotebooks.csproj)");
        return new StreamReader(stream).ReadToEnd();
    }

    public static string Chart(Figure figure, int height = 450)
    {
        var id = $"{ChartClass}-{Guid.NewGuid():N}";
        return $$"""
            <div id="{{id}}" class="{{ChartClass}}" data-title="{{System.Net.WebUtility.HtmlEncode(figure.Title)}}" style="width:100%;height:{{height}}px"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{PlotlyJson.Serialize(figure)}};
              var draw = function (Plotly) { Plotly.newPlot('{{id}}', figure.data, figure.layout, { responsive: true }); };
              var fail = function () { document.getElementById('{{id}}').textContent = 'This chart needs plotly.js from {{PlotlyCdn}}.js, which could not be loaded (offline?).'; };
              if (window.Plotly) { draw(window.Plotly); return; }
              if (typeof requirejs === 'function') { requirejs.config({ paths: { plotly: '{{PlotlyCdn}}' } }); requirejs(['plotly'], draw, fail); return; }
              window.llmnbPlotly = window.llmnbPlotly || new Promise(function (resolve, reject) {
                var script = document.createElement('script');
                script.src = '{{PlotlyCdn}}.js';
                script.onload = function () { resolve(window.Plotly); };
                script.onerror = reject;
                document.head.appendChild(script);
              });
              window.llmnbPlotly.then(draw, fail);
            })();
            </script>
            """;
    }
}
