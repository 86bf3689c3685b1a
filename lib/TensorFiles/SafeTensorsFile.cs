using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace LlmNotebooks.TensorFiles;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, then the raw bytes. Safe to load (no code runs), read by PyTorch, JAX and
/// transformers alike. Tensors are written in name order.
/// </summary>
public static class SafeTensorsFile
{
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null) header["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value)));
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var bytes = TensorDtypes.Bytes(tensor);
            header[name] = new JsonObject
            {
                ["dtype"] = TensorDtypes.SafeTensorsName(tensor.dtype),
                ["shape"] = new JsonArray([.. tensor.shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;   // the data starts 8-byte aligned, as the reference writer does
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var blob in blobs) stream.Write(blob);
    }

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, stream => Write(stream, tensors, metadata));

    /// <summary>Every tensor of the file, on the CPU; a damaged or truncated file is an error naming it.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException or InvalidOperationException or KeyNotFoundException or NullReferenceException)
        {
            throw new InvalidDataException($"{path} is not a readable safetensors file ({e.Message.Split('.')[0]}); it may be damaged or truncated", e);
        }
    }

    /// <summary>The header's metadata entries (empty when it has none).</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string path)
    {
        var header = Header(File.ReadAllBytes(path), out _);
        return header["__metadata__"] is JsonObject m ? m.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) : new Dictionary<string, string>();
    }

    static Dictionary<string, Tensor> Parse(byte[] bytes)
    {
        var header = Header(bytes, out int dataStart);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var type = TensorDtypes.FromSafeTensors(node!["dtype"]!.GetValue<string>());
            long[] shape = [.. node["shape"]!.AsArray().Select(d => d!.GetValue<long>())];
            var range = node["data_offsets"]!.AsArray();
            long begin = range[0]!.GetValue<long>(), end = range[1]!.GetValue<long>();
            if (begin < 0 || end < begin || dataStart + end > bytes.Length) throw new InvalidDataException($"tensor {name} lies outside the file");
            var tensor = empty(shape, type, CPU);
            tensor.bytes = bytes.AsSpan((int)(dataStart + begin), (int)(end - begin));
            tensors[name] = tensor;
        }
        return tensors;
    }

    static JsonObject Header(byte[] bytes, out int dataStart)
    {
        if (bytes.Length < 8) throw new InvalidDataException("shorter than a header");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (length > (ulong)(bytes.Length - 8)) throw new InvalidDataException("the header runs past the end of the file");
        dataStart = 8 + (int)length;
        return JsonNode.Parse(bytes.AsSpan(8, (int)length))?.AsObject() ?? throw new InvalidDataException("empty header");
    }
}
