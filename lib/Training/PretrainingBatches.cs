using LlmNotebooks.Tokens;

namespace LlmNotebooks.Training;

/// <summary>Random windows of the prepared train split, and a fixed set of windows of the val split (pretraining, and finetuning's replay).</summary>
public sealed class PretrainingBatches : IBatchSource
{
    readonly TokenStream _train, _val;
    readonly BatchSampler _sampler;
    readonly int _accumulation;
    readonly List<Batch> _validation;

    public PretrainingBatches(string tokensFolder, int batchSize, int contextLength, int accumulation, int validationBatches, long seed)
    {
        _train = new TokenStream(tokensFolder, ShardManifest.Train);
        _val = new TokenStream(tokensFolder, ShardManifest.Val);
        foreach (var (name, stream) in new[] { (ShardManifest.Train, _train), (ShardManifest.Val, _val) })
            if (stream.Count < contextLength + 1)
                throw new InvalidDataException($"{tokensFolder}: the {name} split holds {stream.Count:N0} tokens, fewer than one window of {contextLength + 1}: " +
                    "the corpus is too small for this context; add text to it, give validation a larger share (prepare --val-fraction), or lower context_length");
        _sampler = new BatchSampler(_train, batchSize, contextLength, seed);
        _accumulation = accumulation;
        var validation = new BatchSampler(_val, batchSize, contextLength, seed + 1);
        _validation = Enumerable.Range(0, validationBatches).Select(i => validation.Batch(i)).ToList();
        ValidationSets = new Dictionary<string, IReadOnlyList<Batch>> { [ShardManifest.Val] = _validation };
    }

    public Batch TrainBatch(long step, int microStep) => _sampler.Batch(step * _accumulation + microStep);

    public IReadOnlyDictionary<string, IReadOnlyList<Batch>> ValidationSets { get; }

    public long? TrainTokens => _train.Count;

    public void Dispose()
    {
        foreach (var batch in _validation) batch.Dispose();
        _train.Dispose();
        _val.Dispose();
    }
}
