using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using CsvHelper;

namespace LlmNotebooks.Data;

/// <summary>A news article and its reference summary: highlights, one sentence per line.</summary>
public sealed record SummaryExample(string Id, string Article, string Highlights);

/// <summary>
/// CNN/DailyMail summarization pairs from the Hugging Face CSV export (<c>article,highlights[,id]</c>, RFC 4180
/// multi-line quoted fields), jsonl (<c>article</c>, <c>highlights</c>, <c>id</c>) or HF parquet.
/// </summary>
public static class CnnDailyMail
{
    public static IEnumerable<SummaryExample> Read(IEnumerable<string> files, DataIssues issues) => files.SelectMany(f => Read(f, issues));

    public static IEnumerable<SummaryExample> Read(string file, DataIssues issues) => DataFormat.Of(file) switch
    {
        DataFormat.Kind.Csv => ReadCsv(file, issues),
        DataFormat.Kind.Jsonl => ReadJsonl(file, issues),
        DataFormat.Kind.Parquet => ParquetRows.Read<Row>(file, "article", "highlights")
            .Select(r => Example(file, $"row {r.Row}", r.Value.Id, r.Value.Article, r.Value.Highlights, issues)).OfType<SummaryExample>(),
        var kind => throw new InvalidDataException($"{file}: {kind} is not a CNN/DailyMail format (use .csv, .jsonl or .parquet)"),
    };

    static IEnumerable<SummaryExample> ReadCsv(string file, DataIssues issues)
    {
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            AllowLineBreaksInQuotes = true,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = bad => issues.Add(file, bad.LineNumber, DataIssues.MalformedLine, Describe(bad.Reason) + Span(bad)),
        };
        using var csv = CsvReader.Create(DataFile.OpenRead(file), options, leaveOpen: false);
        if (!csv.Read()) yield break;
        var header = csv.Headers;
        foreach (var column in new[] { "article", "highlights" })
            if (!header.Contains(column))
                throw new InvalidDataException($"{file}: CSV header lacks column \"{column}\" (has {string.Join(", ", header)})");
        bool hasId = header.Contains("id");
        do
        {
            long line = csv.LineNumber;
            if (!Utf8.IsValid(csv.RawRecord)) { issues.Add(file, line, DataIssues.InvalidUtf8); continue; }
            var example = Example(file, line.ToString(), hasId ? csv.GetString("id") : null, csv.GetString("article"), csv.GetString("highlights"), issues);
            if (example is not null) yield return example;
        } while (csv.Read());
    }

    /// <summary>A bad record that runs over several lines may have swallowed the records after it (an unterminated quote): say which lines.</summary>
    static string Span(CsvMalformedRecord bad)
    {
        int breaks = bad.RawRecord.Count(c => c == '\n');
        return breaks == 0 ? "" : $"; it runs to line {bad.LineNumber + breaks}, so the records on lines {bad.LineNumber + 1}–{bad.LineNumber + breaks} may be lost with it";
    }

    static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.FieldCountMismatch => "wrong number of fields",
        CsvMalformedReason.UnterminatedQuote => "unterminated quote",
        CsvMalformedReason.StrayQuote => "stray quote",
        CsvMalformedReason.TextAfterClosingQuote => "text after closing quote",
        _ => reason.ToString(),
    };

    static IEnumerable<SummaryExample> ReadJsonl(string file, DataIssues issues)
    {
        foreach (var line in DataFile.Lines(file))
        {
            if (line.IsBlank) continue;
            if (!line.IsValidUtf8) { issues.Add(file, line.Number, DataIssues.InvalidUtf8); continue; }
            Row? row;
            try
            {
                row = JsonSerializer.Deserialize<Row>(line.Bytes);
            }
            catch (JsonException e)
            {
                issues.Add(file, line.Number, DataIssues.MalformedLine, e.Message.Split('.')[0]);
                continue;
            }
            if (row?.Article is null || row.Highlights is null)
            {
                issues.Add(file, line.Number, DataIssues.MissingField, "needs \"article\" and \"highlights\"");
                continue;
            }
            if (Example(file, line.Number.ToString(), row.Id, row.Article, row.Highlights, issues) is { } example) yield return example;
        }
    }

    static SummaryExample? Example(string file, string location, string? id, string? article, string? highlights, DataIssues issues)
    {
        if (string.IsNullOrWhiteSpace(article) || string.IsNullOrWhiteSpace(highlights))
        {
            issues.Add(file, location, DataIssues.EmptyText, string.IsNullOrWhiteSpace(article) ? "article" : "highlights");
            return null;
        }
        return new SummaryExample(string.IsNullOrWhiteSpace(id) ? $"{Path.GetFileName(file)}:{location}" : id, article, highlights.Trim());
    }

    sealed class Row
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("article")] public string? Article { get; set; }
        [JsonPropertyName("highlights")] public string? Highlights { get; set; }
    }
}
