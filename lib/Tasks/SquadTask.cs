using LlmNotebooks.Data;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Tasks;

/// <summary>
/// SQuAD v1.1 question answering: "Answer the question from the passage." / passage, a blank line, "Question: …" (or
/// the question first, then the passage: <see cref="QaPrompt"/>) / the answer. A passage that does not fit is cut
/// around the answer when training (the answer span is always kept, or the example is dropped) and from the end when
/// evaluating (the answer is unknown then). Evaluated on the official dev set; the test set was never released.
/// </summary>
public sealed class SquadTask : FinetuningTask
{
    public override string Name => "squad";
    public override string Title => "SQuAD";
    public override ResponseKind Response => ResponseKind.Span;
    public override string Instruction => "Answer the question from the passage.";

    public override DatasetEntry Dataset => new(Name, Name, "question answering", ["*.json", "*.parquet"]);
    public override HubDataset Download => new(Name, "rajpurkar/squad", "main", "plain_text/", Name);

    protected override IReadOnlyDictionary<TaskSplit, string[][]> Layouts { get; } = new Dictionary<TaskSplit, string[][]>
    {
        [TaskSplit.Train] = [["squad/train-v1.1.json"], ["squad/train-*.parquet"]],
        [TaskSplit.Validation] = [["squad/dev-v1.1.json"], ["squad/validation-*.parquet"]],
    };

    /// <summary>The input evaluation shows, and the question as the prompt puts it.</summary>
    public static string InputText(QaExample e) => $"{e.Context}\n\nQuestion: {e.Question}";

    /// <summary>Held out by article title, so that no paragraph of a held-out article is trained on.</summary>
    protected override IEnumerable<TaskExample> Read(IReadOnlyList<string> files, TaskSplit split, DataIssues issues) =>
        Squad.Read(files, issues).Select(e => new TaskExample(e.Id, InputText(e), [.. e.Answers.Select(a => a.Text)], e.Context, e.Question, e.Title,
            (formats, withResponse) => Format(formats, e, withResponse), formats => FollowUp(formats, e)));

    /// <summary>A question and its answer as they follow the passage in a packed row: exactly the tokens <see cref="Format"/> puts after it.</summary>
    public FollowUp? FollowUp(TaskFormats formats, QaExample example)
    {
        var response = formats.Response(AnswerText(example));
        if (response.Length > MaxResponseTokens) return null;
        return new([.. formats.Tokenizer.Encode($"\n\nQuestion: {example.Question}"), formats.ResponseStart], response);
    }

    /// <summary>The first answer as the passage has it, with the space before it when there is one (" Denver Broncos").</summary>
    static string AnswerText(QaExample example)
    {
        var answer = example.Answers[0];
        int start = answer.Start > 0 && example.Context[answer.Start - 1] == ' ' ? answer.Start - 1 : answer.Start;
        return example.Context[start..(answer.Start + answer.Text.Length)];
    }

    /// <summary>
    /// A SQuAD example (its first answer is the training target); dropped with the reason when it cannot fit. The answer
    /// is trained as the very tokens it has in the passage, its leading space included (" Denver Broncos", not
    /// "Den|ver Broncos"), and the passage is tokenized as evaluation tokenizes it, whole: answering is then copying
    /// tokens the prompt holds, in training and in evaluation alike.
    /// </summary>
    public Formatting Format(TaskFormats formats, QaExample example, bool withResponse)
    {
        var tokenizer = formats.Tokenizer;
        var answer = example.Answers[0];
        // Split the passage where GPT-2's pre-tokenizer splits it anyway: before the space that starts the answer's first word.
        int start = answer.Start > 0 && example.Context[answer.Start - 1] == ' ' ? answer.Start - 1 : answer.Start;
        int end = answer.Start + answer.Text.Length;
        var response = withResponse ? formats.Response(AnswerText(example)) : [];
        if (response.Length > MaxResponseTokens) return Formatting.Drop("answer longer than the answer budget");
        var head = formats.Head(Instruction);
        bool questionFirst = formats.QaPrompt == QaPrompt.QuestionFirst;
        var question = tokenizer.Encode(questionFirst ? $"Question: {example.Question}\n\n" : $"\n\nQuestion: {example.Question}");
        int room = formats.ContextLength - head.Length - question.Length - 1 - (withResponse ? response.Length : MaxResponseTokens);
        if (room <= 0) return Formatting.Drop("question does not fit in the context");
        int[] passage;
        int truncated;
        if (withResponse)
        {
            // Cut around the answer: its tokens, then as much context on both sides as fits.
            var before = tokenizer.Encode(example.Context[..start]);
            var span = response[..^1];
            var after = tokenizer.Encode(example.Context[end..]);
            if (span.Length > room) return Formatting.Drop("answer span does not fit in the context");
            int spare = room - span.Length;
            int keepBefore = Math.Min(before.Length, Math.Max(spare / 2, spare - after.Length));
            int keepAfter = Math.Min(after.Length, spare - keepBefore);
            passage = [.. before[^keepBefore..], .. span, .. after[..keepAfter]];
            truncated = before.Length - keepBefore + after.Length - keepAfter;
        }
        else
        {
            var context = tokenizer.Encode(example.Context);
            passage = context.Length <= room ? context : context[..room];
            truncated = context.Length - passage.Length;
        }
        int[] prompt = questionFirst ? [.. head, .. question, .. passage, formats.ResponseStart] : [.. head, .. passage, .. question, formats.ResponseStart];
        return new(new FormattedExample(Name, example.Id, prompt, response, truncated), null);
    }

    /// <summary>
    /// The passage sentence sharing the most distinct (normalised) words with the question; the earliest on ties. An
    /// answer that is a whole sentence rarely matches exactly, so this bounds what retrieval alone gives.
    /// </summary>
    public static string BestOverlapSentence(string context, string question) => Sentences.ByOverlap(context, question).First();

    public override IReadOnlyList<TaskBaseline> Baselines(string dataFolder) => [new("best-overlap sentence", e => BestOverlapSentence(e.Source, e.Question!))];

    const string SquadSource = "published: Rajpurkar et al. 2016, SQuAD paper, Table 5, dev set";

    public override IReadOnlyList<ScoreRow> Published =>
    [
        new(Name, "sliding window (published)", Metric.F1, 20.2, null, null, 10570, SquadSource),
        new(Name, "logistic regression (published)", Metric.F1, 51.0, null, null, 10570, SquadSource),
        new(Name, "human (published)", Metric.F1, 91.2, null, null, 10570, SquadSource),
    ];
}
