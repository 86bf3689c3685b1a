using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace LlmNotebooks.TensorFiles;

/// <summary>
/// Writes a state_dict in PyTorch's own format, the file <c>torch.load</c> reads: a zip archive holding
/// <c>data.pkl</c> (a pickle of an OrderedDict whose values rebuild tensors through
/// <c>torch._utils._rebuild_tensor_v2</c>), one raw storage per tensor under <c>data/</c>, and <c>version</c>.
/// The same tensor object under two names (tied weights) is one storage, as torch.save writes it. Only what a state_dict
/// needs is written; reading goes through safetensors (<see cref="SafeTensorsFile"/>), which runs no code.
/// </summary>
public static class PyTorchFile
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> stateDict) =>
        AtomicFile.Write(path, stream => Write(stream, stateDict, Path.GetFileNameWithoutExtension(path)));

    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> stateDict, string archiveName = "archive")
    {
        var storages = new List<Tensor>();
        int StorageOf(Tensor t)
        {
            int index = storages.FindIndex(s => ReferenceEquals(s, t));
            if (index >= 0) return index;
            storages.Add(t);
            return storages.Count - 1;
        }

        var pickle = new Pickler();
        pickle.Proto();
        pickle.OrderedDict();
        pickle.Mark();
        foreach (var (name, tensor) in stateDict)
        {
            int key = StorageOf(tensor);
            pickle.String(name);
            pickle.Global("torch._utils", "_rebuild_tensor_v2");
            pickle.Mark();
            // The storage, as a persistent id: ('storage', class, key, location, size)
            pickle.Mark();
            pickle.String("storage");
            pickle.Global("torch", TensorDtypes.StorageName(tensor.dtype));
            pickle.String(key.ToString());
            pickle.String("cpu");
            pickle.Int(tensor.numel());
            pickle.Tuple();
            pickle.PersistentId();
            pickle.Int(0);                                                       // storage offset
            pickle.IntTuple(tensor.shape);
            pickle.IntTuple(ContiguousStrides(tensor.shape));
            pickle.Bool(false);                                                  // requires_grad
            pickle.OrderedDict();                                                // backward hooks
            pickle.Tuple();
            pickle.Reduce();
        }
        pickle.SetItems();
        pickle.Stop();

        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        void Entry(string name, ReadOnlySpan<byte> bytes)
        {
            using var entry = zip.CreateEntry($"{archiveName}/{name}", CompressionLevel.NoCompression).Open();
            entry.Write(bytes);
        }
        Entry("data.pkl", pickle.ToArray());
        Entry("byteorder", "little"u8);
        for (int i = 0; i < storages.Count; i++) Entry($"data/{i}", TensorDtypes.Bytes(storages[i]));
        Entry("version", "3\n"u8);
    }

    static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]; }
        return strides;
    }

    /// <summary>The few pickle (protocol 2) opcodes a state_dict needs.</summary>
    sealed class Pickler
    {
        readonly MemoryStream _out = new();

        public byte[] ToArray() => _out.ToArray();

        public void Proto() { _out.WriteByte(0x80); _out.WriteByte(2); }
        public void Mark() => _out.WriteByte((byte)'(');
        public void Tuple() => _out.WriteByte((byte)'t');
        public void Reduce() => _out.WriteByte((byte)'R');
        public void PersistentId() => _out.WriteByte((byte)'Q');
        public void SetItems() => _out.WriteByte((byte)'u');
        public void Stop() => _out.WriteByte((byte)'.');
        public void Bool(bool value) => _out.WriteByte(value ? (byte)0x88 : (byte)0x89);

        public void Global(string module, string name)
        {
            _out.WriteByte((byte)'c');
            _out.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        }

        /// <summary>collections.OrderedDict(): the type a state_dict is.</summary>
        public void OrderedDict()
        {
            Global("collections", "OrderedDict");
            _out.WriteByte((byte)')');
            Reduce();
        }

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            _out.WriteByte((byte)'X');
            _out.Write(BitConverter.GetBytes(bytes.Length));
            _out.Write(bytes);
        }

        public void Int(long value)
        {
            if (value is >= int.MinValue and <= int.MaxValue)
            {
                _out.WriteByte((byte)'J');
                _out.Write(BitConverter.GetBytes((int)value));
            }
            else
            {
                _out.WriteByte(0x8a);   // LONG1: little-endian two's complement of 8 bytes
                _out.WriteByte(8);
                _out.Write(BitConverter.GetBytes(value));
            }
        }

        public void IntTuple(IEnumerable<long> values)
        {
            Mark();
            foreach (var v in values) Int(v);
            Tuple();
        }
    }
}
