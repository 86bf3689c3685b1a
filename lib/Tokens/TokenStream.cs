using System.IO.MemoryMappedFiles;

namespace LlmNotebooks.Tokens;

/// <summary>
/// The tokens of one split (its shard files, memory-mapped) seen as one long array. Nothing is loaded into memory
/// up front; the operating system pages in what the sampler touches.
/// </summary>
public sealed unsafe class TokenStream : IDisposable
{
    readonly List<(MemoryMappedFile File, MemoryMappedViewAccessor View, long Start, long Count)> _shards = [];
    readonly List<IntPtr> _pointers = [];
    readonly int _width;

    public TokenStream(string folder, string split)
    {
        var manifest = ShardManifest.Load(folder);
        if (!manifest.Splits.TryGetValue(split, out var counts))
            throw new InvalidDataException($"{folder}: no split \"{split}\" (has {string.Join(", ", manifest.Splits.Keys)})");
        _width = manifest.BytesPerToken;
        Manifest = manifest;
        long start = 0;
        foreach (var shard in counts.Shards.Where(s => s.Tokens > 0))
        {
            var path = Path.Combine(folder, shard.File);
            var length = new FileInfo(path).Length;
            if (length != shard.Tokens * _width)
                throw new InvalidDataException($"{path}: {length} bytes, the manifest says {shard.Tokens} tokens of {_width} bytes");
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _shards.Add((file, view, start, shard.Tokens));
            _pointers.Add((IntPtr)(pointer + view.PointerOffset));
            start += shard.Tokens;
        }
        Count = start;
    }

    public ShardManifest Manifest { get; }

    public long Count { get; }

    public int this[long index]
    {
        get
        {
            var destination = new long[1];
            CopyTo(index, destination);
            return (int)destination[0];
        }
    }

    /// <summary>Copies tokens [start, start + destination.Length) across shard boundaries.</summary>
    public void CopyTo(long start, Span<long> destination)
    {
        if (start < 0 || start + destination.Length > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens {start}..{start + destination.Length} lie outside 0..{Count}");
        int written = 0;
        for (int s = 0; s < _shards.Count && written < destination.Length; s++)
        {
            var (_, _, shardStart, shardCount) = _shards[s];
            long position = start + written;
            if (position >= shardStart + shardCount) continue;
            long offset = position - shardStart;
            int n = (int)Math.Min(shardCount - offset, destination.Length - written);
            byte* pointer = (byte*)_pointers[s];
            var target = destination.Slice(written, n);
            if (_width == 2)
            {
                var source = new ReadOnlySpan<ushort>(pointer + offset * 2, n);
                for (int i = 0; i < n; i++) target[i] = source[i];
            }
            else
            {
                var source = new ReadOnlySpan<uint>(pointer + offset * 4, n);
                for (int i = 0; i < n; i++) target[i] = source[i];
            }
            written += n;
        }
    }

    public void Dispose()
    {
        foreach (var (file, view, _, _) in _shards)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
        }
        _shards.Clear();
    }
}
