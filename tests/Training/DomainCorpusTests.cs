using System.Text.Json;
using LlmNotebooks.Data;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Training;

/// <summary>
/// Domain-adaptive pretraining: a task's name in the corpus adds its unlabelled training text (SQuAD's passages, one
/// document per article), without its questions or answers and without the articles finetuning holds out.
/// </summary>
public class DomainCorpusTests
{
    const long Seed = 1337;
    readonly string _data = TestEnvironment.TempFolder().FullName;

    /// <summary>A SQuAD training file of <paramref name="articles"/> articles, each of two paragraphs with two questions each.</summary>
    void WriteSquad(int articles)
    {
        var data = Enumerable.Range(0, articles).Select(a => new
        {
            title = $"Article_{a}",
            paragraphs = Enumerable.Range(0, 2).Select(p => new
            {
                context = $"Paragraph {p} of article {a} tells of the river.",
                qas = Enumerable.Range(0, 2).Select(q => new
                {
                    id = $"{a}-{p}-{q}", question = $"Question {q} about paragraph {p}?",
                    answers = new[] { new { text = "the river", answer_start = $"Paragraph {p} of article {a} tells of ".Length } },
                }),
            }),
        });
        Directory.CreateDirectory(Path.Combine(_data, "squad"));
        File.WriteAllText(Path.Combine(_data, "squad", "train-v1.1.json"), JsonSerializer.Serialize(new { version = "1.1", data }));
    }

    [Fact]
    public void Squad_passages_are_one_document_per_article_without_questions_or_held_out_articles()
    {
        WriteSquad(articles: 200);
        var documents = TaskRegistry.Squad.PretrainingText(_data, Seed).Documents(new DataIssues()).ToList();

        var heldOut = Enumerable.Range(0, 200).Where(a => StableRandom.Uniform($"Article_{a}", Seed) < FinetuningTask.HeldOutShare).ToList();
        Assert.NotEmpty(heldOut);   // 2 % of 200: the rule is exercised
        Assert.Equal(200 - heldOut.Count, documents.Count);
        var first = documents[0];
        Assert.Equal(("squad", "squad:Article_0"), (first.Source, first.Id));
        Assert.Equal("Paragraph 0 of article 0 tells of the river.\n\nParagraph 1 of article 0 tells of the river.", first.Text);
        Assert.DoesNotContain(documents, d => d.Text.Contains("Question"));
        Assert.All(heldOut, a => Assert.DoesNotContain(documents, d => d.Id == $"squad:Article_{a}"));
    }

    [Fact]
    public void A_task_in_the_corpus_is_prepared_beside_the_web_text_and_counted_as_its_own_source()
    {
        WriteSquad(articles: 20);
        Directory.CreateDirectory(Path.Combine(_data, "web"));
        File.WriteAllLines(Path.Combine(_data, "web", "w.jsonl"), Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new { text = $"Web page {i} says hello." })));
        var config = PretrainingConfig.Preset("smoke").With(["tokenizer=gpt2", "corpus=web/w.jsonl", "corpus+=squad"]);
        Assert.Equal(["web/w.jsonl", "squad"], config.Corpus);

        var tokens = Path.Combine(_data, "tokens");
        var (manifest, _) = Pretraining.PrepareData(config, _data, tokens);

        var squad = TaskRegistry.Squad.PretrainingText(_data, Seed).Documents(new DataIssues()).Count();
        Assert.Equal(new Dictionary<string, long> { ["web"] = 30, ["squad"] = squad }, manifest.Sources.ToDictionary(s => s.Source, s => s.Documents));
        Assert.Contains(manifest.Files, f => f.Path.EndsWith("train-v1.1.json"));   // a changed SQuAD file prepares the shards again
        Assert.Equal(manifest.Tokens, ShardManifest.Load(tokens).Tokens);
    }

    [Fact]
    public void Appending_to_a_list_setting_keeps_the_preset_and_a_resumed_run_may_repeat_its_own_settings()
    {
        var cpu = PretrainingConfig.Preset("cpu");
        var more = cpu.With(["corpus+=squad,cnn_dailymail"]);
        Assert.Equal([.. cpu.Corpus, "squad", "cnn_dailymail"], more.Corpus);
        Assert.Equal(more.Corpus, more.With(["corpus+=squad"]).Corpus);   // no source twice
        Assert.Contains("appends to a list", Assert.Throws<UserError>(() => cpu.With(["max_steps+=3"])).Message);

        // An experiment resumes with the settings it started with; only a change is refused.
        Assert.Equal(more.Corpus, more.ForResume(["corpus+=squad", "hours=null", "max_steps=1800"]).Corpus);
        Assert.Contains("--set corpus cannot change", Assert.Throws<UserError>(() => more.ForResume(["corpus=openwebtext"])).Message);
    }
}
