using LlmNotebooks.Data;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Model;

public class GptTests
{
    static readonly GptConfig Small = new(VocabSize: 97, ContextLength: 32, Layers: 2, Heads: 4, Width: 32);

    /// <summary>A model with large random weights, so that outputs depend strongly on every input token.</summary>
    static Gpt Scrambled(GptConfig config, long seed = 1)
    {
        var model = new Gpt(config, seed);
        using var _ = no_grad();
        foreach (var (_, p) in model.UniqueParameters().Where(p => p.Parameter.dim() == 2)) p.normal_(0, 0.5);
        model.eval();
        return model;
    }

    [Fact]
    public void Shapes()
    {
        var model = new Gpt(Small, seed: 1);
        var idx = randint(0, 97, [3, 20]);
        Assert.Equal([3L, 20, 97], model.forward(idx).shape);
        var (logits, loss) = model.Forward(idx, randint(0, 97, [3, 20]));
        Assert.Equal([3L, 20, 97], logits.shape);
        Assert.Empty(loss.shape);
        Assert.Equal([3L, 97], model.LastLogits(idx).shape);
        // Untrained, the prediction is near uniform: loss about ln(V).
        Assert.InRange(loss.item<float>(), Math.Log(97) - 0.3, Math.Log(97) + 0.3);
    }

    [Fact]
    public void A_sequence_longer_than_the_context_is_rejected()
    {
        var model = new Gpt(Small, seed: 1);
        Assert.Contains("longer than the context", Assert.Throws<ArgumentException>(() => model.forward(zeros([1, 33], ScalarType.Int64))).Message);
    }

    [Theory]
    [InlineData(AttentionKind.Fused)]
    [InlineData(AttentionKind.Explicit)]
    public void Changing_a_later_token_never_changes_earlier_logits(AttentionKind kind)
    {
        var model = Scrambled(Small);
        model.Attention = kind;
        var idx = randint(0, 97, [2, 24]);
        var before = model.forward(idx);
        for (int t = 0; t < 23; t++)
        {
            var changed = idx.clone();
            changed[TensorIndex.Colon, t + 1] = (changed[TensorIndex.Colon, t + 1] + 1) % 97;
            var after = model.forward(changed);
            Assert.True(before[.., ..(t + 1)].allclose(after[.., ..(t + 1)], rtol: 0, atol: 1e-6), $"logits at positions <= {t} changed");
            Assert.False(before[.., (t + 1)..].allclose(after[.., (t + 1)..], rtol: 0, atol: 1e-6), "later positions must see the change");
        }
    }

    [Fact]
    public void Both_attention_paths_agree()
    {
        var model = Scrambled(Small);
        var idx = randint(0, 97, [3, 32]);
        model.Attention = AttentionKind.Fused;
        var fused = model.forward(idx);
        model.Attention = AttentionKind.Explicit;
        var explicitLogits = model.forward(idx);
        Assert.True(fused.allclose(explicitLogits, rtol: 1e-4, atol: 1e-5), $"max difference {(fused - explicitLogits).abs().max().item<float>()}");
    }

    [Fact]
    public void Explicit_attention_weights_are_causal_distributions()
    {
        var model = Scrambled(Small);
        var attention = model.Blocks[0].Attention;
        attention.CaptureWeights = true;
        model.forward(randint(0, 97, [1, 10]));
        var weights = attention.Weights!;                        // (1, nh, 10, 10)
        Assert.Equal([1L, 4, 10, 10], weights.shape);
        Assert.True(weights.sum(-1).allclose(ones(1, 4, 10), atol: 1e-5));
        Assert.Equal(0f, weights.triu(1).abs().sum().item<float>());
    }

    [Theory]
    [InlineData(AttentionKind.Fused)]
    [InlineData(AttentionKind.Explicit)]
    public void Cached_generation_produces_the_tokens_of_full_recomputation(AttentionKind kind)
    {
        var model = Scrambled(Small with { Attention = kind });
        int[][] prompts = [[5, 6, 7, 8, 9, 10, 11], [42], [3, 1, 4, 1, 5]];
        var options = new SamplingOptions(MaxNewTokens: 20);

        var cached = Generation.Generate(model, prompts, options);
        var recomputed = Generation.Generate(model, prompts, options with { UseCache = false });
        var oneByOne = prompts.Select(p => Generation.Generate(model, [p], options with { UseCache = false })[0]).ToList();

        Assert.Equal(oneByOne, recomputed);    // left padding changes nothing
        Assert.Equal(recomputed, cached);      // neither does the cache
        Assert.True(cached.SelectMany(c => c).Distinct().Count() > 5, "a scrambled model should not repeat one token");
    }

    [Fact]
    public void Prompts_longer_than_the_context_are_cropped_from_the_left()
    {
        var model = Scrambled(Small);
        var longPrompt = Enumerable.Range(0, 50).Select(i => i % 97).ToArray();
        var options = new SamplingOptions(MaxNewTokens: 8);
        Assert.Equal(longPrompt[^24..], Generation.Crop(longPrompt, 32, 8));
        Assert.Equal(Generation.Generate(model, [longPrompt[^24..]], options), Generation.Generate(model, [longPrompt], options));
        Assert.Equal(8, Generation.Generate(model, [longPrompt], options)[0].Length);
    }

    [Fact]
    public void Generation_stops_at_stop_tokens_and_streams_the_same_tokens()
    {
        var model = Scrambled(Small);
        int[] prompt = [1, 2, 3];
        var free = Generation.Generate(model, [prompt], new SamplingOptions(MaxNewTokens: 12))[0];
        int stop = free[4];
        var stopped = Generation.Generate(model, [prompt], new SamplingOptions(MaxNewTokens: 12, StopTokens: [stop]))[0];
        Assert.Equal(free.TakeWhile(t => t != stop), stopped);
        Assert.Equal(stopped, Generation.Stream(model, prompt, new SamplingOptions(MaxNewTokens: 12, StopTokens: [stop])));
    }

    [Fact]
    public void Sampling_respects_temperature_top_k_top_p_and_the_vocabulary_limit()
    {
        var logits = tensor(new float[] { 1, 5, 3, 4, 2, 0 }).view(1, 6);
        Assert.Equal(1L, Generation.Sample(logits, new SamplingOptions()).item<long>());
        Assert.Equal(0L, Generation.Sample(logits, new SamplingOptions(VocabularyLimit: 1)).item<long>());

        using var generator = new torch.Generator(7);
        var draws = Enumerable.Range(0, 300).Select(_ => Generation.Sample(logits, new SamplingOptions(Temperature: 1, TopK: 2), generator).item<long>()).ToList();
        Assert.Equal([1L, 3L], draws.Distinct().Order());
        // Probabilities of ids 1, 3, 2 are about 0.63, 0.23, 0.09: top-p 0.8 keeps ids 1 and 3 only.
        var nucleus = Enumerable.Range(0, 300).Select(_ => Generation.Sample(logits, new SamplingOptions(Temperature: 1, TopP: 0.8), generator).item<long>()).ToList();
        Assert.Equal([1L, 3L], nucleus.Distinct().Order());
        var limited = Enumerable.Range(0, 100).Select(_ => Generation.Sample(logits, new SamplingOptions(Temperature: 5, VocabularyLimit: 3), generator).item<long>());
        Assert.All(limited, id => Assert.InRange(id, 0, 2));
    }

    [Fact]
    public void Sampled_generation_is_reproducible_with_a_seed()
    {
        var model = Scrambled(Small);
        var options = new SamplingOptions(MaxNewTokens: 10, Temperature: 1.0, TopK: 20, Seed: 11);
        Assert.Equal(Generation.Generate(model, [[1, 2]], options), Generation.Generate(model, [[1, 2]], options));
        Assert.NotEqual(Generation.Generate(model, [[1, 2]], options), Generation.Generate(model, [[1, 2]], options with { Seed = 12 }));
    }

    [SkippableFact]
    public void A_tiny_model_overfits_one_real_batch()
    {
        var text = PretrainingText.Read(TestEnvironment.RequireData("webtext/webtext-train-first1408.jsonl"), new DataIssues()).First().Text;
        var tokenizer = TextTokenizer.Gpt2();
        var ids = tokenizer.Encode(text).Take(4 * 33).Select(i => (long)i).ToArray();
        var batch = tensor(ids, [4, 33]);
        var (x, y) = (batch[.., ..32], batch[.., 1..]);
        var model = new Gpt(GptConfig.Preset("smoke").ForVocabulary(tokenizer.VocabSize) with { ContextLength = 32 }, seed: 1);
        var optimizer = optim.AdamW(model.UniqueParameters().Select(p => p.Parameter), lr: 3e-3, weight_decay: 0);
        float first = 0, last = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (_, loss) = model.Forward(x, y);
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
        var model = new Gpt(Small, seed: 1);
        var optimizer = optim.AdamW(model.UniqueParameters().Select(p => p.Parameter), lr: 1e-3);
        var idx = randint(0, 97, [2, 32]);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.Forward(idx, idx).Loss.backward();
            optimizer.step();
        }
        Step();   // the optimizer allocates its state on the first step
        long before = Live();
        for (int i = 0; i < 50; i++) Step();
        for (int i = 0; i < 5; i++) Generation.Generate(model, [[1, 2, 3], [4]], new SamplingOptions(MaxNewTokens: 10));
        Assert.Equal(before, Live());
    }

    [Fact]
    public void Tied_embeddings_share_weights_and_gradients()
    {
        var model = new Gpt(Small, seed: 1);
        model.Forward(randint(0, 97, [2, 8]), randint(0, 97, [2, 8])).Loss.backward();
        Assert.True(model.Head.weight!.grad!.allclose(model.Body.TokenEmbedding.weight!.grad!));
        using (no_grad()) model.Body.TokenEmbedding.weight[0, 0] = tensor(7f);
        Assert.Equal(7f, model.Head.weight[0, 0].item<float>());
        Assert.DoesNotContain(model.UniqueParameters(), p => p.Name == "lm_head.weight");
    }

    [Fact]
    public void Bf16_weights_give_nearly_the_fp32_logits()
    {
        var model = Scrambled(Small);
        var idx = randint(0, 97, [2, 16]);
        var fp32 = model.forward(idx);
        model.to(ScalarType.BFloat16);
        var bf16 = model.forward(idx).to(ScalarType.Float32);
        Assert.Equal(ScalarType.BFloat16, model.Head.weight!.dtype);
        Assert.True((fp32 - bf16).abs().mean().item<float>() < 0.05 * fp32.abs().mean().item<float>());
        Assert.Equal(Generation.Generate(model, [[1, 2]], new SamplingOptions(MaxNewTokens: 4, UseCache: true)),
            Generation.Generate(model, [[1, 2]], new SamplingOptions(MaxNewTokens: 4, UseCache: false)));
    }
}
