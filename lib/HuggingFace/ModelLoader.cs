using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.HuggingFace;

/// <summary>A model given by path, whichever kind of folder holds it: ours (a run, a checkpoint, a model folder) or a Hugging Face GPT-2, Llama or Qwen3 folder.</summary>
public static class ModelLoader
{
    public static (Gpt Model, TextTokenizer Tokenizer) Load(string pathOrFolder, Device? device = null, Action<string>? log = null)
    {
        var folder = ModelFiles.Folder(pathOrFolder);
        if (HfFolder.ModelType(folder) is null) return ModelFiles.Load(pathOrFolder, device: device);
        var (model, tokenizer) = HfFolder.Import(folder, log);
        if (device is not null) model.to(device);
        return (model, tokenizer);
    }
}
