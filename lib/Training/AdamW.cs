using System.Globalization;
using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace LlmNotebooks.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter 2019, "Decoupled Weight Decay Regularization"), written from tensor operations: for
/// each parameter with a gradient g at step t, the weight first shrinks by lr·λ (decoupled decay), then
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², and w ← w − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε), in the order and
/// with the operations TorchSharp's own AdamW uses, so the two give the same weights to the bit. Ours holds every
/// Scalar it passes to libtorch (TorchSharp's builds a dozen implicit ones per parameter per step, which the GC may
/// free mid-call: see Model/Scalars.cs), skips the multiply by 1 of a group without decay, and saves its state as
/// safetensors.
/// </summary>
public sealed class AdamW : IDisposable
{
    /// <summary>Parameters that share a weight decay (nanoGPT's two groups: matrices decay, gains and biases do not).</summary>
    public sealed record Group(IReadOnlyList<Parameter> Parameters, double WeightDecay);

    sealed record Slot(Parameter Parameter, double WeightDecay, Tensor Mean, Tensor Square)
    {
        public long Steps { get; set; }
    }

    readonly List<Slot> _slots;
    readonly double _beta1, _beta2;
    readonly Scalar _keepMean, _takeMean, _keepSquare, _takeSquare, _epsilon;

    public AdamW(IReadOnlyList<Group> groups, OptimizerSettings settings)
    {
        Groups = groups;
        (_beta1, _beta2) = (settings.Beta1, settings.Beta2);
        (_keepMean, _takeMean) = (settings.Beta1.ToScalar(), (1 - settings.Beta1).ToScalar());
        (_keepSquare, _takeSquare) = (settings.Beta2.ToScalar(), (1 - settings.Beta2).ToScalar());
        _epsilon = settings.Epsilon.ToScalar();
        _slots = [.. groups.SelectMany(g => g.Parameters.Select(p =>
            new Slot(p, g.WeightDecay, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope())))];
    }

    public IReadOnlyList<Group> Groups { get; }

    /// <summary>One update of every parameter that has a gradient, at <paramref name="learningRate"/>.</summary>
    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var slot in _slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null) continue;
            long t = ++slot.Steps;
            if (slot.WeightDecay > 0)
            {
                using var shrink = (1 - learningRate * slot.WeightDecay).ToScalar();
                slot.Parameter.mul_(shrink);
            }
            slot.Mean.mul_(_keepMean).add_(grad, _takeMean);
            slot.Square.mul_(_keepSquare).addcmul_(grad, grad, _takeSquare);
            using var correction = Math.Sqrt(1 - Math.Pow(_beta2, t)).ToScalar();
            using var stepSize = (-(learningRate / (1 - Math.Pow(_beta1, t)))).ToScalar();
            var denominator = slot.Square.sqrt().div_(correction).add_(_epsilon, Scalars.One);
            slot.Parameter.addcdiv_(slot.Mean, denominator, stepSize);
        }
    }

    /// <summary>Zeroes every gradient in place (the next backward pass accumulates into it).</summary>
    public void ZeroGradients()
    {
        using var scope = NewDisposeScope();
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    /// <summary>The moments and step counts, by parameter position, as a safetensors file.</summary>
    public void Save(string path)
    {
        var tensors = new Dictionary<string, Tensor>();
        for (int i = 0; i < _slots.Count; i++) (tensors[$"{i}.mean"], tensors[$"{i}.square"]) = (_slots[i].Mean, _slots[i].Square);
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string>
        {
            ["steps"] = string.Join(",", _slots.Select(s => s.Steps.ToString(CultureInfo.InvariantCulture))),
        });
    }

    /// <summary>Restores what <see cref="Save"/> wrote for the same parameters; a file of other parameters is an error naming it.</summary>
    public void Load(string path)
    {
        var steps = SafeTensorsFile.Metadata(path).GetValueOrDefault("steps")?.Split(',') ?? [];
        var tensors = SafeTensorsFile.Read(path);
        try
        {
            if (steps.Length != _slots.Count || tensors.Count != 2 * _slots.Count)
                throw new InvalidDataException($"{path} holds the optimizer state of {steps.Length} parameters, not of this model's {_slots.Count}");
            using var _ = no_grad();
            for (int i = 0; i < _slots.Count; i++)
            {
                var slot = _slots[i];
                if (!tensors.TryGetValue($"{i}.mean", out var mean) || !tensors.TryGetValue($"{i}.square", out var square)
                    || !mean.shape.SequenceEqual(slot.Mean.shape) || !square.shape.SequenceEqual(slot.Square.shape))
                    throw new InvalidDataException($"{path}: the state of parameter {i} is missing or of another shape");
                slot.Mean.copy_(mean);
                slot.Square.copy_(square);
                slot.Steps = long.Parse(steps[i], CultureInfo.InvariantCulture);
            }
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var slot in _slots) { slot.Mean.Dispose(); slot.Square.Dispose(); }
        foreach (var scalar in new[] { _keepMean, _takeMean, _keepSquare, _takeSquare, _epsilon }) scalar.Dispose();
    }
}
