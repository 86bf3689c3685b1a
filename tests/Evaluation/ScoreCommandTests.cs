using LlmNotebooks.Cli;
using LlmNotebooks.Tests.TestSupport;
using Spectre.Console.Cli.Testing;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

public class ScoreCommandTests
{
    readonly string _folder = TestEnvironment.TempFolder().FullName;

    string File(string name, params string[] lines)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllLines(path, lines);
        return path;
    }

    static CommandAppResult Score(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(CommandLine.Configure);
        return app.Run(["score", .. args]);
    }

    [Fact]
    public void Bleu_prints_every_intermediate_figure()
    {
        var predictions = File("p.jsonl", """{"id": "a", "prediction": "The dog bit the man."}""", """{"id": "b", "prediction": "It wasn't surprising."}""",
            """{"id": "c", "prediction": "The man had just bitten him."}""");
        var references = File("r.jsonl", """{"id": "c", "references": ["The man bit him first.", "The man had bitten the dog."]}""",
            """{"id": "a", "references": ["The dog bit the man.", "The dog had bit the man."]}""",
            """{"id": "b", "references": ["It was not unexpected.", "No one was surprised."]}""");

        var result = Score("--metric", "bleu", "--predictions", predictions, "--references", references);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", result.Output);
        Assert.Contains("signature nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x", result.Output);
    }

    [Fact]
    public void Rouge_squad_and_accuracy_print_their_figures()
    {
        var predictions = File("p.jsonl", """{"id": 1, "prediction": "Denver Broncos"}""", """{"id": 2, "prediction": "rock"}""");
        var references = File("r.jsonl", """{"id": 1, "references": ["The Denver Broncos", "Broncos"]}""", """{"id": 2, "references": ["rock n roll"]}""");

        var squad = Score("--metric", "squad", "--predictions", predictions, "--references", references);
        Assert.Contains("exact match 50.00", squad.Output);
        Assert.Contains("F1 75.00", squad.Output);
        var rouge = Score("--metric", "rouge", "--predictions", predictions, "--references", references, "--stem");
        Assert.Contains("rougeLsum", rouge.Output);
        Assert.Contains("stemmer on", rouge.Output);
        var accuracy = Score("--metric", "accuracy", "--predictions", predictions, "--references", references);
        Assert.Contains("accuracy 0.00", accuracy.Output);
    }

    [Fact]
    public void Missing_duplicate_and_extra_ids_are_errors_naming_file_and_line()
    {
        var references = File("r.jsonl", """{"id": "a", "references": ["x"]}""", """{"id": "b", "references": ["y"]}""");
        var missing = File("missing.jsonl", """{"id": "a", "prediction": "x"}""");
        var duplicate = File("duplicate.jsonl", """{"id": "a", "prediction": "x"}""", """{"id": "b", "prediction": "y"}""", """{"id": "a", "prediction": "z"}""");
        var extra = File("extra.jsonl", """{"id": "a", "prediction": "x"}""", """{"id": "b", "prediction": "y"}""", """{"id": "c", "prediction": "z"}""");
        var broken = File("broken.jsonl", """{"id": "a", "prediction": "x"}""", """{"id": "b", "prediction": """);

        Assert.Contains($"{missing}: no prediction for id b ({references}:2)", Score("--metric", "bleu", "--predictions", missing, "--references", references).Output);
        Assert.Contains($"{duplicate}:3: duplicate id a (first on line 1)", Score("--metric", "bleu", "--predictions", duplicate, "--references", references).Output);
        Assert.Contains($"{extra}:3: id c has no references", Score("--metric", "bleu", "--predictions", extra, "--references", references).Output);
        var error = Score("--metric", "bleu", "--predictions", broken, "--references", references);
        Assert.Equal(1, error.ExitCode);
        Assert.Contains($"{broken}:2:", error.Output);
        Assert.NotEqual(0, Score("--metric", "meteor", "--predictions", missing, "--references", references).ExitCode);
    }

    [Fact]
    public void Empty_files_and_text_that_is_not_utf8_are_errors_naming_the_file()
    {
        var predictions = File("empty-p.jsonl");
        var references = File("empty-r.jsonl");
        foreach (var metric in new[] { "bleu", "rouge", "squad", "accuracy" })
        {
            var empty = Score("--metric", metric, "--predictions", predictions, "--references", references);
            Assert.Equal(1, empty.ExitCode);
            Assert.Contains("no examples to score", empty.Output);
        }
        var latin1 = Path.Combine(_folder, "latin1.jsonl");
        System.IO.File.WriteAllBytes(latin1, [.. "{\"id\": \"a\", \"prediction\": \"caf"u8, 0xE9, .. "\"}\n"u8]);
        var refs = File("r.jsonl", """{"id": "a", "references": ["cafe"]}""");
        var bad = Score("--metric", "squad", "--predictions", latin1, "--references", refs);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"{latin1}:1: not UTF-8", bad.Output);
    }
}
