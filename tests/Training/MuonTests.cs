using LlmNotebooks.Model;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Training;

public class MuonTests
{
    static readonly GptConfig Config = new(VocabSize: 64, ContextLength: 16, Layers: 2, Heads: 2, Width: 32, Mlp: MlpKind.SwiGlu, Position: PositionEncoding.Rotary, Norm: NormKind.RmsNorm);

    /// <summary>Newton–Schulz keeps a matrix's singular directions and brings every singular value near 1, for wide and tall matrices alike.</summary>
    [Theory]
    [InlineData(64, 256)]
    [InlineData(256, 64)]
    public void Orthogonalising_brings_every_singular_value_near_one_and_keeps_the_directions(int rows, int cols)
    {
        manual_seed(1);
        var g = randn(rows, cols) * 0.01;
        using var o = Muon.Orthogonalize(g);
        var singular = linalg.svdvals(o).data<float>().ToArray();
        Assert.All(singular, s => Assert.InRange(s, 0.6f, 1.25f));

        var (u, _, vh) = linalg.svd(g, fullMatrices: false);
        var exact = u.matmul(vh);                                          // U·Vᵀ, the exact orthogonal factor
        double cosine = (o * exact).sum().item<float>() / (o.norm().item<float>() * exact.norm().item<float>());
        Assert.True(cosine > 0.95, $"cosine with U·Vᵀ {cosine:F3}");
        var reversed = Muon.Orthogonalize(-g);
        Assert.True(reversed.allclose(-o, atol: 1e-5));                    // odd: the sign of the gradient carries through
    }

    [Fact]
    public void A_fused_matrix_is_orthogonalised_block_by_block_and_the_first_step_moves_by_the_scaled_factor()
    {
        manual_seed(2);
        var weight = new TorchSharp.Modules.Parameter(randn(3 * 8, 8));   // c_attn's q, k and v, each 8 × 8
        var before = weight.detach().clone();
        var grad = randn(3 * 8, 8);
        weight.grad = grad.clone();
        using var muon = new Muon([new Muon.Matrix(weight, Blocks: 3)], weightDecay: 0);
        muon.Step(learningRate: 0.01);

        // The first momentum is g, so the Nesterov direction is (1 + μ)g, whose orthogonal factor is g's.
        var expected = cat([.. Enumerable.Range(0, 3).Select(b => Muon.Orthogonalize(grad[(8 * b)..(8 * (b + 1))]))]);
        var moved = (before - weight.detach()) / (0.01 * Muon.RmsScale * Math.Sqrt(8));
        Assert.True(moved.allclose(expected, atol: 1e-4), $"the update is lr · 0.2·√max(rows, cols) · the orthogonal factor of each block (largest difference {(moved - expected).abs().max().item<float>()})");
        Assert.False(Muon.Orthogonalize(grad).allclose(expected, atol: 1e-3));   // the whole matrix at once differs
    }

    [Fact]
    public void Muon_takes_the_blocks_matrices_and_AdamW_keeps_the_embeddings_gains_and_norms()
    {
        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(Kind: OptimizerKind.Muon), Precision.Fp32);
        var muon = step.Muon!.Parameters;
        Assert.Equal(Config.Layers * 4, muon.Count);                     // c_attn, attention c_proj, c_fc, MLP c_proj
        Assert.All(muon, p => Assert.Equal(2, p.dim()));
        var adamW = step.Optimizer.Groups.SelectMany(g => g.Parameters).ToList();
        Assert.Contains(model.UniqueParameters().Single(p => p.Name == Gpt.TokenEmbeddingName).Parameter, adamW);
        Assert.Equal(model.UniqueParameters().Count, muon.Count + adamW.Count);
        Assert.Empty(muon.Intersect(adamW));

        using var plain = new TrainingStep(model, new OptimizerSettings(), Precision.Fp32);
        Assert.Null(plain.Muon);
    }

    [Fact]
    public void A_model_trained_with_Muon_learns_a_sequence()
    {
        manual_seed(3);
        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(Kind: OptimizerKind.Muon), Precision.Fp32);
        var x = randint(0, 64, [4, 16]);
        var losses = Enumerable.Range(0, 40).Select(_ => step.Step([new LlmNotebooks.Tokens.Batch(x, x)], 3e-3).Loss).ToList();
        Assert.True(losses[^1] < losses[0] / 3, $"loss {losses[0]:F2} -> {losses[^1]:F2}");
    }
}
