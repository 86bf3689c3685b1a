using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Generation;

/// <summary>
/// Extractive decoding by the model's own scores: the response is built from whole candidates (an article's
/// sentences), one at a time; at each step every remaining candidate is scored as the continuation of what the model
/// has read and chosen so far, by the mean log-probability of its tokens, and the best is taken. The prompt is read
/// once into the KV cache and every candidate is scored from a copy of it, all candidates in one batch.
/// </summary>
public static class SentenceSelection
{
    /// <summary>
    /// The indices of the <paramref name="count"/> candidates chosen in turn after <paramref name="prompt"/>; candidate
    /// i is written as <paramref name="first"/>[i] when it comes first and as <paramref name="next"/>[i] after another
    /// (with the separator between them).
    /// </summary>
    public static IReadOnlyList<int> Choose(Gpt model, int[] prompt, IReadOnlyList<int[]> first, IReadOnlyList<int[]> next, int count)
    {
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        var chosen = new List<int>();
        using var _ = no_grad();
        using var cache = new KvCache(model.Config, 1, dtype: model.Head.weight.dtype, device: device);
        var lastLogits = Logits(model, prompt, cache);                                                 // (V): what follows the prompt
        try
        {
            while (chosen.Count < Math.Min(count, first.Count))
            {
                var options = Enumerable.Range(0, first.Count).Except(chosen)
                    .Where(i => cache.Length + (chosen.Count == 0 ? first[i] : next[i]).Length <= cache.Capacity).ToList();
                if (options.Count == 0) break;
                var tokens = options.Select(i => chosen.Count == 0 ? first[i] : next[i]).ToList();
                int best = options[ArgMax(Scores(model, cache, lastLogits, tokens))];
                chosen.Add(best);
                var taken = chosen.Count == 1 ? first[best] : next[best];
                if (cache.Length + taken.Length >= cache.Capacity) break;
                var after = Logits(model, taken, cache);
                lastLogits.Dispose();
                lastLogits = after;
            }
            return chosen;
        }
        finally
        {
            lastLogits.Dispose();
            if (wasTraining) model.train();
        }
    }

    /// <summary>The logits after <paramref name="tokens"/>, appended to the one-row cache: (V).</summary>
    static Tensor Logits(Gpt model, int[] tokens, KvCache cache)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length], ScalarType.Int64, model.Head.weight.device);
        return model.NextTokenLogits(ids, cache)[0].to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Each candidate's mean log-probability as the continuation of the cached row, whose next-token logits are <paramref name="lastLogits"/>.</summary>
    static float[] Scores(Gpt model, KvCache cache, Tensor lastLogits, IReadOnlyList<int[]> candidates)
    {
        using var scope = NewDisposeScope();
        var device = model.Head.weight.device;
        int k = candidates.Count, width = candidates.Max(c => c.Length);
        var ids = new long[k * width];
        for (int c = 0; c < k; c++)
            for (int t = 0; t < width; t++) ids[c * width + t] = t < candidates[c].Length ? candidates[c][t] : candidates[c][^1];   // right-padded: pads follow, unseen
        using var copies = cache.Repeat(k);
        var logits = model.LogitsAfterCache(tensor(ids, [k, width], ScalarType.Int64, device), copies).to(ScalarType.Float32);   // (k, width, V)
        // Token t of a candidate is predicted by the position before it: the cached row's last logits for t = 0.
        var predicting = cat([lastLogits.view(1, 1, -1).expand(k, 1, -1), logits[.., ..(width - 1)]], 1);                  // (k, width, V)
        var logProbabilities = functional.log_softmax(predicting, -1)
            .gather(-1, tensor(ids, [k, width, 1], ScalarType.Int64, device)).squeeze(-1);                                   // (k, width)
        var lengths = candidates.Select(c => (float)c.Length).ToArray();
        var mask = tensor(Enumerable.Range(0, k * width).Select(i => i % width < candidates[i / width].Length ? 1f : 0f).ToArray(), [k, width], ScalarType.Float32, device);
        var mean = (logProbabilities * mask).sum(1) / tensor(lengths, [k], ScalarType.Float32, device);
        return mean.cpu().data<float>().ToArray();
    }

    static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
