using System.Text.Json;
using System.Text.Json.Nodes;
using LlmNotebooks.Reporting;

using LlmNotebooks.Notebooks;

namespace LlmNotebooks.NotebookTool;

/// <summary>
/// A Jupyter notebook file (nbformat 4), as VS Code's Polyglot Notebooks and Jupyter both save it: cells with their
/// source, metadata (tags, the cell's kernel) and outputs. Only what running a notebook needs is modelled; everything
/// else in the file is kept as it was.
/// </summary>
public sealed class NotebookFile
{
    /// <summary>A code cell with this tag must show at least one chart when it runs.</summary>
    public const string ChartTag = "chart";

    readonly JsonObject _root;

    NotebookFile(string path, JsonObject root)
    {
        Path = path;
        _root = root;
        Cells = root["cells"]!.AsArray().Select((c, i) => new Cell(c!.AsObject(), i + 1)).ToList();
    }

    public string Path { get; }

    public IReadOnlyList<Cell> Cells { get; }

    /// <summary>The notebook's metadata entry saying which code its outputs came from, and how it was run.</summary>
    public const string OutputsKey = "llmnb_outputs";

    /// <summary>A hash of the code cells' sources: outputs recorded from other code do not belong to this notebook.</summary>
    public string CodeHash => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
        string.Join("\n\u0000\n", Cells.Where(c => c.IsCode).Select(c => c.Source.ReplaceLineEndings("\n"))))));

    /// <summary>What the outputs' stamp says: the hash of the code they came from, the parameters, when and on what CPU; null for none.</summary>
    public OutputsStamp? Outputs
    {
        get => _root["metadata"]?[OutputsKey] is JsonObject stamp ? stamp.Deserialize<OutputsStamp>() : null;
        set
        {
            var metadata = _root["metadata"] as JsonObject ?? (JsonObject)(_root["metadata"] = new JsonObject());
            if (value is null) metadata.Remove(OutputsKey);
            else metadata[OutputsKey] = JsonSerializer.SerializeToNode(value);
        }
    }

    /// <summary>Notebook files from names (00-setup) or paths; none given: every notebook in notebooks/, in order.</summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<string> namesOrPaths)
    {
        if (namesOrPaths.Count == 0)
        {
            var all = Directory.GetFiles(ProjectPaths.Notebooks, "*.ipynb").Order(StringComparer.Ordinal).ToList();
            return all.Count > 0 ? all : throw new FileNotFoundException($"no notebooks found in {ProjectPaths.Notebooks}");
        }
        return [.. namesOrPaths.Select(Locate)];
    }

    static string Locate(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return System.IO.Path.GetFullPath(nameOrPath);
        var inFolder = System.IO.Path.Combine(ProjectPaths.Notebooks, nameOrPath.EndsWith(".ipynb") ? nameOrPath : nameOrPath + ".ipynb");
        return File.Exists(inFolder) ? inFolder : throw new FileNotFoundException($"notebook not found: {nameOrPath} (looked in {ProjectPaths.Notebooks})");
    }

    /// <summary>Text as a notebook file holds it: one string, or (as Jupyter writes it) a list of lines.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue text => (string?)text ?? "",
        _ => "",
    };

    /// <summary>How many charts one output shows: the elements of class <see cref="ChartHtml.ChartClass"/> in its HTML.</summary>
    public static int ChartsIn(JsonObject output)
    {
        var html = Text(output["data"]?["text/html"]);
        var chart = $"class=\"{ChartHtml.ChartClass}\"";
        int count = 0;
        for (int at = html.IndexOf(chart, StringComparison.Ordinal); at >= 0; at = html.IndexOf(chart, at + chart.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    public static NotebookFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"notebook not found: {path}", path);
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException("empty file");
            if ((int?)root["nbformat"] != 4 || root["cells"] is not JsonArray) throw new InvalidDataException("not an nbformat 4 notebook (no cells)");
            return new NotebookFile(path, root);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or InvalidDataException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a valid .ipynb notebook: {e.Message}", e);
        }
    }

    /// <summary>Writes the notebook as Jupyter does (one-space indent); every cell gets the id nbformat 4.5 requires.</summary>
    public void Save(string path)
    {
        foreach (var cell in Cells) cell.EnsureId();
        if ((int?)_root["nbformat_minor"] is null or < 5) _root["nbformat_minor"] = 5;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // Markup stays readable (no \u003C for every '<'), as Jupyter writes it.
        var options = new JsonSerializerOptions { WriteIndented = true, IndentSize = 1, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        AtomicFile.WriteAllText(path, _root.ToJsonString(options) + "\n");
    }

    public sealed class Cell(JsonObject json, int number)
    {
        /// <summary>1-based, counting every cell (markdown too), as an editor shows it.</summary>
        public int Number => number;

        public bool IsMarkdown => (string?)json["cell_type"] == "markdown";

        public bool IsCode => (string?)json["cell_type"] == "code" && Kernel is null or "csharp" or "C#" && !string.IsNullOrWhiteSpace(Source);

        /// <summary>Polyglot Notebooks records each cell's kernel; Jupyter-only files do not (then the notebook's default, C#).</summary>
        string? Kernel => (string?)json["metadata"]?["polyglot_notebook"]?["kernelName"];

        public string Source => Text(json["source"]);

        /// <summary>How many charts the cell's outputs show (none for a cell without outputs).</summary>
        public int Charts => (json["outputs"] as JsonArray)?.OfType<JsonObject>().Sum(ChartsIn) ?? 0;

        public string FirstLine => Source.TrimStart().Split('\n', 2)[0].Trim();

        public IReadOnlyList<string> Tags => json["metadata"]?["tags"] is JsonArray tags ? [.. tags.Select(t => (string?)t ?? "")] : [];

        public JsonArray Outputs => json["outputs"] as JsonArray ?? (JsonArray)(json["outputs"] = new JsonArray());

        public int? ExecutionCount
        {
            get => (int?)json["execution_count"];
            set => json["execution_count"] = value;
        }

        public void ClearOutputs()
        {
            if ((string?)json["cell_type"] != "code") return;
            json["outputs"] = new JsonArray();
            json["execution_count"] = null;
        }

        internal void EnsureId() => json["id"] ??= $"cell-{number}";
    }
}

/// <summary>Which code a notebook's saved outputs came from (<see cref="NotebookFile.CodeHash"/>), with what parameters, when and where.</summary>
public sealed record OutputsStamp(
    [property: System.Text.Json.Serialization.JsonPropertyName("code_sha256")] string CodeSha256,
    [property: System.Text.Json.Serialization.JsonPropertyName("parameters")] IReadOnlyDictionary<string, string> Parameters,
    [property: System.Text.Json.Serialization.JsonPropertyName("date")] string Date,
    [property: System.Text.Json.Serialization.JsonPropertyName("cpu")] string Cpu,
    [property: System.Text.Json.Serialization.JsonPropertyName("seconds")] double Seconds);
