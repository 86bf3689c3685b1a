using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.HuggingFace;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Cli;

/// <summary>export, import and generate as a user runs them, on a model folder written here.</summary>
public class HandOffCommandTests
{
    static (string Folder, int[] Prompt, int[] Greedy) ModelFolder(string block = "gpt2")
    {
        var tokenizer = TestModels.OurBpe();
        var config = block == "gpt2" ? new GptConfig(VocabSize: tokenizer.VocabSize, ContextLength: 64, Layers: 2, Heads: 2, Width: 32) : HfLlamaFolderTests.Qwen3 with { ContextLength = 64 };
        using var model = TestModels.RandomModel(config.ForVocabulary(tokenizer.VocabSize));
        var folder = Path.Combine(TestEnvironment.TempFolder().FullName, "model");
        ModelFiles.Save(folder, model, tokenizer);
        var prompt = tokenizer.Encode(PromptText);
        var greedy = TokenGenerator.Generate(model, [prompt], new DecodingOptions(MaxNewTokens: 6, StopTokens: [tokenizer.EndOfText], VocabularyLimit: tokenizer.VocabSize))[0];
        return (folder, prompt, greedy);
    }

    const string PromptText = "Hello world, it's a test";

    static string LastLine(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();

    [SkippableTheory]
    [InlineData("gpt2", "GPT2LMHeadModel")]
    [InlineData("qwen3", "Qwen3ForCausalLM")]
    public void Export_import_and_generate_give_the_same_greedy_ids_as_the_model_and_as_pytorch(string block, string architecture)
    {
        var (folder, prompt, greedy) = ModelFolder(block);
        var root = Path.GetDirectoryName(folder)!;
        string hf = Path.Combine(root, "hf"), back = Path.Combine(root, "back");
        var exported = TestEnvironment.RunCli("export", "--model", folder, "--format", "hf", "--out", hf);
        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.Contains($"as {architecture}", exported.Output);
        var imported = TestEnvironment.RunCli("import", "--from", hf, "--out", back);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        string ids = string.Join(' ', prompt), expected = string.Join(' ', greedy);
        foreach (var model in new[] { folder, hf, back })
        {
            var generated = TestEnvironment.RunCli("generate", "--model", model, "--prompt", ids, "--ids", "--greedy", "--max-new-tokens", "6");
            Assert.True(generated.ExitCode == 0, generated.ToString());
            Assert.Equal(expected, LastLine(generated.Output));
        }

        Python.RequireTorch();
        var reference = PytorchReference.Run(hf, PromptText, newTokens: 6);
        Assert.Equal(prompt, reference.PromptIds);
        Assert.Equal(greedy, reference.Greedy[..greedy.Length]);   // ours stops at end of text; the reference does not
    }

    [Fact]
    public void Generate_writes_the_prompt_and_its_continuation_for_every_prompt_of_a_file()
    {
        var (folder, _, _) = ModelFolder();
        var prompts = Path.Combine(Path.GetDirectoryName(folder)!, "prompts.txt");
        File.WriteAllLines(prompts, ["The first prompt", "", "A second one"]);
        var result = TestEnvironment.RunCli("generate", "--model", folder, "--prompts", prompts, "--max-new-tokens", "12", "--seed", "3");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2 prompts; 1 blank lines", result.Output);
        var answers = result.Output.Split("--- prompt ")[1..];   // "1\nThe first prompt<continuation>\n", "2\n…"
        Assert.Equal(2, answers.Length);
        foreach (var (answer, prompt) in answers.Zip(["The first prompt", "A second one"]))
        {
            var text = answer[(answer.IndexOf('\n') + 1)..];
            Assert.StartsWith(prompt, text);
            Assert.True(text.TrimEnd('\n').Length > prompt.Length, $"no continuation after '{prompt}': {result.Output}");
        }
    }

    [Theory]
    [InlineData("--prompt", "12 x 7", "prompt 1: 'x' is not a token id")]
    [InlineData("--prompt", "99999", "'99999' is not a token id")]
    public void Generate_names_a_bad_token_id(string option, string value, string message)
    {
        var (folder, _, _) = ModelFolder();
        var result = TestEnvironment.RunCli("generate", "--model", folder, option, value, "--ids");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Output);
        Assert.DoesNotContain("   at ", result.Output);   // one line, no stack trace
    }

    [Fact]
    public void Export_of_a_model_no_architecture_holds_is_one_clear_line()
    {
        var tokenizer = TestModels.OurBpe();
        using var model = new Gpt(new GptConfig(VocabSize: 512, ContextLength: 32, Layers: 1, Heads: 2, Width: 16, Position: PositionEncoding.Rotary), seed: 1);
        var folder = Path.Combine(TestEnvironment.TempFolder().FullName, "rotary");
        ModelFiles.Save(folder, model, tokenizer);
        var result = TestEnvironment.RunCli("export", "--model", folder, "--out", Path.Combine(folder, "hf"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: this model is neither a GPT-2 (rotary positions", result.Output);
        Assert.DoesNotContain("   at ", result.Output);
    }
}
