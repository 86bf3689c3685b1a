using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>
/// The feed-forward part of a block, each position on its own: widen, a nonlinearity, project back. GPT-2's is
/// 4C units of GELU; the gated SwiGLU splits c_fc's output into a gate and a value, SiLU(gate) ⊙ value.
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly Linear c_fc;          // C → hidden (SwiGLU: → 2 × hidden, gate and value)
    readonly Linear c_proj;        // hidden → C
    readonly Dropout dropout;
    readonly MlpKind _kind;
    readonly long _hidden;

    public Mlp(GptConfig config) : base("mlp")
    {
        _kind = config.Mlp;
        _hidden = config.MlpHidden;
        c_fc = Linear(config.Width, _kind == MlpKind.SwiGlu ? 2 * _hidden : _hidden, hasBias: config.Bias, device: CPU);
        c_proj = Linear(_hidden, config.Width, hasBias: config.Bias, device: CPU);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    public Linear OutputProjection => c_proj;

    /// <param name="x">(B, T, C)</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = c_fc.forward(x);                                          // (B, T, hidden) or (B, T, 2 hidden)
        var hidden = _kind switch
        {
            MlpKind.SwiGlu => functional.silu(h.narrow(-1, 0, _hidden)) * h.narrow(-1, _hidden, _hidden),
            MlpKind.ReluSquared => functional.relu(h).pow(Scalars.Two),   // TorchSharp's square() makes an unheld Scalar 2
            MlpKind.GeluTanh => functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => functional.gelu(h),
        };                                                                // (B, T, hidden)
        return dropout.forward(c_proj.forward(hidden)).MoveToOuterDisposeScope();   // (B, T, C)
    }
}
