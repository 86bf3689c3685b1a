using System.Text.Json;
using System.Text.Json.Serialization;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Tokens;

/// <summary>One shard file: raw little-endian token ids of the manifest's width.</summary>
public sealed record ShardFile(string File, long Tokens);

/// <summary>Documents and tokens that went into one split (train or val).</summary>
public sealed record SplitCounts(long Documents, long Tokens, IReadOnlyList<ShardFile> Shards);

/// <summary>Documents and tokens one source (dataset) contributed.</summary>
public sealed record SourceCounts(string Source, long Documents, long Tokens, long TextBytes);

/// <summary>A source file as it was read: so a manifest can tell later whether its inputs changed.</summary>
public sealed record SourceFile(string Path, long Bytes, string Sha256);

/// <summary>
/// Everything a prepared corpus holds and how it was made: the tokenizer, the width of a token on disk, counts per
/// split and per source, the files read (with sizes and hashes), the records skipped and why, and the throughput.
/// The trainer reads shards through it; the report quotes it.
/// </summary>
public sealed record ShardManifest(
    TokenizerManifest Tokenizer,
    int BytesPerToken,
    double ValFraction,
    long Seed,
    IReadOnlyDictionary<string, SplitCounts> Splits,
    IReadOnlyList<SourceCounts> Sources,
    IReadOnlyList<SourceFile> Files,
    IReadOnlyDictionary<string, int> SkippedRecords,
    double Seconds,
    long TextBytes)
{
    public const string FileName = "manifest.json";
    public const string Train = "train";
    public const string Val = "val";

    public long Documents => Splits.Values.Sum(s => s.Documents);
    public long Tokens => Splits.Values.Sum(s => s.Tokens);
    public double MegabytesPerSecond => Seconds > 0 ? TextBytes / 1e6 / Seconds : 0;
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public void Save(string folder) => JsonFile.Write(Path.Combine(folder, FileName), this, Json);

    public static ShardManifest Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no prepared tokens in {folder} (missing {FileName}; run prepare first)", path);
        return JsonFile.Read<ShardManifest>(path, "a token shard manifest", Json);
    }
}
