using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>
/// One transformer block, pre-LayerNorm as in GPT-2: x + attention(norm(x)), then x + mlp(norm(x)). The residual
/// stream x passes through unchanged except for what each sublayer adds.
/// </summary>
public sealed class Block : Module<Tensor, Tensor>
{
    readonly LayerNorm ln_1;
    readonly CausalSelfAttention attn;
    readonly LayerNorm ln_2;
    readonly Mlp mlp;

    public Block(GptConfig config) : base("block")
    {
        ln_1 = LayerNorm(config.Width, bias: config.Bias);
        attn = new CausalSelfAttention(config);
        ln_2 = LayerNorm(config.Width, bias: config.Bias);
        mlp = new Mlp(config);
        RegisterComponents();
    }

    public CausalSelfAttention Attention => attn;
    public Mlp Mlp => mlp;

    public override Tensor forward(Tensor x) => Forward(x, causal: true, mask: null, cache: null, layer: 0);

    /// <param name="x">(B, T, C), the residual stream</param>
    public Tensor Forward(Tensor x, bool causal, Tensor? mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        x = x + attn.Forward(ln_1.forward(x), causal, mask, cache, layer);
        x = x + mlp.forward(ln_2.forward(x));
        return x.MoveToOuterDisposeScope();
    }
}
