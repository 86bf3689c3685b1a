using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LlmNotebooks.Reporting;

using LlmNotebooks.Notebooks;

namespace LlmNotebooks.NotebookTool;

/// <summary>A notebook cell that failed: which notebook, which cell (1-based, counting every cell), and why.</summary>
public sealed record CellFailure(string Notebook, int Cell, string Error)
{
    public override string ToString() => $"{Notebook}: cell {Cell} failed: {Error}";
}

/// <summary>One code cell as it ran: how long it took and how many charts it showed.</summary>
public sealed record CellRun(int Cell, string FirstLine, TimeSpan Elapsed, int Charts);

/// <summary>The outcome of one notebook run.</summary>
public sealed record NotebookRunResult(string Notebook, string ExecutedNotebook, IReadOnlyList<CellRun> Cells, TimeSpan Elapsed, CellFailure? Failure)
{
    public bool Succeeded => Failure is null;
    public int Charts => Cells.Sum(c => c.Charts);
}

/// <summary>
/// Runs a notebook top to bottom in a real .NET Interactive kernel (<see cref="KernelProcess"/>, the process a
/// student's editor starts), stopping at the first failing cell, and saves a copy with every output, as an editor
/// would. A cell fails when the kernel reports an error, when the compiler warns (a student reads a warning in red
/// as an error), when it updates a display the editor cannot find, or when a cell tagged
/// <see cref="NotebookFile.ChartTag"/> shows no chart.
/// <para>
/// Parameters: the first code cell with a line that starts with <see cref="ParametersMarker"/> declares the
/// notebook's parameters as ordinary variables; a run can override any of them by name, converted to the variable's declared
/// type. Tests run the notebooks at smoke scale this way.
/// </para>
/// </summary>
public sealed class NotebookRunner
{
    public const string ParametersMarker = "// Parameters";

    /// <summary>Called with each code cell's number and first line before it runs (for progress display).</summary>
    public Action<int, string>? CellStarting { get; init; }

    /// <summary>Longest a single cell may run; none by default (a notebook at full scale trains for a while).</summary>
    public TimeSpan? CellTimeout { get; init; }

    public NotebookRunResult Run(string notebookPath, string executedPath, IReadOnlyDictionary<string, string>? parameters = null,
        CancellationToken cancellation = default)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        string name = Path.GetFileName(notebookPath);
        var notebook = NotebookFile.Load(notebookPath);
        var overrides = new Dictionary<string, string>(parameters ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var runs = new List<CellRun>();
        CellFailure? failure = null;
        foreach (var cell in notebook.Cells) cell.ClearOutputs();
        try
        {
            using var kernel = KernelProcess.Start(Path.GetDirectoryName(notebookPath)!);
            var outputs = new OutputCollector();
            bool parametersSeen = false;
            foreach (var cell in notebook.Cells.Where(c => c.IsCode))
            {
                cancellation.ThrowIfCancellationRequested();
                CellStarting?.Invoke(cell.Number, cell.FirstLine);
                var cellClock = Stopwatch.StartNew();
                KernelResult result;
                try
                {
                    result = kernel.Submit(cell.Source, CellTimeout, cancellation);
                }
                catch (KernelProcessException e)
                {
                    failure = new CellFailure(name, cell.Number, e.Message);
                    break;
                }
                cell.ExecutionCount = runs.Count + 1;
                var problems = outputs.Collect(result, cell);
                int charts = cell.Charts;
                runs.Add(new CellRun(cell.Number, cell.FirstLine, cellClock.Elapsed, charts));
                failure = result.Error is { } error ? new CellFailure(name, cell.Number, FirstLine(error))
                    : problems.Count > 0 ? new CellFailure(name, cell.Number, problems[0])
                    : cell.Tags.Contains(NotebookFile.ChartTag) && charts == 0 ? new CellFailure(name, cell.Number, "the cell is tagged to show a chart but showed none")
                    : null;
                if (failure is not null) break;
                if (!parametersSeen && IsParametersCell(cell.Source))
                {
                    parametersSeen = true;
                    failure = ApplyOverrides(kernel, overrides, name, cell.Number, cancellation);
                    overrides.Clear();
                    if (failure is not null) break;
                }
            }
            if (failure is null && overrides.Count > 0)
                failure = new CellFailure(name, 0, $"parameters given ({string.Join(", ", overrides.Keys)}) but the notebook has no cell with a line starting with '{ParametersMarker}'");
        }
        catch (KernelProcessException e)
        {
            failure = new CellFailure(name, 0, e.Message);
        }
        finally
        {
            notebook.Outputs = failure is null
                ? new OutputsStamp(notebook.CodeHash, parameters ?? new Dictionary<string, string>(), DateTime.UtcNow.ToString("yyyy-MM-dd"),
                    Platform.CpuInfo.Detect().Model, Math.Round(clock.Elapsed.TotalSeconds, 1))
                : null;
            notebook.Save(executedPath);
        }
        return new NotebookRunResult(notebookPath, Path.GetFullPath(executedPath), runs, clock.Elapsed, failure);
    }

    /// <summary>Whether a code cell is the parameters cell: one of its lines starts with <see cref="ParametersMarker"/>.</summary>
    public static bool IsParametersCell(string source) =>
        source.Split('\n').Any(line => line.TrimStart().StartsWith(ParametersMarker, StringComparison.Ordinal));

    /// <summary>Assigns each override to the parameter variable of that name, written as a C# literal of its declared type.</summary>
    static CellFailure? ApplyOverrides(KernelProcess kernel, Dictionary<string, string> overrides, string notebook, int cell, CancellationToken cancellation)
    {
        if (overrides.Count == 0) return null;
        var variables = kernel.Variables();
        var assignments = new StringBuilder();
        foreach (var (key, text) in overrides)
        {
            if (!variables.TryGetValue(key, out var type))
                return new CellFailure(notebook, cell, $"unknown parameter '{key}'; the parameters cell defines: {string.Join(", ", variables.Keys)}");
            var literal = Literal(text, type);
            if (literal is null) return new CellFailure(notebook, cell, $"parameter '{key}' expects {ShortType(type)}, got '{text}'");
            assignments.AppendLine($"{key} = {literal};");
        }
        var result = kernel.Submit(assignments.ToString(), TimeSpan.FromMinutes(1), cancellation);
        return result.Error is { } error ? new CellFailure(notebook, cell, $"could not set the parameters: {FirstLine(error)}") : null;
    }

    static string ShortType(string type) => type.StartsWith("System.", StringComparison.Ordinal) ? type["System.".Length..] : type;

    /// <summary>The C# literal for a value of the given type, or null when the text is not such a value.</summary>
    static string? Literal(string text, string type)
    {
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            "System.String" => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"",
            "System.Int32" => int.TryParse(text, NumberStyles.Integer, invariant, out var i) ? i.ToString(invariant) : null,
            "System.Int64" => long.TryParse(text, NumberStyles.Integer, invariant, out var l) ? l.ToString(invariant) + "L" : null,
            "System.Double" => double.TryParse(text, NumberStyles.Float, invariant, out var d) && double.IsFinite(d) ? d.ToString("R", invariant) + "d" : null,
            "System.Boolean" => bool.TryParse(text, out var b) ? (b ? "true" : "false") : null,
            _ => null,
        };
    }

    static string FirstLine(string text) => text.TrimStart().Split('\n', 2)[0].Trim();

    /// <summary>
    /// Turns a cell's kernel events into nbformat outputs, as Jupyter shows them: stdout and stderr streams (merged
    /// while consecutive), displays, the cell's value, its error. A display updated later (a live chart, possibly
    /// from a later cell) is replaced in place, as an editor does, matched by its display id.
    /// </summary>
    sealed class OutputCollector
    {
        readonly Dictionary<string, JsonObject> _displays = new();

        /// <summary>Adds the outputs to the cell; returns what a student would see go wrong (compiler warnings, lost updates).</summary>
        public List<string> Collect(KernelResult result, NotebookFile.Cell cell)
        {
            var problems = new List<string>();
            foreach (var e in result.Events)
            {
                switch (e.Type)
                {
                    case "StandardOutputValueProduced": Stream(cell, "stdout", Text(e.Body)); break;
                    case "StandardErrorValueProduced": Stream(cell, "stderr", Text(e.Body)); break;
                    case "DisplayedValueProduced":
                        var display = new JsonObject { ["output_type"] = "display_data", ["data"] = Data(e.Body), ["metadata"] = new JsonObject() };
                        cell.Outputs.Add(display);
                        if ((string?)e.Body["valueId"] is { } id) _displays[id] = display;
                        break;
                    case "DisplayedValueUpdated":
                        if ((string?)e.Body["valueId"] is { } updated && _displays.TryGetValue(updated, out var target)) target["data"] = Data(e.Body);
                        else problems.Add("an update of a display the editor never showed, so it is lost (value.Display() in this kernel " +
                                          "returns a different display than the one it shows: use KernelInvocationContext.Current.Display(value))");
                        break;
                    case "ReturnValueProduced":
                        cell.Outputs.Add(new JsonObject
                        {
                            ["output_type"] = "execute_result", ["execution_count"] = cell.ExecutionCount, ["data"] = Data(e.Body), ["metadata"] = new JsonObject(),
                        });
                        break;
                    case "DiagnosticsProduced":
                        var warnings = e.Body["diagnostics"]?.AsArray().OfType<JsonObject>().Zip(e.Body["formattedDiagnostics"]?.AsArray().OfType<JsonObject>() ?? [])
                            .Where(d => (string?)d.First["severity"] == "warning").Select(d => (string?)d.Second["value"] ?? "").ToList() ?? [];
                        foreach (var warning in warnings) Stream(cell, "stderr", warning + "\n");
                        problems.AddRange(warnings.Select(w => $"compiler warning: {w}"));
                        break;
                }
            }
            if (result.Error is { } error)
                cell.Outputs.Add(new JsonObject
                {
                    ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = FirstLine(error),
                    ["traceback"] = new JsonArray([.. error.Split('\n').Select(l => (JsonNode)l.TrimEnd('\r'))]),
                });
            return problems;
        }

        static void Stream(NotebookFile.Cell cell, string name, string text)
        {
            if (cell.Outputs.Count > 0 && cell.Outputs[^1] is JsonObject last && (string?)last["output_type"] == "stream" && (string?)last["name"] == name)
                last["text"] = (string?)last["text"] + text;
            else cell.Outputs.Add(new JsonObject { ["output_type"] = "stream", ["name"] = name, ["text"] = text });
        }

        static string Text(JsonObject body) => (string?)body["formattedValues"]?[0]?["value"] ?? "";

        /// <summary>
        /// A display's data by MIME type. A chart's HTML carries its PNG (for viewers that run no script); the PNG goes
        /// in as image/png too, which viewers that show no HTML at all (some renderers of .ipynb files) fall back to.
        /// </summary>
        static JsonObject Data(JsonObject body)
        {
            var data = new JsonObject();
            foreach (var value in body["formattedValues"]?.AsArray().OfType<JsonObject>() ?? [])
                data[(string?)value["mimeType"] ?? "text/plain"] = (string?)value["value"] ?? "";
            if ((string?)data["text/html"] is { } html && html.Contains(ChartHtml.ChartClass, StringComparison.Ordinal)
                && System.Text.RegularExpressions.Regex.Match(html, "data:image/png;base64,([A-Za-z0-9+/=]+)") is { Success: true } png)
                data["image/png"] = png.Groups[1].Value;
            return data;
        }
    }
}
