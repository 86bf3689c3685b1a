using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>How to pick each next token.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); higher flattens the distribution.</param>
/// <param name="TopK">Sample only among the k most likely tokens (0: no limit).</param>
/// <param name="TopP">Sample only among the most likely tokens whose probabilities add up to p (1: no limit).</param>
/// <param name="StopTokens">A row ends when it produces one of these (usually end of text); the stop token is not returned.</param>
/// <param name="VocabularyLimit">Ids at or above this are never produced (the padding rows of a rounded-up vocabulary).</param>
/// <param name="UseCache">Keep keys and values between steps (fast); false recomputes the whole sequence each step.</param>
public sealed record SamplingOptions(
    int MaxNewTokens = 64,
    double Temperature = 0,
    int TopK = 0,
    double TopP = 1.0,
    long Seed = 0,
    IReadOnlyCollection<int>? StopTokens = null,
    int? VocabularyLimit = null,
    bool UseCache = true);

/// <summary>
/// Autoregressive generation: batched prompts of different lengths (left-padded, with the pads masked out and the
/// positions shifted so every prompt starts at position 0), a KV cache, greedy or sampled decoding, stop tokens,
/// and streaming. Prompts are cropped from the left so prompt and answer fit in the context.
/// </summary>
public static class Generation
{
    /// <summary>The tokens generated after each prompt (without the prompt and without the stop token).</summary>
    public static IReadOnlyList<int[]> Generate(Gpt model, IReadOnlyList<int[]> prompts, SamplingOptions options,
        Func<int, IReadOnlyList<int>, bool>? stopWhen = null)
    {
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var finished = new bool[prompts.Count];
        foreach (var next in Steps(model, prompts, options))
        {
            for (int row = 0; row < next.Length; row++)
            {
                if (finished[row]) continue;
                if (options.StopTokens?.Contains(next[row]) == true) { finished[row] = true; continue; }
                outputs[row].Add(next[row]);
                if (stopWhen?.Invoke(row, outputs[row]) == true) finished[row] = true;
            }
            if (finished.All(f => f)) break;
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    /// <summary>Tokens of one prompt's continuation as they are generated (for notebooks).</summary>
    public static IEnumerable<int> Stream(Gpt model, int[] prompt, SamplingOptions options)
    {
        foreach (var next in Steps(model, [prompt], options))
        {
            if (options.StopTokens?.Contains(next[0]) == true) yield break;
            yield return next[0];
        }
    }

    /// <summary>The prompt as the model will see it: its last tokens, leaving room for the answer.</summary>
    public static int[] Crop(int[] prompt, int contextLength, int maxNewTokens)
    {
        if (prompt.Length == 0) throw new ArgumentException("a prompt needs at least one token (use end of text to start from nothing)");
        int keep = contextLength - Math.Min(maxNewTokens, contextLength - 1);
        return prompt.Length <= keep ? prompt : prompt[^keep..];
    }

    /// <summary>Each step's next token for every row (rows keep going after they stop; callers ignore them).</summary>
    static IEnumerable<int[]> Steps(Gpt model, IReadOnlyList<int[]> prompts, SamplingOptions options)
    {
        var config = model.Config;
        int maxNew = Math.Min(options.MaxNewTokens, config.ContextLength - 1);
        var rows = prompts.Select(p => Crop(p, config.ContextLength, maxNew)).ToList();
        int width = rows.Max(r => r.Length), batch = rows.Count;
        long[] padding = rows.Select(r => (long)(width - r.Length)).ToArray();
        var ids = new long[batch * width];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < rows[b].Length; t++) ids[b * width + padding[b] + t] = rows[b][t];

        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        using var generator = new torch.Generator((ulong)options.Seed, device);
        using var cache = options.UseCache ? new KvCache(config, batch, padding, model.Head.weight.dtype, device) : null;
        var sequence = tensor(ids, [batch, width], ScalarType.Int64, device);    // (B, T), grows without a cache
        Tensor? logits = null, next = null;
        try
        {
            using (no_grad()) logits = model.LastLogits(sequence, cache, padding);   // (B, V)
            for (int step = 0; step < maxNew; step++)
            {
                using (NewDisposeScope())
                using (no_grad())
                    next = Sample(logits, options, generator).MoveToOuterDisposeScope();   // (B)
                // Nothing of ours is open across the yield: the caller's tensors must not land in our scopes.
                yield return next.data<long>().Select(v => (int)v).ToArray();
                if (step == maxNew - 1) break;
                using (NewDisposeScope())
                using (no_grad())
                {
                    Tensor newest;
                    if (cache is not null) newest = model.LastLogits(next.view(batch, 1), cache);
                    else
                    {
                        var longer = cat([sequence, next.view(batch, 1)], dim: 1).MoveToOuterDisposeScope();
                        sequence.Dispose();
                        sequence = longer;
                        newest = model.LastLogits(sequence, null, padding);
                    }
                    logits.Dispose();
                    logits = newest.MoveToOuterDisposeScope();
                }
                next.Dispose();
                next = null;
            }
        }
        finally
        {
            sequence.Dispose();
            logits?.Dispose();
            next?.Dispose();
            model.train(wasTraining);
        }
    }

    /// <summary>Next token per row from last-position logits (B, V).</summary>
    public static Tensor Sample(Tensor logits, SamplingOptions options, torch.Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        logits = logits.to(ScalarType.Float32);
        if (options.VocabularyLimit is { } limit && limit < logits.shape[1])
            logits = logits.index_fill(1, arange(limit, logits.shape[1], device: logits.device), double.NegativeInfinity);
        if (options.Temperature <= 0) return logits.argmax(-1).MoveToOuterDisposeScope();
        logits = logits / options.Temperature;
        if (options.TopK > 0 && options.TopK < logits.shape[1])
        {
            var kth = logits.topk(options.TopK, dim: -1).values.select(1, -1).unsqueeze(1);   // (B, 1)
            logits = logits.masked_fill(logits.lt(kth), double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = logits.sort(dim: -1, descending: true);
            var probabilities = functional.softmax(sorted, dim: -1);
            // Drop a token when the tokens before it already reach p; the most likely token always stays.
            var drop = (probabilities.cumsum(-1) - probabilities).gt(options.TopP);
            sorted = sorted.masked_fill(drop, double.NegativeInfinity);
            logits = full_like(logits, double.NegativeInfinity).scatter(-1, order, sorted);
        }
        var chosen = functional.softmax(logits, dim: -1).multinomial(1, generator: generator).squeeze(1);   // (B)
        return chosen.MoveToOuterDisposeScope();
    }
}
