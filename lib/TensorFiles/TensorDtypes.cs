using static TorchSharp.torch;

namespace LlmNotebooks.TensorFiles;

/// <summary>Element types as the two file formats name them: safetensors' dtype codes and PyTorch's storage classes.</summary>
static class TensorDtypes
{
    static readonly (ScalarType Type, string SafeTensors, string Storage)[] Table =
    [
        (ScalarType.Float32, "F32", "FloatStorage"),
        (ScalarType.BFloat16, "BF16", "BFloat16Storage"),
        (ScalarType.Float16, "F16", "HalfStorage"),
        (ScalarType.Float64, "F64", "DoubleStorage"),
        (ScalarType.Int64, "I64", "LongStorage"),
        (ScalarType.Int32, "I32", "IntStorage"),
        (ScalarType.Int16, "I16", "ShortStorage"),
        (ScalarType.Int8, "I8", "CharStorage"),
        (ScalarType.Byte, "U8", "ByteStorage"),
        (ScalarType.Bool, "BOOL", "BoolStorage"),
    ];

    public static string SafeTensorsName(ScalarType type) => Find(type).SafeTensors;

    public static string StorageName(ScalarType type) => Find(type).Storage;

    public static ScalarType FromSafeTensors(string name) =>
        Table.FirstOrDefault(t => t.SafeTensors == name) is { SafeTensors: not null } entry ? entry.Type
            : throw new InvalidDataException($"unsupported safetensors dtype {name}");

    static (ScalarType Type, string SafeTensors, string Storage) Find(ScalarType type) =>
        Table.FirstOrDefault(t => t.Type == type) is { SafeTensors: not null } entry ? entry
            : throw new ArgumentException($"tensors of type {type} cannot be saved");

    /// <summary>The raw little-endian bytes of a tensor (copied to the CPU and made contiguous first).</summary>
    public static byte[] Bytes(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.bytes.ToArray();
    }
}
