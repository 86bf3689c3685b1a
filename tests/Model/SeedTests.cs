using LlmNotebooks.Model;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Model;

public class SeedTests
{
    [Fact]
    public void Same_seed_same_weights_whatever_else_draws_random_numbers()
    {
        var config = new GptConfig(VocabSize: 64, ContextLength: 16, Layers: 2, Heads: 2, Width: 32);
        using var noise = Task.Run(() => { for (int i = 0; i < 2000; i++) using (randn(64)) { } });
        using var a = new Gpt(config, seed: 1);
        using var b = new Gpt(config, seed: 1);
        noise.Wait();
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.equal(q).all().item<bool>(), name);
    }
}
