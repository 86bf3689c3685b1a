using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using Xunit;

namespace LlmNotebooks.Tests.Cli;

/// <summary>What a user sees when the input is bad or the machine is offline: one clear message, nothing silent.</summary>
public class ErrorMessageTests
{
    readonly string _folder = TestEnvironment.TempFolder().FullName;

    [Fact]
    public void Evaluate_counts_locates_and_reports_the_records_it_could_not_read()
    {
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "sst2"));
        File.WriteAllText(Path.Combine(data, "sst2", "train.tsv"), "sentence\tlabel\na fine film\t1\na dull film\t0\nlovely\t1\n");
        File.WriteAllText(Path.Combine(data, "sst2", "dev.tsv"),
            "sentence\tlabel\ngood fun\t1\nboring\t0\nbroken\tseven\na great cast\t1\ntoo\tmany\tfields\nweak\t0\n");
        var modelFolder = Path.Combine(_folder, "model");
        var tokenizer = TextTokenizer.Gpt2();
        using (var model = new Gpt(GptConfig.Preset("smoke").ForVocabulary(tokenizer.VocabSize), seed: 1)) ModelFiles.Save(modelFolder, model, tokenizer);

        var result = TestEnvironment.RunCli("evaluate", "--model", modelFolder, "--task", "sst2", "--data", data, "--out", Path.Combine(_folder, "eval"));

        Assert.True(result.ExitCode == 0, result.ToString());
        const string dev = "sst2/dev.tsv";   // named relative to the data folder, as in the report
        Assert.Contains("2 records of the split could not be read and are not scored", result.Output);
        Assert.Contains($"{dev}:4", result.Output);
        var summary = EvaluationSummary.Read(Path.Combine(_folder, "eval", "sst2"));
        Assert.Equal((4, 2, 6), (summary.Examples, summary.RecordsSkipped, summary.RecordsRead));
        Assert.Equal([$"{dev}:4", $"{dev}:6"], summary.SkippedExamples.Select(s => s.Location));
        Assert.Equal([dev], summary.DataFiles);
    }

    [Fact]
    public void A_model_path_that_does_not_exist_is_named_as_given()
    {
        var missing = Path.Combine(_folder, "no-such-run");
        var result = TestEnvironment.RunCli("generate", "--model", missing, "--prompt", "Hello");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: model not found: {missing} does not exist (give a run folder, a checkpoint folder, a model folder or its model.safetensors)", result.Output.Trim());
        var finetune = TestEnvironment.RunCli("finetune", "--preset", "smoke", "--from", missing, "--out", Path.Combine(_folder, "finetune"));
        Assert.Equal(1, finetune.ExitCode);
        Assert.EndsWith($"error: model not found: {missing} does not exist (give a run folder, a checkpoint folder, a model folder or its model.safetensors)", finetune.Output.Trim());
    }

    [SkippableFact]
    public void All_without_data_or_network_says_what_is_missing_and_where_to_put_it()
    {
        var projectData = Path.Combine(TestEnvironment.Root, "data");
        Skip.If(DataFolder.Inventory(projectData).Any(d => d.Present), $"{projectData} holds datasets, so `all` would not try to download");
        var result = TestEnvironment.RunCli(new Dictionary<string, string> { ["HF_ENDPOINT"] = "http://127.0.0.1:9" },   // nothing listens there: offline
            "all", "--preset", "smoke", "--data", projectData, "--out", Path.Combine(_folder, "run"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"are not in {projectData}", result.Output);
        Assert.Contains("data/README.md", result.Output);
        Assert.Contains("$LLMNB_DATA", result.Output);
        Assert.DoesNotContain("   at ", result.Output);   // no stack trace
        Assert.True(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 10, result.Output);
    }
}
