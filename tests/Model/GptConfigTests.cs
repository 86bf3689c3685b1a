using LlmNotebooks.Model;
using Xunit;

namespace LlmNotebooks.Tests.Model;

public class GptConfigTests
{
    /// <summary>The closed form: embeddings, then per block 12C² + 13C (with biases), then the final LayerNorm.</summary>
    static long Formula(GptConfig c)
    {
        long C = c.Width, biases = c.Bias ? 1 : 0;
        long block = 12 * C * C + (2 * C + 2 * C * biases)    // two LayerNorms
                     + 3 * C * biases + C * biases + 4 * C * biases + C * biases;   // attention and MLP biases
        long embeddings = (long)c.VocabSize * C * (c.TiedEmbeddings ? 1 : 2) + (long)c.ContextLength * C;
        return embeddings + c.Layers * block + C + C * biases;
    }

    [Fact]
    public void Gpt2_small_has_124439808_parameters()
    {
        var config = new GptConfig(VocabSize: 50257, ContextLength: 1024, Layers: 12, Heads: 12, Width: 768);
        Assert.Equal(124_439_808, Formula(config));
        Assert.Equal(124_439_808, new Gpt(config, seed: 1).ParameterCount());
        Assert.Equal(124_439_808 - 1024 * 768, new Gpt(config, seed: 1).ParameterCount(includeEmbeddings: false));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void Counts_follow_the_formula_with_and_without_bias_and_tying(bool bias, bool tied)
    {
        var config = new GptConfig(VocabSize: 300, ContextLength: 48, Layers: 3, Heads: 4, Width: 64, Bias: bias, TiedEmbeddings: tied);
        Assert.Equal(Formula(config), new Gpt(config, seed: 1).ParameterCount());
    }

    [Fact]
    public void State_dict_names_are_nanogpts()
    {
        var names = new Gpt(new GptConfig(VocabSize: 64, ContextLength: 16, Layers: 1, Heads: 2, Width: 16), seed: 1).state_dict().Keys.ToHashSet();
        string[] expected =
        [
            "transformer.wte.weight", "transformer.wpe.weight",
            "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
            "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
            "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
            "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
            "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
            "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
            "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight",
        ];
        Assert.Equal(expected.ToHashSet(), names);
    }

    [Fact]
    public void Residual_projections_start_smaller()
    {
        var model = new Gpt(new GptConfig(VocabSize: 64, ContextLength: 16, Layers: 8, Heads: 4, Width: 128), seed: 1);
        double std(TorchSharp.torch.Tensor? t) => t!.std().item<float>();
        Assert.InRange(std(model.Blocks[0].Mlp.OutputProjection.weight), 0.02 / 4 * 0.9, 0.02 / 4 * 1.1);   // 0.02/sqrt(2·8)
        Assert.InRange(std(model.Body.TokenEmbedding.weight), 0.018, 0.022);
    }

    [Fact]
    public void Presets_round_trip_through_json()
    {
        foreach (var (name, preset) in GptConfig.Presets)
            Assert.Equal(preset, GptConfig.FromJson(preset.ToJson()));
        Assert.Contains("\"n_layer\": 12", GptConfig.Preset("gpt2-124m").ToJson());
        Assert.Equal(50304, GptConfig.Preset("tiny").ForVocabulary(50260).VocabSize);
        Assert.Equal(8192, GptConfig.Preset("tiny").ForVocabulary(8192).VocabSize);
    }

    [Fact]
    public void Bad_configs_are_rejected_with_the_reason()
    {
        Assert.Contains("not divisible", Assert.Throws<UserError>(() => new GptConfig(64, 16, 1, 3, 16).Validate()).Message);
        Assert.Contains("unknown model preset 'huge'", Assert.Throws<UserError>(() => GptConfig.Preset("huge")).Message);
    }
}
