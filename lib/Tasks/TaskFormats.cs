using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Tasks;

/// <summary>
/// The order of a SQuAD prompt. Passage first, a causal model reads every passage token without knowing the question
/// and only the few answer positions can look back for it; question first, every passage token is read knowing it.
/// </summary>
public enum QaPrompt { PassageFirst, QuestionFirst }

/// <summary>
/// One example as the model sees it: prompt tokens, then the response it must learn to produce (ending with end of
/// text). <see cref="Task"/> is the task's name; <see cref="TruncatedTokens"/> counts input tokens cut to fit the context.
/// </summary>
public sealed record FormattedExample(string Task, string Id, int[] Prompt, int[] Response, int TruncatedTokens, IReadOnlyList<FollowUp>? FollowUps = null)
{
    public int Length => Prompt.Length + Response.Length + (FollowUps?.Sum(f => f.Length) ?? 0);
}

/// <summary>
/// One of several examples packed after a shared prompt (a SQuAD question and its answer after their passage): its
/// own prompt tokens and response. It sees the shared prompt and itself, not the other follow-ups (<c>Model.Packing</c>).
/// </summary>
public sealed record FollowUp(int[] Prompt, int[] Response)
{
    public int Length => Prompt.Length + Response.Length;
}

/// <summary>An example formatted, or the reason it could not be (it is then dropped and counted).</summary>
public readonly record struct Formatting(FormattedExample? Example, string? Dropped)
{
    public static Formatting Drop(string reason) => new(null, reason);
}

/// <summary>
/// What every task's format shares, for training, evaluation and the notebooks: the tokenizer, the context the
/// example must fit, and the frame <c>&lt;|task|&gt;instruction&lt;|input|&gt;input&lt;|response|&gt;response&lt;|endoftext|&gt;</c>.
/// Each task fills the frame in its own file (<see cref="FinetuningTask.Format"/>); loss is computed on the
/// response only (see <see cref="ResponseMask"/>).
/// </summary>
public sealed class TaskFormats(TextTokenizer tokenizer, int contextLength, QaPrompt qaPrompt = QaPrompt.PassageFirst)
{
    public TextTokenizer Tokenizer => tokenizer;
    public int ContextLength => contextLength;
    /// <summary>The SQuAD prompt order this model is trained or evaluated with.</summary>
    public QaPrompt QaPrompt => qaPrompt;

    /// <summary>The same formats with a tokenizer of their own, for another thread.</summary>
    public TaskFormats Copy() => new(tokenizer.Copy(), contextLength, qaPrompt);

    /// <summary>The frame's start: &lt;|task|&gt;, the instruction, &lt;|input|&gt;.</summary>
    public int[] Head(string instruction) =>
        [tokenizer.Special(SpecialTokens.Task), .. tokenizer.Encode(instruction), tokenizer.Special(SpecialTokens.Input)];

    /// <summary>The token the response follows.</summary>
    public int ResponseStart => tokenizer.Special(SpecialTokens.Response);

    /// <summary>A response as it is trained on: its tokens and end of text.</summary>
    public int[] Response(string text) => [.. tokenizer.Encode(text), tokenizer.EndOfText];

    /// <summary>
    /// An example whose input is kept whole (or dropped when it does not fit): the frame around the input, then the
    /// response when <paramref name="response"/> is given; without one, room is left for <paramref name="maxResponseTokens"/>.
    /// </summary>
    public Formatting Whole(string task, string id, string instruction, string input, string? response, int maxResponseTokens)
    {
        var responseTokens = response is null ? [] : Response(response);
        var head = Head(instruction);
        int room = contextLength - head.Length - 1 - (response is null ? maxResponseTokens : responseTokens.Length);
        var inputTokens = tokenizer.Encode(input);
        if (inputTokens.Length > room) return Formatting.Drop("input does not fit in the context");
        return new(new FormattedExample(task, id, [.. head, .. inputTokens, ResponseStart], responseTokens, 0), null);
    }

    /// <summary>How a generated response reads as an answer: text up to end of text, trimmed.</summary>
    public string ParseResponse(IEnumerable<int> generated)
    {
        var ids = generated.TakeWhile(id => id != tokenizer.EndOfText && !tokenizer.IsSpecial(id));
        return tokenizer.Decode(ids).Trim();
    }
}
