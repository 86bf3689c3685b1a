using System.IO.Compression;
using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.FileSystemGlobbing;

namespace LlmNotebooks.Data;

/// <summary>
/// Opening data files: gzip is recognised by its magic bytes and read transparently, a missing or unreadable file
/// is one clear error naming it, and line-based formats are read as raw UTF-8 lines so that an invalid byte costs
/// one record, not the file.
/// </summary>
public static class DataFile
{
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Stream OpenRead(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(path) ? $"expected a file, found a folder: {path}" : $"data file not found: {path}", path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot read {path}: {e.Message}", e);
        }
        Span<byte> magic = stackalloc byte[2];
        int read = file.Read(magic);
        file.Position = 0;
        Stream stream = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new CheckedGzipStream(path, file) : file;
        return new Utf16Guard(path, stream);
    }

    /// <summary>Text of a whole (small) file, gzip or not, decoded strictly.</summary>
    public static string ReadAllText(string path)
    {
        using var stream = OpenRead(path);
        using var buffer = new MemoryStream();
        Wrap(path, () => stream.CopyTo(buffer));
        try
        {
            return StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}: invalid UTF-8 at byte {e.Index}", e);
        }
    }

    /// <summary>One line of a file as bytes (without the line break), numbered from 1.</summary>
    public readonly record struct RawLine(long Number, byte[] Bytes)
    {
        public bool IsValidUtf8 => Utf8.IsValid(Bytes);
        public string Text => StrictUtf8.GetString(Bytes);
        public bool IsBlank => Bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r');
    }

    /// <summary>Streams the lines of a file (gzip or not) as raw bytes; a trailing '\r' is dropped.</summary>
    public static IEnumerable<RawLine> Lines(string path)
    {
        using var stream = OpenRead(path);
        var buffer = new byte[1 << 16];
        var pending = new MemoryStream();
        long number = 0;
        while (true)
        {
            int n = Wrap(path, () => stream.Read(buffer, 0, buffer.Length), number);
            if (n == 0) break;
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                pending.Write(buffer, start, i - start);
                yield return new RawLine(++number, TakeLine(pending));
                start = i + 1;
            }
            pending.Write(buffer, start, n - start);
        }
        if (pending.Length > 0) yield return new RawLine(++number, TakeLine(pending));
    }

    static byte[] TakeLine(MemoryStream pending)
    {
        int length = (int)pending.Length;
        if (length > 0 && pending.GetBuffer()[length - 1] == (byte)'\r') length--;
        var line = pending.GetBuffer().AsSpan(0, length).ToArray();
        pending.SetLength(0);
        return line;
    }

    /// <summary>
    /// Files named by paths, folders (every file inside) and globs (<c>*</c>, <c>**</c>), in a stable order. A name
    /// that matches nothing is an error, so a typo never silently shrinks a corpus.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> patterns, string? baseFolder = null)
    {
        var files = new List<string>();
        foreach (var pattern in patterns)
        {
            var full = Path.GetFullPath(pattern, baseFolder ?? Environment.CurrentDirectory);
            if (File.Exists(full)) { files.Add(full); continue; }
            if (Directory.Exists(full))
            {
                files.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
                continue;
            }
            var (root, glob) = SplitGlob(full);
            var matcher = new Matcher(StringComparison.Ordinal).AddInclude(glob);
            var matched = Directory.Exists(root) ? matcher.GetResultsInFullPath(root).Order(StringComparer.Ordinal).ToList() : [];
            if (matched.Count == 0) throw new FileNotFoundException($"no data files match {pattern}", pattern);
            files.AddRange(matched);
        }
        return files.Distinct().ToList();
    }

    static (string Root, string Glob) SplitGlob(string path)
    {
        var parts = path.Split(Path.DirectorySeparatorChar);
        int first = Array.FindIndex(parts, p => p.Contains('*') || p.Contains('?') || p.Contains('['));
        if (first < 0) return (Path.GetDirectoryName(path)!, Path.GetFileName(path));
        var root = string.Join(Path.DirectorySeparatorChar, parts[..first]);
        return (root.Length == 0 ? Path.DirectorySeparatorChar.ToString() : root, string.Join('/', parts[first..]));
    }

    /// <summary>
    /// A gzip stream that notices when its file was cut short: the gzip trailer's last four bytes hold the
    /// uncompressed length, and a file that ends early decompresses to fewer bytes than they say (.NET's own stream
    /// just ends, and the data looks complete but for one broken last line).
    /// </summary>
    sealed class CheckedGzipStream(string path, FileStream file) : Stream
    {
        readonly uint _expected = ReadTrailer(file);
        readonly GZipStream _gzip = new(file, CompressionMode.Decompress);
        long _read;

        static uint ReadTrailer(FileStream file)
        {
            if (file.Length < 18) return uint.MaxValue;   // shorter than an empty gzip member: reads as truncated
            Span<byte> trailer = stackalloc byte[4];
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(trailer);
            file.Position = 0;
            return BitConverter.ToUInt32(trailer);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _gzip.Read(buffer, offset, count);
            _read += n;
            if (n == 0 && count > 0 && (uint)_read != _expected)
                throw new InvalidDataException($"{path} is truncated or damaged: it decompresses to {_read:N0} bytes, its gzip trailer says {_expected:N0}; download or copy it again");
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) _gzip.Dispose(); base.Dispose(disposing); }
    }

    /// <summary>
    /// Refuses UTF-16 text (a byte-order mark FF FE or FE FF, as Windows editors save "Unicode"): every line would be
    /// invalid UTF-8, and the file would vanish record by record instead of failing once, saying why.
    /// </summary>
    sealed class Utf16Guard(string path, Stream inner) : Stream
    {
        bool _checked;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            if (!_checked && n >= 2)
            {
                _checked = true;
                if ((buffer[offset] == 0xFF && buffer[offset + 1] == 0xFE) || (buffer[offset] == 0xFE && buffer[offset + 1] == 0xFF))
                    throw new InvalidDataException($"{path} is UTF-16 text, not UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8 {Path.GetFileName(path)} > utf8-{Path.GetFileName(path)}");
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }

    static T Wrap<T>(string path, Func<T> read, long afterLine = -1)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt compressed data{(afterLine >= 0 ? $" after line {afterLine}" : "")}: {e.Message}", e);
        }
    }

    static void Wrap(string path, Action read) => Wrap(path, () => { read(); return 0; });
}
