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
/// on while a live hypothesis outranks them was tried on the cpu model and left out: no better summaries, more tokens,
/// and SQuAD answers inside the passage grew too long (commit 72049c9 has the figures).
/// </remarks>
public static class BeamSearch
{
    /// <param name="vocabularies">Per prompt, the only tokens its output may use, or null.</param>
    /// <param name="constraints">Per prompt, the passage its answer must come from, or null: every hypothesis stays a span of it.</param>
    public static IReadOnlyList<int[]> Run(Gpt model, IReadOnlyList<int[]> prompts, DecodingOptions options,
        IReadOnlyList<IReadOnlySet<int>?>? vocabularies = null, IReadOnlyList<SpanConstraint?>? constraints = null)
    {
        var config = model.Config;
        int beams = Math.Max(1, options.Beams), count = prompts.Count;
        int maxNew = Math.Min(options.MaxNewTokens, config.ContextLength - 1);
        var (ids, padding, width) = TokenGenerator.LeftPadded(model, prompts, maxNew);
        bool wasTraining = model.training;
        model.eval();
        var device = model.Head.weight.device;
        var state = new BeamState(count, beams, options);
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
                for (int step = 0; step < maxNew && !state.AllDone; step++)
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    var logProbabilities = functional.log_softmax(logits.to(ScalarType.Float32), dim: -1);
                    LogitsRules.Apply(logProbabilities, state.Generated, options, outside);
                    // A hypothesis can only grow into 2W children that survive, so 2W allowed tokens per row are enough.
                    if (rowConstraints is not null) SpanConstraint.Restrict(logProbabilities, state.Generated, rowConstraints, stop, keep: 2 * beams);
                    var scores = from_array(state.Scores).to(device).view(-1, 1);
                    var total = logProbabilities.Plus(scores).view(count, -1);                      // (B, W·V)
                    var (best, where) = total.topk(2 * beams, dim: -1);                            // (B, 2W)
                    var (parents, next) = state.Advance(best.data<float>().ToArray(), where.data<long>().ToArray(), logProbabilities.shape[1]);
                    cache.Reorder(parents);
                    logits.Dispose();
                    logits = model.NextTokenLogits(from_array(next.Select(t => (long)t).ToArray()).view(-1, 1).to(device), cache).MoveToOuterDisposeScope();
                }
            return state.Best();
        }
        finally
        {
            logits?.Dispose();
            ids.Dispose();
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// The hypotheses of every prompt: those alive (W each, in the rows the cache holds them in), those finished with
    /// their rank, and which prompts are done. Beam search asks it what each row has written and tells it each step's
    /// best candidates; it alone changes itself.
    /// </summary>
    sealed class BeamState
    {
        sealed record Hypothesis(List<int> Tokens, double Score);

        readonly int _beams;
        readonly DecodingOptions _options;
        readonly IReadOnlyCollection<int> _stops;
        readonly List<Hypothesis>[] _alive;
        readonly List<(List<int> Tokens, double Rank)>[] _finished;
        readonly bool[] _done;

        public BeamState(int prompts, int beams, DecodingOptions options)
        {
            (_beams, _options, _stops) = (beams, options, options.StopTokens ?? []);
            // At the start one empty hypothesis per prompt, the other beams at −∞ so the first step expands that one only.
            _alive = Enumerable.Range(0, prompts).Select(_ => Enumerable.Range(0, beams)
                .Select(j => new Hypothesis([], j == 0 ? 0 : double.NegativeInfinity)).ToList()).ToArray();
            _finished = Enumerable.Range(0, prompts).Select(_ => new List<(List<int>, double)>()).ToArray();
            _done = new bool[prompts];
        }

        public bool AllDone => _done.All(d => d);

        /// <summary>What each row (prompt-major, W rows per prompt) has written.</summary>
        public IReadOnlyList<IReadOnlyList<int>> Generated => [.. _alive.SelectMany(a => a.Select(h => (IReadOnlyList<int>)h.Tokens))];

        /// <summary>Each row's score so far, (B·W).</summary>
        public float[] Scores => [.. _alive.SelectMany(a => a.Select(h => (float)h.Score))];

        double Rank(double score, int length) => score / Math.Pow(Math.Max(1, length), _options.LengthPenalty);

        /// <summary>
        /// From each prompt's 2W best (score, beam·V + token): the W hypotheses that go on and the finished ones set
        /// aside; returns the row each new row continues (for the cache) and the token it adds.
        /// </summary>
        public (long[] Parents, int[] Next) Advance(float[] best, long[] where, long vocabulary)
        {
            int width = _beams, count = _alive.Length;
            var parents = new long[count * width];
            var next = new int[count * width];
            for (int b = 0; b < count; b++)
            {
                var kept = new List<Hypothesis>();
                if (!_done[b])
                    for (int c = 0; c < 2 * width && kept.Count < width; c++)
                    {
                        double score = best[b * 2 * width + c];
                        if (!double.IsFinite(score)) break;
                        int beam = (int)(where[b * 2 * width + c] / vocabulary), token = (int)(where[b * 2 * width + c] % vocabulary);
                        var tokens = _alive[b][beam].Tokens;
                        if (_stops.Contains(token)) _finished[b].Add((tokens, Rank(score, tokens.Count)));
                        else
                        {
                            kept.Add(new Hypothesis([.. tokens, token], score));
                            parents[b * width + kept.Count - 1] = b * width + beam;
                            next[b * width + kept.Count - 1] = token;
                        }
                    }
                if (_finished[b].Count >= width || kept.Count == 0) _done[b] = true;
                // A done prompt keeps its rows (their work is wasted, but the batch keeps its shape).
                for (int j = kept.Count; j < width; j++)
                {
                    parents[b * width + j] = b * width + j;
                    next[b * width + j] = _stops.FirstOrDefault();
                    kept.Add(new Hypothesis(j < _alive[b].Count ? _alive[b][j].Tokens : [], double.NegativeInfinity));
                }
                _alive[b] = kept;
            }
            return (parents, next);
        }

        /// <summary>Each prompt's best finished hypothesis, counting those still alive when the length ran out.</summary>
        public IReadOnlyList<int[]> Best()
        {
            for (int b = 0; b < _alive.Length; b++)
                if (!_done[b]) _finished[b].AddRange(_alive[b].Where(h => double.IsFinite(h.Score)).Select(h => (h.Tokens, Rank(h.Score, h.Tokens.Count))));
            return _finished.Select(f => f.Count == 0 ? [] : f.MaxBy(h => h.Rank).Tokens.ToArray()).ToList();
        }
    }
}
