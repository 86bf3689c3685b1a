using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// The modern block's tensors in a Hugging Face Llama or Qwen3 folder (<see cref="HfFolder"/> writes and reads the
/// rest). Both store each projection as its own Linear (out, in), as ours do; the names differ, and our fused
/// projections are split: c_attn into q_proj, k_proj and v_proj, the SwiGLU's c_fc into gate_proj and up_proj.
/// </summary>
public static class HfLlamaFolder
{
    /// <summary>Each of a block's tensors: our name, and theirs in the order ours stacks them along its first dimension.</summary>
    static readonly (string Ours, string[] Theirs)[] BlockTensors =
    [
        ("ln_1.weight", ["input_layernorm.weight"]),
        ("attn.c_attn.weight", ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"]),
        ("attn.c_attn.bias", ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"]),
        ("attn.q_norm.weight", ["self_attn.q_norm.weight"]),
        ("attn.k_norm.weight", ["self_attn.k_norm.weight"]),
        ("attn.c_proj.weight", ["self_attn.o_proj.weight"]),
        ("attn.c_proj.bias", ["self_attn.o_proj.bias"]),
        ("ln_2.weight", ["post_attention_layernorm.weight"]),
        ("mlp.c_fc.weight", ["mlp.gate_proj.weight", "mlp.up_proj.weight"]),   // SiLU(gate) ⊙ up: the gate is c_fc's first half
        ("mlp.c_fc.bias", ["mlp.gate_proj.bias", "mlp.up_proj.bias"]),
        ("mlp.c_proj.weight", ["mlp.down_proj.weight"]),
        ("mlp.c_proj.bias", ["mlp.down_proj.bias"]),
    ];

    static readonly (string Ours, string Theirs)[] ModelTensors =
    [
        (Gpt.TokenEmbeddingName, "model.embed_tokens.weight"),
        ("transformer.ln_f.weight", "model.norm.weight"),
        (Gpt.HeadWeightName, "lm_head.weight"),
    ];

    /// <summary>Each of our tensor names with theirs, for a model of this config (a tied head included).</summary>
    static IEnumerable<(string Ours, string[] Theirs)> Names(GptConfig config) =>
        ModelTensors.Select(t => (t.Ours, new[] { t.Theirs })).Concat(
            Enumerable.Range(0, config.Layers).SelectMany(layer => BlockTensors
                .Where(t => (config.Bias || !t.Ours.EndsWith(".bias")) && (config.QkNorm || !t.Ours.Contains("_norm.")))
                .Select(t => ($"transformer.h.{layer}.{t.Ours}", t.Theirs.Select(name => $"model.layers.{layer}.{name}").ToArray()))));

    /// <summary>Their tensors for our model, fp32; a tied head is left out (transformers ties it on load).</summary>
    public static Dictionary<string, Tensor> Tensors(Gpt model)
    {
        var state = model.state_dict();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (ours, theirs) in Names(model.Config).Where(n => !(model.Config.TiedEmbeddings && n.Ours == Gpt.HeadWeightName)))
        {
            var parts = state[ours].detach().cpu().to(ScalarType.Float32).chunk(theirs.Length, dim: 0);
            foreach (var (name, part) in theirs.Zip(parts)) tensors[name] = part.contiguous();
        }
        return tensors;
    }

    /// <summary>
    /// Our tensors from theirs: the fused projections stacked again, zeros for the biases a folder leaves out (Llama
    /// without mlp_bias, say), which are exact. A tensor of theirs that has no place here is an error naming it.
    /// </summary>
    public static Dictionary<string, Tensor> OurTensors(IReadOnlyDictionary<string, Tensor> theirs, GptConfig config, string source)
    {
        var ours = new Dictionary<string, Tensor>();
        var used = new HashSet<string>();
        foreach (var (name, names) in Names(config).Where(n => !(config.TiedEmbeddings && n.Ours == Gpt.HeadWeightName)))
        {
            if (names.All(theirs.ContainsKey))
            {
                ours[name] = names.Length == 1 ? theirs[names[0]] : cat(names.Select(n => theirs[n]).ToArray(), dim: 0);
                used.UnionWith(names);
            }
            else if (name.EndsWith(".bias") && !names.Any(theirs.ContainsKey) && ours.TryGetValue(name[..^"bias".Length] + "weight", out var weight))
                ours[name] = zeros(weight.shape[0], dtype: ScalarType.Float32);   // its weight came first (BlockTensors' order)
        }
        // Older transformers saved the rotary frequencies; a tied head may be saved as well.
        var unknown = theirs.Keys.Except(used).Where(n => !n.EndsWith(".rotary_emb.inv_freq") && n != "lm_head.weight").ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"{source}: the weights have tensors this model has no place for have tensors this model has no place for: {string.Join(", ", unknown.Take(3))}{(unknown.Count > 3 ? "…" : "")}");
        return ours;
    }
}
