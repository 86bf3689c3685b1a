using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Training;

public class TrainingStepTests
{
    static readonly GptConfig Config = new(VocabSize: 64, ContextLength: 16, Layers: 2, Heads: 2, Width: 32);

    [Fact]
    public void Weight_decay_applies_to_matrices_only()
    {
        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(WeightDecay: 0.1), Precision.Fp32);
        var groups = step.Optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToList();
        Assert.All(groups[0].Parameters, p => Assert.True(p.dim() >= 2));
        Assert.All(groups[1].Parameters, p => Assert.True(p.dim() < 2));
        Assert.Equal(model.UniqueParameters().Count, groups.Sum(g => g.Parameters.Count()));
    }

    [Fact]
    public void Two_half_batches_make_the_same_update_as_one_whole_batch()
    {
        manual_seed(3);
        var x = randint(0, 64, [4, 16]);
        var y = randint(0, 64, [4, 16]);
        using var whole = new Gpt(Config, seed: 1);
        using var halves = new Gpt(Config, seed: 1);
        using var a = new TrainingStep(whole, new OptimizerSettings(), Precision.Fp32);
        using var b = new TrainingStep(halves, new OptimizerSettings(), Precision.Fp32);

        var one = a.Step([new Batch(x, y)], 1e-3);
        var two = b.Step([new Batch(x[..2], y[..2]), new Batch(x[2..], y[2..])], 1e-3);

        Assert.Equal(one.Loss, two.Loss, 4);
        Assert.Equal(one.GradientNorm, two.GradientNorm, 4);
        foreach (var ((_, p), (_, q)) in whole.UniqueParameters().Zip(halves.UniqueParameters()))
            Assert.True(p.allclose(q, atol: 1e-6));
    }

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void Steps_of_varying_length_leave_no_tensor_behind(Precision precision)
    {
        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(), precision);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        void One(int length)
        {
            using var x = randint(0, 64, [2, length]);
            step.Step([new Batch(x, x), new Batch(x, x)], 1e-3);
        }
        One(16);   // the optimizer allocates its state on the first step
        long before = Live();
        foreach (var length in new[] { 3, 16, 7, 12, 1, 9, 16, 5 }) One(length);
        Assert.Equal(before, Live());
    }

    [Fact]
    public void Bf16_computes_in_bf16_keeps_fp32_masters_and_learns()
    {
        manual_seed(4);
        var x = randint(0, 64, [4, 16]);
        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(WeightDecay: 0), Precision.Bf16);
        Assert.Equal(ScalarType.BFloat16, step.ComputeModel.Head.weight!.dtype);
        Assert.Equal(ScalarType.Float32, model.Head.weight!.dtype);

        var losses = Enumerable.Range(0, 60).Select(_ => step.Step([new Batch(x, x)], 3e-3).Loss).ToList();

        Assert.True(losses[^1] < losses[0] / 3, $"bf16 training should learn to copy its input: {losses[0]:F2} -> {losses[^1]:F2}");
        // The bf16 copy follows the master weights after every step.
        var master = model.UniqueParameters().First().Parameter;
        var copy = step.ComputeModel.UniqueParameters().First().Parameter;
        Assert.True(master.to(ScalarType.BFloat16).eq(copy).all().item<bool>());
    }

    [Fact]
    public void The_reported_gradient_norm_is_the_norm_before_clipping()
    {
        var x = randint(0, 64, [2, 16]);
        using var reference = new Gpt(Config, seed: 1);
        reference.forward(x, x).Loss!.backward();
        double expected = Math.Sqrt(reference.UniqueParameters().Sum(p => Math.Pow(p.Parameter.grad!.norm().item<float>(), 2)));

        using var model = new Gpt(Config, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(GradientClip: 1e-3), Precision.Fp32);
        var result = step.Step([new Batch(x, x)], 1e-3);

        Assert.Equal(expected, result.GradientNorm, 3);
        Assert.True(result.GradientNorm > 1e-3);
    }
}
