using LlmNotebooks.Evaluation;
using LlmNotebooks.Generation;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

public class TaskDecodingTests
{
    static readonly TextTokenizer Gpt2 = TextTokenizer.Gpt2();

    [Fact]
    public void Evaluation_by_default_keeps_answers_in_the_passage_and_summaries_in_the_article_s_words()
    {
        var byDefault = new EvaluationOptions().Decoder;
        var summary = TaskDecoding.For(TaskRegistry.CnnDailyMail, byDefault, Gpt2);
        Assert.True(summary.ArticleWords);
        Assert.Equal(TaskDecoding.SummaryBeam.Beams, summary.Options.Beams);
        Assert.Equal(TaskDecoding.SummaryBeam.NoRepeatNgram, summary.Options.NoRepeatNgram);
        Assert.True(TaskDecoding.For(TaskRegistry.Squad, byDefault, Gpt2).WithinPassage);
        Assert.Equal(0, TaskDecoding.For(TaskRegistry.Squad, Decoder.Span, Gpt2).AnswerSentences);
        Assert.Equal(0, TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Sentence, Gpt2).AnswerSentences);
        Assert.True(TaskDecoding.For(TaskRegistry.Squad, Decoder.Sentence, Gpt2).AnswerSentences > 0);
        Assert.Equal(TaskDecoding.SelectedSentences, TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Select, Gpt2).SummarySentences);
        Assert.Equal(2, TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Select, Gpt2, sentences: 2).SummarySentences);
        Assert.Equal(0, TaskDecoding.For(TaskRegistry.Squad, Decoder.Select, Gpt2).SummarySentences);   // the other tasks: their recipe
        // The experiments' reference is the recipe without the article's words.
        Assert.False(TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Task, Gpt2).ArticleWords);
    }

    [Fact]
    public void A_summary_s_vocabulary_holds_the_article_s_words_with_and_without_a_space_and_the_line_break()
    {
        const string article = "Rescuers reached the village (Tuesday) after floods.";
        var vocabulary = TaskDecoding.ArticleVocabulary(article, Gpt2);
        foreach (var word in new[] { "Rescuers", " Rescuers", " village", "village", "(Tuesday)", " floods.", "\n" })
            Assert.All(Gpt2.Encode(word), t => Assert.Contains(t, vocabulary));
        Assert.DoesNotContain(Gpt2.Encode(" Paris")[0], vocabulary);
        Assert.DoesNotContain(Gpt2.EndOfText, vocabulary);
    }

    [Fact]
    public void Evaluate_s_flags_left_unset_give_the_decoders_defaults_and_the_recipe_s_summaries()
    {
        var none = new DecodingFlags();
        var summary = TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Extractive, Gpt2, TaskDecoding.FromFlags(Decoder.Extractive, none));
        var recipe = TaskDecoding.For(TaskRegistry.CnnDailyMail, Decoder.Extractive, Gpt2);   // what all decodes with
        Assert.Equal(recipe with { Options = recipe.Options with { StopTokens = null } }, summary with { Options = summary.Options with { StopTokens = null } });
        Assert.Equal(1, TaskDecoding.FromFlags(Decoder.Span, none)!.Beams);
        Assert.Equal(0, TaskDecoding.FromFlags(Decoder.Beam, none)!.MinNewTokens);
        Assert.Equal((DecodingOptions.SamplingTemperature, DecodingOptions.SamplingTopK),
            (TaskDecoding.FromFlags(Decoder.Sampled, none)!.Temperature, TaskDecoding.FromFlags(Decoder.Sampled, none)!.TopK));
        Assert.Null(TaskDecoding.FromFlags(Decoder.Task, none));
        Assert.Equal(6, TaskDecoding.FromFlags(Decoder.Extractive, new DecodingFlags(Beams: 6))!.Beams);
    }

    [Fact]
    public void An_evaluation_goes_into_its_pipeline_when_the_model_is_the_pipelines_finetuned_one()
    {
        var root = TestSupport.TestEnvironment.TempFolder().FullName;
        var pipeline = new PipelineFolders(Path.Combine(root, "my-run"));
        Directory.CreateDirectory(pipeline.Pretrain);
        Directory.CreateDirectory(pipeline.Finetune);
        Assert.Equal(pipeline.EvalTask("squad", TaskSplit.Test), Evaluator.DefaultFolder(pipeline.Finetune, "squad", TaskSplit.Test));
        // A model folder named finetune outside a pipeline keeps its evaluations inside it.
        var alone = Path.Combine(root, "elsewhere", "finetune");
        Directory.CreateDirectory(alone);
        Assert.Equal(Path.Combine(alone, "eval", "validation", "sst2"), Evaluator.DefaultFolder(alone, "sst2", TaskSplit.Validation));
    }
}
