using LlmNotebooks.Data;

namespace LlmNotebooks.Tasks;

/// <summary>
/// GLUE SST-2 sentiment (the bonus task): "Is the sentiment of this movie review positive or negative?" / the
/// sentence / "positive" or "negative". Evaluated on the dev set; GLUE's test labels are hidden.
/// </summary>
public sealed class Sst2Task : FinetuningTask
{
    public override string Name => "sst2";
    public override string Title => "SST-2";
    public override ResponseKind Response => ResponseKind.Label;
    public override string Instruction => "Is the sentiment of this movie review positive or negative?";

    public const string Positive = "positive", Negative = "negative";
    public override IReadOnlyList<string> LabelWords => [Positive, Negative];

    public static string Label(int sentiment) => sentiment == 1 ? Positive : Negative;

    public override DatasetEntry Dataset => new(Name, Name, "sentiment (bonus)", ["*.tsv", "*.parquet"]);
    public override HubDataset Download => new(Name, "nyu-mll/glue", "main", "sst2/", Name);

    protected override IReadOnlyDictionary<TaskSplit, string[][]> Layouts { get; } = new Dictionary<TaskSplit, string[][]>
    {
        [TaskSplit.Train] = [["sst2/train.tsv"], ["sst2/train-*.parquet"]],
        [TaskSplit.Validation] = [["sst2/dev.tsv"], ["sst2/validation-*.parquet"]],
        [TaskSplit.Test] = [["sst2/test.tsv"], ["sst2/test-*.parquet"]],
    };

    protected override IEnumerable<TaskExample> Read(IReadOnlyList<string> files, TaskSplit split, DataIssues issues) =>
        Sst2.Read(files, issues).Select(e => new TaskExample(e.Id, e.Sentence, e.Label is { } label ? [Label(label)] : [], e.Sentence, null, e.Id,
            (formats, withResponse) => formats.Whole(Name, e.Id, Instruction, e.Sentence,
                withResponse ? Label(e.Label ?? throw new InvalidDataException($"SST-2 {split} example {e.Id} has no label to train on")) : null, MaxResponseTokens)));

    /// <summary>The most frequent label of the training split.</summary>
    public static string MajorityLabel(IEnumerable<TaskExample> train) =>
        train.SelectMany(e => e.References).GroupBy(label => label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;

    public override IReadOnlyList<TaskBaseline> Baselines(string dataFolder)
    {
        var label = MajorityLabel(Examples(TaskSplit.Train, dataFolder, new DataIssues()));
        return [new($"majority class ({label})", _ => label)];
    }
}
