using System.Text.Json.Nodes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.TestSupport;

/// <summary>tools/pytorch/parity.py on a folder: its tokenization, logits and greedy continuation of a prompt.</summary>
public sealed record PytorchReference(int[] PromptIds, int[] Greedy, Tensor Logits)
{
    public static PytorchReference Run(string folder, string prompt, int newTokens)
    {
        var work = TestEnvironment.TempFolder().FullName;
        var promptFile = Path.Combine(work, "prompt.txt");
        File.WriteAllText(promptFile, prompt);
        var (code, output) = Python.RunFile(Path.Combine(TestEnvironment.Root, "tools", "pytorch", "parity.py"), folder, promptFile, newTokens.ToString(), work);
        Assert.True(code == 0, output);
        var ids = JsonNode.Parse(File.ReadAllText(Path.Combine(work, "ids.json")))!;
        int[] prompts = [.. ids["prompt"]!.AsArray().Select(i => (int)i!)];
        var raw = File.ReadAllBytes(Path.Combine(work, "logits.f32"));
        var logits = torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray(), [prompts.Length, (int)ids["vocab_size"]!]);
        return new PytorchReference(prompts, [.. ids["greedy"]!.AsArray().Select(i => (int)i!)], logits);
    }
}
