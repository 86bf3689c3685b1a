using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.TestSupport;

/// <summary>Models and tokenizers for the hand-off tests (Hugging Face folders, PyTorch parity, the CLI).</summary>
public static class TestModels
{
    /// <summary>Text the tokenizers must agree on: contractions, numbers, runs of spaces and newlines, accents, CJK, emoji.</summary>
    public const string Sample = "Hello world, it's a test: don't we'll they've.\n\n  Numbers 12345 and 3.14 cost $5!  Café au lait, naïve résumé.\n" +
                                 "日本語のテキスト and 😀 emoji\ttabs   end";

    /// <summary>Our BPE, learned here from the sample and a little more text, in its own folder.</summary>
    public static TextTokenizer OurBpe()
    {
        var folder = TestEnvironment.TempFolder().FullName;
        BpeTrainer.Train([Sample, "The quick brown fox jumps over the lazy dog. " + Sample, "the theory of the thing, the then and there"], vocabSize: 400, minFrequency: 1).Save(folder);
        return TextTokenizer.FromFolder(folder);
    }

    /// <summary>A model whose every parameter is random (gains near 1, biases near 0 but not 0), so a swapped or misread tensor shows in the logits.</summary>
    public static Gpt RandomModel(GptConfig config, long seed = 1)
    {
        var model = new Gpt(config, seed);
        using var generator = new torch.Generator((ulong)seed + 100);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            using var noise = randn(p.shape, generator: generator);
            if (name.Contains("ln_") || name.Contains("_norm.")) p.copy_(name.EndsWith(".weight") ? noise * 0.2 + 1 : noise * 0.1);
            else p.copy_(noise * (name.EndsWith(".bias") ? 0.1 : 0.3));
        }
        return model;
    }

    /// <summary>The model's logits (T, V) for one sequence, in eval mode.</summary>
    public static Tensor Logits(Gpt model, int[] ids)
    {
        using var _ = no_grad();
        model.eval();
        return model.forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64)).Logits[0];   // (T, V)
    }
}
