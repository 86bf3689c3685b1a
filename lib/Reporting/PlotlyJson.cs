using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmNotebooks.Reporting;

/// <summary>
/// A <see cref="Figure"/> as plotly.js reads it: <c>{"data": [traces], "layout": {…}}</c>. The one chart description
/// behind every interactive chart, in notebooks and in report.html alike.
/// </summary>
public static class PlotlyJson
{
    public static JsonObject Of(Figure figure)
    {
        var (data, layout) = figure switch
        {
            LineFigure f => (Lines(f), Axes(f.XLabel, f.YLabel, f.LogY)),
            BarFigure f => (Bars(f), Axes("", f.YLabel, false, new JsonObject { ["barmode"] = "group" })),
            HeatmapFigure f => (Heatmap(f), Axes(f.XLabel, f.YLabel, false, reverseY: true)),
            _ => throw new ArgumentException($"no plotly.js rendering for {figure.GetType().Name}"),
        };
        layout["title"] = new JsonObject { ["text"] = figure.Title };
        layout["margin"] = new JsonObject { ["t"] = 60, ["r"] = 30 };
        return new JsonObject { ["data"] = data, ["layout"] = layout };
    }

    public static string Serialize(Figure figure) => Of(figure).ToJsonString(Options);

    static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static JsonArray Lines(LineFigure f) =>
    [
        .. f.Lines.Select(s => (JsonNode)new JsonObject
        {
            ["type"] = "scatter", ["mode"] = "lines", ["name"] = s.Name, ["showlegend"] = f.Lines.Count > 1,
            ["x"] = Numbers(s.X), ["y"] = Numbers(s.Y),
        }),
    ];

    static JsonArray Bars(BarFigure f) =>
    [
        .. f.Groups.Select(g =>
        {
            var trace = new JsonObject
            {
                ["type"] = "bar", ["name"] = g.Name, ["showlegend"] = f.Groups.Count > 1,
                ["x"] = new JsonArray([.. f.Categories.Select(c => (JsonNode)c)]), ["y"] = Numbers(g.Values),
            };
            if (g.Low is not null && g.High is not null)
                trace["error_y"] = new JsonObject
                {
                    ["type"] = "data", ["symmetric"] = false, ["visible"] = true,
                    ["array"] = Numbers(g.Values.Zip(g.High, (v, h) => h - v).ToList()),
                    ["arrayminus"] = Numbers(g.Values.Zip(g.Low, (v, l) => v - l).ToList()),
                };
            return (JsonNode)trace;
        }),
    ];

    static JsonArray Heatmap(HeatmapFigure f)
    {
        var rows = new JsonArray();
        for (int r = 0; r < f.Values.GetLength(0); r++)
            rows.Add(Numbers(Enumerable.Range(0, f.Values.GetLength(1)).Select(c => f.Values[r, c]).ToList()));
        // Repeated tokens would merge into one category: each label keeps its position.
        return
        [
            new JsonObject
            {
                ["type"] = "heatmap", ["colorscale"] = "Viridis", ["z"] = rows,
                ["x"] = new JsonArray([.. f.Columns.Select((c, i) => (JsonNode)$"{i}:{c}")]),
                ["y"] = new JsonArray([.. f.Rows.Select((r, i) => (JsonNode)$"{i}:{r}")]),
            },
        ];
    }

    static JsonObject Axes(string x, string y, bool logY, JsonObject? layout = null, bool reverseY = false)
    {
        layout ??= [];
        layout["xaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = x } };
        var yaxis = new JsonObject { ["title"] = new JsonObject { ["text"] = y } };
        if (logY) yaxis["type"] = "log";
        if (reverseY) yaxis["autorange"] = "reversed";   // rows top to bottom, as in a matrix
        layout["yaxis"] = yaxis;
        return layout;
    }

    /// <summary>Numbers, with NaN and infinities as null (JSON has no such numbers; plotly.js leaves a gap).</summary>
    static JsonArray Numbers(IReadOnlyList<double> values) =>
        [.. values.Select(v => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null)];
}
