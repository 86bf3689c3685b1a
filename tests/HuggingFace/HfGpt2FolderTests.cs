using System.Text.Json;
using System.Text.Json.Nodes;
using LlmNotebooks.Data;
using LlmNotebooks.Generation;
using LlmNotebooks.HuggingFace;
using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using LlmNotebooks.Tests.TestSupport;
using static LlmNotebooks.Tests.TestSupport.TestModels;
using LlmNotebooks.Tokenization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.HuggingFace;

public class HfGpt2FolderTests
{
    static readonly GptConfig Small = new(VocabSize: 512, ContextLength: 32, Layers: 2, Heads: 2, Width: 32);

    static readonly Lazy<TextTokenizer> Gpt2 = new(TextTokenizer.Gpt2);

    static string Export(Gpt model, TextTokenizer tokenizer)
    {
        var folder = TestEnvironment.TempFolder().FullName;
        HfFolder.Export(model, tokenizer, folder);
        return folder;
    }

    [Fact]
    public void Gpt2s_merges_recovered_from_its_ranks_encode_as_gpt2_does()
    {
        var folder = TestEnvironment.TempFolder().FullName;
        HfTokenizerFiles.Write(Gpt2.Value, folder, contextLength: 1024);
        var fromFiles = TextTokenizer.FromFolder(folder);

        Assert.Equal(50000, File.ReadLines(Path.Combine(folder, BpeVocabulary.MergesFile)).Count(l => !l.StartsWith("#version")));   // GPT-2 has 50,000 merges
        var texts = new List<string> { Sample };
        if (TestEnvironment.MissingData("webtext/webtext-train-first1408.jsonl") is null)
            texts.AddRange(PretrainingText.Read(Path.Combine(TestEnvironment.DataFolder, "webtext/webtext-train-first1408.jsonl"), new DataIssues()).Take(200).Select(d => d.Text));
        foreach (var text in texts) Assert.Equal(Gpt2.Value.Encode(text), fromFiles.Encode(text));
        Assert.Equal(Gpt2.Value.Specials, fromFiles.Specials);
    }

    [Fact]
    public void The_folder_holds_gpt2s_layout_and_configuration()
    {
        using var model = RandomModel(Small with { Bias = false });
        var tokenizer = OurBpe();
        var folder = Export(model, tokenizer);

        var tensors = SafeTensorsFile.Read(Path.Combine(folder, HfFolder.Weights));
        Assert.Equal([32, 96], tensors["transformer.h.0.attn.c_attn.weight"].shape);   // Conv1D: (in, out)
        Assert.Equal([128, 32], tensors["transformer.h.1.mlp.c_proj.weight"].shape);
        Assert.True(tensors["transformer.h.0.attn.c_attn.weight"].allclose(model.Blocks[0].Attention.state_dict()["c_attn.weight"].t(), rtol: 0, atol: 0));
        Assert.DoesNotContain(Gpt.HeadWeightName, tensors.Keys);                           // tied: transformers ties it on load
        Assert.Equal(0, tensors["transformer.h.0.mlp.c_fc.bias"].abs().sum().item<float>());   // no biases here: zeros there
        Assert.Equal([128], tensors["transformer.h.0.mlp.c_fc.bias"].shape);
        Assert.Equal([32], tensors["transformer.ln_f.bias"].shape);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, HfFolder.ConfigFile)))!;
        Assert.Equal("gpt2", (string)config["model_type"]!);
        Assert.Equal((512, 32, 2, 2, 32), ((int)config["vocab_size"]!, (int)config["n_positions"]!, (int)config["n_layer"]!, (int)config["n_head"]!, (int)config["n_embd"]!));
        Assert.Equal("gelu", (string)config["activation_function"]!);   // ours is exact GELU, not gelu_new
        Assert.Equal(tokenizer.Special(SpecialTokens.Response), (int)config["llmnb_special_tokens"]![SpecialTokens.Response]!);
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, HfFolder.GenerationConfig)))!;
        Assert.Equal(tokenizer.EndOfText, (int)generation["eos_token_id"]!);
        var fast = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, HfTokenizerFiles.FastFile)))!;
        Assert.Equal(SpecialTokens.All, fast["added_tokens"]!.AsArray().Select(t => (string)t!["content"]!));
        Assert.Equal(tokenizer.VocabSize, fast["model"]!["vocab"]!.AsObject().Count);
        Assert.Contains(SpecialTokens.Task, File.ReadAllText(Path.Combine(folder, HfTokenizerFiles.SpecialsFile)));
    }

    [Theory]
    [InlineData(true, true, MlpKind.Gelu)]
    [InlineData(false, false, MlpKind.Gelu)]
    [InlineData(true, true, MlpKind.GeluTanh)]
    public void Importing_an_exported_folder_gives_identical_logits(bool tied, bool bias, MlpKind mlp)
    {
        using var model = RandomModel(Small with { TiedEmbeddings = tied, Bias = bias, Mlp = mlp });
        var tokenizer = OurBpe();
        var folder = Export(model, tokenizer);

        var (imported, again) = HfFolder.Import(folder);
        using var _ = imported;
        var ids = tokenizer.Encode(Sample)[..30];
        Assert.Equal(0, (Logits(model, ids) - Logits(imported, ids)).abs().max().item<float>());
        Assert.Equal(tokenizer.Encode(Sample), again.Encode(Sample));
        Assert.Equal(tokenizer.Specials, again.Specials);
        Assert.Equal(mlp, imported.Config.Mlp);
    }

    [Theory]
    [InlineData("rotary", "rotary positions (GPT-2", "LayerNorm (Llama")]
    [InlineData("rmsNorm", "RMSNorm (GPT-2", "learned positions (Llama")]
    [InlineData("swiGlu", "a SwiGlu MLP (GPT-2", "learned positions (Llama")]
    [InlineData("qkNorm", "QK-norm (GPT-2", "learned positions (Llama")]
    [InlineData("prefixLm", "prefix-LM mask (GPT-2", "prefix-LM mask (Llama")]
    [InlineData("qwen3WithBiases", "rotary positions (GPT-2", "QK-norm with MLP biases")]
    public void Export_refuses_a_model_no_architecture_holds_and_says_why(string feature, string gpt2Reason, string llamaReason)
    {
        var modern = Small with { Position = PositionEncoding.Rotary, Norm = NormKind.RmsNorm, Mlp = MlpKind.SwiGlu };
        var config = feature switch
        {
            "rotary" => Small with { Position = PositionEncoding.Rotary },
            "rmsNorm" => Small with { Norm = NormKind.RmsNorm },
            "swiGlu" => Small with { Mlp = MlpKind.SwiGlu },
            "qkNorm" => Small with { QkNorm = true },
            "prefixLm" => modern with { PromptAttention = PromptAttention.Bidirectional },
            _ => modern with { QkNorm = true, Bias = true },
        };
        using var model = new Gpt(config, seed: 1);
        var folder = Path.Combine(TestEnvironment.TempFolder().FullName, "hf");
        var error = Assert.Throws<UserError>(() => HfFolder.Export(model, OurBpe(), folder));
        Assert.Contains(gpt2Reason, error.Message);
        Assert.Contains(llamaReason, error.Message);
        Assert.False(Directory.Exists(folder));   // nothing half-written
    }

    [Fact]
    public void A_folder_as_transformers_saves_gpt2_imports_with_room_for_our_markers()
    {
        // GPT-2's own layout: keys without "transformer.", causal-mask buffers, 50,257 rows, gelu_new, GPT-2's vocabulary files.
        using var model = RandomModel(new GptConfig(VocabSize: 50257, ContextLength: 16, Layers: 1, Heads: 2, Width: 16, Mlp: MlpKind.GeluTanh));
        var folder = TranformersStyleGpt2(model);

        var messages = new List<string>();
        var (imported, tokenizer) = HfFolder.Import(folder, messages.Add);
        using var _ = imported;
        Assert.Equal(TextTokenizer.Gpt2Name, tokenizer.Kind);
        Assert.Equal(50304, imported.Config.VocabSize);
        Assert.Contains(messages, m => m.Contains("grows from 50257 to 50304"));
        int[] ids = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13];
        var ours = Logits(imported, ids);
        Assert.True((Logits(model, ids) - ours[.., ..50257]).abs().max().item<float>() < 1e-5);   // a wider head may sum in another order
        // The new rows start as the mean embedding.
        Assert.True(imported.Body.TokenEmbedding.weight![50300].allclose(model.Body.TokenEmbedding.weight!.mean([0]), atol: 1e-6));
    }

    /// <summary>What transformers' save_pretrained writes for GPT-2 itself (as far as this project reads it).</summary>
    static string TranformersStyleGpt2(Gpt model)
    {
        var exported = Export(model, Gpt2.Value);
        var folder = TestEnvironment.TempFolder().FullName;
        var tensors = SafeTensorsFile.Read(Path.Combine(exported, HfFolder.Weights))
            .ToDictionary(t => t.Key["transformer.".Length..], t => t.Value);
        for (int layer = 0; layer < model.Config.Layers; layer++)
            tensors[$"h.{layer}.attn.bias"] = ones(16, 16).tril().view(1, 1, 16, 16);
        SafeTensorsFile.Write(Path.Combine(folder, HfFolder.Weights), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(exported, HfFolder.ConfigFile)))!.AsObject();
        config.Remove("llmnb_special_tokens");
        config["activation_function"] = "gelu_new";
        File.WriteAllText(Path.Combine(folder, HfFolder.ConfigFile), config.ToJsonString());
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(exported, BpeVocabulary.VocabFile)))!
            .Where(v => v.Value <= 50256).ToDictionary();
        File.WriteAllText(Path.Combine(folder, BpeVocabulary.VocabFile), JsonSerializer.Serialize(vocab));
        File.Copy(Path.Combine(exported, BpeVocabulary.MergesFile), Path.Combine(folder, BpeVocabulary.MergesFile));
        return folder;
    }

    [Fact]
    public void A_folder_of_another_kind_is_refused_by_name()
    {
        var folder = TestEnvironment.TempFolder().FullName;
        File.WriteAllText(Path.Combine(folder, HfFolder.ConfigFile), """{"model_type": "mistral", "vocab_size": 32000}""");
        var error = Assert.Throws<InvalidDataException>(() => HfFolder.Import(folder));
        Assert.Contains("model_type is 'mistral'; the folders this program reads are gpt2, llama, qwen3", error.Message);

        using var model = RandomModel(Small);
        var exported = Export(model, OurBpe());
        File.Delete(Path.Combine(exported, HfFolder.Weights));
        File.WriteAllText(Path.Combine(exported, "pytorch_model.bin"), "");
        Assert.Contains("safe_serialization=True", Assert.Throws<FileNotFoundException>(() => HfFolder.Import(exported)).Message);
    }

    public static TheoryData<string> Tokenizers => ["ours", "gpt2"];

    /// <summary>
    /// The exported folder in an independent implementation (tools/pytorch/gpt2.py: GPT-2's equations in plain
    /// PyTorch, with hf_files.py's own safetensors reader and byte-level BPE from tokenizer.json): the same prompt ids,
    /// the same logits, the same greedy continuation.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Tokenizers))]
    public void Pytorch_reproduces_the_exported_model(string kind)
    {
        Python.RequireTorch();
        var tokenizer = kind == "gpt2" ? Gpt2.Value : OurBpe();
        using var model = RandomModel(Small.ForVocabulary(tokenizer.VocabSize) with { ContextLength = 128 });
        var folder = Export(model, tokenizer);
        var reference = PytorchReference.Run(folder, Sample, newTokens: 8);

        var ids = tokenizer.Encode(Sample);
        Assert.InRange(ids.Length, 20, 128 - 8);   // prompt and continuation fit: neither side crops
        Assert.Equal(ids, reference.PromptIds);
        double diff = (Logits(model, ids) - reference.Logits).abs().max().item<float>();
        Assert.True(diff <= 1e-4, $"max |logit difference| {diff:E2}");
        var greedy = TokenGenerator.Generate(model, [ids], new DecodingOptions(MaxNewTokens: 8, VocabularyLimit: tokenizer.VocabSize))[0];
        Assert.Equal(reference.Greedy, greedy);
    }
}
