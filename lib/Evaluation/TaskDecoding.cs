using LlmNotebooks.Generation;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Evaluation;

/// <summary>Which decoder evaluation uses for a task.</summary>
public enum Decoder
{
    /// <summary>Each task's standard recipe (<see cref="TaskDecoding.For"/>): the experiments' reference.</summary>
    Task,
    Greedy,
    /// <summary>Each SQuAD answer kept inside its passage, greedy or beam search as its options say (the other tasks: the same options, unconstrained).</summary>
    Span,
    Beam,
    /// <summary>
    /// As <see cref="Task"/>, with summaries in their article's words: evaluation's default, the Decoders
    /// experiment's winner (CNN/DailyMail ROUGE-1 14.3 against 12.7 at the experiments' budget).
    /// </summary>
    Extractive,
    Sampled,
}

/// <summary>A decoder for one task: its options, and whether answers stay inside the passage or summaries inside the article's words.</summary>
public sealed record TaskDecoder(DecodingOptions Options, bool WithinPassage, bool ArticleWords)
{
    public string Describe() => Options.Describe() + (WithinPassage ? ", answer within the passage" : "") + (ArticleWords ? ", in the article's words" : "");
}

/// <summary>
/// The decoders evaluation compares, and each task's standard recipe: SQuAD answers are spans of the passage (greedy,
/// the answer constrained to the passage), CNN/DailyMail summaries beam search with a length penalty, no repeated
/// trigram and a minimum length, SST-2 one label word (greedy; the label likelihood is scored too).
/// </summary>
public static class TaskDecoding
{
    /// <summary>The CNN/DailyMail recipe (Paulus et al. 2018's trigram blocking; beam and length penalty as in BART).</summary>
    public static DecodingOptions SummaryBeam => new(Beams: 4, LengthPenalty: 1.0, NoRepeatNgram: 3, MinNewTokens: 40);

    public static TaskDecoder For(TaskKind task, Decoder decoder, TextTokenizer tokenizer, DecodingOptions? custom = null)
    {
        bool summary = task == TaskKind.Summarization, question = task == TaskKind.QuestionAnswering;
        var chosen = decoder switch
        {
            Decoder.Task => new TaskDecoder(summary ? SummaryBeam : new DecodingOptions(), question, false),
            Decoder.Span => new TaskDecoder(custom ?? new DecodingOptions(), question, false),
            Decoder.Extractive => new TaskDecoder(summary ? custom ?? SummaryBeam : new DecodingOptions(), question, summary),
            Decoder.Beam => new TaskDecoder(custom ?? SummaryBeam with { MinNewTokens = summary ? SummaryBeam.MinNewTokens : 0 }, false, false),
            Decoder.Sampled => new TaskDecoder(custom ?? new DecodingOptions(Temperature: 0.8, TopK: 50), false, false),
            _ => new TaskDecoder(custom ?? new DecodingOptions(), false, false),
        };
        return chosen with
        {
            Options = chosen.Options with { MaxNewTokens = TaskFormats.MaxResponseTokens(task), StopTokens = [tokenizer.EndOfText], VocabularyLimit = tokenizer.VocabSize },
        };
    }

    /// <summary>
    /// The tokens a summary may use when it keeps to its article's words: the article's own tokens, each of its words
    /// encoded alone (with and without the space before it), and the line break between highlights.
    /// </summary>
    public static IReadOnlySet<int> ArticleVocabulary(string article, TextTokenizer tokenizer) =>
        tokenizer.Encode(article)
            .Concat(article.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Distinct().SelectMany(w => tokenizer.Encode(w).Concat(tokenizer.Encode(" " + w))))
            .Concat(tokenizer.Encode("\n")).ToHashSet();
}
