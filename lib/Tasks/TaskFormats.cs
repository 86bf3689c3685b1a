using LlmNotebooks.Data;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Tasks;

/// <summary>The finetuning tasks; the names are those of their datasets and of the mixture settings.</summary>
public enum TaskKind { Summarization, QuestionAnswering, Sentiment }

/// <summary>
/// The order of a SQuAD prompt. Passage first, a causal model reads every passage token without knowing the question
/// and only the few answer positions can look back for it; question first, every passage token is read knowing it.
/// </summary>
public enum QaPrompt { PassageFirst, QuestionFirst }

/// <summary>
/// One example as the model sees it: prompt tokens, then the response it must learn to produce (ending with end of
/// text). <see cref="TruncatedTokens"/> counts input tokens cut to fit the context.
/// </summary>
public sealed record FormattedExample(TaskKind Task, string Id, int[] Prompt, int[] Response, int TruncatedTokens)
{
    public int Length => Prompt.Length + Response.Length;
}

/// <summary>
/// The text formats of the three tasks, in one place for training, evaluation and the notebooks. Every example is
/// <c>&lt;|task|&gt;instruction&lt;|input|&gt;input&lt;|response|&gt;response&lt;|endoftext|&gt;</c>:
/// <list type="bullet">
/// <item>CNN/DailyMail: "Summarize the news article." / the article / the highlights, one sentence per line. An
/// article longer than the room left in the context keeps its lead (its first tokens): the highlights draw most
/// on the opening paragraphs, and Lead-3 is the classic baseline for that reason.</item>
/// <item>SQuAD: "Answer the question from the passage." / passage, a blank line, "Question: …" (or the question
/// first, then the passage: <see cref="QaPrompt"/>) / the answer. A passage that does not fit is cut around the
/// answer when training (the answer span is always kept, or the example is dropped) and from the end when
/// evaluating (the answer is unknown then).</item>
/// <item>SST-2: "Is the sentiment of this movie review positive or negative?" / the sentence / "positive" or
/// "negative".</item>
/// </list>
/// Loss is computed on the response only (see <see cref="ResponseMask"/>).
/// </summary>
public sealed class TaskFormats(TextTokenizer tokenizer, int contextLength, QaPrompt qaPrompt = QaPrompt.PassageFirst)
{
    public const string SummarizationInstruction = "Summarize the news article.";
    public const string QuestionInstruction = "Answer the question from the passage.";
    public const string SentimentInstruction = "Is the sentiment of this movie review positive or negative?";
    public const string Positive = "positive", Negative = "negative";

    /// <summary>Longest summary (in tokens, with end of text) trained on; generation allows as much.</summary>
    public const int MaxSummaryTokens = 128;
    /// <summary>Longest answer generated for SQuAD and SST-2.</summary>
    public const int MaxAnswerTokens = 32;

    public static string DatasetName(TaskKind task) => task switch
    {
        TaskKind.Summarization => "cnn_dailymail",
        TaskKind.QuestionAnswering => "squad",
        _ => "sst2",
    };

    public static TaskKind FromDatasetName(string name) => name switch
    {
        "cnn_dailymail" => TaskKind.Summarization,
        "squad" => TaskKind.QuestionAnswering,
        "sst2" => TaskKind.Sentiment,
        _ => throw new ArgumentException($"unknown task '{name}' (cnn_dailymail, squad, sst2)"),
    };

    public TextTokenizer Tokenizer => tokenizer;
    public int ContextLength => contextLength;
    public QaPrompt QaPrompt => qaPrompt;

    /// <summary>Response tokens a generated answer may use for a task.</summary>
    public static int MaxResponseTokens(TaskKind task) => task == TaskKind.Summarization ? MaxSummaryTokens : MaxAnswerTokens;

    public static string Label(int sentiment) => sentiment == 1 ? Positive : Negative;

    /// <summary>
    /// A summarization example; null (with the reason) when the summary alone is too long. For evaluation
    /// (<paramref name="withResponse"/> false) the article is cut to leave room for the longest summary. Each line
    /// of the summary starts with a space, as its words stand in the article (" Harry", not "Harry"), so a phrase
    /// copied from the article is the same tokens.
    /// </summary>
    public FormattedExample? Summarization(SummaryExample example, bool withResponse, out string? dropped)
    {
        dropped = null;
        var response = withResponse ? [.. tokenizer.Encode(SummaryText(example.Highlights)), tokenizer.EndOfText] : Array.Empty<int>();
        if (response.Length > MaxSummaryTokens) { dropped = "summary longer than the summary budget"; return null; }
        var head = Head(SummarizationInstruction);
        var tail = new[] { tokenizer.Special(SpecialTokens.Response) };
        int room = contextLength - head.Length - tail.Length - (withResponse ? response.Length : MaxSummaryTokens);
        if (room < 1) { dropped = "no room for the article in the context"; return null; }
        var article = tokenizer.Encode(example.Article);
        var kept = article.Length <= room ? article : article[..room];   // the lead
        return new FormattedExample(TaskKind.Summarization, example.Id, [.. head, .. kept, .. tail], response, article.Length - kept.Length);
    }

    /// <summary>A summary as the model writes it: every line starting with a space.</summary>
    public static string SummaryText(string highlights) => string.Join('\n', highlights.Split('\n').Select(line => line.Length == 0 || line[0] == ' ' ? line : " " + line));

    /// <summary>
    /// A SQuAD example (its first answer is the training target); null with the reason when it cannot fit. The answer
    /// is trained as the very tokens it has in the passage, its leading space included (" Denver Broncos", not
    /// "Den|ver Broncos"), and the passage is tokenized as evaluation tokenizes it, whole: answering is then copying
    /// tokens the prompt holds, in training and in evaluation alike.
    /// </summary>
    public FormattedExample? QuestionAnswering(QaExample example, bool withResponse, out string? dropped)
    {
        dropped = null;
        var answer = example.Answers[0];
        // Split the passage where GPT-2's pre-tokenizer splits it anyway: before the space that starts the answer's first word.
        int start = answer.Start > 0 && example.Context[answer.Start - 1] == ' ' ? answer.Start - 1 : answer.Start;
        int end = answer.Start + answer.Text.Length;
        var response = withResponse ? [.. tokenizer.Encode(example.Context[start..end]), tokenizer.EndOfText] : Array.Empty<int>();
        if (response.Length > MaxAnswerTokens) { dropped = "answer longer than the answer budget"; return null; }
        var head = Head(QuestionInstruction);
        var question = tokenizer.Encode(qaPrompt == QaPrompt.QuestionFirst ? $"Question: {example.Question}\n\n" : $"\n\nQuestion: {example.Question}");
        var tail = new[] { tokenizer.Special(SpecialTokens.Response) };
        int room = contextLength - head.Length - question.Length - tail.Length - (withResponse ? response.Length : MaxAnswerTokens);
        if (room <= 0) { dropped = "question does not fit in the context"; return null; }
        int[] passage;
        int truncated;
        if (withResponse)
        {
            // Cut around the answer: its tokens, then as much context on both sides as fits.
            var before = tokenizer.Encode(example.Context[..start]);
            var span = response[..^1];
            var after = tokenizer.Encode(example.Context[end..]);
            if (span.Length > room) { dropped = "answer span does not fit in the context"; return null; }
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
        int[] prompt = qaPrompt == QaPrompt.QuestionFirst ? [.. head, .. question, .. passage, .. tail] : [.. head, .. passage, .. question, .. tail];
        return new FormattedExample(TaskKind.QuestionAnswering, example.Id, prompt, response, truncated);
    }

    public FormattedExample? Sentiment(SentimentExample example, bool withResponse, out string? dropped)
    {
        dropped = null;
        int[] response = [];
        if (withResponse)
        {
            if (example.Label is not { } label) throw new ArgumentException($"SST-2 example {example.Id} has no label to train on");
            response = [.. tokenizer.Encode(Label(label)), tokenizer.EndOfText];
        }
        var head = Head(SentimentInstruction);
        var tail = new[] { tokenizer.Special(SpecialTokens.Response) };
        int room = contextLength - head.Length - tail.Length - (withResponse ? response.Length : MaxAnswerTokens);
        var sentence = tokenizer.Encode(example.Sentence);
        if (sentence.Length > room) { dropped = "sentence does not fit in the context"; return null; }
        return new FormattedExample(TaskKind.Sentiment, example.Id, [.. head, .. sentence, .. tail], response, 0);
    }

    /// <summary>How a generated response reads as an answer: text up to end of text, trimmed.</summary>
    public string ParseResponse(IEnumerable<int> generated)
    {
        var ids = generated.TakeWhile(id => id != tokenizer.EndOfText && !tokenizer.IsSpecial(id));
        return tokenizer.Decode(ids).Trim();
    }

    int[] Head(string instruction) =>
        [tokenizer.Special(SpecialTokens.Task), .. tokenizer.Encode(instruction), tokenizer.Special(SpecialTokens.Input)];
}
