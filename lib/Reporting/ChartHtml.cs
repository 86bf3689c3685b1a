using System.Reflection;

namespace LlmNotebooks.Reporting;

/// <summary>
/// The HTML of an interactive chart, the same in a notebook cell and in report.html. It draws with the page's
/// plotly.js when there is one (report.html loads the copy beside it), through require.js where the page has that
/// (classic Jupyter), and otherwise loads plotly.js from its CDN once per page (VS Code, JupyterLab). If plotly.js
/// cannot be loaded (no internet), the chart's place shows its still image, or says so where it has none.
/// </summary>
public static class ChartHtml
{
    /// <summary>The plotly.js release embedded in the library (from the Plotly.Blazor package; see LlmNotebooks.csproj).</summary>
    public static string PlotlyVersion { get; } = typeof(ChartHtml).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .First(a => a.Key == "PlotlyJsVersion").Value!;

    public static string PlotlyCdn => $"https://cdn.plot.ly/plotly-{PlotlyVersion}.min";

    /// <summary>Marks every chart's element, so tests and tools can count the charts in a page or a notebook.</summary>
    public const string ChartClass = "llmnb-chart";

    /// <summary>The name of plotly.js as a file beside a page.</summary>
    public static string PlotlyFile => $"plotly-{PlotlyVersion}.min.js";

    /// <summary>plotly.js itself, for a page that must work offline.</summary>
    public static string PlotlyScript()
    {
        using var stream = typeof(ChartHtml).Assembly.GetManifestResourceStream("plotly.min.js")
            ?? throw new InvalidOperationException("plotly.min.js is not embedded in the library (see LlmNotebooks.csproj)");
        return new StreamReader(stream).ReadToEnd();
    }

    /// <param name="image">A still image of the same figure, shown until the chart is drawn and where it cannot be.</param>
    public static string Chart(Figure figure, int height = 450, string? image = null)
    {
        var id = $"{ChartClass}-{Guid.NewGuid():N}";
        var title = System.Net.WebUtility.HtmlEncode(figure.Title);
        var still = image is null ? "" : $"<img src=\"{System.Net.WebUtility.HtmlEncode(image)}\" alt=\"{title}\" style=\"max-width:100%\">";
        return $$"""
            <div id="{{id}}" class="{{ChartClass}}" data-title="{{title}}" style="width:100%;min-height:{{height}}px">{{still}}</div>
            <script type="text/javascript">
            (function () {
              var figure = {{PlotlyJson.Serialize(figure)}};
              var place = document.getElementById('{{id}}');
              var draw = function (Plotly) { place.innerHTML = ''; place.style.height = '{{height}}px'; Plotly.newPlot(place, figure.data, figure.layout, { responsive: true }); };
              var fail = function () { if (!place.querySelector('img')) place.textContent = 'This chart needs plotly.js from {{PlotlyCdn}}.js, which could not be loaded (offline?).'; };
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
