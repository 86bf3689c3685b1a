using System.Text.Json.Serialization;

namespace LlmNotebooks.Data;

/// <summary>A GLUE SST-2 sentence with its sentiment: 1 positive, 0 negative, null in the unlabelled test split.</summary>
public sealed record SentimentExample(string Id, string Sentence, int? Label);

/// <summary>GLUE SST-2 from TSV (<c>sentence&lt;TAB&gt;label</c>; test: <c>index&lt;TAB&gt;sentence</c>) or HF parquet.</summary>
public static class Sst2
{
    public static IEnumerable<SentimentExample> Read(IEnumerable<string> files, DataIssues issues) => files.SelectMany(f => Read(f, issues));

    public static IEnumerable<SentimentExample> Read(string file, DataIssues issues) => DataFormat.Of(file) switch
    {
        DataFormat.Kind.Tsv => ReadTsv(file, issues),
        DataFormat.Kind.Parquet => ParquetRows.Read<Row>(file, "sentence", "label")
            .Select(r => Example(file, $"row {r.Row}", r.Value.Idx?.ToString() ?? r.Row.ToString(), r.Value.Sentence,
                r.Value.Label is -1 ? null : r.Value.Label?.ToString(), labelled: r.Value.Label is not -1, issues)).OfType<SentimentExample>(),
        var kind => throw new InvalidDataException($"{file}: {kind} is not an SST-2 format (use .tsv or .parquet)"),
    };

    static IEnumerable<SentimentExample> ReadTsv(string file, DataIssues issues)
    {
        int sentenceColumn = -1, labelColumn = -1, indexColumn = -1, columns = 0;
        foreach (var line in DataFile.Lines(file))
        {
            if (line.Number == 1)
            {
                var header = line.Text.Split('\t').Select(h => h.Trim()).ToList();
                (sentenceColumn, labelColumn, indexColumn, columns) = (header.IndexOf("sentence"), header.IndexOf("label"), header.IndexOf("index"), header.Count);
                if (sentenceColumn < 0) throw new InvalidDataException($"{file}: TSV header lacks column \"sentence\" (has {string.Join(", ", header)})");
                continue;
            }
            if (line.IsBlank) continue;
            if (!line.IsValidUtf8) { issues.Add(file, line.Number, DataIssues.InvalidUtf8); continue; }
            var fields = line.Text.Split('\t');
            if (fields.Length != columns)
            {
                issues.Add(file, line.Number, DataIssues.MalformedLine, $"{fields.Length} fields, header has {columns}");
                continue;
            }
            string id = indexColumn >= 0 ? fields[indexColumn] : (line.Number - 1).ToString();
            var example = Example(file, line.Number.ToString(), id, fields[sentenceColumn], labelColumn >= 0 ? fields[labelColumn] : null, labelColumn >= 0, issues);
            if (example is not null) yield return example;
        }
    }

    static SentimentExample? Example(string file, string location, string id, string? sentence, string? label, bool labelled, DataIssues issues)
    {
        if (string.IsNullOrWhiteSpace(sentence)) { issues.Add(file, location, DataIssues.EmptyText); return null; }
        int? value = null;
        if (labelled)
        {
            if (label?.Trim() is not ("0" or "1")) { issues.Add(file, location, DataIssues.UnknownLabel, $"\"{label}\""); return null; }
            value = label.Trim() == "1" ? 1 : 0;
        }
        return new SentimentExample(id, sentence.Trim(), value);
    }

    sealed class Row
    {
        [JsonPropertyName("idx")] public int? Idx { get; set; }
        [JsonPropertyName("sentence")] public string? Sentence { get; set; }
        [JsonPropertyName("label")] public int? Label { get; set; }
    }
}
