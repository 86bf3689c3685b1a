using System.Text.RegularExpressions;
using LlmNotebooks.HuggingFace;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.HuggingFace;

/// <summary>
/// environment.md's recipe beyond one GPU, as far as this machine can run it: export, pretrain with PyTorch's
/// DistributedDataParallel on two processes (gloo on the CPU instead of NCCL on GPUs), import back.
/// </summary>
public class DistributedRecipeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("gpt2", "GPT2LMHeadModel")]
    [InlineData("qwen3", "Qwen3ForCausalLM")]
    public void Export_then_two_process_ddp_pretraining_then_import_lowers_the_validation_loss(string block, string architecture)
    {
        Python.RequireTorch();
        var root = TestEnvironment.TempFolder().FullName;
        var corpus = Path.Combine(root, "corpus.jsonl");
        string[] sentences = ["the cat sat on the mat.", "a dog ran in the park.", "the sun is warm today.", "we read a book at night."];
        File.WriteAllLines(corpus, Enumerable.Range(0, 400).Select(d =>
            System.Text.Json.JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Range(0, 12).Select(s => sentences[(d + s * 3) % 4])) })));
        var tokens = Path.Combine(root, "tokens");
        var (_, tokenizer) = CorpusPreparer.Prepare([corpus], "bpe:320", tokens, new CorpusPreparer.Options(ValFraction: 0.05));
        var gpt2 = new GptConfig(VocabSize: 320, ContextLength: 32, Layers: 2, Heads: 2, Width: 32);
        using var start = new Gpt(block == "gpt2" ? gpt2 : HfLlamaFolderTests.Qwen3 with { VocabSize = 320 }, seed: 1);
        var hf = Path.Combine(root, "hf-start");
        Assert.Equal(architecture, HfFolder.Export(start, tokenizer, hf));

        var trained = Path.Combine(root, "hf-trained");
        // --redirects/--tee: Debian 12's torchrun (torch 1.13 on Python 3.11) fails on their default "0" (it cannot
        // map 0 back to its enum); 2 and 1 keep rank 0's output on the console and the workers' errors in --log_dir.
        var (code, printed) = Python.Start("-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "--redirects", "2", "--tee", "1",
            "--log_dir", Path.Combine(root, "torchrun-logs"),
            Path.Combine(TestEnvironment.Root, "tools", "pytorch", "pretrain_ddp.py"), "--init", hf, "--tokens", tokens, "--out", trained,
            "--steps", "40", "--batch", "4", "--context", "32", "--tokens-per-step", "512", "--lr", "3e-3", "--warmup", "5");
        output.WriteLine(printed);
        Assert.True(code == 0, printed);
        Assert.Contains("2 ranks on cpu; 40 steps × 512 tokens (2 micro-batches of 4 × 32 per rank)", printed);
        var losses = Regex.Matches(printed, @"validation loss (\d+\.\d+)").Select(m => double.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(2, losses.Count);
        Assert.True(losses[1] < losses[0] - 1, printed);
        Assert.Contains("largest weight difference between ranks: 0\n", printed);   // DDP kept the two ranks' weights identical

        var (model, again) = HfFolder.Import(trained);
        using var _ = model;
        Assert.Equal(start.Config, model.Config);
        using var val = new TokenStream(tokens, ShardManifest.Val);
        var window = new long[33];
        val.CopyTo(0, window);
        using var x = tensor(window[..32], [1, 32]);
        using var y = tensor(window[1..], [1, 32]);
        using var grad = no_grad();
        float before = start.forward(x, y).Loss!.item<float>(), after = model.forward(x, y).Loss!.item<float>();
        output.WriteLine($"loss of a validation window here: {before:F3} before, {after:F3} after");
        Assert.True(after < before - 1, $"loss of a validation window: {before:F3} before, {after:F3} after");
        Assert.Equal(tokenizer.Encode("the cat sat"), again.Encode("the cat sat"));
    }
}
