using LlmNotebooks.Data;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Model;

public class GptTests
{
    public static readonly GptConfig Small = new(VocabSize: 97, ContextLength: 32, Layers: 2, Heads: 4, Width: 32);

    /// <summary>A model with large random weights, so that outputs depend strongly on every input token.</summary>
    public static Gpt Scrambled(GptConfig config, long seed = 1)
    {
        var model = new Gpt(config, seed);
        using var _ = no_grad();
        using var generator = new torch.Generator((ulong)seed + 100);
        foreach (var (_, p) in model.UniqueParameters().Where(p => p.Parameter.dim() == 2)) p.normal_(0, 0.5, generator);
        model.eval();
        return model;
    }

    /// <summary>Every architecture switch the experiments compare, one at a time and all together.</summary>
    public static TheoryData<string> Architectures() => new(Variants.Keys);

    static readonly Dictionary<string, GptConfig> Variants = new()
    {
        ["gpt2"] = Small,
        ["rotary"] = Small with { Position = PositionEncoding.Rotary },
        ["rmsnorm"] = Small with { Norm = NormKind.RmsNorm },
        ["swiglu"] = Small with { Mlp = MlpKind.SwiGlu },
        ["relu2"] = Small with { Mlp = MlpKind.ReluSquared },
        ["qknorm"] = Small with { QkNorm = true },
        ["untied"] = Small with { TiedEmbeddings = false },
        ["modern"] = Small with { Position = PositionEncoding.Rotary, Norm = NormKind.RmsNorm, Mlp = MlpKind.SwiGlu, QkNorm = true, Bias = false },
    };

    [Fact]
    public void Shapes_and_the_untrained_loss()
    {
        var model = new Gpt(Small, seed: 1);
        var idx = randint(0, 97, [3, 20]);
        Assert.Equal([3L, 20, 97], model.forward(idx).Logits.shape);
        Assert.Null(model.forward(idx).Loss);
        var (logits, loss) = model.forward(idx, randint(0, 97, [3, 20]));
        Assert.Equal([3L, 20, 97], logits.shape);
        Assert.Empty(loss!.shape);
        // Untrained, the prediction is near uniform: loss about ln(V).
        Assert.InRange(loss.item<float>(), Math.Log(97) - 0.3, Math.Log(97) + 0.3);
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_rejected()
    {
        var model = new Gpt(Small, seed: 1);
        Assert.Contains("longer than the context", Assert.Throws<ArgumentException>(() => model.forward(zeros([1, 33], ScalarType.Int64))).Message);
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_whatever_else_draws_random_numbers()
    {
        var noise = new Thread(() => { for (int i = 0; i < 2000; i++) using (randn(64)) { } });
        noise.Start();
        using var a = new Gpt(Small, seed: 1);
        using var b = new Gpt(Small, seed: 1);
        noise.Join();
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.equal(q).all().item<bool>(), name);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Changing_a_later_token_never_changes_earlier_logits(string architecture)
    {
        foreach (var kind in new[] { AttentionKind.Fused, AttentionKind.Explicit })
        {
            var model = Scrambled(Variants[architecture] with { Attention = kind });
            var idx = randint(0, 97, [2, 24]);
            var before = model.forward(idx).Logits;
            foreach (int t in new[] { 0, 7, 22 })
            {
                var changed = idx.clone();
                changed[TensorIndex.Colon, t + 1] = (changed[TensorIndex.Colon, t + 1] + 1) % 97;
                var after = model.forward(changed).Logits;
                Assert.True(before[.., ..(t + 1)].allclose(after[.., ..(t + 1)], rtol: 0, atol: 1e-5), $"{architecture} {kind}: logits at positions <= {t} changed");
                Assert.False(before[.., (t + 1)..].allclose(after[.., (t + 1)..], rtol: 0, atol: 1e-5), $"{architecture} {kind}: later positions must see the change");
            }
        }
    }

    /// <summary>
    /// A row that packs two follow-ups after a shared prefix computes each follow-up exactly as a row holding only
    /// the prefix and that follow-up: the same positions, and nothing seen of the other follow-up.
    /// </summary>
    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_packed_row_computes_each_follow_up_as_if_it_stood_alone(string architecture)
    {
        var model = Scrambled(Variants[architecture]);
        var ids = randint(0, 97, [1, 20]);
        long[] segments = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2];     // prefix 8, follow-ups of 6 and 6
        long[] positions = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 8, 9, 10, 11, 12, 13];
        using var packing = new Packing(tensor(segments).view(1, 20), tensor(positions).view(1, 20));
        var packed = model.forward(ids, packing: packing).Logits;

        var first = model.forward(ids[.., ..14]).Logits;
        var second = model.forward(cat([ids[.., ..8], ids[.., 14..]], 1)).Logits;
        Assert.True(packed[.., ..14].allclose(first, rtol: 0, atol: 1e-5), $"{architecture}: the prefix and the first follow-up");
        Assert.True(packed[.., 14..].allclose(second[.., 8..], rtol: 0, atol: 1e-5), $"{architecture}: the second follow-up");
        Assert.False(packed[.., 14..].allclose(model.forward(ids).Logits[.., 14..], rtol: 0, atol: 1e-5), $"{architecture}: unpacked, it would see the first");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Both_attention_paths_agree_and_cached_generation_equals_recomputation(string architecture)
    {
        var model = Scrambled(Variants[architecture]);
        var idx = randint(0, 97, [3, 32]);
        model.Attention = AttentionKind.Fused;
        var fused = model.forward(idx).Logits;
        model.Attention = AttentionKind.Explicit;
        var explicitLogits = model.forward(idx).Logits;
        Assert.True(fused.allclose(explicitLogits, rtol: 1e-4, atol: 1e-4), $"max difference {(fused - explicitLogits).abs().max().item<float>()}");

        int[][] prompts = [[5, 6, 7, 8, 9, 10, 11], [42], [3, 1, 4, 1, 5]];
        var options = new DecodingOptions(MaxNewTokens: 12);
        var cached = TokenGenerator.Generate(model, prompts, options);
        var oneByOne = prompts.Select(p => TokenGenerator.Generate(model, [p], options with { UseCache = false })[0]).ToList();
        Assert.Equal(oneByOne, cached);   // neither left padding nor the cache changes anything
    }

    [Fact]
    public void Parameter_counts_follow_the_architecture()
    {
        using var gpt2 = new Gpt(Small);
        long C = 32, V = 97, T = 32, L = 2;
        Assert.Equal(V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C, gpt2.ParameterCount());
        using var rotary = new Gpt(Small with { Position = PositionEncoding.Rotary });
        Assert.Equal(gpt2.ParameterCount() - T * C, rotary.ParameterCount());     // no position table
        using var untied = new Gpt(Small with { TiedEmbeddings = false });
        Assert.Equal(gpt2.ParameterCount() + V * C, untied.ParameterCount());
        using var swiglu = new Gpt(Small with { Mlp = MlpKind.SwiGlu });
        long hidden = (8 * C / 3 + 63) / 64 * 64;
        Assert.Equal(gpt2.ParameterCount() - L * (8 * C * C + 5 * C) + L * (3 * C * hidden + 2 * hidden + C), swiglu.ParameterCount());
        using var qkNorm = new Gpt(Small with { QkNorm = true });
        Assert.Equal(gpt2.ParameterCount() + L * 2 * (C / Small.Heads), qkNorm.ParameterCount());   // a gain per head dimension, queries and keys
        Assert.Contains("transformer.h.1.attn.k_norm.weight", qkNorm.state_dict().Keys);
    }

    [Fact]
    public void A_prefix_lm_prompt_sees_itself_both_ways_and_the_response_stays_causal()
    {
        var model = Scrambled(Small with { PromptAttention = PromptAttention.Bidirectional });
        var idx = randint(0, 97, [1, 20]);
        long[] prompt = [12];
        var before = model.forward(idx, promptLengths: prompt).Logits;

        var laterPrompt = idx.clone();
        laterPrompt[0, 10] = (laterPrompt[0, 10] + 1) % 97;      // a prompt token: every prompt position sees it
        Assert.False(before[.., ..10].allclose(model.forward(laterPrompt, promptLengths: prompt).Logits[.., ..10], rtol: 0, atol: 1e-5));

        var response = idx.clone();
        response[0, 15] = (response[0, 15] + 1) % 97;             // a response token: nothing before it sees it
        Assert.True(before[.., ..15].allclose(model.forward(response, promptLengths: prompt).Logits[.., ..15], rtol: 0, atol: 1e-5));

        // Without prompt lengths (pretraining text) the same model is causal.
        var causal = model.forward(idx).Logits;
        Assert.True(causal[.., ..10].allclose(model.forward(laterPrompt).Logits[.., ..10], rtol: 0, atol: 1e-5));

        // Generation sees the prompt the same way: cached, batched and left-padded equals one by one without a cache.
        int[][] prompts = [[5, 6, 7, 8, 9, 10, 11], [42, 43], [3, 1, 4, 1, 5]];
        var options = new DecodingOptions(MaxNewTokens: 10);
        Assert.Equal(prompts.Select(p => TokenGenerator.Generate(model, [p], options with { UseCache = false })[0]).ToList(),
            TokenGenerator.Generate(model, prompts, options));
        // …and the first generated token is the forward pass's prediction at the end of the prompt.
        var whole = model.forward(from_array(prompts[0].Select(t => (long)t).ToArray()).unsqueeze(0), promptLengths: [prompts[0].Length]).Logits;
        Assert.Equal(whole[0, -1].argmax().item<long>(), TokenGenerator.Generate(model, [prompts[0]], options with { MaxNewTokens = 1 })[0][0]);
    }

    [Fact]
    public void Explicit_attention_weights_are_causal_distributions()
    {
        var model = Scrambled(Small);
        var weights = model.AttentionWeights(Enumerable.Range(1, 10).ToArray(), layer: 0);   // (nh, 10, 10)
        Assert.Equal([4L, 10, 10], weights.shape);
        Assert.True(weights.sum(-1).allclose(ones(4, 10), atol: 1e-5));
        Assert.Equal(0f, weights.triu(1).abs().sum().item<float>());
        Assert.False(model.Blocks[0].Attention.CaptureWeights);   // left as it was
    }

    [SkippableFact]
    public void A_tiny_model_overfits_one_real_batch()
    {
        var text = PretrainingText.Read(TestEnvironment.RequireData("webtext/webtext-train-first1408.jsonl"), new DataIssues()).First().Text;
        var tokenizer = TextTokenizer.Gpt2();
        var ids = tokenizer.Encode(text).Take(4 * 33).Select(i => (long)i).ToArray();
        var batch = from_array(ids).view(4, 33);
        var (x, y) = (batch[.., ..32], batch[.., 1..]);
        var model = new Gpt(GptConfig.Preset("smoke").ForVocabulary(tokenizer.VocabSize) with { ContextLength = 32 }, seed: 1);
        var optimizer = optim.AdamW(model.UniqueParameters().Select(p => p.Parameter), lr: 3e-3, weight_decay: 0);
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = model.forward(x, y).Loss!;
            loss.backward();
            optimizer.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.InRange(first, 10, 11.5);     // ln(50,304) = 10.8
        Assert.True(last < 0.05, $"loss after 150 steps on one batch: {last}");
    }

    [Fact]
    public void Training_steps_and_generation_leak_no_tensors()
    {
        var model = new Gpt(Small with { PromptAttention = PromptAttention.Bidirectional }, seed: 1);
        var optimizer = optim.AdamW(model.UniqueParameters().Select(p => p.Parameter), lr: 1e-3);
        var idx = randint(0, 97, [2, 32]);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.forward(idx, idx, [5, 9]).Loss!.backward();
            optimizer.step();
        }
        Step();   // the optimizer allocates its state on the first step
        long before = Live();
        for (int i = 0; i < 20; i++) Step();
        for (int i = 0; i < 3; i++) TokenGenerator.Generate(model, [[1, 2, 3], [4]], new DecodingOptions(MaxNewTokens: 10));
        for (int i = 0; i < 3; i++) TokenGenerator.Generate(model, [[1, 2, 3], [4]], new DecodingOptions(MaxNewTokens: 10, Beams: 3, NoRepeatNgram: 2));
        Assert.Equal(before, Live());
    }

    [Fact]
    public void Tied_embeddings_share_weights_and_gradients()
    {
        var model = new Gpt(Small, seed: 1);
        model.forward(randint(0, 97, [2, 8]), randint(0, 97, [2, 8])).Loss!.backward();
        Assert.True(model.Head.weight!.grad!.allclose(model.Body.TokenEmbedding.weight!.grad!));
        using (no_grad()) model.Body.TokenEmbedding.weight[0, 0] = tensor(7f);
        Assert.Equal(7f, model.Head.weight[0, 0].item<float>());
        Assert.DoesNotContain(model.UniqueParameters(), p => p.Name == Gpt.HeadWeightName);
    }

    [Fact]
    public void Bf16_weights_give_nearly_the_fp32_logits()
    {
        var model = Scrambled(Small);
        var idx = randint(0, 97, [2, 16]);
        var fp32 = model.forward(idx).Logits;
        model.to(ScalarType.BFloat16);
        var bf16 = model.forward(idx).Logits.to(ScalarType.Float32);
        Assert.Equal(ScalarType.BFloat16, model.Head.weight!.dtype);
        Assert.True((fp32 - bf16).abs().mean().item<float>() < 0.05 * fp32.abs().mean().item<float>());
        Assert.Equal(TokenGenerator.Generate(model, [[1, 2]], new DecodingOptions(MaxNewTokens: 4, UseCache: true)),
            TokenGenerator.Generate(model, [[1, 2]], new DecodingOptions(MaxNewTokens: 4, UseCache: false)));
    }
}
