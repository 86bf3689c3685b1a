using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Scoring;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

public class BaselineTests
{
    [Fact]
    public void Sentences_split_at_ends_before_a_capital_or_quote()
    {
        Assert.Equal(["(CNN) The first one.", "\"Quoted,\" he said.", "Then 3 more. and lower case stays.", "Last?"],
            Sentences.Split("(CNN) The first one. \"Quoted,\" he said. Then 3 more. and lower case stays. Last?"));
        Assert.Equal("One.\nTwo!\nThree?", CnnDailyMailTask.LeadThree("One. Two! Three? Four."));
    }

    [Fact]
    public void The_overlap_baseline_picks_the_sentence_sharing_most_question_words()
    {
        var context = "Paris is the capital of France. The Seine flows through Paris and Rouen. Lyon is a large city.";
        Assert.Equal("The Seine flows through Paris and Rouen.", SquadTask.BestOverlapSentence(context, "Which river flows through Paris?"));
        Assert.Equal("Paris is the capital of France.", SquadTask.BestOverlapSentence(context, "What is unrelated?"));   // ties: the first
        Assert.Equal(["Lyon is a large city.", "Paris is the capital of France.", "The Seine flows through Paris and Rouen."],
            Sentences.ByOverlap(context, "Which large city is Lyon?"));   // 4 words shared, then 1, then 0
    }

    /// <summary>A task's baselines, scored on the examples as the evaluator scores them.</summary>
    static List<ScoreRow> BaselineRows(FinetuningTask task, IReadOnlyList<TaskExample> examples, string data) =>
        [.. task.Baselines(data).SelectMany(b => task.Score(b.System, [.. examples.Select(b.Predict)], [.. examples.Select(e => e.References)], stem: true))];

    [SkippableFact]
    public void Majority_class_on_sst2_dev_is_the_published_509_percent()
    {
        var data = TestEnvironment.RequireData("sst2/dev.tsv").Replace("/sst2/dev.tsv", "");
        var task = TaskRegistry.Sst2;
        var row = Assert.Single(BaselineRows(task, [.. task.Examples(TaskSplit.Validation, data, new DataIssues())], data));
        Assert.Equal("majority class (positive)", row.System);
        Assert.Equal(100.0 * 444 / 872, row.Value, 10);   // metrics.md: 444 of 872 positive
    }

    [SkippableFact]
    public void Lead_three_on_real_validation_articles()
    {
        // The first rows of the validation split are CNN articles (the split lists CNN before Daily Mail), whose
        // highlights are more abstractive than Daily Mail's: Lead-3 scores lower on them than the published 40.4,
        // which averages the whole test set, mostly Daily Mail.
        var data = TestEnvironment.RequireData("cnn_dailymail/validation-1000.csv").Replace("/cnn_dailymail/validation-1000.csv", "");
        var task = TaskRegistry.CnnDailyMail;
        var rows = BaselineRows(task, [.. task.Examples(TaskSplit.Validation, data, new DataIssues()).Take(300)], data).ToDictionary(r => r.Metric);
        Assert.InRange(rows["rouge1 F (stemmed)"].Value, 25, 40);
        Assert.True(rows["rouge2 F (stemmed)"].Value < rows["rouge1 F (stemmed)"].Value);
        Assert.True(rows["rougeLsum F (stemmed)"].Value > rows["rougeL F (stemmed)"].Value, "sentence-level LCS finds more than one LCS over the whole text");
        Assert.All(rows.Values, r => Assert.True(r.Low <= r.Value && r.Value <= r.High));
    }
}
