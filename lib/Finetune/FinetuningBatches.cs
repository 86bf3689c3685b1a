using LlmNotebooks.Data;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using static TorchSharp.torch;

namespace LlmNotebooks.Finetune;

/// <summary>How a finetuning run draws its batches.</summary>
/// <param name="BatchSize">Rows of a micro-batch (filled: positions are batch_size × context)</param>
/// <param name="Accumulation">Micro-batches per optimizer step</param>
/// <param name="ValidationBatches">Validation batches of each task</param>
/// <param name="MaxExamplesPerTask">At most this many training examples per task (quick runs); null: all</param>
/// <param name="Fill">Fill micro-batches to batch_size × context positions instead of batch_size rows</param>
/// <param name="PromptWeight">Weight of the prompt's tokens in the training loss (0: the response only)</param>
/// <param name="Pack">Pack the training examples that share a source (SQuAD's questions on a passage) into one row</param>
public sealed record BatchOptions(int BatchSize, int Accumulation, int ValidationBatches, long Seed, int? MaxExamplesPerTask = null, bool Fill = false,
    float PromptWeight = 0, bool Pack = false)
{
    /// <summary>A finetuning config's options, for a model of <paramref name="contextLength"/>.</summary>
    public static BatchOptions Of(FinetuningConfig config, int contextLength) =>
        new(config.BatchSize, config.AccumulationSteps(contextLength), config.EvalBatches, config.Seed, config.MaxExamplesPerTask, config.FillBatches,
            (float)config.PromptLossWeight, config.PackPassages);
}

/// <summary>
/// Finetuning batches: each micro-batch comes from one source, drawn by the mixture's shares from a hash of
/// (seed, step, micro-step), and its examples by index from the same hash, so the stream is reproducible and a
/// resumed run sees the same batches. A micro-batch holds batch_size examples, or, filled, as many as fit in
/// batch_size × context positions once padded to its longest (short tasks then get many more examples for the
/// same compute). Task examples are formatted once, with response-only targets (or, with a prompt loss weight, the
/// prompt's at that weight; the validation losses stay response-only); a small share of
/// pretraining windows (replay) keeps the model's general text ability. Every task holds out a slice of its
/// training data (SQuAD by article, so no paragraph leaks) for the validation losses.
/// </summary>
public sealed class FinetuningBatches : IBatchSource
{
    readonly Mixture _mixture;
    readonly long _seed;
    readonly int _batchSize, _accumulation, _padToken, _positions;
    readonly bool _fill;
    readonly float _promptWeight;
    readonly List<Dictionary<string, long>> _seen = [new()];   // examples seen before each step, filled as asked
    readonly Dictionary<string, IReadOnlyList<FormattedExample>> _train = new();
    readonly PretrainingBatches? _replay;
    readonly List<Batch> _validationBatches = [];

    public FinetuningBatches(TaskFormats formats, string dataFolder, Mixture mixture, string? pretrainTokens, BatchOptions options, Action<string>? log = null)
    {
        var (batchSize, accumulation, validationBatches, seed, maxExamplesPerTask, fill, promptWeight, pack) = options;
        if (promptWeight is < 0 or > 1) throw new UserError($"prompt_loss_weight must be in [0, 1], got {promptWeight}");
        (_mixture, _seed, _batchSize, _accumulation, _padToken) = (mixture, seed, batchSize, accumulation, formats.Tokenizer.EndOfText);
        (_fill, _positions, _promptWeight) = (fill, batchSize * formats.ContextLength, promptWeight);
        var validation = new Dictionary<string, IReadOnlyList<Batch>>();
        var stats = new List<TaskDataStats>();
        var held = new Dictionary<string, IReadOnlyList<FormattedExample>>();
        foreach (var task in mixture.Tasks)
        {
            var source = task.Name;
            var (train, heldOut, stat) = Load(task, formats, dataFolder, seed, maxExamplesPerTask, validationBatches * batchSize, pack);
            if (train.Count == 0) throw new InvalidDataException($"no {source} training examples fit the {formats.ContextLength}-token context");
            _train[source] = train;
            stats.Add(stat);
            log?.Invoke($"{source}: {stat.Train:N0} training and {stat.Validation:N0} validation examples; {stat.Truncated:N0} cut to fit the context " +
                $"({stat.TruncatedTokens:N0} tokens); dropped: {(stat.Dropped.Count == 0 ? "none" : string.Join(", ", stat.Dropped.Select(d => $"{d.Value} {d.Key} (first: {stat.FirstDropped.GetValueOrDefault(d.Key)})")))}");
            var sets = heldOut.Chunk(batchSize).Select(chunk => ResponseMask.Batch(chunk, _padToken)).ToList();
            _validationBatches.AddRange(sets);
            validation[source] = sets;
            held[source] = heldOut;
        }
        if (mixture.ShareOf(Mixture.Pretrain) > 0)
        {
            if (pretrainTokens is null) throw new UserError("the mixture replays pretraining text, but no pretraining tokens were given (use --mix without pretrain, or finetune from a pretraining run folder)");
            _replay = new PretrainingBatches(pretrainTokens, batchSize, formats.ContextLength, accumulation, validationBatches, seed);
            validation[Mixture.Pretrain] = _replay.ValidationSets[ShardManifest.Val];
        }
        ValidationSets = validation;
        Stats = stats;
        HeldOut = held;
    }

    public IReadOnlyList<TaskDataStats> Stats { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<Batch>> ValidationSets { get; }

    /// <summary>Each task's held-out training examples (its validation set, one of them its sample prompt).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<FormattedExample>> HeldOut { get; }

    /// <summary>The source of a micro-batch.</summary>
    public string SourceOf(long step, int microStep) => _mixture.Pick(StableRandom.Uniform(_seed, step * _accumulation + microStep, -1));

    public Batch TrainBatch(long step, int microStep)
    {
        var source = SourceOf(step, microStep);
        if (source == Mixture.Pretrain) return _replay!.TrainBatch(step, microStep);
        return ResponseMask.Batch(Rows(source, step * _accumulation + microStep), _padToken, _promptWeight);
    }

    /// <summary>The examples of a task's micro-batch: batch_size of them, or as many as fit its positions padded to the longest.</summary>
    List<FormattedExample> Rows(string source, long micro)
    {
        var examples = _train[source];
        FormattedExample Draw(int row) => examples[(int)(StableRandom.Hash(_seed, micro, row) % (ulong)examples.Count)];
        if (!_fill) return [.. Enumerable.Range(0, _batchSize).Select(Draw)];
        var rows = new List<FormattedExample> { Draw(0) };
        int width = rows[0].Length - 1;
        for (int row = 1; ; row++)
        {
            var next = Draw(row);
            int wider = Math.Max(width, next.Length - 1);
            if ((row + 1) * wider > _positions) return rows;
            rows.Add(next);
            width = wider;
        }
    }

    /// <summary>The examples a micro-batch trains on: its rows, each packed row counting every question it holds.</summary>
    int ExampleCount(string source, long micro) => source == Mixture.Pretrain ? _batchSize : Rows(source, micro).Sum(e => e.FollowUps?.Count ?? 1);

    /// <summary>Examples drawn from each source in the first <paramref name="steps"/> steps (pretraining replay: windows).</summary>
    public Dictionary<string, long> Seen(long steps)
    {
        // Counted once per step and kept: the metrics log asks after every step.
        for (long step = _seen.Count - 1; step < steps; step++)
        {
            var next = new Dictionary<string, long>(_seen[^1]);
            for (int micro = 0; micro < _accumulation; micro++)
            {
                var source = SourceOf(step, micro);
                next[source] = next.GetValueOrDefault(source) + ExampleCount(source, step * _accumulation + micro);
            }
            _seen.Add(next);
        }
        return _mixture.Shares.ToDictionary(s => s.Source, s => _seen[(int)steps].GetValueOrDefault(s.Source));
    }

    /// <summary>Formats a task's training split in parallel; holds out a slice for validation.</summary>
    static (IReadOnlyList<FormattedExample> Train, IReadOnlyList<FormattedExample> Validation, TaskDataStats Stats) Load(
        FinetuningTask task, TaskFormats formats, string dataFolder, long seed, int? maxExamples, int validationExamples, bool pack)
    {
        var issues = new DataIssues();
        // Held out by the task's key (SQuAD: the article title, so paragraphs of one article stay together).
        var items = task.Examples(TaskSplit.Train, dataFolder, issues);
        if (maxExamples is { } max) items = items.Take(max);
        using var perThread = new ThreadLocal<TaskFormats>(formats.Copy);
        // Packed, the training examples that share a source (SQuAD's questions on one passage, consecutive in the file)
        // are formatted together; held-out examples are always formatted alone, so validation losses stay comparable.
        var formatted = Groups(items, pack, seed).AsParallel().AsOrdered()
            .SelectMany(group => group.Held || !pack
                ? group.Examples.Select(item => (group.Held, item.Id, Result: item.Format(perThread.Value!, true)))
                : task.Pack(perThread.Value!, group.Examples).Select(row => (group.Held, row.Id, row.Result)))
            .ToList();
        var kept = formatted.Where(f => f.Result.Example is not null).ToList();
        var train = kept.Where(f => !f.Held).Select(f => f.Result.Example!).ToList();
        var validation = kept.Where(f => f.Held).Select(f => f.Result.Example!).Take(validationExamples).ToList();
        if (validation.Count == 0 && train.Count > 1) { validation.Add(Alone(train[^1])); train.RemoveAt(train.Count - 1); }
        var droppedGroups = formatted.Where(f => f.Result.Dropped is not null).GroupBy(f => f.Result.Dropped!).ToList();
        var dropped = droppedGroups.ToDictionary(g => g.Key, g => g.Count());
        foreach (var (reason, count) in issues.CountsByReason) dropped[reason] = count;
        // Where to look: the first example of each reason (its id, or file:line for a record that could not be read).
        var firstOf = droppedGroups.ToDictionary(g => g.Key, g => $"id {g.First().Id}");
        foreach (var issue in issues.Examples) firstOf.TryAdd(issue.Reason, $"{DataFolder.Relative(dataFolder, issue.File)}:{issue.Location}");
        var truncated = kept.Where(f => f.Result.Example!.TruncatedTokens > 0).ToList();
        var stats = new TaskDataStats(task.Name, train.Count, validation.Count, truncated.Count,
            truncated.Sum(f => (long)f.Result.Example!.TruncatedTokens), dropped, firstOf);
        return (train, validation, stats);
    }

    /// <summary>A packed row's first follow-up as an example of its own (validation losses are on examples alone).</summary>
    static FormattedExample Alone(FormattedExample row) =>
        row.FollowUps is [var first, ..] ? row with { Prompt = [.. row.Prompt, .. first.Prompt], Response = first.Response, FollowUps = null } : row;

    /// <summary>Consecutive examples with the same source and hold-out side, as groups (each example alone when not packing).</summary>
    static IEnumerable<(bool Held, List<TaskExample> Examples)> Groups(IEnumerable<TaskExample> items, bool pack, long seed) =>
        (pack ? items.Runs(e => (e.Source, FinetuningTask.IsHeldOut(e, seed))) : items.Select(e => new List<TaskExample> { e }))
            .Select(group => (FinetuningTask.IsHeldOut(group[0], seed), group));

    public void Dispose()
    {
        foreach (var batch in _validationBatches) batch.Dispose();
        _replay?.Dispose();
    }
}
