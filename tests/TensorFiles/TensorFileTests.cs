using System.IO.Compression;
using System.Text.Json.Nodes;
using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tests.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.TensorFiles;

public class TensorFileTests
{
    static Dictionary<string, Tensor> Sample() => new()
    {
        ["b.weight"] = arange(12, dtype: ScalarType.Float32).reshape(3, 4) / 7,
        ["a.half"] = linspace(-2, 2, 5).to(ScalarType.BFloat16),
        ["c.ids"] = arange(-3, 3, dtype: ScalarType.Int64),
    };

    [Fact]
    public void Safetensors_round_trip_every_dtype_with_the_reference_layout()
    {
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "t.safetensors");
        var tensors = Sample();
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, (8 + headerLength) % 8);
        var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject();
        Assert.Equal("pt", (string?)header["__metadata__"]!["format"]);
        Assert.Equal("BF16", (string?)header["a.half"]!["dtype"]);
        Assert.Equal([0L, 10L], header["a.half"]!["data_offsets"]!.AsArray().Select(n => (long)n!));   // name order, packed
        Assert.Equal([10L, 58L], header["b.weight"]!["data_offsets"]!.AsArray().Select(n => (long)n!));
        Assert.Equal(10 + 48 + 48, bytes.Length - 8 - headerLength);

        var read = SafeTensorsFile.Read(path);
        Assert.Equal(tensors.Keys.Order(), read.Keys.Order());
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(tensor.dtype, read[name].dtype);
            Assert.Equal(tensor.shape, read[name].shape);
            Assert.True(tensor.equal(read[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_truncated_safetensors_file_is_an_error_naming_it()
    {
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "cut.safetensors");
        SafeTensorsFile.Write(path, Sample());
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^20]);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("damaged or truncated", error.Message);
    }

    [Fact]
    public void The_pytorch_file_is_a_stored_zip_of_a_pickle_and_one_storage_per_distinct_tensor()
    {
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "model.pt");
        var shared = randn(4, 3);
        PyTorchFile.Write(path, new Dictionary<string, Tensor> { ["wte.weight"] = shared, ["bias"] = zeros(3), ["lm_head.weight"] = shared });

        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["model/data.pkl", "model/byteorder", "model/data/0", "model/data/1", "model/version"], zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));   // stored, as torch.load needs
        Assert.Equal(48, zip.GetEntry("model/data/0")!.Length);
        using var pickle = new MemoryStream();
        zip.GetEntry("model/data.pkl")!.Open().CopyTo(pickle);
        var bytes = pickle.ToArray();
        Assert.Equal([0x80, 2], bytes[..2]);   // protocol 2
        Assert.Equal((byte)'.', bytes[^1]);
    }

    [SkippableFact]
    public void Torch_load_reads_the_pytorch_file_with_tied_tensors_sharing_storage()
    {
        Python.RequireTorch();
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "model.pt");
        var shared = arange(12, dtype: ScalarType.Float32).reshape(4, 3) / 3;
        PyTorchFile.Write(path, new Dictionary<string, Tensor>
        {
            ["transformer.wte.weight"] = shared, ["transformer.ln_f.bias"] = linspace(0, 1, 3), ["lm_head.weight"] = shared,
            ["counts"] = arange(5, dtype: ScalarType.Int64), ["low"] = ones(2, 2).to(ScalarType.BFloat16),
        });

        var (code, output) = Python.Run("""
            import sys, torch
            sd = torch.load(sys.argv[1])
            print(type(sd).__name__, list(sd.keys()))
            print(sd['transformer.wte.weight'].data_ptr() == sd['lm_head.weight'].data_ptr())
            print(sd['transformer.wte.weight'].sum().item(), sd['transformer.ln_f.bias'].tolist(), sd['counts'].dtype, sd['counts'].tolist(), sd['low'].dtype)
            """, path);

        Assert.True(code == 0, output);
        var lines = output.Trim().Split('\n');
        Assert.Equal("OrderedDict ['transformer.wte.weight', 'transformer.ln_f.bias', 'lm_head.weight', 'counts', 'low']", lines[0]);
        Assert.Equal("True", lines[1]);
        Assert.Equal("22.0 [0.0, 0.5, 1.0] torch.int64 [0, 1, 2, 3, 4] torch.bfloat16", lines[2]);
    }
}
