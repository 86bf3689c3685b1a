using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>
/// One transformer block, pre-norm as in GPT-2: x + attention(norm(x)), then x + mlp(norm(x)). The residual
/// stream x passes through unchanged except for what each sublayer adds.
/// </summary>
public sealed class Block : Module<Tensor, AttentionScope, Tensor>
{
    readonly Module<Tensor, Tensor> ln_1;
    readonly CausalSelfAttention attn;
    readonly Module<Tensor, Tensor> ln_2;
    readonly Mlp mlp;

    public Block(GptConfig config, int layer) : base("block")
    {
        ln_1 = Norms.Create(config);
        attn = new CausalSelfAttention(config, layer);
        ln_2 = Norms.Create(config);
        mlp = new Mlp(config);
        RegisterComponents();
    }

    public Module<Tensor, Tensor> AttentionNorm => ln_1;
    public CausalSelfAttention Attention => attn;
    public Module<Tensor, Tensor> MlpNorm => ln_2;
    public Mlp Mlp => mlp;

    /// <param name="x">(B, T, C), the residual stream</param>
    public override Tensor forward(Tensor x, AttentionScope scope)
    {
        using var disposeScope = NewDisposeScope();
        // add(…, One), not +: the operator passes libtorch an implicit alpha the GC may free mid-call (see Scalars).
        x = x.Plus(attn.forward(ln_1.forward(x), scope));
        x = x.Plus(mlp.forward(ln_2.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}
