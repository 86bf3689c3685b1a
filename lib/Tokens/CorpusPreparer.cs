using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LlmNotebooks.Data;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Tokens;

/// <summary>Progress of a prepare run: what has been read and encoded so far.</summary>
public sealed record PrepareProgress(long Documents, long TextBytes, long Tokens, double Seconds)
{
    public double MegabytesPerSecond => Seconds > 0 ? TextBytes / 1e6 / Seconds : 0;
}

/// <summary>
/// Streams a corpus through a tokenizer into token shards plus a manifest. Documents are read as a stream, encoded
/// in parallel and written in their original order, so the output does not depend on the thread count. Each document is followed by the end-of-text token and goes wholly to train or to val, by a seeded hash of
/// its id.
/// </summary>
public static class CorpusPreparer
{
    public sealed record Options(double ValFraction = 0.01, long Seed = 1337, int Threads = 0, long TokensPerShard = 100_000_000, int ProgressEvery = 256);

    /// <summary>A tokens folder keeps the tokenizer it was encoded with (learned or copied) in this subfolder.</summary>
    public const string TokenizerFolder = "tokenizer";

    /// <summary>
    /// Resolves <paramref name="tokenizerSpec"/> (learning a <c>bpe:N</c> vocabulary from the corpus itself) into
    /// <paramref name="outFolder"/>/tokenizer, then encodes the corpus with it.
    /// </summary>
    public static (ShardManifest Manifest, TextTokenizer Tokenizer) Prepare(IReadOnlyList<string> files, string tokenizerSpec, string outFolder,
        Options options, Action<string>? log = null, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default) =>
        Prepare([PretrainingText.Part(files)], tokenizerSpec, outFolder, options, log, progress, cancellation);

    /// <inheritdoc cref="Prepare(IReadOnlyList{string}, string, string, Options, Action{string}?, Action{PrepareProgress}?, CancellationToken)"/>
    public static (ShardManifest Manifest, TextTokenizer Tokenizer) Prepare(IReadOnlyList<CorpusPart> parts, string tokenizerSpec, string outFolder,
        Options options, Action<string>? log = null, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        var files = Files(parts);
        var learning = new DataIssues();
        bool read = false;
        long documents = 0;
        IEnumerable<string> Texts()
        {
            read = true;
            foreach (var document in Documents(parts, learning)) { documents++; yield return document.Text; }
        }
        var tokenizer = TokenizerSpec.Resolve(tokenizerSpec, Path.Combine(outFolder, TokenizerFolder), Texts,
            (done, wanted, _, _) => { if (done % 2000 == 0 || done == wanted) log?.Invoke($"learning BPE merges: {done:N0}/{wanted:N0}"); });
        if (read && documents == 0)
        {
            Directory.Delete(Path.Combine(outFolder, TokenizerFolder), recursive: true);   // a vocabulary of bytes only is no vocabulary
            throw NoText(files, learning);
        }
        log?.Invoke($"tokenizer: {tokenizer.Name}, {tokenizer.VocabSize:N0} ids");
        var issues = new DataIssues(issue => log?.Invoke($"skipped {issue}"));
        return (Prepare(parts, tokenizer, outFolder, options, issues, progress, cancellation), tokenizer);
    }

    public static ShardManifest Prepare(IReadOnlyList<string> files, TextTokenizer tokenizer, string outFolder, Options options,
        DataIssues issues, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default) =>
        Prepare([PretrainingText.Part(files)], tokenizer, outFolder, options, issues, progress, cancellation);

    public static ShardManifest Prepare(IReadOnlyList<CorpusPart> parts, TextTokenizer tokenizer, string outFolder, Options options,
        DataIssues issues, Action<PrepareProgress>? progress = null, CancellationToken cancellation = default)
    {
        var files = Files(parts);
        if (files.Count == 0) throw new UserError("no corpus files to prepare");
        if (options.ValFraction is < 0 or >= 1) throw new UserError($"the validation fraction must be in [0, 1), got {options.ValFraction}");
        Directory.CreateDirectory(outFolder);
        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        int width = tokenizer.VocabSize <= ushort.MaxValue + 1 ? 2 : 4;
        var clock = Stopwatch.StartNew();
        var writers = new Dictionary<string, ShardWriter>
        {
            [ShardManifest.Train] = new(outFolder, ShardManifest.Train, width, options.TokensPerShard),
            [ShardManifest.Val] = new(outFolder, ShardManifest.Val, width, options.TokensPerShard),
        };
        var sources = new Dictionary<string, (long Documents, long Tokens, long Bytes)>();
        long documents = 0, textBytes = 0, tokens = 0;

        // Each encoding thread has its own tokenizer copy (see TextTokenizer.Copy); PLINQ keeps document order.
        using var encoders = new ThreadLocal<TextTokenizer>(tokenizer.Copy);
        var encoded = Documents(parts, issues).AsParallel().AsOrdered()
            .WithDegreeOfParallelism(threads).WithCancellation(cancellation)
            .Select(document => (Document: document, Ids: encoders.Value!.Encode(document.Text)));
        try
        {
            foreach (var (document, ids) in encoded)
            {
                var split = IsValidation(document.Id, options) ? ShardManifest.Val : ShardManifest.Train;
                writers[split].WriteDocument(ids, tokenizer.EndOfText);
                long bytes = Encoding.UTF8.GetByteCount(document.Text), count = ids.Length + 1;
                var s = sources.GetValueOrDefault(document.Source);
                sources[document.Source] = (s.Documents + 1, s.Tokens + count, s.Bytes + bytes);
                documents++;
                textBytes += bytes;
                tokens += count;
                if (documents % options.ProgressEvery == 0) progress?.Invoke(new PrepareProgress(documents, textBytes, tokens, clock.Elapsed.TotalSeconds));
            }
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            // A reader's error (a missing file, corrupt gzip) is one clear message, not PLINQ's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }
        finally
        {
            foreach (var writer in writers.Values) writer.Dispose();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (documents == 0) throw NoText(files, issues);

        var manifest = new ShardManifest(
            Tokenizer: tokenizer.Manifest, BytesPerToken: width, ValFraction: options.ValFraction, Seed: options.Seed,
            Splits: writers.ToDictionary(w => w.Key, w => w.Value.Counts),
            Sources: [.. sources.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new SourceCounts(s.Key, s.Value.Documents, s.Value.Tokens, s.Value.Bytes))],
            Files: [.. files.Select(f => new SourceFile(Path.GetFullPath(f), new FileInfo(f).Length, Sha256(f)))],
            SkippedRecords: issues.CountsByReason, Seconds: seconds, TextBytes: textBytes);
        manifest.Save(outFolder);
        return manifest;
    }

    static IReadOnlyList<string> Files(IReadOnlyList<CorpusPart> parts) => [.. parts.SelectMany(p => p.Files).Distinct()];

    static IEnumerable<TextDocument> Documents(IReadOnlyList<CorpusPart> parts, DataIssues issues) => parts.SelectMany(p => p.Documents(issues));

    static InvalidDataException NoText(IReadOnlyList<string> files, DataIssues issues) => new(
        $"the corpus holds no text: {string.Join(", ", files.Take(3))}{(files.Count > 3 ? $" and {files.Count - 3} more" : "")} " +
        $"gave no document ({issues}{(issues.Examples.FirstOrDefault() is { } first ? $"; first: {first}" : "")}); " +
        "a corpus is UTF-8 jsonl with a \"text\" field, parquet with a text column, or .txt files");

    /// <summary>Whether a document goes to validation: a seeded hash of its id, so the split is stable.</summary>
    public static bool IsValidation(string documentId, Options options) => StableRandom.Uniform(documentId, options.Seed) < options.ValFraction;

    static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Appends token ids to numbered shard files of one split, starting a new file every so many tokens.</summary>
    sealed class ShardWriter(string folder, string split, int width, long tokensPerShard) : IDisposable
    {
        readonly List<ShardFile> _closed = [];
        readonly byte[] _buffer = new byte[1 << 16];
        FileStream? _open;
        long _openTokens, _documents;
        int _buffered;

        /// <summary>Complete once the writer is disposed.</summary>
        public SplitCounts Counts => new(_documents, _closed.Sum(s => s.Tokens), _closed);

        public void WriteDocument(int[] ids, int endOfText)
        {
            _documents++;
            foreach (int id in ids) Write(id);
            Write(endOfText);
        }

        void Write(int id)
        {
            if (_open is null || _openTokens == tokensPerShard) { Close(); Open(); }
            if (_buffered + width > _buffer.Length) Flush();
            if (width == 2) BitConverter.TryWriteBytes(_buffer.AsSpan(_buffered), (ushort)id);
            else BitConverter.TryWriteBytes(_buffer.AsSpan(_buffered), (uint)id);
            _buffered += width;
            _openTokens++;
        }

        void Open() => _open = new FileStream(Path.Combine(folder, $"{split}-{_closed.Count:D3}.bin"), FileMode.Create, FileAccess.Write);

        void Flush()
        {
            _open!.Write(_buffer, 0, _buffered);
            _buffered = 0;
        }

        void Close()
        {
            if (_open is null) return;
            Flush();
            _open.Flush(flushToDisk: true);
            _open.Dispose();
            _closed.Add(new ShardFile(Path.GetFileName(_open.Name), _openTokens));
            (_open, _openTokens) = (null, 0);
        }

        public void Dispose()
        {
            if (_open is null && _closed.Count == 0) Open();   // an empty split still gets its (empty) first shard
            Close();
        }
    }
}
