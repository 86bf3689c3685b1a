using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Generation;

/// <summary>
/// Beam search, batched: every prompt keeps <see cref="DecodingOptions.Beams"/> hypotheses, scored by the sum of
/// their tokens' log-probabilities; each step extends all of them by every token, keeps the best, and sets aside
/// those that end. A finished hypothesis is ranked by score / length^<see cref="DecodingOptions.LengthPenalty"/>
/// (the sum alone favours stopping early). A prompt is done when it has as many finished hypotheses as beams. The
/// prompts are run through the model once and their cache rows copied to every beam; the cache follows each
/// surviving hypothesis by reordering its rows. With one beam this is greedy decoding.
/// </summary>
/// <remarks>
/// Stopping at the first finished hypotheses is Hugging Face's early_stopping=True, BART's CNN/DailyMail setting. Going
/// on while a live hypothesis outranks them (early_stopping=False) was measured on the cpu model and left out: the same
/// CNN/DailyMail scores (ROUGE-1 24.89 against 24.82, BLEU 5.31 against 5.41) for 4 % more tokens and longer batches,
/// and on the first 1,000 SQuAD dev questions, answers inside the passage at length penalty 1 grew to 11 words (F1 15.4
/// against greedy's 21.6; 21.7 at length penalty 0.5).
/// </remarks>
public static class BeamSearch
{
    sealed record Hypothesis(List<int> Tokens, double Score);

    /// <param name="vocabularies">Per prompt, the only tokens its output may use, or null.</param>
    /// <param name="constraints">Per prompt, the passage its answer must come from, or null: every hypothesis stays a span of it.</param>
    public static IReadOnlyList<int[]> Run(Gpt model, IReadOnlyList<int[]> prompts, DecodingOptions options,
        IReadOnlyList<IReadOnlySet<int>?>? vocabularies = null, IReadOnlyList<SpanConstraint?>? constraints = null)
    {
        var config = model.Config;
        int beams = Math.Max(1, options.Beams), count = prompts.Count;
        int maxNew = Math.Min(options.MaxNewTokens, config.ContextLength - 1);
        var stops = options.StopTokens ?? [];
        var (ids, padding, width) = TokenGenerator.LeftPadded(model, prompts, maxNew);
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        // Alive hypotheses per prompt; at the start one empty hypothesis, the other beams at −∞ so the first step
        // expands that one only.
        var alive = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, beams)
            .Select(j => new Hypothesis([], j == 0 ? 0 : double.NegativeInfinity)).ToList()).ToArray();
        var finished = Enumerable.Range(0, count).Select(_ => new List<(List<int> Tokens, double Rank)>()).ToArray();
        var done = new bool[count];
        Tensor? logits = null;
        try
        {
            KvCache cache;
            using (NewDisposeScope())
            using (no_grad())
            {
                using var prefill = new KvCache(config, count, padding, width, model.Head.weight.dtype, device);
                logits = model.NextTokenLogits(ids, prefill).repeat_interleave(beams, dim: 0).MoveToOuterDisposeScope();   // (B·W, V)
                cache = prefill.Repeat(beams);
            }
            // Every hypothesis of a prompt stays in that prompt's rows, so each row keeps its prompt's vocabulary and passage.
            IReadOnlyList<T> PerRow<T>(IReadOnlyList<T> perPrompt) => [.. perPrompt.SelectMany(p => Enumerable.Repeat(p, beams))];
            using var outside = vocabularies is null ? null : LogitsRules.Outside(PerRow(vocabularies), config.VocabSize, options, device);
            var rowConstraints = constraints is null ? null : PerRow(constraints);
            int stop = rowConstraints is null ? 0 : TokenGenerator.StopOf(options);
            ids.Dispose();
            using (cache)
                for (int step = 0; step < maxNew && !done.All(d => d); step++)
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    var logProbabilities = functional.log_softmax(logits.to(ScalarType.Float32), dim: -1);
                    IReadOnlyList<IReadOnlyList<int>> generated = [.. alive.SelectMany(a => a.Select(h => (IReadOnlyList<int>)h.Tokens))];
                    LogitsRules.Apply(logProbabilities, generated, options, outside);
                    // A hypothesis can only grow into 2W children that survive, so 2W allowed tokens per row are enough.
                    if (rowConstraints is not null) SpanConstraint.Restrict(logProbabilities, generated, rowConstraints, stop, keep: 2 * beams);
                    var scores = from_array(alive.SelectMany(a => a.Select(h => (float)h.Score)).ToArray()).to(device).view(-1, 1);
                    var total = logProbabilities.Plus(scores).view(count, -1);                      // (B, W·V)
                    long vocabulary = logProbabilities.shape[1];
                    var (best, where) = total.topk(2 * beams, dim: -1);                            // (B, 2W)
                    var (parents, next) = Advance(best.data<float>().ToArray(), where.data<long>().ToArray(), vocabulary, beams);
                    cache.Reorder(parents);
                    logits.Dispose();
                    logits = model.NextTokenLogits(from_array(next.Select(t => (long)t).ToArray()).view(-1, 1).to(device), cache).MoveToOuterDisposeScope();
                }
            for (int b = 0; b < count; b++)
                if (!done[b]) finished[b].AddRange(alive[b].Where(h => double.IsFinite(h.Score)).Select(h => (h.Tokens, Rank(h.Score, h.Tokens.Count))));
            return finished.Select(f => f.Count == 0 ? [] : f.MaxBy(h => h.Rank).Tokens.ToArray()).ToList();
        }
        finally
        {
            logits?.Dispose();
            ids.Dispose();
            model.train(wasTraining);
        }

        double Rank(double score, int length) => score / Math.Pow(Math.Max(1, length), options.LengthPenalty);

        // From each prompt's 2W best (score, beam·V + token): the W that go on, and the finished ones set aside.
        (long[] Parents, int[] Next) Advance(float[] best, long[] where, long vocabulary, int width)
        {
            var parents = new long[count * width];
            var next = new int[count * width];
            for (int b = 0; b < count; b++)
            {
                var kept = new List<Hypothesis>();
                if (!done[b])
                    for (int c = 0; c < 2 * width && kept.Count < width; c++)
                    {
                        double score = best[b * 2 * width + c];
                        if (!double.IsFinite(score)) break;
                        int beam = (int)(where[b * 2 * width + c] / vocabulary), token = (int)(where[b * 2 * width + c] % vocabulary);
                        var tokens = alive[b][beam].Tokens;
                        if (stops.Contains(token)) finished[b].Add((tokens, Rank(score, tokens.Count)));
                        else
                        {
                            kept.Add(new Hypothesis([.. tokens, token], score));
                            parents[b * width + kept.Count - 1] = b * width + beam;
                            next[b * width + kept.Count - 1] = token;
                        }
                    }
                if (finished[b].Count >= width || kept.Count == 0) done[b] = true;
                // A done prompt keeps its rows (their work is wasted, but the batch keeps its shape).
                for (int j = kept.Count; j < width; j++)
                {
                    parents[b * width + j] = b * width + j;
                    next[b * width + j] = stops.FirstOrDefault();
                    kept.Add(new Hypothesis(j < alive[b].Count ? alive[b][j].Tokens : [], double.NegativeInfinity));
                }
                alive[b] = kept;
            }
            return (parents, next);
        }
    }
}
