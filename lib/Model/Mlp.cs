using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>The feed-forward part of a block: widen 4×, GELU, project back. Each position on its own.</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    readonly Linear c_fc;
    readonly GELU gelu;
    readonly Linear c_proj;
    readonly Dropout dropout;

    public Mlp(GptConfig config) : base("mlp")
    {
        c_fc = Linear(config.Width, 4 * config.Width, hasBias: config.Bias);
        gelu = GELU();
        c_proj = Linear(4 * config.Width, config.Width, hasBias: config.Bias);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    public Linear OutputProjection => c_proj;

    /// <param name="x">(B, T, C)</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = gelu.forward(c_fc.forward(x));        // (B, T, 4C)
        return dropout.forward(c_proj.forward(hidden)).MoveToOuterDisposeScope();   // (B, T, C)
    }
}
