using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Generation;

/// <summary>
/// Autoregressive generation: batched prompts of different lengths (left-padded, with the pads masked out and the
/// positions shifted so every prompt starts at position 0), a KV cache, greedy, sampled or beam-search decoding,
/// n-gram blocking, a minimum length, passage-span constraints, stop tokens, and streaming. Prompts are cropped
/// from the left so prompt and answer fit in the context.
/// </summary>
public static class TokenGenerator
{
    /// <summary>The tokens generated after each prompt (without the prompt and without the stop token).</summary>
    /// <param name="constraints">Per prompt, the passage its answer must come from, or null.</param>
    /// <param name="vocabularies">Per prompt, the only tokens its output may use (see <see cref="LogitsRules"/>), or null.</param>
    public static IReadOnlyList<int[]> Generate(Gpt model, IReadOnlyList<int[]> prompts, DecodingOptions options,
        IReadOnlyList<SpanConstraint?>? constraints = null, IReadOnlyList<IReadOnlySet<int>?>? vocabularies = null)
    {
        if (options.Beams > 1) return BeamSearch.Run(model, prompts, options, vocabularies, constraints);
        var state = Steps(model, prompts, options, constraints, vocabularies).LastOrDefault();   // none when no token may be generated
        return state is null ? [.. prompts.Select(_ => Array.Empty<int>())] : [.. state.Outputs.Select(o => o.ToArray())];
    }

    /// <summary>Tokens of one prompt's continuation as they are generated (for notebooks and the generate command).</summary>
    public static IEnumerable<int> Stream(Gpt model, int[] prompt, DecodingOptions options)
    {
        int written = 0;
        foreach (var state in Steps(model, [prompt], options, null, null))
            if (state.Outputs[0].Count > written) yield return state.Outputs[0][written++];
    }

    /// <summary>The prompt as the model will see it: its last tokens, leaving room for the answer.</summary>
    public static int[] Crop(int[] prompt, int contextLength, int maxNewTokens)
    {
        if (prompt.Length == 0) throw new ArgumentException("a prompt needs at least one token (use end of text to start from nothing)");
        int keep = contextLength - Math.Min(maxNewTokens, contextLength - 1);
        return prompt.Length <= keep ? prompt : prompt[^keep..];
    }

    /// <summary>Left-padded prompt ids (B, width) and each row's padding: the layout every decoder starts from.</summary>
    internal static (Tensor Ids, long[] Padding, int Width) LeftPadded(Gpt model, IReadOnlyList<int[]> prompts, int maxNew)
    {
        var rows = prompts.Select(p => Crop(p, model.Config.ContextLength, maxNew)).ToList();
        int width = rows.Max(r => r.Length), batch = rows.Count;
        long[] padding = rows.Select(r => (long)(width - r.Length)).ToArray();
        var ids = new long[batch * width];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < rows[b].Length; t++) ids[b * width + padding[b] + t] = rows[b][t];
        return (tensor(ids, [batch, width], ScalarType.Int64, model.Head.weight.device), padding, width);
    }

    /// <summary>
    /// The decode after each step: the iterator chooses every row's next token, appends it to its own
    /// <see cref="DecodeState"/> and yields that; it ends when every row has stopped or the length runs out.
    /// </summary>
    static IEnumerable<DecodeState> Steps(Gpt model, IReadOnlyList<int[]> prompts, DecodingOptions options,
        IReadOnlyList<SpanConstraint?>? constraints, IReadOnlyList<IReadOnlySet<int>?>? vocabularies)
    {
        var config = model.Config;
        int maxNew = Math.Min(options.MaxNewTokens, config.ContextLength - 1);
        var (sequence, padding, width) = LeftPadded(model, prompts, maxNew);     // (B, T), grows without a cache
        int batch = prompts.Count;
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        var dtype = model.Head.weight.dtype;
        using var generator = new torch.Generator((ulong)options.Seed, device);
        KvCache NewCache() => new(config, batch, padding, width, dtype, device);
        var cache = NewCache();
        using var outside = vocabularies is null ? null : LogitsRules.Outside(vocabularies, config.VocabSize, options, device);
        var state = new DecodeState(batch, options.StopTokens);
        Tensor? logits = null;
        try
        {
            using (no_grad()) logits = model.NextTokenLogits(sequence, cache);   // (B, V)
            for (int step = 0; step < maxNew; step++)
            {
                int[] next;
                using (NewDisposeScope())
                using (no_grad())
                    next = Choose(logits, state.Outputs, options, constraints, outside, generator);
                state.Append(next);
                // Nothing of ours is open across the yield: the caller's tensors must not land in our scopes.
                yield return state;
                if (step == maxNew - 1 || state.AllStopped) break;
                using (NewDisposeScope())
                using (no_grad())
                {
                    var column = from_array(next.Select(t => (long)t).ToArray()).view(batch, 1).to(device);
                    Tensor newest;
                    if (options.UseCache) newest = model.NextTokenLogits(column, cache);
                    else
                    {
                        // Without a cache: the whole sequence again, through a fresh cache each step.
                        var longer = cat([sequence, column], dim: 1).MoveToOuterDisposeScope();
                        sequence.Dispose();
                        sequence = longer;
                        cache.Dispose();
                        cache = NewCache();
                        newest = model.NextTokenLogits(sequence, cache);
                    }
                    logits.Dispose();
                    logits = newest.MoveToOuterDisposeScope();
                }
            }
        }
        finally
        {
            sequence.Dispose();
            cache.Dispose();
            logits?.Dispose();
            model.train(wasTraining);
        }
    }

    /// <summary>Next token per row from last-position logits (B, V), after the rules.</summary>
    static int[] Choose(Tensor logits, IReadOnlyList<IReadOnlyList<int>> outputs, DecodingOptions options, IReadOnlyList<SpanConstraint?>? constraints,
        Tensor? outside, torch.Generator generator)
    {
        var rules = logits.to(ScalarType.Float32).clone();
        LogitsRules.Apply(rules, outputs, options, outside);
        // A constrained row takes its most likely token that keeps the answer inside the passage; none: it stops.
        if (constraints is not null) SpanConstraint.Restrict(rules, outputs, constraints, StopOf(options), keep: 1);
        return Sample(rules, options, generator).data<long>().Select(v => (int)v).ToArray();
    }

    /// <summary>The token a span-constrained row ends with.</summary>
    internal static int StopOf(DecodingOptions options) => options.StopTokens?.FirstOrDefault()
        ?? throw new ArgumentException("answers kept inside a passage need a stop token to end them (DecodingOptions.StopTokens)");

    /// <summary>Next token per row from logits (B, V): the most likely one, or a sample with temperature, top-k and top-p.</summary>
    public static Tensor Sample(Tensor logits, DecodingOptions options, torch.Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        logits = logits.to(ScalarType.Float32);
        if (options.Temperature <= 0) return logits.argmax(-1).MoveToOuterDisposeScope();
        using var temperature = options.Temperature.ToScalar();
        logits = logits / temperature;
        if (options.TopK > 0 && options.TopK < logits.shape[1])
        {
            var kth = logits.topk(options.TopK, dim: -1).values.select(1, -1).unsqueeze(1);   // (B, 1)
            logits = logits.masked_fill(logits.lt(kth), Scalars.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = logits.sort(dim: -1, descending: true);
            var probabilities = functional.softmax(sorted, dim: -1);
            // Drop a token when the tokens before it already reach p; the most likely token always stays.
            using var p = options.TopP.ToScalar();
            var drop = (probabilities.cumsum(-1) - probabilities).gt(p);
            sorted = sorted.masked_fill(drop, Scalars.NegativeInfinity);
            logits = full_like(logits, Scalars.NegativeInfinity).scatter(-1, order, sorted);
        }
        var chosen = functional.softmax(logits, dim: -1).multinomial(1, generator: generator).squeeze(1);   // (B)
        return chosen.MoveToOuterDisposeScope();
    }
}
