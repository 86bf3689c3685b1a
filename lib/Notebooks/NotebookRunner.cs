using System.Globalization;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace LlmNotebooks.Notebooks;

/// <summary>A notebook cell that failed: which notebook, which cell (1-based, counting every cell), and why.</summary>
public sealed record CellFailure(string Notebook, int Cell, string Error)
{
    public override string ToString() => $"{Notebook}: cell {Cell} failed: {Error}";
}

/// <summary>The outcome of one headless notebook run.</summary>
public sealed record NotebookRunResult(string Notebook, string ExecutedNotebook, int CellsRun, int CodeCells, TimeSpan Elapsed, CellFailure? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Runs a Polyglot (.ipynb) notebook top to bottom in this process with the .NET Interactive C# kernel, the way
/// VS Code would, stopping at the first failing cell. Outputs (displays, standard output, errors) are written into
/// a copy of the notebook, which is how report figures are produced without an editor.
/// <para>
/// Parameters: the first code cell that starts with <see cref="ParametersMarker"/> declares the notebook's
/// parameters as ordinary variables; a run can override any of them by name, and the override is converted to the
/// variable's declared type. Tests run the same notebooks at smoke scale this way.
/// </para>
/// </summary>
public sealed class NotebookRunner
{
    public const string ParametersMarker = "// Parameters";
    const string CSharp = "csharp";

    static readonly KernelInfoCollection Kernels = CreateKernelInfos();

    /// <summary>Called with each cell's number and first line before it runs (for progress display).</summary>
    public Action<int, string>? CellStarting { get; init; }

    public async Task<NotebookRunResult> RunAsync(
        string notebookPath, string executedPath, IReadOnlyDictionary<string, string>? parameters = null,
        CancellationToken cancellation = default)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        string name = Path.GetFileName(notebookPath);
        var document = await ReadAsync(notebookPath);
        var overrides = new Dictionary<string, string>(parameters ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int cellsRun = 0, codeCells = 0;
        CellFailure? failure = null;

        string previousDirectory = Environment.CurrentDirectory;
        // Relative paths in a notebook (#r "../bin/...", data folders) are relative to the notebook, as in an editor.
        Environment.CurrentDirectory = Path.GetDirectoryName(notebookPath)!;
        using var kernel = CreateKernel(out var csharp);
        var outputs = new OutputCollector();
        try
        {
            bool parametersSeen = false;
            for (int i = 0; i < document.Elements.Count && failure is null; i++)
            {
                var cell = document.Elements[i];
                cell.Outputs.Clear();
                if (!IsCode(cell)) continue;
                codeCells++;
                cancellation.ThrowIfCancellationRequested();
                CellStarting?.Invoke(i + 1, FirstLine(cell.Contents));
                var result = await kernel.SendAsync(new SubmitCode(cell.Contents, CSharp), cancellation);
                cellsRun++;
                cell.ExecutionOrder = cellsRun;
                outputs.Collect(result, cell);
                failure = Failure(name, i + 1, result);
                if (failure is null && !parametersSeen && cell.Contents.TrimStart().StartsWith(ParametersMarker, StringComparison.Ordinal))
                {
                    parametersSeen = true;
                    failure = await ApplyOverridesAsync(csharp, overrides, name, i + 1);
                    overrides.Clear();
                }
            }
            if (failure is null && overrides.Count > 0)
                failure = new CellFailure(name, 0,
                    $"parameters given ({string.Join(", ", overrides.Keys)}) but the notebook has no cell starting with '{ParametersMarker}'");
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(executedPath))!);
        await File.WriteAllTextAsync(executedPath, Notebook.ToJupyterJson(document), cancellation);
        return new NotebookRunResult(notebookPath, Path.GetFullPath(executedPath), cellsRun, codeCells, clock.Elapsed, failure);
    }

    /// <summary>Reads a notebook file; a file that is not a valid notebook is one clear error naming it.</summary>
    public static async Task<InteractiveDocument> ReadAsync(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"notebook not found: {path}", path);
        try
        {
            await using var stream = File.OpenRead(path);
            return Notebook.Read(stream, Kernels);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a valid .ipynb notebook: {e.Message}", e);
        }
    }

    /// <summary>Names and declared types of the parameters a notebook's parameters cell defines.</summary>
    static async Task<CellFailure?> ApplyOverridesAsync(CSharpKernel csharp, Dictionary<string, string> overrides, string notebook, int cell)
    {
        foreach (var (key, text) in overrides)
        {
            var variable = csharp.ScriptState.Variables.LastOrDefault(v => v.Name == key);
            if (variable is null)
            {
                var known = string.Join(", ", csharp.ScriptState.Variables.Select(v => v.Name).Distinct());
                return new CellFailure(notebook, cell, $"unknown parameter '{key}'; the parameters cell defines: {known}");
            }
            object value;
            try
            {
                value = ConvertParameter(text, variable.Type);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException or ArgumentException)
            {
                return new CellFailure(notebook, cell, $"parameter '{key}' expects {variable.Type.Name}, got '{text}': {e.Message}");
            }
            variable.Value = value;
        }
        return null;
    }

    static object ConvertParameter(string text, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string)) return text;
        if (target.IsEnum) return Enum.Parse(target, text, ignoreCase: true);
        return Convert.ChangeType(text, target, CultureInfo.InvariantCulture);
    }

    static CompositeKernel CreateKernel(out CSharpKernel csharp)
    {
        csharp = new CSharpKernel(CSharp)
            .UseNugetDirective((k, references) =>
            {
                k.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            }, forceRestore: false)
            .UseKernelHelpers();
        var composite = new CompositeKernel("notebook") { csharp };
        composite.DefaultKernelName = CSharp;
        return composite;
    }

    /// <summary>
    /// Turns a cell's kernel events into notebook outputs. A display that is updated later (a live chart, possibly
    /// from a later cell) is replaced in place rather than repeated. This kernel version gives a value's updates an
    /// id of their own, different from its first display's, so an update id seen for the first time is matched to the
    /// latest display that has no updates yet.
    /// </summary>
    sealed class OutputCollector
    {
        readonly Dictionary<string, (InteractiveDocumentElement Cell, int Index)> _updated = new();
        readonly List<(InteractiveDocumentElement Cell, int Index)> _notYetUpdated = [];

        public void Collect(KernelCommandResult result, InteractiveDocumentElement cell)
        {
            foreach (var e in result.Events)
            {
                switch (e)
                {
                    case DisplayedValueUpdated u:
                        if (u.ValueId is null || !_updated.TryGetValue(u.ValueId, out var target))
                        {
                            if (_notYetUpdated.Count == 0) { cell.Outputs.Add(new DisplayElement(Formatted(u))); break; }
                            target = _notYetUpdated[^1];
                            _notYetUpdated.RemoveAt(_notYetUpdated.Count - 1);
                            if (u.ValueId is not null) _updated[u.ValueId] = target;
                        }
                        target.Cell.Outputs[target.Index] = new DisplayElement(Formatted(u));
                        break;
                    case DisplayedValueProduced d:
                        _notYetUpdated.Add((cell, cell.Outputs.Count));
                        cell.Outputs.Add(new DisplayElement(Formatted(d)));
                        break;
                    case StandardOutputValueProduced o: cell.Outputs.Add(new TextElement(Plain(o), "stdout")); break;
                    case StandardErrorValueProduced o: cell.Outputs.Add(new TextElement(Plain(o), "stderr")); break;
                    case ReturnValueProduced o:
                        var value = new ReturnValueElement { ExecutionOrder = cell.ExecutionOrder };
                        foreach (var (mime, text) in Formatted(o)) value.Data[mime] = text;
                        cell.Outputs.Add(value);
                        break;
                    case CommandFailed f:
                        cell.Outputs.Add(new ErrorElement(errorValue: FirstLine(f.Message), errorName: f.Exception?.GetType().Name ?? "Error",
                            stackTrace: f.Message.Split('\n')));
                        break;
                }
            }
        }
    }

    static CellFailure? Failure(string notebook, int cell, KernelCommandResult result)
    {
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        return failed is null ? null : new CellFailure(notebook, cell, FirstLine(failed.Message));
    }

    static bool IsCode(InteractiveDocumentElement cell) =>
        cell.KernelName is CSharp or "C#" or "c#" && !string.IsNullOrWhiteSpace(cell.Contents);

    static string Plain(DisplayEvent e) => e.FormattedValues.FirstOrDefault()?.Value ?? e.Value?.ToString() ?? "";

    static Dictionary<string, object> Formatted(DisplayEvent e) =>
        e.FormattedValues.ToDictionary(v => v.MimeType, v => (object)v.Value);

    static string FirstLine(string text) => text.TrimStart().Split('\n', 2)[0].Trim();

    static KernelInfoCollection CreateKernelInfos() =>
    [
        new Microsoft.DotNet.Interactive.Documents.KernelInfo(CSharp, "C#", ["c#", "C#"]),
        new Microsoft.DotNet.Interactive.Documents.KernelInfo("markdown", "Markdown", ["md"]),
    ];
}
