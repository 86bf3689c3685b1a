using LlmNotebooks.Data;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Tasks;

[Collection(LlmNotebooks.Tests.Training.TrainerCollection.Name)]
public class TaskFormatTests
{
    static readonly TextTokenizer Gpt2 = TextTokenizer.Gpt2();

    static string DataRoot => TestEnvironment.RequireData("squad/train-v1.1.json").Replace("/squad/train-v1.1.json", "");

    [SkippableFact]
    public void Only_response_tokens_count_in_the_loss()
    {
        var formats = new TaskFormats(Gpt2, 512);
        var question = Squad.Read([Path.Combine(DataRoot, "squad/train-v1.1.json")], new DataIssues()).First();
        var example = TaskRegistry.Squad.Format(formats, question, withResponse: true).Example!;

        var (inputs, targets) = ResponseMask.Row(example);

        int counted = targets.Count(t => t != Gpt.IgnoreIndex);
        Assert.Equal(example.Response.Length, counted);
        Assert.All(targets.Take(example.Prompt.Length - 1), t => Assert.Equal(Gpt.IgnoreIndex, t));
        Assert.Equal(Gpt2.Special(SpecialTokens.Response), inputs[example.Prompt.Length - 1]);   // predicts the first answer token
        Assert.Equal(question.Answers[0].Text + SpecialTokens.EndOfText, Gpt2.Decode(targets.Where(t => t != Gpt.IgnoreIndex).Select(t => (int)t)).TrimStart());
        var sequence = example.Prompt.Concat(example.Response).Select(t => (long)t).ToArray();
        Assert.Equal(sequence[..^1], inputs);
        Assert.Equal(sequence[example.Prompt.Length..], targets[(example.Prompt.Length - 1)..]);   // each counted target is the next token
    }

    [Fact]
    public void Padding_is_ignored_and_rows_keep_their_own_tokens()
    {
        var a = new FormattedExample("sst2", "a", [1, 2, 3], [4, 5], 0);
        var b = new FormattedExample("sst2", "b", [1, 2], [6], 0);
        using var batch = ResponseMask.Batch([a, b], padToken: 99);
        Assert.Equal(new long[] { 1, 2, 3, 4, 1, 2, 99, 99 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new long[] { -1, -1, 4, 5, -1, 6, -1, -1 }, batch.Targets.data<long>().ToArray());
        Assert.Equal([3L, 2L], batch.PromptLengths!);   // where each row's prompt ends, for a prefix LM's mask
        Assert.Null(batch.Weights);
    }

    [Fact]
    public void A_packed_row_trains_each_answer_after_the_shared_prompt_and_nothing_across_follow_ups()
    {
        var packed = new FormattedExample("squad", "p", [1, 2, 3], [], 0, [new FollowUp([10, 11], [12, 13]), new FollowUp([20], [21, 22])]);
        var row = ResponseMask.Row(packed);
        Assert.Equal(new long[] { 1, 2, 3, 10, 11, 12, 13, 20, 21 }, row.Inputs);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 1, 2, 2 }, row.Segments!);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 3, 4 }, row.PositionIds!);   // every follow-up starts right after the prompt
        // Answers only; the last token of the first answer predicts nothing (the next follow-up is no continuation of it).
        Assert.Equal(new long[] { -1, -1, -1, -1, 12, 13, -1, 21, 22 }, row.Targets);

        var weighted = ResponseMask.Row(packed, promptWeight: 0.5f);
        Assert.Equal(new long[] { 2, 3, 10, 11, 12, 13, -1, 21, 22 }, weighted.Targets);   // the prompt into the first follow-up only
        Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f, 0.5f, 1, 1, 0, 1, 1 }, weighted.Weights);

        using var batch = ResponseMask.Batch([packed, new FormattedExample("squad", "q", [1, 2], [5], 0)], padToken: 99);
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 0, -1, -1, -1, -1, -1, -1, -1 }, batch.Segments!.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8 }, batch.PositionIds!.data<long>().ToArray());
    }

    [SkippableFact]
    public void Squad_packed_by_passage_follows_the_passage_with_the_tokens_evaluation_prompts_with()
    {
        var formats = new TaskFormats(Gpt2, 512);
        var questions = TaskRegistry.Squad.Examples(TaskSplit.Train, DataRoot, new DataIssues()).Take(40).ToList();
        var passage = questions.TakeWhile(q => q.Source == questions[0].Source).ToList();
        Assert.True(passage.Count > 1);

        var rows = TaskRegistry.Squad.Pack(formats, passage).ToList();
        var row = Assert.Single(rows).Result.Example!;
        Assert.Equal(passage.Count, row.FollowUps!.Count);
        Assert.True(row.Length <= formats.ContextLength + 1);
        foreach (var (question, followUp) in passage.Zip(row.FollowUps))
        {
            var alone = question.Format(formats, withResponse: false).Example!;   // evaluation's prompt
            Assert.Equal(alone.Prompt, row.Prompt.Concat(followUp.Prompt).ToArray());
            Assert.Equal(question.Format(formats, withResponse: true).Example!.Response, followUp.Response);
        }

        // A context too short for all of them: more rows, each with the passage, each question once.
        var small = new TaskFormats(Gpt2, row.Prompt.Length + row.FollowUps[0].Length + 1);
        var split = TaskRegistry.Squad.Pack(small, passage).Select(r => r.Result.Example!).ToList();
        Assert.True(split.Count > 1);
        Assert.Equal(passage.Count, split.Sum(r => r.FollowUps?.Count ?? 1));
        Assert.All(split, r => Assert.True(r.Length <= small.ContextLength + 1));
    }

    [Fact]
    public void With_a_prompt_weight_the_prompt_tokens_count_at_that_weight()
    {
        var a = new FormattedExample("sst2", "a", [1, 2, 3], [4, 5], 0);
        var b = new FormattedExample("sst2", "b", [1, 2], [6], 0);
        using var batch = ResponseMask.Batch([a, b], padToken: 99, promptWeight: 0.25f);
        Assert.Equal(new long[] { 2, 3, 4, 5, 2, 6, -1, -1 }, batch.Targets.data<long>().ToArray());
        Assert.Equal(new float[] { 0.25f, 0.25f, 1, 1, 0.25f, 1, 0, 0 }, batch.Weights!.data<float>().ToArray());

        // The loss is the weighted mean of the tokens' cross-entropies: with weight 0 it is the response-only loss.
        using var model = TestModels.RandomModel(GptConfig.Preset("smoke") with { VocabSize = 128 });
        using var plain = ResponseMask.Batch([a, b], padToken: 99);
        using var scope = torch.NewDisposeScope();
        var (logits, loss) = model.forward(batch.Inputs, batch.Targets, weights: batch.Weights);
        var each = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), batch.Targets.reshape(-1), ignore_index: Gpt.IgnoreIndex, reduction: torch.nn.Reduction.None);
        var expected = (each * batch.Weights!.reshape(-1)).sum().item<float>() / 3.75f;
        Assert.Equal(expected, loss!.item<float>(), 5);
        var responseOnly = (each[2] + each[3] + each[5]).item<float>() / 3;
        Assert.Equal(responseOnly, model.forward(plain.Inputs, plain.Targets).Loss!.item<float>(), 5);
    }

    [Fact]
    public void The_notebook_view_of_an_example_colours_exactly_the_counted_tokens()
    {
        int[] prompt = [Gpt2.Special(SpecialTokens.Task), .. Gpt2.Encode("Is the sentiment positive or negative?"), Gpt2.Special(SpecialTokens.Input),
            .. Gpt2.Encode("A fine film."), Gpt2.Special(SpecialTokens.Response)];
        int[] response = [.. Gpt2.Encode("positive"), Gpt2.EndOfText];
        var html = LlmNotebooks.Notebooks.TokenHtml.MaskedExample(new FormattedExample("sst2", "x", prompt, response, 0), Gpt2, headTokens: 4, tailTokens: 2).Html;

        Assert.Equal(response.Length, System.Text.RegularExpressions.Regex.Matches(html, "background:#c8f7c5").Count);
        Assert.Equal(4 + 2, System.Text.RegularExpressions.Regex.Matches(html, "background:#eee").Count);
        Assert.Contains($"… {prompt.Length - 6} prompt tokens …", html);
        Assert.Contains("&lt;|endoftext|&gt;", html);
    }

    [SkippableFact]
    public void Squad_truncation_keeps_the_answer_span_or_drops_the_example()
    {
        var formats = new TaskFormats(Gpt2, 96);
        var questions = Squad.Read([Path.Combine(DataRoot, "squad/train-v1.1.json")], new DataIssues()).Take(300).ToList();
        int truncated = 0, dropped = 0;
        foreach (var question in questions)
        {
            var (example, reason) = TaskRegistry.Squad.Format(formats, question, withResponse: true);
            if (example is null) { dropped++; Assert.NotNull(reason); continue; }
            Assert.True(example.Length <= 96);
            Assert.Contains(question.Answers[0].Text.Trim(), Gpt2.Decode(example.Prompt));
            if (example.TruncatedTokens > 0) truncated++;
        }
        Assert.True(truncated > 200, $"a 96-token context must cut most passages ({truncated})");
        Assert.True(dropped < 30, $"few answers are too long for it ({dropped})");
    }

    /// <summary>
    /// What the model learns to copy must be what evaluation shows it: the passage tokenized whole, as evaluation
    /// tokenizes it, and the answer as the run of passage tokens that spells it.
    /// </summary>
    [SkippableFact]
    public void A_squad_answer_is_trained_as_the_tokens_it_has_in_the_passage_as_evaluation_sees_it()
    {
        var formats = new TaskFormats(Gpt2, 512);
        int checkedExamples = 0, samePrompt = 0, inPassage = 0;
        foreach (var question in Squad.Read([Path.Combine(DataRoot, "squad/train-v1.1.json")], new DataIssues()).Take(500))
        {
            var training = TaskRegistry.Squad.Format(formats, question, withResponse: true).Example;
            var evaluation = TaskRegistry.Squad.Format(formats, question, withResponse: false).Example;
            if (training is null || evaluation is null || training.TruncatedTokens > 0 || evaluation.TruncatedTokens > 0) continue;
            checkedExamples++;
            if (evaluation.Prompt.SequenceEqual(training.Prompt)) samePrompt++;
            var answer = training.Response[..^1];
            if (Enumerable.Range(0, training.Prompt.Length - answer.Length + 1).Any(i => training.Prompt.AsSpan(i, answer.Length).SequenceEqual(answer))) inPassage++;
        }
        Assert.True(checkedExamples > 400, $"{checkedExamples} untruncated examples");
        // The rest are answers that start or end inside a word ("1990" of "1990s"): their tokens differ there.
        Assert.True(samePrompt >= 0.97 * checkedExamples, $"{samePrompt} of {checkedExamples} training prompts are the evaluation prompt");
        Assert.True(inPassage >= 0.97 * checkedExamples, $"{inPassage} of {checkedExamples} answers are a run of passage tokens");
    }

    [SkippableFact]
    public void Articles_keep_their_lead_and_report_what_was_cut()
    {
        var formats = new TaskFormats(Gpt2, 512);
        var task = TaskRegistry.CnnDailyMail;
        var article = CnnDailyMail.Read(task.Files(TaskSplit.Validation, DataRoot), new DataIssues()).First();
        var example = task.Format(formats, article, withResponse: false).Example!;
        int articleTokens = Gpt2.Encode(article.Article).Length;
        Assert.True(articleTokens > 512);
        Assert.Equal(512 - CnnDailyMailTask.MaxSummaryTokens, example.Prompt.Length);
        int fixedTokens = 3 + Gpt2.Encode(task.Instruction).Length;   // task, input and response markers + instruction
        Assert.Equal(articleTokens - (example.Prompt.Length - fixedTokens), example.TruncatedTokens);
        Assert.StartsWith("<|task|>Summarize the news article.<|input|>(CNN)Share, and your gift", Gpt2.Decode(example.Prompt));
    }

    [Fact]
    public void The_mixture_sampler_draws_sources_in_the_requested_proportions()
    {
        var mixture = Mixture.Parse("squad=4,cnn_dailymail=4,sst2=1,pretrain=1");
        Assert.Equal("squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1", mixture.ToString());
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 20000; i++)
        {
            var source = mixture.Pick(StableRandom.Uniform(7, i, -1));
            counts[source] = counts.GetValueOrDefault(source) + 1;
        }
        foreach (var (source, share) in mixture.Shares) Assert.InRange(counts[source] / 20000.0, share - 0.015, share + 0.015);
        Assert.Contains("unknown mixture source 'wiki'", Assert.Throws<UserError>(() => Mixture.Parse("wiki=1")).Message);
        Assert.Contains("no source a positive weight", Assert.Throws<UserError>(() => Mixture.Parse("squad=0")).Message);
    }
}
