using LlmNotebooks.Data;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Tasks;

/// <summary>What a task's response is: it decides the metrics, the decoders evaluation offers and the headline score.</summary>
public enum ResponseKind
{
    /// <summary>Free text (a summary): BLEU and ROUGE, beam search, optionally kept to the source's words.</summary>
    Text,
    /// <summary>An excerpt of the source (a SQuAD answer): SQuAD's EM and F1 plus ROUGE; decoders may keep it inside the source.</summary>
    Span,
    /// <summary>One of the task's label words (SST-2's "positive"): accuracy, and also read from the label words' likelihoods.</summary>
    Label,
}

/// <summary>
/// One example of a task's split, the same shape for every task: what evaluation shows as its input, the answers
/// that count as right, the source text a baseline or a constrained decoder reads (article, passage, sentence), the
/// question where there is one, the key that keeps related examples on one side of the held-out split, and how the
/// task formats it for the model.
/// </summary>
public sealed record TaskExample(string Id, string Input, IReadOnlyList<string> References, string Source, string? Question,
    string HoldOutKey, Func<TaskFormats, bool, Formatting> Formatter, Func<TaskFormats, FollowUp?>? FollowUpFormatter = null)
{
    /// <summary>The example as a follow-up of its source for packing (its question and answer), or null where the task does not pack.</summary>
    public FollowUp? AsFollowUp(TaskFormats formats) => FollowUpFormatter?.Invoke(formats);

    /// <summary>The example as the model sees it, with its response (training) or without (evaluation).</summary>
    public Formatting Format(TaskFormats formats, bool withResponse) => Formatter(formats, withResponse);
}

/// <summary>A simple system scored beside the model on the same examples, by the same metrics.</summary>
public sealed record TaskBaseline(string System, Func<TaskExample, string> Predict);

/// <summary>A count the report gives of the evaluated inputs ("3 of the 100 articles carry CNN's dateline").</summary>
public sealed record InputTally(string Description, Func<string, bool> Counts);

/// <summary>
/// A finetuning task, whole: its name, where its data is and how it is read, its prompt format, its response budget,
/// and how its answers are scored (metrics, headline, baselines, published figures). Training, evaluation, the
/// report and the notebooks ask the task rather than knowing it. A new task is one subclass in its own file and a
/// line in <see cref="TaskRegistry"/> (README, "Adding your own task").
/// </summary>
public abstract class FinetuningTask
{
    /// <summary>The task's one name: its data folder, its mixture share (<c>--mix name=0.3</c>), its evaluation folder and its rows in every record.</summary>
    public abstract string Name { get; }

    /// <summary>How tables and charts title it: "SQuAD", "CNN/DM".</summary>
    public abstract string Title { get; }

    public abstract ResponseKind Response { get; }

    /// <summary>The instruction the prompt opens with.</summary>
    public abstract string Instruction { get; }

    /// <summary>Longest response trained on and generated, in tokens with end of text.</summary>
    public virtual int MaxResponseTokens => 32;

    /// <summary>Where the task's files sit in a data folder, as <c>doctor</c> lists them.</summary>
    public abstract DatasetEntry Dataset { get; }

    /// <summary>Where <c>data download</c> fetches it; null for data that comes only from a data folder.</summary>
    public virtual HubDataset? Download => null;

    /// <summary>Each split's files, as alternative layouts (each a list of patterns in the data folder); the first layout with a file wins.</summary>
    protected abstract IReadOnlyDictionary<TaskSplit, string[][]> Layouts { get; }

    /// <summary>Whether a split's examples have answers to score against (a public test set often does not).</summary>
    protected virtual bool HasAnswers(TaskSplit split) => split != TaskSplit.Test;

    /// <summary>The examples of a split, read from its files; records that cannot be read are counted and located in <paramref name="issues"/>.</summary>
    public IEnumerable<TaskExample> Examples(TaskSplit split, string dataFolder, DataIssues issues) => Read(Files(split, dataFolder), split, issues);

    protected abstract IEnumerable<TaskExample> Read(IReadOnlyList<string> files, TaskSplit split, DataIssues issues);

    /// <summary>Share of the training split held out for finetuning's validation losses, by <see cref="TaskExample.HoldOutKey"/>.</summary>
    public const double HeldOutShare = 0.02;

    /// <summary>Whether finetuning with <paramref name="seed"/> holds an example out of training (SQuAD: its whole article).</summary>
    public static bool IsHeldOut(TaskExample example, long seed) => StableRandom.Uniform(example.HoldOutKey, seed) < HeldOutShare;

    /// <summary>
    /// The training split's unlabelled text, for pretraining on the task's own domain (Gururangan et al. 2020): each
    /// group of examples that share a hold-out key (an article with its SQuAD paragraphs, one news story) is one
    /// document of their distinct source texts. No answer or summary is in it, and the examples finetuning with
    /// <paramref name="seed"/> holds out for its validation losses are left out.
    /// </summary>
    public CorpusPart PretrainingText(string dataFolder, long seed)
    {
        var files = Files(TaskSplit.Train, dataFolder);
        IEnumerable<TextDocument> Documents(DataIssues issues) =>
            Read(files, TaskSplit.Train, issues).Where(e => !IsHeldOut(e, seed)).Runs(e => e.HoldOutKey)
                .Select(group => new TextDocument(Name, $"{Name}:{group[0].HoldOutKey}", string.Join("\n\n", group.Select(e => e.Source).Distinct())));
        return new CorpusPart(files, Documents);
    }

    /// <summary>Whether the data folder holds the split with answers to score against.</summary>
    public bool HasScoredSplit(TaskSplit split, string dataFolder) =>
        HasAnswers(split) && Layouts.TryGetValue(split, out var layouts) && layouts.Any(layout => layout.SelectMany(p => Match(dataFolder, p)).Any());

    /// <summary>The files of a split; an error naming what was looked for when none exist.</summary>
    public IReadOnlyList<string> Files(TaskSplit split, string dataFolder)
    {
        if (!Layouts.TryGetValue(split, out var layouts))
            throw new UserError($"{Name} has no {split.ToString().ToLowerInvariant()} split");
        foreach (var layout in layouts)
        {
            var found = layout.SelectMany(pattern => Match(dataFolder, pattern)).ToList();
            if (found.Count > 0) return found;
        }
        throw new FileNotFoundException($"{Name} {split.ToString().ToLowerInvariant()} split not found in {dataFolder} " +
            $"(looked for {string.Join(" or ", layouts.Select(l => string.Join(" + ", l)))}); run `data download`");
    }

    static IEnumerable<string> Match(string folder, string pattern)
    {
        var path = Path.Combine(folder, pattern);
        if (!pattern.Contains('*')) return File.Exists(path) ? [path] : [];
        var directory = Path.GetDirectoryName(path)!;
        return Directory.Exists(directory) ? Directory.GetFiles(directory, Path.GetFileName(path)).Order(StringComparer.Ordinal) : [];
    }

    /// <summary>
    /// Training rows that pack consecutive examples of one source (a passage and its questions): the task's frame around
    /// the source once, then each example as a follow-up, as many per row as fit in the context (the source repeated
    /// in the next row for the rest). An example whose source leaves it no room is formatted alone. Tasks whose
    /// examples are not follow-ups of a shared source format every example alone.
    /// </summary>
    public IEnumerable<(string Id, Formatting Result)> Pack(TaskFormats formats, IReadOnlyList<TaskExample> sameSource)
    {
        // Packing follows the source, so the source must come first (SQuAD's passage-first prompt).
        bool packs = formats.QaPrompt == QaPrompt.PassageFirst && sameSource.All(e => e.FollowUpFormatter is not null);
        int[] prefix = packs ? [.. formats.Head(Instruction), .. formats.Tokenizer.Encode(sameSource[0].Source)] : [];
        var row = new List<(TaskExample Example, FollowUp FollowUp)>();
        (string, Formatting) Row() => (row[0].Example.Id, new(new FormattedExample(Name, row[0].Example.Id, prefix, [], 0, [.. row.Select(r => r.FollowUp)]), null));
        foreach (var example in sameSource)
        {
            // A row trains on its tokens but the last: it may hold one token more than the context. An example that
            // cannot follow (its answer is too long, the passage leaves no room) is formatted alone, or dropped saying why.
            var followUp = packs ? example.AsFollowUp(formats) : null;
            if (followUp is null || prefix.Length + followUp.Length > formats.ContextLength + 1) { yield return (example.Id, example.Format(formats, true)); continue; }
            if (prefix.Length + row.Sum(r => r.FollowUp.Length) + followUp.Length > formats.ContextLength + 1) { yield return Row(); row.Clear(); }
            row.Add((example, followUp));
        }
        if (row.Count > 0) yield return Row();
    }

    /// <summary>The label words of a <see cref="ResponseKind.Label"/> task, in the order the likelihood reading compares them.</summary>
    public virtual IReadOnlyList<string> LabelWords => [];

    /// <summary>The one score that headlines the task (charts, the task scores during finetuning, best and worst examples).</summary>
    public virtual string Headline => Response switch
    {
        ResponseKind.Text => Metric.Rouge1,
        ResponseKind.Span => Metric.F1,
        _ => Metric.Accuracy,
    };

    /// <summary>How the metrics log's task lines name the headline score: "squad F1".</summary>
    public string ScoreKey => $"{Name} {Headline}";

    /// <summary>Every metric of the task for one system's predictions, each with its bootstrap interval.</summary>
    public virtual List<ScoreRow> Score(string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem) => Response switch
    {
        ResponseKind.Text => TaskMetrics.Summaries(Name, system, predictions, references, stem),
        ResponseKind.Span => TaskMetrics.Answers(Name, system, predictions, references, stem),
        _ => TaskMetrics.Labels(Name, system, predictions, references),
    };

    /// <summary>One prediction's headline score, as a fraction.</summary>
    public virtual double ExampleScore(string prediction, IReadOnlyList<string> references) => Response switch
    {
        ResponseKind.Text => Rouge.ScoreMulti(references, prediction, true, ["rouge1"])["rouge1"].FMeasure,
        ResponseKind.Span => SquadMetrics.Best(SquadMetrics.F1, prediction, references),
        _ => references.Contains(prediction) ? 1.0 : 0.0,
    };

    /// <summary>The metrics the experiments' tables compare, the first deciding which variant won.</summary>
    public virtual IReadOnlyList<string> ComparedMetrics => Response switch
    {
        ResponseKind.Text => [Metric.Rouge1, Metric.Rouge2, Metric.RougeL, Metric.Bleu, Metric.Degenerate],
        ResponseKind.Span => [Metric.F1, Metric.ExactMatch],
        _ => [Metric.Accuracy],
    };

    /// <summary>The simple systems scored beside the model (Lead-3, the best-overlap sentence, the majority class).</summary>
    public virtual IReadOnlyList<TaskBaseline> Baselines(string dataFolder) => [];

    /// <summary>Published figures, cited, with metric names matching ours.</summary>
    public virtual IReadOnlyList<ScoreRow> Published => [];

    /// <summary>A count the report gives of the evaluated inputs, if the task has one.</summary>
    public virtual InputTally? Tally => null;

    /// <summary>A prompt for <paramref name="input"/> with no response, as evaluation formats it (content-free calibration).</summary>
    public virtual FormattedExample? Prompt(TaskFormats formats, string input) =>
        formats.Whole(Name, "content-free", Instruction, input, null, MaxResponseTokens).Example;

    public override string ToString() => Name;
}
