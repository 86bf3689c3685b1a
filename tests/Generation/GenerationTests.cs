using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using Xunit;
using static LlmNotebooks.Tests.Model.GptTests;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Generation;

public class GenerationTests
{
    [Fact]
    public void Prompts_longer_than_the_context_are_cropped_from_the_left()
    {
        var model = Scrambled(Small);
        var longPrompt = Enumerable.Range(0, 50).Select(i => i % 97).ToArray();
        var options = new DecodingOptions(MaxNewTokens: 8);
        Assert.Equal(longPrompt[^24..], TokenGenerator.Crop(longPrompt, 32, 8));
        Assert.Equal(TokenGenerator.Generate(model, [longPrompt[^24..]], options), TokenGenerator.Generate(model, [longPrompt], options));
        Assert.Equal(8, TokenGenerator.Generate(model, [longPrompt], options)[0].Length);
    }

    [Fact]
    public void Generation_stops_at_stop_tokens_and_streams_the_same_tokens()
    {
        var model = Scrambled(Small);
        int[] prompt = [1, 2, 3];
        var free = TokenGenerator.Generate(model, [prompt], new DecodingOptions(MaxNewTokens: 12))[0];
        int stop = free[4];
        var stopped = TokenGenerator.Generate(model, [prompt], new DecodingOptions(MaxNewTokens: 12, StopTokens: [stop]))[0];
        Assert.Equal(free.TakeWhile(t => t != stop), stopped);
        Assert.Equal(stopped, TokenGenerator.Stream(model, prompt, new DecodingOptions(MaxNewTokens: 12, StopTokens: [stop])));
    }

    [Fact]
    public void Sampling_respects_temperature_top_k_top_p()
    {
        var logits = from_array(new float[] { 1, 5, 3, 4, 2, 0 }).view(1, 6);
        Assert.Equal(1L, TokenGenerator.Sample(logits, new DecodingOptions()).item<long>());
        using var generator = new TorchSharp.torch.Generator(7);
        var draws = Enumerable.Range(0, 300).Select(_ => TokenGenerator.Sample(logits, new DecodingOptions(Temperature: 1, TopK: 2), generator).item<long>()).ToList();
        Assert.Equal([1L, 3L], draws.Distinct().Order());
        // Probabilities of ids 1, 3, 2 are about 0.63, 0.23, 0.09: top-p 0.8 keeps ids 1 and 3 only.
        var nucleus = Enumerable.Range(0, 300).Select(_ => TokenGenerator.Sample(logits, new DecodingOptions(Temperature: 1, TopP: 0.8), generator).item<long>()).ToList();
        Assert.Equal([1L, 3L], nucleus.Distinct().Order());
    }

    [Fact]
    public void The_rules_ban_ids_past_the_vocabulary_stops_before_the_minimum_and_repeated_ngrams()
    {
        var logits = zeros(3, 8);
        IReadOnlyList<IReadOnlyList<int>> generated = [[], [1, 2, 3, 1, 2], [4]];
        LogitsRules.Apply(logits, generated, new DecodingOptions(VocabularyLimit: 6, StopTokens: [5], MinNewTokens: 2, NoRepeatNgram: 3));
        bool Banned(int row, int id) => double.IsNegativeInfinity(logits[row, id].item<float>());
        Assert.All(Enumerable.Range(0, 3), row => Assert.True(Banned(row, 6) && Banned(row, 7)));   // past the vocabulary
        Assert.True(Banned(0, 5) && Banned(2, 5) && !Banned(1, 5));                                 // the stop token before 2 tokens
        Assert.True(Banned(1, 3));                                                                    // "1 2 3" again
        Assert.Equal(1, Enumerable.Range(0, 6).Count(id => Banned(1, id)));
        Assert.Equal([3, 7], LogitsRules.RepeatedNgramEnds([1, 2, 3, 9, 1, 2, 7, 1, 2], 3).Order());
    }

    [Fact]
    public void Beam_search_with_one_beam_is_greedy_decoding()
    {
        var model = Scrambled(Small);
        int[][] prompts = [[5, 6, 7, 8], [42], [3, 1, 4, 1, 5, 9]];
        foreach (var stop in new[] { 999, 11, 23 })
        {
            var greedy = new DecodingOptions(MaxNewTokens: 10, StopTokens: [stop]);
            Assert.Equal(TokenGenerator.Generate(model, prompts, greedy), BeamSearch.Run(model, prompts, greedy with { Beams = 1 }));
        }
    }

    [Fact]
    public void Wider_beams_find_continuations_at_least_as_likely_as_greedy_ones()
    {
        var model = Scrambled(Small);
        int[][] prompts = [[5, 6, 7, 8], [42, 17], [3, 1, 4, 1, 5, 9]];
        var greedy = TokenGenerator.Generate(model, prompts, new DecodingOptions(MaxNewTokens: 6));
        var beam = TokenGenerator.Generate(model, prompts, new DecodingOptions(MaxNewTokens: 6, Beams: 4, LengthPenalty: 0));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(6, beam[i].Length);
            Assert.True(LogProbability(model, prompts[i], beam[i]) >= LogProbability(model, prompts[i], greedy[i]) - 1e-4, $"prompt {i}");
        }
        Assert.NotEqual(greedy, beam);   // with these weights the search finds something greedy does not
    }

    [Fact]
    public void Beam_search_respects_the_minimum_length_and_the_ngram_rule()
    {
        var model = Scrambled(Small);
        var stops = Enumerable.Range(0, 97).Where(t => t % 7 == 0).ToArray();   // many stop tokens: short outputs unless held back
        var outputs = TokenGenerator.Generate(model, [[1, 2, 3], [50, 51]], new DecodingOptions(MaxNewTokens: 16, Beams: 3, StopTokens: stops, MinNewTokens: 5, NoRepeatNgram: 2));
        foreach (var output in outputs)
        {
            Assert.True(output.Length >= 5, $"{output.Length} tokens");
            var bigrams = output.Zip(output.Skip(1)).ToList();
            Assert.Equal(bigrams.Count, bigrams.Distinct().Count());
        }
    }

    [Fact]
    public void A_span_constrained_answer_is_text_of_the_passage_in_greedy_and_beam_search()
    {
        var tokenizer = TextTokenizer.Gpt2();
        var model = Scrambled(Small with { VocabSize = 50304 }, seed: 3);
        const string passage = "The Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title.";
        var prompts = new[] { "Who won?", "What was the score?", "Which title?" }.Select(q => tokenizer.Encode(q)).ToList();
        var constraints = prompts.Select(_ => (SpanConstraint?)new SpanConstraint(passage, tokenizer)).ToList();
        var options = new DecodingOptions(MaxNewTokens: 12, StopTokens: [tokenizer.EndOfText], VocabularyLimit: tokenizer.VocabSize);
        var free = TokenGenerator.Generate(model, prompts, options).Select(o => tokenizer.Decode(o).Trim()).ToList();
        var greedy = TokenGenerator.Generate(model, prompts, options, constraints);
        var beams = TokenGenerator.Generate(model, prompts, options with { Beams = 4 }, constraints);
        var answers = greedy.Concat(beams).Select(o => tokenizer.Decode(o).Trim()).ToList();
        Assert.All(answers, a => Assert.True(a.Length > 0 && passage.Contains(a), $"'{a}' is not in the passage"));
        Assert.Equal(greedy, BeamSearch.Run(model, prompts, options with { Beams = 1 }, constraints: constraints));   // one beam, the same span
        Assert.Contains(free, f => !passage.Contains(f));   // unconstrained, the same model writes text from nowhere
        Assert.True(new SpanConstraint(passage, tokenizer).Allows(tokenizer.Encode(" Denver"), tokenizer.Encode(" Broncos")[0]));
        Assert.False(new SpanConstraint(passage, tokenizer).Allows(tokenizer.Encode(" Denver"), tokenizer.Encode(" Panthers")[0]));
        Assert.False(new SpanConstraint(passage, tokenizer).Allows([], tokenizer.EndOfText));   // an answer is not empty
        var sentences = new SpanConstraint(["The Broncos won.", "The Panthers lost."], tokenizer);   // an answer stays inside one segment
        Assert.True(sentences.Allows(tokenizer.Encode("The"), tokenizer.Encode(" Panthers")[0]));
        Assert.False(sentences.Allows(tokenizer.Encode("won."), tokenizer.Encode(" The")[0]));
        Assert.False(sentences.Allows([], tokenizer.Encode(" Denver")[0]));
    }

    [Fact]
    public void A_row_with_a_vocabulary_of_its_own_writes_only_those_tokens_in_greedy_and_beam_search()
    {
        var model = Scrambled(Small);
        IReadOnlySet<int> allowed = new HashSet<int> { 3, 14, 15, 92, 65 };
        int[][] prompts = [[1, 2, 3], [7, 8]];
        foreach (var beams in new[] { 1, 3 })
        {
            var outputs = TokenGenerator.Generate(model, prompts, new DecodingOptions(MaxNewTokens: 10, Beams: beams), vocabularies: [allowed, null]);
            Assert.All(outputs[0], t => Assert.Contains(t, allowed));
            Assert.Contains(outputs[1], t => !allowed.Contains(t));   // the other row is free
        }
    }

    [Fact]
    public void Sampled_generation_is_reproducible_with_a_seed()
    {
        var model = Scrambled(Small);
        var options = new DecodingOptions(MaxNewTokens: 10, Temperature: 1.0, TopK: 20, Seed: 11);
        Assert.Equal(TokenGenerator.Generate(model, [[1, 2]], options), TokenGenerator.Generate(model, [[1, 2]], options));
        Assert.NotEqual(TokenGenerator.Generate(model, [[1, 2]], options), TokenGenerator.Generate(model, [[1, 2]], options with { Seed = 12 }));
    }

    static double LogProbability(Gpt model, int[] prompt, int[] continuation)
    {
        using var _ = no_grad();
        var sequence = from_array(prompt.Concat(continuation).Select(t => (long)t).ToArray()).unsqueeze(0);
        var logp = nn.functional.log_softmax(model.forward(sequence).Logits[0], -1);
        return continuation.Select((t, i) => (double)logp[prompt.Length - 1 + i, t].item<float>()).Sum();
    }

    /// <summary>
    /// Sentence selection with the cache picks, at every step, the candidate a full forward pass scores highest (mean
    /// log-probability of its tokens after the prompt and the sentences chosen before it).
    /// </summary>
    [Fact]
    public void Sentence_selection_takes_the_candidate_a_full_forward_pass_scores_best_at_each_step()
    {
        var model = Scrambled(Small with { ContextLength = 64 });
        int[] prompt = [5, 9, 13, 2, 7];
        int[][] first = [[11, 12, 13], [20, 21], [30, 31, 32, 33], [40], [50, 51]];
        int[][] next = [.. first.Select(c => (int[])[3, .. c])];   // a separator before every later line

        var chosen = SentenceSelection.Choose(model, prompt, first, next, count: 3);

        double Score(int[] context, int[] candidate)
        {
            using var scope = NewDisposeScope();
            int[] all = [.. context, .. candidate];
            var logits = model.forward(tensor(all.Select(t => (long)t).ToArray(), [1, all.Length])).Logits[0];   // (T, V)
            var logp = nn.functional.log_softmax(logits, -1);
            return Enumerable.Range(0, candidate.Length).Average(t => logp[context.Length + t - 1, candidate[t]].item<float>());
        }
        var context = prompt;
        var expected = new List<int>();
        for (int step = 0; step < 3; step++)
        {
            var left = Enumerable.Range(0, first.Length).Except(expected).ToList();
            int best = left.MaxBy(i => Score(context, step == 0 ? first[i] : next[i]));
            context = [.. context, .. step == 0 ? first[best] : next[best]];
            expected.Add(best);
        }
        Assert.Equal(expected, chosen);
        Assert.Equal(3, chosen.Distinct().Count());
    }
}
