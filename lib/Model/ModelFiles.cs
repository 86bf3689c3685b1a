using System.Text.Json;
using LlmNotebooks.Tokenization;
using TorchSharp;
using TorchSharp.PyBridge;

namespace LlmNotebooks.Model;

/// <summary>
/// A model on disk, usable on its own: <c>model.pt</c> (a PyTorch state_dict with nanoGPT's names, readable by
/// <c>torch.load</c>), <c>config.json</c> (the shape, nanoGPT's field names), <c>tokenizer.json</c> (which
/// tokenizer, its special tokens) and, for our own BPE, <c>tokenizer/vocab.json</c> + <c>merges.txt</c>.
/// </summary>
public static class ModelFiles
{
    public const string Weights = "model.pt", SafeTensors = "model.safetensors", ConfigFile = "config.json",
        TokenizerFile = "tokenizer.json", TokenizerFolder = "tokenizer";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Save(string folder, Gpt model, TextTokenizer tokenizer, bool safetensors = false)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, Weights), stream => model.save_py(stream, leaveOpen: true));
        if (safetensors) AtomicFile.Write(Path.Combine(folder, SafeTensors), stream => model.save_safetensors(stream, leaveOpen: true));
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
        AtomicFile.WriteAllText(Path.Combine(folder, TokenizerFile), JsonSerializer.Serialize(manifest, Json));
    }

    /// <summary>The model and tokenizer saved in a folder (or next to a model.pt path).</summary>
    public static (Gpt Model, TextTokenizer Tokenizer) Load(string pathOrFolder)
    {
        var weights = Directory.Exists(pathOrFolder) ? Path.Combine(pathOrFolder, Weights) : pathOrFolder;
        if (!File.Exists(weights)) throw new FileNotFoundException($"model not found: {weights}", weights);
        var folder = Path.GetDirectoryName(Path.GetFullPath(weights))!;
        var configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{weights} has no {ConfigFile} beside it (the model's shape)", configPath);
        var model = new Gpt(GptConfig.Load(configPath));
        try
        {
            model.load_py(weights, strict: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{weights} does not fit the model in {configPath}: {e.Message}", e);
        }
        return (model, LoadTokenizer(folder));
    }

    public static TextTokenizer LoadTokenizer(string folder)
    {
        var path = Path.Combine(folder, TokenizerFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {TokenizerFile} in {folder}", path);
        var manifest = JsonSerializer.Deserialize<TokenizerManifest>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path} is empty");
        return manifest.Folder is { } relative ? TextTokenizer.FromFolder(Path.Combine(folder, relative)) : TextTokenizer.Load(manifest);
    }
}
