using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace LlmNotebooks.Model;

/// <summary>The body of the model, named "transformer" as in nanoGPT so state_dict keys read transformer.h.0.attn….</summary>
public sealed class Transformer : Module
{
    readonly Embedding wte;             // token embeddings (V, C), shared with the output head when tied
    readonly Embedding? wpe;            // learned position embeddings (context, C); none with rotary positions
    readonly Dropout drop;
    readonly ModuleList<Block> h;       // the blocks
    readonly Module<Tensor, Tensor> ln_f;   // final norm before the head
    readonly List<Block> _blocks;       // the same blocks, typed, for iteration (not registered twice)

    public Transformer(GptConfig config) : base("transformer")
    {
        wte = Embedding(config.VocabSize, config.Width, device: CPU);
        if (config.Position == PositionEncoding.Learned) wpe = Embedding(config.ContextLength, config.Width, device: CPU);
        drop = Dropout(config.Dropout);
        h = new ModuleList<Block>(Enumerable.Range(0, config.Layers).Select(layer => new Block(config, layer)).ToArray());
        ln_f = Norms.Create(config);
        _blocks = [.. h];
        RegisterComponents();
    }

    public Embedding TokenEmbedding => wte;
    public Embedding? PositionEmbedding => wpe;
    public Dropout EmbeddingDropout => drop;
    public IReadOnlyList<Block> Blocks => _blocks;
    public Module<Tensor, Tensor> FinalNorm => ln_f;
}

/// <summary>
/// A GPT-2-style decoder-only transformer, written from TorchSharp's primitives: token (+ position) embeddings,
/// pre-norm blocks of causal self-attention and MLP, a final norm, and an output head that shares its weights with
/// the token embedding. Parameter names match nanoGPT's, so a saved state_dict loads there too. Every layer is
/// built on the CPU, whatever torch's default device, so a seed gives the same weights everywhere; <c>to(device)</c>
/// moves them.
/// </summary>
public sealed class Gpt : Module
{
    /// <summary>Targets with this value add nothing to the loss (finetuning masks prompts with it), as in nanoGPT.</summary>
    public const long IgnoreIndex = -1;

    /// <summary>State_dict names of the output head and the token embedding (one tensor when tied).</summary>
    public const string HeadWeightName = "lm_head.weight", TokenEmbeddingName = "transformer.wte.weight";

    readonly Transformer transformer;
    readonly Linear lm_head;

    public Gpt(GptConfig config, long? seed = null) : base("gpt")
    {
        Config = config.Validate();
        transformer = new Transformer(config);
        lm_head = Linear(config.Width, config.VocabSize, hasBias: false, device: CPU);
        if (config.TiedEmbeddings) lm_head.weight = transformer.TokenEmbedding.weight!;
        RegisterComponents();
        // A generator of its own: the weights do not depend on what else drew from torch's global one. (Tensor.normal_
        // rather than init.normal_, which ignores its generator argument in TorchSharp 0.107.)
        using var generator = seed is { } s ? new torch.Generator((ulong)s) : null;
        Initialize(generator);
    }

    public GptConfig Config { get; }
    public Transformer Body => transformer;
    public Linear Head => lm_head;
    public IReadOnlyList<Block> Blocks => transformer.Blocks;

    /// <summary>Switches every layer between the fused and the explicit attention implementation.</summary>
    public AttentionKind Attention
    {
        get => Blocks[0].Attention.Kind;
        set { foreach (var block in Blocks) block.Attention.Kind = value; }
    }

    /// <summary>
    /// GPT-2's initialisation: weights N(0, 0.02), biases 0, and the two projections that write into the residual
    /// stream in every block scaled down by 1/sqrt(2·layers), so the stream's variance does not grow with depth.
    /// </summary>
    void Initialize(torch.Generator? generator)
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            if (module is Linear linear)
            {
                linear.weight.normal_(0.0, 0.02, generator);
                if (linear.bias is not null) init.zeros_(linear.bias);
            }
            else if (module is Embedding embedding) embedding.weight!.normal_(0.0, 0.02, generator);
        }
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var block in Blocks)
        {
            block.Attention.OutputProjection.weight.normal_(0.0, residualStd, generator);
            block.Mlp.OutputProjection.weight.normal_(0.0, residualStd, generator);
        }
    }

    /// <summary>
    /// nanoGPT's forward: logits (B, T, V) for token ids (B, T), and with <paramref name="targets"/> (B, T) the mean
    /// cross-entropy over the targets that are not <see cref="IgnoreIndex"/>, or with <paramref name="weights"/> (B, T)
    /// their weighted mean. <paramref name="promptLengths"/> (one per row) lets the prompt attend to itself both ways
    /// when the model is a prefix LM; otherwise it is unused. <paramref name="packing"/> lays out rows that pack
    /// several followers after a shared prefix.
    /// </summary>
    public (Tensor Logits, Tensor? Loss) forward(Tensor idx, Tensor? targets = null, long[]? promptLengths = null, Tensor? weights = null, Packing? packing = null)
    {
        using var scope = NewDisposeScope();
        var prompts = Config.PromptAttention == PromptAttention.Bidirectional ? promptLengths : null;
        var logits = lm_head.forward(Hidden(idx, AttentionScope.ForSequences(idx.shape[0], idx.shape[1], idx.device, prompts, packing)));   // (B, T, V)
        if (targets is null) return (logits.MoveToOuterDisposeScope(), null);
        var flat = logits.reshape(-1, logits.shape[^1]).to(ScalarType.Float32);   // (B*T, V)
        var loss = weights is null
            ? functional.cross_entropy(flat, targets.reshape(-1), ignore_index: IgnoreIndex)
            : WeightedMean(functional.cross_entropy(flat, targets.reshape(-1), ignore_index: IgnoreIndex, reduction: nn.Reduction.None), weights.reshape(-1));
        return (logits.MoveToOuterDisposeScope(), loss.MoveToOuterDisposeScope());
    }

    static Tensor WeightedMean(Tensor losses, Tensor weights) => (losses * weights).sum() / weights.sum();

    /// <summary>
    /// The cached variant, for generation: logits of the last position only, (B, V), for the new tokens
    /// <paramref name="idx"/> (B, T) after what <paramref name="cache"/> holds (its rows may be left-padded).
    /// </summary>
    public Tensor NextTokenLogits(Tensor idx, KvCache cache)
    {
        using var scope = NewDisposeScope();
        long batch = idx.shape[0];
        var prompts = Config.PromptAttention == PromptAttention.Bidirectional && cache.PromptWidth is { } width
            ? Enumerable.Repeat((long)width, (int)batch).ToArray() : null;
        var hidden = Hidden(idx, AttentionScope.AfterCache(batch, idx.shape[1], cache, idx.device, prompts));   // (B, T, C)
        return lm_head.forward(hidden.select(1, -1)).MoveToOuterDisposeScope();         // (B, V)
    }

    /// <summary>Logits of every new position, (B, T, V), for the tokens <paramref name="idx"/> (B, T) after what <paramref name="cache"/> holds: a continuation scored at once.</summary>
    public Tensor LogitsAfterCache(Tensor idx, KvCache cache)
    {
        using var scope = NewDisposeScope();
        var hidden = Hidden(idx, AttentionScope.AfterCache(idx.shape[0], idx.shape[1], cache, idx.device));   // (B, T, C)
        return lm_head.forward(hidden).MoveToOuterDisposeScope();                                             // (B, T, V)
    }

    Tensor Hidden(Tensor idx, AttentionScope scope)
    {
        long T = idx.shape[1];
        int start = scope.Cache?.Length ?? 0;
        if (start + T > Config.ContextLength)
            throw new ArgumentException($"sequence of {start + T} tokens is longer than the context ({Config.ContextLength})");
        var x = transformer.TokenEmbedding.forward(idx);                                  // (B, T, C)
        if (transformer.PositionEmbedding is { } wpe) x = x.Plus(wpe.forward(scope.Positions));   // (T, C) or (B, T, C)
        x = transformer.EmbeddingDropout.forward(x);
        foreach (var block in Blocks) x = block.forward(x, scope);
        scope.Cache?.Advance((int)T);
        return transformer.FinalNorm.forward(x);
    }

    /// <summary>
    /// Attention weights of every head of one layer on a sequence, (nh, T, T): row i is how token i spreads its
    /// attention over the tokens it may see. The layer runs its explicit path (the fused kernel never forms the
    /// weights) for this one forward; the model is left as it was.
    /// </summary>
    public Tensor AttentionWeights(IReadOnlyList<int> ids, int layer)
    {
        using var scope = NewDisposeScope();
        bool wasTraining = training;
        var attention = Blocks[layer].Attention;
        eval();
        attention.CaptureWeights = true;
        try
        {
            using (no_grad()) forward(TokenBatch.Row(ids, Head.weight.device));
            return attention.Weights![0].to(ScalarType.Float32).cpu().clone().MoveToOuterDisposeScope();   // (nh, T, T)
        }
        finally
        {
            attention.CaptureWeights = false;
            train(wasTraining);
        }
    }

    /// <summary>
    /// Distinct parameters: with tied embeddings lm_head.weight is the token embedding itself (TorchSharp lists it
    /// under both names, through different handles), so it is left out here; the optimizer and the counts use this.
    /// </summary>
    /// <summary>
    /// The weight matrices of the blocks (attention and MLP projections), the hidden matrices Muon updates; each with
    /// the number of matrices it fuses along its rows: c_attn's q, k and v (3), SwiGLU's gate and value in c_fc (2).
    /// </summary>
    public IReadOnlyList<(Parameter Parameter, int Fused)> BlockMatrices() =>
        [.. UniqueParameters().Where(p => p.Name.StartsWith("transformer.h.") && p.Parameter.dim() == 2)
            .Select(p => (p.Parameter, p.Name.EndsWith(".attn.c_attn.weight") ? 3 : p.Name.EndsWith(".mlp.c_fc.weight") && Config.Mlp == MlpKind.SwiGlu ? 2 : 1))];

    public IReadOnlyList<(string Name, Parameter Parameter)> UniqueParameters() =>
        named_parameters().Where(p => !(Config.TiedEmbeddings && p.name == HeadWeightName)).Select(p => (p.name, p.parameter)).ToList();

    /// <summary>
    /// FLOPs to train on one token, nanoGPT's estimate (from the PaLM paper's appendix): 6 per non-embedding weight
    /// (2 forward, 4 backward) plus 12·layers·width·context for the attention scores and weighted sums.
    /// </summary>
    public double TrainingFlopsPerToken =>
        6.0 * ParameterCount(includeEmbeddings: false) + 12.0 * Config.Layers * Config.Width * Config.ContextLength;

    /// <summary>FLOPs of the forward pass for one token at full context (a third of training).</summary>
    public double InferenceFlopsPerToken => TrainingFlopsPerToken / 3;

    /// <summary>Parameter count; without embeddings leaves out the position embedding and, if untied, the token one.</summary>
    public long ParameterCount(bool includeEmbeddings = true)
    {
        long total = UniqueParameters().Sum(p => p.Parameter.numel());
        if (includeEmbeddings) return total;
        if (transformer.PositionEmbedding is { } wpe) total -= wpe.weight!.numel();
        if (!Config.TiedEmbeddings) total -= transformer.TokenEmbedding.weight!.numel();
        return total;
    }
}
