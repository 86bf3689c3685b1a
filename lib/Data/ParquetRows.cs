using Parquet;
using Parquet.Serialization;

namespace LlmNotebooks.Data;

/// <summary>Reads a Hugging Face parquet file one row group at a time, so a large shard never sits in memory whole.</summary>
public static class ParquetRows
{
    public static IEnumerable<(long Row, T Value)> Read<T>(string path, params string[] requiredColumns) where T : class, new()
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        using var stream = File.OpenRead(path);
        int groups = RowGroups(stream, path, requiredColumns);
        long row = 0;
        for (int g = 0; g < groups; g++)
        {
            stream.Position = 0;
            var data = ParquetSerializer.DeserializeAsync<T>(stream, rowGroupIndex: g).GetAwaiter().GetResult().Data;
            foreach (var value in data) yield return (++row, value);
        }
    }

    /// <summary>
    /// The bytes a column holds uncompressed, from the file's metadata alone (no rows are read): for a text column,
    /// its text plus 4 bytes of length per row and the pages' headers (a few kB per page, nothing beside a shard's hundreds of MB).
    /// </summary>
    public static long UncompressedBytes(string path, string column)
    {
        using var stream = File.OpenRead(path);
        var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        try
        {
            if (reader.Schema.Fields.All(f => f.Name != column))
                throw new InvalidDataException($"{path}: parquet file lacks column {column}");
            return reader.Metadata!.RowGroups.Sum(g => g.Columns.Where(c => c.MetaData?.PathInSchema.LastOrDefault() == column).Sum(c => c.MetaData!.TotalUncompressedSize));
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    static int RowGroups(Stream stream, string path, string[] requiredColumns)
    {
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a readable parquet file: {e.Message}", e);
        }
        try
        {
            var columns = reader.Schema.Fields.Select(f => f.Name).ToHashSet();
            var missing = requiredColumns.Where(c => !columns.Contains(c)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"{path}: parquet file lacks column(s) {string.Join(", ", missing)} (has {string.Join(", ", columns)})");
            return reader.RowGroupCount;
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
