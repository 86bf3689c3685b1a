using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// GPT-2's tensors in a Hugging Face folder (<see cref="HfFolder"/> writes and reads the rest). The state_dict names
/// are already GPT-2's; the difference is the layout of the four projections, which GPT-2 stores as Conv1D (in, out),
/// transposed relative to our Linear (out, in).
/// </summary>
public static class HfGpt2Folder
{
    /// <summary>The weights GPT-2 keeps as Conv1D, by the end of their names.</summary>
    static readonly string[] Conv1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

    static bool IsConv1D(string name) => Conv1D.Any(name.EndsWith);

    /// <summary>
    /// GPT-2's tensors for our model: Conv1D weights transposed, a tied head left out (transformers ties it on load),
    /// and zero biases where ours has none (GPT-2 always has them; zeros are exact).
    /// </summary>
    public static Dictionary<string, Tensor> Tensors(Gpt model)
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
    /// Our tensors from a GPT-2 folder's: keys with or without "transformer.", without the attention-mask buffers of
    /// older transformers versions, Conv1D weights transposed back.
    /// </summary>
    public static Dictionary<string, Tensor> OurTensors(IReadOnlyDictionary<string, Tensor> theirs)
    {
        var ours = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in theirs)
        {
            var name = key.StartsWith("transformer.") || key == Gpt.HeadWeightName ? key : "transformer." + key;
            if (name.EndsWith(".attn.bias") || name.EndsWith(".attn.masked_bias")) continue;   // causal-mask buffers, not weights
            ours[name] = IsConv1D(name) ? tensor.t() : tensor;
        }
        return ours;
    }
}
