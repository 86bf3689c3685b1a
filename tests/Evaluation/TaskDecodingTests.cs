using LlmNotebooks.Evaluation;
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
        var summary = TaskDecoding.For(TaskKind.Summarization, byDefault, Gpt2);
        Assert.True(summary.ArticleWords);
        Assert.Equal(TaskDecoding.SummaryBeam.Beams, summary.Options.Beams);
        Assert.Equal(TaskDecoding.SummaryBeam.NoRepeatNgram, summary.Options.NoRepeatNgram);
        Assert.True(TaskDecoding.For(TaskKind.QuestionAnswering, byDefault, Gpt2).WithinPassage);
        Assert.Equal(0, TaskDecoding.For(TaskKind.QuestionAnswering, Decoder.Span, Gpt2).AnswerSentences);
        Assert.Equal(0, TaskDecoding.For(TaskKind.Summarization, Decoder.Sentence, Gpt2).AnswerSentences);
        Assert.True(TaskDecoding.For(TaskKind.QuestionAnswering, Decoder.Sentence, Gpt2).AnswerSentences > 0);
        // The experiments' reference is the recipe without the article's words.
        Assert.False(TaskDecoding.For(TaskKind.Summarization, Decoder.Task, Gpt2).ArticleWords);
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
}
