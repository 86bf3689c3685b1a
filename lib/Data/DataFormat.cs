namespace LlmNotebooks.Data;

/// <summary>A data file's format, from its name (a trailing .gz is looked through).</summary>
public static class DataFormat
{
    public enum Kind { Jsonl, Json, Parquet, Csv, Tsv, Text, Unknown }

    public static Kind Of(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz")) name = name[..^3];
        return Path.GetExtension(name) switch
        {
            ".jsonl" or ".ndjson" => Kind.Jsonl,
            ".json" => Kind.Json,
            ".parquet" => Kind.Parquet,
            ".csv" => Kind.Csv,
            ".tsv" => Kind.Tsv,
            ".txt" => Kind.Text,
            _ => Kind.Unknown,
        };
    }
}
