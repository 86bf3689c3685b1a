using System.Text.Json.Nodes;
using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// Our GPT as a Hugging Face folder and back, in the architecture that holds it exactly: GPT-2's block as
/// <c>GPT2LMHeadModel</c>, the modern block (rotary, RMSNorm, SwiGLU) as <c>Qwen3ForCausalLM</c> with QK-norm and
/// <c>LlamaForCausalLM</c> without. A folder is config.json, model.safetensors, generation_config.json and the tokenizer
/// files: what transformers' <c>AutoModelForCausalLM</c> and <c>AutoTokenizer</c> read, so a model can go to PyTorch's
/// distributed trainers and come back.
/// </summary>
public static class HfFolder
{
    public const string ConfigFile = "config.json", Weights = "model.safetensors", ShardIndex = "model.safetensors.index.json",
        GenerationConfig = "generation_config.json";

    /// <summary>
    /// Writes the model and returns the architecture written; a model neither kind can hold is refused, naming why.
    /// Without a tokenizer, only the config and the weights are written (what a PyTorch model needs, as the peer of
    /// <c>bench model</c>).
    /// </summary>
    public static string Export(Gpt model, TextTokenizer? tokenizer, string folder)
    {
        var (gpt2, llama) = (HfGpt2Config.Differences(model.Config), HfLlamaConfig.Differences(model.Config));
        if (gpt2.Count > 0 && llama.Count > 0)
            throw new UserError($"this model is neither a GPT-2 ({string.Join("; ", gpt2)}) nor a Llama or Qwen3 ({string.Join("; ", llama)}); " +
                                "no Hugging Face architecture holds it exactly, so nothing was exported");
        Directory.CreateDirectory(folder);
        HfModelConfig config = gpt2.Count == 0
            ? HfGpt2Config.From(model.Config, tokenizer?.EndOfText, tokenizer?.Specials)
            : HfLlamaConfig.From(model.Config, tokenizer?.EndOfText, tokenizer?.Specials);
        config.Write(folder);
        using (var scope = NewDisposeScope())
            SafeTensorsFile.Write(Path.Combine(folder, Weights), gpt2.Count == 0 ? HfGpt2Folder.Tensors(model) : HfLlamaFolder.Tensors(model),
                new Dictionary<string, string> { ["format"] = "pt" });
        string architecture = config.Architectures[0];
        if (tokenizer is null) return architecture;
        JsonFile.Write(Path.Combine(folder, GenerationConfig), new JsonObject
        {
            ["bos_token_id"] = tokenizer.EndOfText, ["eos_token_id"] = tokenizer.EndOfText, ["pad_token_id"] = tokenizer.EndOfText,
        }, JsonFile.Readable);
        HfTokenizerFiles.Write(tokenizer, folder, model.Config.ContextLength);
        return architecture;
    }

    /// <summary>
    /// A GPT-2, Llama or Qwen3 folder as our model and tokenizer: saved by transformers (one file or shards), exported
    /// from here, or GPT-2 itself. When the vocabulary has no rows for our finetuning markers (GPT-2's 50,257), it
    /// grows to a multiple of 64 and the new rows start as the mean embedding, said through <paramref name="log"/>.
    /// </summary>
    public static (Gpt Model, TextTokenizer Tokenizer) Import(string folder, Action<string>? log = null)
    {
        folder = Path.GetFullPath(folder);
        string configPath = Path.Combine(folder, ConfigFile);
        var modelType = ModelType(folder) ?? throw new InvalidDataException($"{configPath} names no model_type: not a Hugging Face model folder");
        string[] known = [HfGpt2Config.ModelType, HfLlamaConfig.Llama, HfLlamaConfig.Qwen3];
        if (!known.Contains(modelType)) throw new InvalidDataException($"{configPath}: model_type is '{modelType}'; the folders this program reads are {string.Join(", ", known)}");
        bool gpt2 = modelType == HfGpt2Config.ModelType;
        var config = gpt2 ? HfGpt2Config.Read(folder).ToGptConfig(configPath) : HfLlamaConfig.Read(folder).ToGptConfig(configPath);
        var tokenizer = HfTokenizerFiles.Read(folder);
        var tensors = ReadWeights(folder);
        try
        {
            var ours = gpt2 ? HfGpt2Folder.OurTensors(tensors) : HfLlamaFolder.OurTensors(tensors, config, folder);
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

    /// <summary>The model_type a folder's config.json names, or null where there is none (our model folders have none).</summary>
    public static string? ModelType(string folder)
    {
        var path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) return null;
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && document.RootElement.TryGetProperty("model_type", out var type)
            ? type.GetString() : null;
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
            ? $"{folder} has pytorch_model.bin but no {Weights}; this program reads safetensors only: in Python, AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)"
            : $"{folder} holds no weights ({Weights} or {ShardIndex})", single);
    }
}
