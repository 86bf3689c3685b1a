using System.Text.Json.Nodes;
using LlmNotebooks.Generation;
using LlmNotebooks.HuggingFace;
using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tests.TestSupport;
using static LlmNotebooks.Tests.TestSupport.TestModels;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.HuggingFace;

/// <summary>The modern block (rotary, RMSNorm, SwiGLU; QK-norm or not) as a Qwen3 or Llama folder, and back.</summary>
public class HfLlamaFolderTests
{
    /// <summary>The cpu preset's block at test size: Qwen3's.</summary>
    public static readonly GptConfig Qwen3 = new(VocabSize: 512, ContextLength: 32, Layers: 2, Heads: 2, Width: 32, Bias: false,
        Position: PositionEncoding.Rotary, Norm: NormKind.RmsNorm, Mlp: MlpKind.SwiGlu, QkNorm: true);

    public static readonly GptConfig Llama = Qwen3 with { QkNorm = false, Bias = true };

    static string Export(Gpt model, TextTokenizer tokenizer, string expected)
    {
        var folder = TestEnvironment.TempFolder().FullName;
        Assert.Equal(expected, HfFolder.Export(model, tokenizer, folder));
        return folder;
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    static JsonObject Config(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, HfFolder.ConfigFile)))!.AsObject();

    [Fact]
    public void A_qwen3_folder_has_qwen3s_names_layout_and_configuration()
    {
        using var model = TestModels.RandomModel(Qwen3);
        var folder = Export(model, TestModels.OurBpe(), "Qwen3ForCausalLM");

        var config = Config(folder);
        Assert.Equal("qwen3", (string)config["model_type"]!);
        Assert.Equal((512, 32, 128, 2, 2, 2, 16, 32), ((int)config["vocab_size"]!, (int)config["hidden_size"]!, (int)config["intermediate_size"]!,
            (int)config["num_hidden_layers"]!, (int)config["num_attention_heads"]!, (int)config["num_key_value_heads"]!, (int)config["head_dim"]!,
            (int)config["max_position_embeddings"]!));
        Assert.Equal((1e-5, 10000.0, true, "float32", false), ((double)config["rms_norm_eps"]!, (double)config["rope_theta"]!,
            (bool)config["tie_word_embeddings"]!, (string)config["torch_dtype"]!, (bool)config["attention_bias"]!));

        var tensors = SafeTensorsFile.Read(Path.Combine(folder, HfFolder.Weights));
        var state = model.state_dict();
        var cAttn = state["transformer.h.1.attn.c_attn.weight"];   // (3C, C): queries, keys, values
        Assert.True(Same(tensors["model.layers.1.self_attn.k_proj.weight"], cAttn[32..64]));
        var cFc = state["transformer.h.0.mlp.c_fc.weight"];        // (2H, C): gate, then up
        Assert.True(Same(tensors["model.layers.0.mlp.gate_proj.weight"], cFc[..128]));
        Assert.True(Same(tensors["model.layers.0.mlp.up_proj.weight"], cFc[128..]));
        Assert.True(Same(tensors["model.layers.0.self_attn.q_norm.weight"], state["transformer.h.0.attn.q_norm.weight"]));
        Assert.Equal([32, 128], tensors["model.layers.0.mlp.down_proj.weight"].shape);
        Assert.True(Same(tensors["model.norm.weight"], state["transformer.ln_f.weight"]));
        Assert.DoesNotContain("lm_head.weight", tensors.Keys);    // tied: transformers ties it on load
        Assert.DoesNotContain(tensors.Keys, k => k.EndsWith(".bias"));
        Assert.Equal(2 * 11 + 2, tensors.Count);                  // 11 per block, the embedding and the final norm
    }

    [Fact]
    public void The_cpu_presets_model_is_a_qwen3_and_bias_is_a_setting()
    {
        var cpu = PretrainingConfig.Preset("cpu");
        Assert.Empty(HfLlamaConfig.Differences(cpu.ModelConfig(8192)));
        Assert.Equal(HfLlamaConfig.Qwen3, HfLlamaConfig.From(cpu.ModelConfig(8192), 0, new Dictionary<string, int>()).ModelTypeName);
        var biased = cpu.With(["bias=true"]).ModelConfig(8192);
        Assert.True(biased.Bias);
        Assert.Contains(HfLlamaConfig.Differences(biased), d => d.StartsWith("QK-norm with MLP biases"));
        Assert.Empty(HfLlamaConfig.Differences(cpu.With(["bias=true", "qk_norm=false"]).ModelConfig(8192)));   // a Llama
    }

    [Fact]
    public void A_llama_folder_has_biases_where_ours_has_them_and_no_qk_norm()
    {
        using var model = TestModels.RandomModel(Llama with { TiedEmbeddings = false });
        var folder = Export(model, TestModels.OurBpe(), "LlamaForCausalLM");
        var config = Config(folder);
        Assert.Equal(("llama", true, true, false), ((string)config["model_type"]!, (bool)config["attention_bias"]!, (bool)config["mlp_bias"]!,
            (bool)config["tie_word_embeddings"]!));
        var tensors = SafeTensorsFile.Read(Path.Combine(folder, HfFolder.Weights));
        Assert.True(Same(tensors["model.layers.0.mlp.up_proj.bias"], model.state_dict()["transformer.h.0.mlp.c_fc.bias"][128..]));
        Assert.Contains("lm_head.weight", tensors.Keys);
        Assert.DoesNotContain(tensors.Keys, k => k.Contains("q_norm"));
    }

    public static TheoryData<string, bool> Blocks => new() { { "qwen3", true }, { "qwen3", false }, { "llama", true }, { "llama", false } };

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Importing_an_exported_folder_gives_identical_logits(string block, bool tied)
    {
        var config = (block == "qwen3" ? Qwen3 : Llama) with { TiedEmbeddings = tied };
        using var model = TestModels.RandomModel(config);
        var tokenizer = TestModels.OurBpe();
        var folder = Export(model, tokenizer, block == "qwen3" ? "Qwen3ForCausalLM" : "LlamaForCausalLM");

        var (imported, again) = HfFolder.Import(folder);
        using var _ = imported;
        Assert.Equal(config, imported.Config);
        var ids = tokenizer.Encode(TestModels.Sample)[..30];
        Assert.Equal(0, (Logits(model, ids) - Logits(imported, ids)).abs().max().item<float>());
        Assert.Equal(tokenizer.Encode(TestModels.Sample), again.Encode(TestModels.Sample));
    }

    [Fact]
    public void A_llama_folder_without_mlp_biases_imports_with_zero_biases_exactly()
    {
        using var model = TestModels.RandomModel(Llama);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters().Where(p => p.name.Contains(".mlp.") && p.name.EndsWith(".bias"))) p.zero_();
        var tokenizer = TestModels.OurBpe();
        var folder = Export(model, tokenizer, "LlamaForCausalLM");
        var weights = Path.Combine(folder, HfFolder.Weights);
        var tensors = SafeTensorsFile.Read(weights).Where(t => !(t.Key.Contains(".mlp.") && t.Key.EndsWith(".bias"))).ToDictionary();
        SafeTensorsFile.Write(weights, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = Config(folder);
        config["mlp_bias"] = false;
        File.WriteAllText(Path.Combine(folder, HfFolder.ConfigFile), config.ToJsonString());

        var (imported, _) = HfFolder.Import(folder);
        using var __ = imported;
        var ids = tokenizer.Encode(TestModels.Sample)[..30];
        Assert.Equal(0, (Logits(model, ids) - Logits(imported, ids)).abs().max().item<float>());
    }

    [Theory]
    [InlineData("num_key_value_heads", "1", "grouped-query attention (1 key/value heads for 2 query heads)")]
    [InlineData("head_dim", "8", "head_dim 8 × 2 heads is not hidden_size 32")]
    [InlineData("rope_theta", "1000000", "rotary base 1000000 is not 10000 unscaled")]
    [InlineData("rms_norm_eps", "1e-06", "rms_norm_eps 1E-06 is not 1E-05")]
    [InlineData("intermediate_size", "96", "intermediate_size 96 is not 128")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act 'gelu' is not silu")]
    public void A_folder_this_model_cannot_hold_exactly_is_refused_naming_the_setting(string field, string value, string reason)
    {
        using var model = TestModels.RandomModel(Qwen3);
        var folder = Export(model, TestModels.OurBpe(), "Qwen3ForCausalLM");
        var config = Config(folder);
        config[field] = JsonNode.Parse(value);
        File.WriteAllText(Path.Combine(folder, HfFolder.ConfigFile), config.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => HfFolder.Import(folder));
        Assert.Contains(HfFolder.ConfigFile, error.Message);
        Assert.Contains(reason, error.Message);
    }

    public static TheoryData<string, string> References => new() { { "qwen3", "ours" }, { "llama", "gpt2" } };

    /// <summary>
    /// The exported folder in an independent implementation (tools/pytorch/llama.py: Llama's and Qwen3's published
    /// architecture in plain PyTorch, loading the folder by its parameter names and config fields, the tokenizer from
    /// tokenizer.json): the same prompt ids, the same logits, the same greedy continuation.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(References))]
    public void Pytorch_reproduces_the_exported_model(string block, string tokenizerKind)
    {
        Python.RequireTorch();
        var tokenizer = tokenizerKind == "gpt2" ? TextTokenizer.Gpt2() : TestModels.OurBpe();
        var config = (block == "qwen3" ? Qwen3 : Llama with { TiedEmbeddings = false }).ForVocabulary(tokenizer.VocabSize) with { ContextLength = 128 };
        using var model = TestModels.RandomModel(config);
        var folder = Export(model, tokenizer, block == "qwen3" ? "Qwen3ForCausalLM" : "LlamaForCausalLM");
        var reference = PytorchReference.Run(folder, TestModels.Sample, newTokens: 8);

        var ids = tokenizer.Encode(TestModels.Sample);
        Assert.InRange(ids.Length, 20, 128 - 8);   // prompt and continuation fit: neither side crops
        Assert.Equal(ids, reference.PromptIds);
        double diff = (Logits(model, ids) - reference.Logits).abs().max().item<float>();
        Assert.True(diff <= 1e-4, $"max |logit difference| {diff:E2}");
        var greedy = TokenGenerator.Generate(model, [ids], new DecodingOptions(MaxNewTokens: 8, VocabularyLimit: tokenizer.VocabSize))[0];
        Assert.Equal(reference.Greedy, greedy);
    }

    /// <summary>
    /// The hand-in, model.pt under our names, read with torch.load and mapped to Qwen3's names by hf_models.py (a
    /// mapping written apart from the C# export): the same logits as the exported folder, on the PyTorch side.
    /// </summary>
    [SkippableFact]
    public void Torch_load_of_the_hand_in_gives_the_exported_folders_model()
    {
        Python.RequireTorch();
        var tokenizer = TestModels.OurBpe();
        using var model = TestModels.RandomModel(Qwen3.ForVocabulary(tokenizer.VocabSize));
        var ours = TestEnvironment.TempFolder().FullName;
        ModelFiles.Save(ours, model, tokenizer, handIn: true);
        var hf = Export(model, tokenizer, "Qwen3ForCausalLM");
        var (code, output) = Python.Run("""
            import sys, torch
            sys.path.insert(0, sys.argv[1])
            import hf_models
            hand_in, exported = hf_models.load(sys.argv[2]).double(), hf_models.load(sys.argv[3]).double()
            ids = torch.arange(1, 25).unsqueeze(0)
            with torch.no_grad():
                print(f"difference {float((hand_in(ids) - exported(ids)).abs().max())}; {hand_in.config['model_type']}")
            """, Path.Combine(TestEnvironment.Root, "tools", "pytorch"), ours, hf);
        Assert.True(code == 0, output);
        Assert.Contains("difference 0.0; qwen3", output);
    }
}
