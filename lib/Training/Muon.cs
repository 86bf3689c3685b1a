using LlmNotebooks.Model;
using LlmNotebooks.TensorFiles;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace LlmNotebooks.Training;

/// <summary>
/// Muon (Keller Jordan 2024, as in modded-nanogpt) for the blocks' weight matrices, written from tensor operations:
/// for each matrix with gradient g, the momentum b ← μb + g, the Nesterov direction g + μb is orthogonalised by five
/// Newton–Schulz steps (its singular values pushed towards 1, the directions kept), and the weight moves by
/// lr · 0.2·√max(rows, cols) along it after the decoupled decay w ← w·(1 − lr·λ). The 0.2·√max(rows, cols) scale
/// gives the update the RMS of a typical AdamW update (Liu et al. 2025, "Muon is Scalable for LLM Training"), so the
/// run's learning rate and weight decay serve both optimizers. A fused matrix (c_attn's q, k and v; SwiGLU's gate
/// and up) is orthogonalised block by block, as the separate matrices it stands for.
/// </summary>
public sealed class Muon : IDisposable
{
    /// <summary>A matrix Muon updates, and how many equal blocks along its rows it fuses.</summary>
    public sealed record Matrix(Parameter Parameter, int Blocks = 1);

    sealed record Slot(Parameter Parameter, int Blocks, Tensor Momentum);

    /// <summary>The quintic's coefficients: the fastest slope at 0 that still converges (modded-nanogpt); held, see Scalars.</summary>
    static readonly Scalar A = 3.4445.ToScalar(), B = (-4.7750).ToScalar(), C = 2.0315.ToScalar(), Tiny = 1e-7.ToScalar();
    public const int NewtonSchulzSteps = 5;
    public const double RmsScale = 0.2;

    readonly List<Slot> _slots;
    readonly Scalar _momentum;
    readonly double _weightDecay;

    public Muon(IReadOnlyList<Matrix> matrices, double weightDecay, double momentum = 0.95)
    {
        foreach (var m in matrices)
            if (m.Parameter.dim() != 2 || m.Parameter.shape[0] % m.Blocks != 0)
                throw new ArgumentException($"Muon updates matrices whose rows split into {m.Blocks} blocks, not a tensor of shape ({string.Join(", ", m.Parameter.shape)})");
        _weightDecay = weightDecay;
        _momentum = momentum.ToScalar();
        _slots = [.. matrices.Select(m => new Slot(m.Parameter, m.Blocks, zeros_like(m.Parameter).DetachFromDisposeScope()))];
    }

    public IReadOnlyList<Parameter> Parameters => [.. _slots.Select(s => s.Parameter)];

    /// <summary>
    /// The orthogonal factor of <paramref name="g"/> (… , rows, cols), approximately: U·Vᵀ of its SVD U·S·Vᵀ, with
    /// singular values brought into about [0.7, 1.2] rather than exactly 1 (enough for the update, at a few matmuls).
    /// </summary>
    public static Tensor Orthogonalize(Tensor g, int steps = NewtonSchulzSteps)
    {
        using var scope = NewDisposeScope();
        bool tall = g.shape[^2] > g.shape[^1];
        var x = tall ? g.transpose(-2, -1) : g;                                           // (…, r, c) with r ≤ c
        x = x / x.mul(x).sum([-2L, -1L], keepdim: true).sqrt().Plus(Tiny);                // Frobenius norm 1: singular values ≤ 1
        for (int i = 0; i < steps; i++)
        {
            var a = x.matmul(x.transpose(-2, -1));                                        // (…, r, r)
            var b = a.mul(B).add(a.matmul(a), C);                                         // bA + cA²
            x = x.mul(A).Plus(b.matmul(x));                                               // aX + (bA + cA²)X
        }
        return (tall ? x.transpose(-2, -1) : x).contiguous().MoveToOuterDisposeScope();
    }

    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var shrink = (1 - learningRate * _weightDecay).ToScalar();
        foreach (var slot in _slots)
        {
            var grad = slot.Parameter.grad;
            if (grad is null) continue;
            slot.Momentum.mul_(_momentum).PlusInPlace(grad);
            var direction = grad.add(slot.Momentum, _momentum);                          // Nesterov: g + μb
            long rows = slot.Parameter.shape[0] / slot.Blocks, cols = slot.Parameter.shape[1];
            var update = Orthogonalize(direction.view(slot.Blocks, rows, cols)).view(slot.Parameter.shape);
            using var step = (-learningRate * RmsScale * Math.Sqrt(Math.Max(rows, cols))).ToScalar();
            if (_weightDecay > 0) slot.Parameter.mul_(shrink);
            slot.Parameter.add_(update, step);
        }
    }

    public void ZeroGradients()
    {
        using var scope = NewDisposeScope();
        foreach (var slot in _slots) slot.Parameter.grad?.zero_();
    }

    /// <summary>The momentum buffers, by matrix position, as a safetensors file.</summary>
    public void Save(string path) =>
        SafeTensorsFile.Write(path, _slots.Select((s, i) => (i, s)).ToDictionary(p => $"{p.i}.momentum", p => p.s.Momentum), new Dictionary<string, string>());

    /// <summary>Restores what <see cref="Save"/> wrote for the same matrices; another file is an error naming it.</summary>
    public void Load(string path)
    {
        var tensors = SafeTensorsFile.Read(path);
        try
        {
            if (tensors.Count != _slots.Count) throw new InvalidDataException($"{path} holds the Muon state of {tensors.Count} matrices, not of this model's {_slots.Count}");
            using var _ = no_grad();
            for (int i = 0; i < _slots.Count; i++)
            {
                if (!tensors.TryGetValue($"{i}.momentum", out var momentum) || !momentum.shape.SequenceEqual(_slots[i].Momentum.shape))
                    throw new InvalidDataException($"{path}: the momentum of matrix {i} is missing or of another shape");
                _slots[i].Momentum.copy_(momentum);
            }
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var slot in _slots) slot.Momentum.Dispose();
        _momentum.Dispose();
    }
}
