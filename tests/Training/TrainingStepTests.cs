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
        var groups = step.Optimizer.Groups;
        Assert.All(groups[0].Parameters, p => Assert.True(p.dim() >= 2));
        Assert.All(groups[1].Parameters, p => Assert.True(p.dim() < 2));
        Assert.Equal((0.1, 0.0), (groups[0].WeightDecay, groups[1].WeightDecay));
        Assert.Equal(model.UniqueParameters().Count, groups.Sum(g => g.Parameters.Count));
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

/// <summary>Our AdamW against TorchSharp's, the reference it replaces, and its state across a save and a load.</summary>
public class AdamWTests
{
    static readonly GptConfig Config = new(VocabSize: 64, ContextLength: 16, Layers: 2, Heads: 2, Width: 32);

    /// <summary>
    /// A few steps of a loss with gradients on every parameter, at a changing rate, with each optimizer's own update. The
    /// tokens come from a generator of their own: tests in parallel draw from torch's global one.
    /// </summary>
    static void Train(Gpt model, Action<double> update, Action zero, int steps, int first = 0)
    {
        using var tokens = new Generator(5);
        for (int step = 0; step < first + steps; step++)
        {
            using var scope = NewDisposeScope();
            var x = randint(0, 64, [2, 16], generator: tokens);
            if (step < first) continue;   // the batches a stopped run had already seen
            model.forward(x, x).Loss!.backward();
            update(1e-2 * (step + 1));   // a rate large enough that decay and every moment matter
            zero();
        }
    }

    [Fact]
    public void Gives_torchsharps_adamw_weights_to_the_bit_with_decay_on_matrices_only()
    {
        var settings = new OptimizerSettings(WeightDecay: 0.5);
        using var ours = new Gpt(Config, seed: 1);
        using var reference = new Gpt(Config, seed: 1);
        var oursParameters = ours.UniqueParameters().Select(p => p.Parameter).ToList();
        var referenceParameters = reference.UniqueParameters().Select(p => p.Parameter).ToList();
        using var adamw = new AdamW([new([.. oursParameters.Where(p => p.dim() >= 2)], settings.WeightDecay), new([.. oursParameters.Where(p => p.dim() < 2)], 0)], settings);
        using var torchsharp = optim.AdamW(
        [
            new TorchSharp.Modules.AdamW.ParamGroup(referenceParameters.Where(p => p.dim() >= 2), beta1: settings.Beta1, beta2: settings.Beta2, eps: settings.Epsilon, weight_decay: settings.WeightDecay),
            new TorchSharp.Modules.AdamW.ParamGroup(referenceParameters.Where(p => p.dim() < 2), beta1: settings.Beta1, beta2: settings.Beta2, eps: settings.Epsilon, weight_decay: 0),
        ]);

        Train(ours, adamw.Step, adamw.ZeroGradients, 6);
        Train(reference, rate => { foreach (var g in torchsharp.ParamGroups) g.LearningRate = rate; torchsharp.step(); }, () => torchsharp.zero_grad(), 6);

        using var start = new Gpt(Config, seed: 1);
        foreach (var ((name, p), (_, q), (_, s)) in ours.UniqueParameters().Zip(reference.UniqueParameters(), start.UniqueParameters()))
        {
            Assert.True(p.eq(q).all().item<bool>(), $"{name} differs from TorchSharp's AdamW by {(p - q).abs().max().item<float>()}");
            Assert.False(p.eq(s).all().item<bool>(), $"{name} did not move");
        }
    }

    [Fact]
    public void Saved_and_loaded_it_continues_as_if_never_stopped()
    {
        var settings = new OptimizerSettings();
        var folder = LlmNotebooks.Tests.TestSupport.TestEnvironment.TempFolder().FullName;
        using var straight = new Gpt(Config, seed: 1);
        using var resumed = new Gpt(Config, seed: 1);
        AdamW Make(Gpt model) => new([new([.. model.UniqueParameters().Select(p => p.Parameter)], settings.WeightDecay)], settings);
        using var one = Make(straight);
        Train(straight, one.Step, one.ZeroGradients, 3);
        using (var first = Make(resumed))
        {
            Train(resumed, first.Step, first.ZeroGradients, 3);
            first.Save(Path.Combine(folder, "optimizer.safetensors"));
        }
        using var second = Make(resumed);
        second.Load(Path.Combine(folder, "optimizer.safetensors"));

        Train(straight, one.Step, one.ZeroGradients, 2, first: 3);
        Train(resumed, second.Step, second.ZeroGradients, 2, first: 3);
        foreach (var ((name, p), (_, q)) in straight.UniqueParameters().Zip(resumed.UniqueParameters()))
            Assert.True(p.eq(q).all().item<bool>(), name);
        using var other = new Gpt(Config with { Layers = 1 }, seed: 1);
        using var mismatched = Make(other);
        Assert.Throws<InvalidDataException>(() => mismatched.Load(Path.Combine(folder, "optimizer.safetensors")));
    }
}
