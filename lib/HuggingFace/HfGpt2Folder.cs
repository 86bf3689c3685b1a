using System.Text.Json.Nodes;
using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// Our GPT as a Hugging Face GPT-2 folder and back: what <c>GPT2LMHeadModel.from_pretrained</c> and
/// <c>AutoTokenizer.from_pretrained</c> read (config.json, model.safetensors, generation_config.json and the
/// tokenizer files), so a model can go to PyTorch's distributed trainers and come back. The state_dict names are
/// already GPT-2's; the difference is the layout of the four projections, which GPT-2 stores as Conv1D (in, out),
/// transposed relative to our Linear (out, in).
/// </summary>
public static class HfGpt2Folder
{
    public const string Weights = "model.safetensors", ShardIndex = "model.safetensors.index.json", GenerationConfig = "generation_config.json";

    /// <summary>The weights GPT-2 keeps as Conv1D, by the end of their names.</summary>
    static readonly string[] Conv1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

    static bool IsConv1D(string name) => Conv1D.Any(name.EndsWith);

    /// <summary>Writes the model as a GPT-2 folder; a model with features GPT-2 lacks is refused, naming them.</summary>
    public static void Export(Gpt model, TextTokenizer tokenizer, string folder)
    {
        var differences = HfGpt2Config.Differences(model.Config);
        if (differences.Count > 0)
            throw new UserError($"this model is not a GPT-2 ({string.Join("; ", differences)}); a Hugging Face GPT-2 folder cannot hold it exactly, so nothing was exported");
        Directory.CreateDirectory(folder);
        using (var scope = NewDisposeScope())
            SafeTensorsFile.Write(Path.Combine(folder, Weights), Gpt2StateDict(model), new Dictionary<string, string> { ["format"] = "pt" });
        HfGpt2Config.From(model.Config, tokenizer.EndOfText, tokenizer.Specials).Write(folder);
        JsonFile.Write(Path.Combine(folder, GenerationConfig), new JsonObject
        {
            ["bos_token_id"] = tokenizer.EndOfText, ["eos_token_id"] = tokenizer.EndOfText, ["pad_token_id"] = tokenizer.EndOfText,
        }, JsonFile.Readable);
        HfTokenizerFiles.Write(tokenizer, folder, model.Config.ContextLength);
    }

    /// <summary>
    /// GPT-2's tensors for our model: Conv1D weights transposed, a tied head left out (transformers ties it on load),
    /// and zero biases where ours has none (GPT-2 always has them; zeros are exact).
    /// </summary>
    static Dictionary<string, Tensor> Gpt2StateDict(Gpt model)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (name == Gpt.HeadWeightName && model.Config.TiedEmbeddings) continue;
            var value = tensor.detach().cpu().to(ScalarType.Float32);
            tensors[name] = IsConv1D(name) ? value.t().contiguous() : value;
        }
        foreach (var (name, weight) in tensors.Where(t => t.Key.EndsWith(".weight") && t.Key.StartsWith("transformer.") && !t.Key.Contains(".wte.") && !t.Key.Contains(".wpe.")).ToList())
        {
            var bias = name[..^".weight".Length] + ".bias";
            if (!tensors.ContainsKey(bias)) tensors[bias] = zeros(IsConv1D(name) ? weight.shape[1] : weight.shape[0], dtype: ScalarType.Float32, device: CPU);
        }
        return tensors;
    }

    /// <summary>
    /// A GPT-2 folder as our model and tokenizer: saved by transformers (keys with or without "transformer.", the
    /// attention-mask buffers of older versions, one file or shards), exported from here, or GPT-2 itself. When the
    /// vocabulary has no rows for our finetuning markers (GPT-2's 50,257), it grows to a multiple of 64 and the new
    /// rows start as the mean embedding, said through <paramref name="log"/>.
    /// </summary>
    public static (Gpt Model, TextTokenizer Tokenizer) Import(string folder, Action<string>? log = null)
    {
        folder = Path.GetFullPath(folder);
        var config = HfGpt2Config.Read(folder).ToGptConfig(Path.Combine(folder, HfGpt2Config.FileName));
        var tokenizer = HfTokenizerFiles.Read(folder);
        var tensors = ReadWeights(folder);
        try
        {
            var ours = new Dictionary<string, Tensor>();
            foreach (var (key, tensor) in tensors)
            {
                var name = key.StartsWith("transformer.") || key == Gpt.HeadWeightName ? key : "transformer." + key;
                if (name.EndsWith(".attn.bias") || name.EndsWith(".attn.masked_bias")) continue;   // causal-mask buffers, not weights
                ours[name] = IsConv1D(name) ? tensor.t() : tensor;
            }
            if (config.TiedEmbeddings) ours.Remove(Gpt.HeadWeightName);
            if (config.VocabSize < tokenizer.VocabSize)
            {
                var grown = config.ForVocabulary(tokenizer.VocabSize);
                log?.Invoke($"{folder}: the vocabulary grows from {config.VocabSize} to {grown.VocabSize} rows for the finetuning markers; the new rows start as the mean embedding");
                foreach (var name in new[] { Gpt.TokenEmbeddingName, Gpt.HeadWeightName }.Where(ours.ContainsKey))
                    ours[name] = Grow(ours[name], grown.VocabSize);
                config = grown;
            }
            var model = new Gpt(config);
            try
            {
                ModelFiles.LoadWeights(model, ours, folder);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return (model, tokenizer);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    static Tensor Grow(Tensor rows, int count)
    {
        var mean = rows.mean([0], keepdim: true);                               // (1, C)
        return cat([rows, mean.expand(count - rows.shape[0], -1)], dim: 0);   // (count, C)
    }

    static Dictionary<string, Tensor> ReadWeights(string folder)
    {
        var single = Path.Combine(folder, Weights);
        if (File.Exists(single)) return SafeTensorsFile.Read(single);
        var index = Path.Combine(folder, ShardIndex);
        if (File.Exists(index))
        {
            var map = JsonFile.Read<JsonObject>(index, "a safetensors shard index")["weight_map"]?.AsObject()
                ?? throw new InvalidDataException($"{index} has no weight_map");
            var tensors = new Dictionary<string, Tensor>();
            foreach (var shard in map.Select(e => e.Value!.GetValue<string>()).Distinct())
                foreach (var (name, tensor) in SafeTensorsFile.Read(Path.Combine(folder, shard))) tensors[name] = tensor;
            return tensors;
        }
        throw new FileNotFoundException(File.Exists(Path.Combine(folder, "pytorch_model.bin"))
            ? $"{folder} has pytorch_model.bin but no {Weights}; this program reads safetensors only: in Python, GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)"
            : $"{folder} holds no weights ({Weights} or {ShardIndex})", single);
    }
}
