using LlmNotebooks.Scoring;
using LlmNotebooks.Evaluation;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

/// <summary>Each metric against the published test vectors of its reference implementation, and hand-worked cases.</summary>
public class MetricTests
{
    static readonly string[] Hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    static readonly IReadOnlyList<IReadOnlyList<string>> TwoReferences =
    [
        ["The dog bit the man.", "The dog had bit the man."],
        ["It was not unexpected.", "No one was surprised."],
        ["The man bit him first.", "The man had bitten the dog."],
    ];

    [Fact]
    public void Bleu_matches_sacrebleus_corpus_vectors()
    {
        var score = Bleu.Corpus(Hypotheses, TwoReferences);
        Assert.Equal(48.530827, score.Score, 5);
        Assert.Equal("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x", score.Signature);
        double[] byOrder = [77.65, 60.50, 53.93, 48.53, 46.14, 43.28];
        for (int n = 1; n <= 6; n++) Assert.Equal(byOrder[n - 1], Math.Round(Bleu.Corpus(Hypotheses, TwoReferences, n).Score, 2));
    }

    [Fact]
    public void Sentence_bleu_uses_the_effective_order_and_exp_smoothing()
    {
        var score = Bleu.Sentence("Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;", ["producţia de zahăr brut se exprimă în zahăr alb;"]);
        Assert.Equal(8.493, Math.Round(score.Score, 3));
        Assert.Contains("eff:yes", score.Signature);
    }

    [Fact]
    public void Bleu_tokenizes_like_mteval_13a()
    {
        // Periods and commas between digits stay; a dash after a digit is split off.
        Assert.Equal("Hello , world ! It costs $ 3.50 , 1 - 2 - 3", Bleu.Tokenize13a("Hello, world! It costs $3.50, 1-2-3"));
        Assert.Equal("well-known", Bleu.Tokenize13a("well-known"));
        Assert.Equal("a \" b & c", Bleu.Tokenize13a("a &quot;b&amp; c"));
        Assert.Equal("Don't stop", Bleu.Tokenize13a("Don't\nstop"));
    }

    [Fact]
    public void Bleu_edge_cases()
    {
        Assert.Equal(0, Bleu.Corpus([""], [["a reference"]]).Score);
        Assert.Equal(0, Bleu.Corpus(["..."], [["a reference"]]).Score);
        Assert.Equal(100, Bleu.Corpus(["exactly the same words here"], [["exactly the same words here"]]).Score, 6);
        // Brevity: 2 words against a 4-word reference, all unigrams and bigram right -> BP = exp(1 - 4/2).
        var brief = Bleu.Corpus(["the cat"], [["the cat sat down"]]);
        Assert.Equal(Math.Exp(1 - 4.0 / 2), brief.BrevityPenalty, 10);
    }

    [Fact]
    public void Rouge_matches_rouge_score_vectors()
    {
        var one = Rouge.Score("testing one two", "testing")["rouge1"];
        Assert.Equal((1.0, 1 / 3.0, 0.5), (one.Precision, one.Recall, one.FMeasure));
        var two = Rouge.Score("testing one two", "testing one")["rouge2"];
        Assert.Equal((1.0, 0.5), (two.Precision, two.Recall));
        Assert.Equal(2 / 3.0, two.FMeasure, 12);
        var lsum = Rouge.Score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5")["rougeLsum"];
        Assert.Equal((0.4, 0.8), (lsum.Precision, lsum.Recall));
        Assert.Equal(0.5333, lsum.FMeasure, 4);
        var lcs = Rouge.Score("testing one two", "testing two")["rougeL"];
        Assert.Equal(1.0, lcs.Precision);
        Assert.Equal(2 / 3.0, lcs.Recall, 12);
        Assert.Equal(0.8, lcs.FMeasure, 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("?!...")]
    public void Rouge_of_an_empty_or_punctuation_only_prediction_is_zero(string prediction)
    {
        Assert.All(Rouge.Score("testing one two", prediction).Values, s => Assert.Equal(0, s.FMeasure));
        Assert.All(Rouge.Score(prediction, "testing one two").Values, s => Assert.Equal(0, s.FMeasure));
    }

    [Fact]
    public void Rouge_drops_non_ascii_letters_and_lowercases()
    {
        Assert.Equal(["caf", "na", "ve", "2024"], Rouge.Tokenize("Café naïve, 2024!", stem: false));
        Assert.Equal(1.0, Rouge.Score("THE CAT", "the cat")["rouge1"].FMeasure);
    }

    [Fact]
    public void Rouge_with_several_references_takes_the_best_per_type()
    {
        var best = Rouge.ScoreMulti(["completely unrelated words", "the cat sat on the mat"], "the cat sat");
        Assert.Equal(Rouge.Score("the cat sat on the mat", "the cat sat")["rouge1"], best["rouge1"]);
        // Ties keep the first reference.
        var tie = Rouge.ScoreMulti(["a b", "b a"], "a b");
        Assert.Equal(1.0, tie["rouge2"].FMeasure);
    }

    [Fact]
    public void Stemming_applies_to_tokens_longer_than_three_letters()
    {
        Assert.Equal(["the", "cat", "were", "run", "fast"], Rouge.Tokenize("The cats were running fast", stem: true));
        Assert.Equal(1.0, Rouge.Score("The cats were running", "the cat were run", stem: true)["rouge1"].FMeasure);
        Assert.True(Rouge.Score("The cats were running", "the cat were run", stem: false)["rouge1"].FMeasure < 1);
    }

    [Fact]
    public void Porter_stemmer_with_nltk_extensions()
    {
        // NLTK's documented examples (the last ones are its irregular forms and extensions).
        var words = "caresses flies dies mules denied died agreed owned humbled sized meeting stating siezing itemization sensational traditional reference colonizer plotted".Split(' ');
        var stems = "caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon plot".Split(' ');
        Assert.Equal(stems, words.Select(PorterStemmer.Stem));
        Assert.Equal(["gener", "happi", "run", "sky", "sky", "die", "news", "be", "is"],
            new[] { "generously", "happy", "running", "sky", "skies", "dying", "news", "be", "is" }.Select(PorterStemmer.Stem));
        // Porter's own examples from the paper's steps.
        Assert.Equal(["hop", "tan", "fall", "hiss", "fizz", "fail", "file", "relat", "condit", "ration", "probat", "rate", "ceas", "control", "roll"],
            new[] { "hopping", "tanned", "falling", "hissing", "fizzed", "failing", "filing", "relational", "conditional", "rational", "probate", "rate", "cease", "controlling", "roll" }
                .Select(PorterStemmer.Stem));
    }

    [Fact]
    public void Squad_metrics_match_the_official_script()
    {
        Assert.Equal((1.0, 1.0), (SquadMetrics.ExactMatch("The Denver Broncos", "Denver Broncos"), SquadMetrics.F1("The Denver Broncos", "Denver Broncos")));
        Assert.Equal((0.0, 0.5), (SquadMetrics.ExactMatch("rock", "rock n roll"), SquadMetrics.F1("rock", "rock n roll")));
        Assert.Equal((1.0, 0.0), (SquadMetrics.ExactMatch("a", "the"), SquadMetrics.F1("a", "the")));
        Assert.Equal((0.0, 0.0), (SquadMetrics.ExactMatch("Saint-Denis", "Saint Denis"), SquadMetrics.F1("Saint-Denis", "Saint Denis")));
    }

    [Fact]
    public void Squad_takes_the_best_ground_truth_and_handles_unicode_and_empty_answers()
    {
        Assert.Equal(1.0, SquadMetrics.Best(SquadMetrics.ExactMatch, "1,000", ["a thousand", "1000"]));
        Assert.Equal("éclair au café", SquadMetrics.Normalize("L'Éclair au Café!").Replace("léclair", "éclair"));
        Assert.Equal(0.0, SquadMetrics.F1("", "Denver"));
        Assert.Equal(1.0, SquadMetrics.ExactMatch("", "!!!"));   // both normalise to empty
        Assert.Equal(0.0, SquadMetrics.F1("", "!!!"));           // no common token, even though both are empty
        // F1 by hand: "big red dog" vs "the red dog barked": overlap 2, P = 2/3, R = 2/3 (article removed) -> F1 2/3.
        Assert.Equal(2 / 3.0, SquadMetrics.F1("big red dog", "the red dog barked"), 12);
    }

    [Fact]
    public void Bootstrap_percentiles_interpolate_like_numpy()
    {
        Assert.Equal(2.5, Bootstrap.Percentile([1, 2, 3, 4], 0.5));
        Assert.Equal(1.075, Bootstrap.Percentile([1, 2, 3, 4], 0.025), 12);
        var constant = Bootstrap.Mean([0.5, 0.5, 0.5]);
        Assert.Equal((0.5, 0.5, 0.5), (constant.Low, constant.Mid, constant.High));
        var spread = Bootstrap.Mean(Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? 1.0 : 0.0).ToList());
        Assert.InRange(spread.Low, 0.42, 0.48);
        Assert.InRange(spread.High, 0.52, 0.58);
        Assert.Equal(spread, Bootstrap.Mean(Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? 1.0 : 0.0).ToList()));   // seeded
    }

    [Fact]
    public void A_paired_interval_cancels_what_the_examples_share()
    {
        // Example difficulty varies widely; the variant is better by exactly 1 on each: the paired interval is [1, 1].
        var before = Enumerable.Range(0, 300).Select(i => (double)(i * 37 % 100)).ToList();
        var after = before.Select(v => v + 1).ToList();
        var paired = Bootstrap.Paired(before, after);
        Assert.Equal((1.0, 1.0), (paired.Low, paired.High));
        var unpaired = (Bootstrap.Mean(before), Bootstrap.Mean(after, seed: 1));
        Assert.True(unpaired.Item2.Low < unpaired.Item1.High, "unpaired, the two intervals overlap: the same gain looks insignificant");

        // Gains on some examples and equal losses on others: the interval holds 0.
        var mixed = before.Select((v, i) => v + (i % 2 == 0 ? 5 : -5)).ToList();
        var none = Bootstrap.Paired(before, mixed);
        Assert.True(none.Low < 0 && none.High > 0, $"{none}");
        Assert.Throws<ArgumentException>(() => Bootstrap.Paired(before, after.Take(10).ToList()));
    }

    [Fact]
    public void Accuracy_is_exact_string_equality_with_any_reference()
    {
        var row = Assert.Single(TaskMetrics.Labels("sst2", "test", ["positive", "Positive", "negative", ""], [["positive"], ["positive"], ["negative", "neg"], ["negative"]]));
        Assert.Equal(50, row.Value);
    }

    [Theory]
    [InlineData("squad")]
    [InlineData("cnn_dailymail")]
    [InlineData("sst2")]
    public void Every_metric_the_targets_and_task_scores_read_is_one_the_scorers_write(string name)
    {
        var task = LlmNotebooks.Tasks.TaskRegistry.Named(name);
        var written = task.Score(ScoreRow.OurModel, ["a cat sat"], [["a cat sat on the mat"]], stem: true).Select(r => r.Metric).ToHashSet();
        Assert.Contains(task.Headline, written);
        Assert.All(task.ComparedMetrics, m => Assert.Contains(m, written));
        foreach (var target in TargetsRecord.Assignment.Targets.Where(t => t.Task == name))
            Assert.True(written.Contains(target.Metric), $"the target {target.Label} reads '{target.Metric}', which the {task} scorer does not write");
        // Without stemming the ROUGE rows have other names: a reader asking for the stemmed ones finds none, and the report says so.
        var unstemmed = task.Score(ScoreRow.OurModel, ["a cat sat"], [["a cat sat on the mat"]], stem: false).Select(r => r.Metric);
        Assert.DoesNotContain(Metric.Rouge1, unstemmed);
    }
}
