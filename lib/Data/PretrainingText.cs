using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Data;

/// <summary>One document of pretraining text; <see cref="Source"/> is the dataset (the file's folder) it came from.</summary>
public sealed record TextDocument(string Source, string Id, string Text);

/// <summary>
/// One part of a pretraining corpus: the files it is read from (the shard manifest records and checks them) and how
/// its documents come out of them: web text files (<see cref="PretrainingText.Part"/>) or a task's unlabelled
/// training text (<c>Tasks.FinetuningTask.PretrainingText</c>).
/// </summary>
public sealed record CorpusPart(IReadOnlyList<string> Files, Func<DataIssues, IEnumerable<TextDocument>> Documents);

/// <summary>
/// Web text for pretraining (OpenWebText, WebText, C4, Wikipedia): jsonl with a <c>text</c> field, Hugging Face
/// parquet with a <c>text</c> column, or plain .txt (one document per file), each optionally gzip-compressed. Many
/// files are read as one corpus, streaming.
/// </summary>
public static class PretrainingText
{
    /// <summary>Largest .txt file read as one document; bigger corpora belong in jsonl or parquet.</summary>
    public const long MaxTextFileBytes = 256L << 20;

    public static IEnumerable<TextDocument> Read(IEnumerable<string> files, DataIssues issues) =>
        files.SelectMany(f => Read(f, issues));

    /// <summary>Text files as a part of a corpus.</summary>
    public static CorpusPart Part(IReadOnlyList<string> files) => new(files, issues => Read(files, issues));

    public static IEnumerable<TextDocument> Read(string file, DataIssues issues)
    {
        string source = SourceName(file);
        return DataFormat.Of(file) switch
        {
            DataFormat.Kind.Jsonl => ReadJsonl(file, source, issues),
            DataFormat.Kind.Parquet => ParquetRows.Read<TextRow>(file, "text")
                .Select(r => Document(file, source, $"row {r.Row}", r.Value.Text, issues)).OfType<TextDocument>(),
            DataFormat.Kind.Text => ReadText(file, source, issues),
            var kind => throw new InvalidDataException($"{file}: {kind} is not a pretraining text format (use .jsonl, .parquet or .txt, optionally .gz)"),
        };
    }

    /// <summary>The dataset a file belongs to: its folder's name (openwebtext/, c4/ …).</summary>
    public static string SourceName(string file) => new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(file))!).Name;

    static IEnumerable<TextDocument> ReadJsonl(string file, string source, DataIssues issues)
    {
        foreach (var line in DataFile.Lines(file))
        {
            if (line.IsBlank) continue;
            if (!line.IsValidUtf8) { issues.Add(file, line.Number, DataIssues.InvalidUtf8); continue; }
            string? text;
            try
            {
                using var json = JsonDocument.Parse(line.Bytes);
                text = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("text", out var t)
                       && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            }
            catch (JsonException e)
            {
                issues.Add(file, line.Number, DataIssues.MalformedLine, e.Message.Split('.')[0]);
                continue;
            }
            if (text is null) { issues.Add(file, line.Number, DataIssues.MissingField, "no string field \"text\""); continue; }
            if (Document(file, source, line.Number.ToString(), text, issues) is { } document) yield return document;
        }
    }

    static IEnumerable<TextDocument> ReadText(string file, string source, DataIssues issues)
    {
        if (new FileInfo(file).Length > MaxTextFileBytes)
            throw new InvalidDataException($"{file}: a .txt file is read as one document and this one is over {MaxTextFileBytes >> 20} MB; split it or convert it to jsonl");
        string text;
        try
        {
            text = DataFile.ReadAllText(file);
        }
        catch (InvalidDataException e) when (e.InnerException is System.Text.DecoderFallbackException)
        {
            issues.Add(file, 1, DataIssues.InvalidUtf8, e.Message);
            yield break;
        }
        if (Document(file, source, "1", text, issues) is { } document) yield return document;
    }

    static TextDocument? Document(string file, string source, string location, string? text, DataIssues issues)
    {
        if (string.IsNullOrWhiteSpace(text)) { issues.Add(file, location, DataIssues.EmptyText); return null; }
        return new TextDocument(source, $"{Path.GetFileName(file)}:{location}", text);
    }

    sealed class TextRow
    {
        [JsonPropertyName("text")] public string? Text { get; set; }
    }
}
