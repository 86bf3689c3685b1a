using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>
/// A model on disk, usable on its own: <c>model.safetensors</c> (the weights, with nanoGPT's state_dict names; what
/// this project loads), <c>config.json</c> (the shape, nanoGPT's field names), <c>tokenizer.json</c> (which
/// tokenizer, its special tokens) and, for our own BPE, <c>tokenizer/vocab.json</c> + <c>merges.txt</c>. A hand-in
/// model also gets <c>model.pt</c>, the same state_dict in PyTorch's format (<c>torch.load</c> reads it).
/// </summary>
public static class ModelFiles
{
    public const string Weights = "model.safetensors", HandIn = "model.pt", ConfigFile = "config.json",
        TokenizerFile = "tokenizer.json", TokenizerFolder = "tokenizer";

    /// <param name="handIn">Also write model.pt (the run's exported model; checkpoints skip it).</param>
    public static void Save(string folder, Gpt model, TextTokenizer tokenizer, bool handIn = false)
    {
        Directory.CreateDirectory(folder);
        var stateDict = StateDict(model);
        // safetensors holds no shared tensors: a tied head is the token embedding, so it is left out and restored on load.
        SafeTensorsFile.Write(Path.Combine(folder, Weights),
            stateDict.Where(p => !(model.Config.TiedEmbeddings && p.Key == Gpt.HeadWeightName)).ToDictionary(), new Dictionary<string, string> { ["format"] = "pt" });
        if (handIn) PyTorchFile.Write(Path.Combine(folder, HandIn), stateDict);
        model.Config.Save(Path.Combine(folder, ConfigFile));
        var manifest = tokenizer.Manifest;
        if (tokenizer.Folder is not null)
        {
            var copy = Path.Combine(folder, TokenizerFolder);
            Directory.CreateDirectory(copy);
            foreach (var file in new[] { BpeVocabulary.VocabFile, BpeVocabulary.MergesFile })
                File.Copy(Path.Combine(tokenizer.Folder, file), Path.Combine(copy, file), overwrite: true);
            manifest = manifest with { Folder = TokenizerFolder };   // relative: the folder travels with the model
        }
        JsonFile.Write(Path.Combine(folder, TokenizerFile), manifest);
    }

    /// <summary>The model's state_dict with a tied head as the very tensor of the token embedding (one storage in model.pt).</summary>
    static Dictionary<string, Tensor> StateDict(Gpt model)
    {
        var stateDict = model.state_dict();
        if (model.Config.TiedEmbeddings) stateDict[Gpt.HeadWeightName] = stateDict[Gpt.TokenEmbeddingName];
        return stateDict;
    }

    /// <summary>
    /// The folder of a model given as a folder or as one of its files (model.safetensors, model.pt); an error naming the
    /// path as the user gave it when there is nothing there (its parent folder would hide the mistake).
    /// </summary>
    public static string Folder(string pathOrFolder) =>
        Directory.Exists(pathOrFolder) ? pathOrFolder
        : File.Exists(pathOrFolder) ? Path.GetDirectoryName(Path.GetFullPath(pathOrFolder))!
        : throw new FileNotFoundException($"model not found: {pathOrFolder} does not exist (give a run folder, a checkpoint folder, a model folder or its {Weights})", pathOrFolder);

    /// <summary>The shape of the model in a folder (its config.json).</summary>
    public static GptConfig LoadConfig(string pathOrFolder)
    {
        var configPath = Path.Combine(Folder(pathOrFolder), ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{Folder(pathOrFolder)} holds no model: {ConfigFile} (the model's shape) is missing", configPath);
        return GptConfig.Load(configPath);
    }

    /// <summary>
    /// The model and tokenizer saved in a folder (or beside a model.safetensors or model.pt path).
    /// <paramref name="adjust"/> may change what does not change the weights' shapes (finetuning's prompt attention);
    /// the model goes to <paramref name="device"/> (default: the CPU).
    /// </summary>
    public static (Gpt Model, TextTokenizer Tokenizer) Load(string pathOrFolder, Func<GptConfig, GptConfig>? adjust = null, Device? device = null)
    {
        var folder = Folder(pathOrFolder);
        var weights = Path.Combine(folder, Weights);
        if (!File.Exists(weights))
            throw new FileNotFoundException(File.Exists(Path.Combine(folder, HandIn))
                ? $"{folder} has {HandIn} but not {Weights}, the copy of the weights this program loads"
                : $"model not found: {weights}", weights);
        var config = LoadConfig(folder);
        var model = new Gpt(adjust?.Invoke(config) ?? config);
        try
        {
            LoadWeights(model, weights);
            if (device is not null) model.to(device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (model, LoadTokenizer(folder));
    }

    /// <summary>Copies a safetensors file's weights into a model of the same shape; a mismatch names the file and the tensors.</summary>
    public static void LoadWeights(Gpt model, string weights)
    {
        var tensors = SafeTensorsFile.Read(weights);
        try
        {
            LoadWeights(model, tensors, weights);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Copies weights by state_dict name into a model of the same shape (a tied head may be absent); a mismatch names <paramref name="source"/> and the tensors.</summary>
    public static void LoadWeights(Gpt model, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var expected = model.state_dict();
        if (model.Config.TiedEmbeddings) expected.Remove(Gpt.HeadWeightName);
        var missing = expected.Keys.Except(tensors.Keys).ToList();
        var unexpected = tensors.Keys.Except(expected.Keys).ToList();
        var misshapen = expected.Keys.Intersect(tensors.Keys).Where(k => !expected[k].shape.SequenceEqual(tensors[k].shape)).ToList();
        if (missing.Count + unexpected.Count + misshapen.Count > 0)
            throw new InvalidDataException($"{source} does not fit the model in {ConfigFile}: " + string.Join("; ", new[]
            {
                missing.Count > 0 ? $"missing {string.Join(", ", missing.Take(3))}{(missing.Count > 3 ? "…" : "")}" : null,
                unexpected.Count > 0 ? $"unexpected {string.Join(", ", unexpected.Take(3))}{(unexpected.Count > 3 ? "…" : "")}" : null,
                misshapen.Count > 0 ? $"different shape: {string.Join(", ", misshapen.Take(3).Select(k => $"{k} [{string.Join(",", tensors[k].shape)}] vs [{string.Join(",", expected[k].shape)}]"))}" : null,
            }.Where(s => s is not null)));
        using var _ = no_grad();
        foreach (var (name, target) in expected) target.copy_(tensors[name]);
    }

    public static TextTokenizer LoadTokenizer(string folder)
    {
        var path = Path.Combine(folder, TokenizerFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {TokenizerFile} in {folder}", path);
        var manifest = JsonFile.Read<TokenizerManifest>(path, "a tokenizer manifest");
        return manifest.Folder is { } relative ? TextTokenizer.FromFolder(Path.Combine(folder, relative)) : TextTokenizer.Load(manifest);
    }
}
