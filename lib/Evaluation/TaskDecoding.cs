using LlmNotebooks.Generation;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Evaluation;

/// <summary>Which decoder evaluation uses for a task.</summary>
public enum Decoder
{
    /// <summary>Each task's own: SQuAD span-constrained greedy, CNN/DailyMail beam search, SST-2 greedy.</summary>
    Task,
    Greedy,
    /// <summary>Greedy, each SQuAD answer kept inside its passage (the other tasks: greedy).</summary>
    Span,
    Beam,
    Sampled,
}

/// <summary>
/// The decoders evaluation compares, and each task's default: SQuAD answers are spans of the passage (greedy, the
/// answer constrained to the passage), CNN/DailyMail summaries the standard recipe (beam search with a length
/// penalty, no repeated trigram, a minimum length), SST-2 one label word (greedy; the label likelihood is scored too).
/// </summary>
public static class TaskDecoding
{
    /// <summary>The CNN/DailyMail recipe (Paulus et al. 2018's trigram blocking; beam and length penalty as in BART).</summary>
    public static DecodingOptions SummaryBeam => new(Beams: 4, LengthPenalty: 1.0, NoRepeatNgram: 3, MinNewTokens: 40);

    public static (DecodingOptions Options, bool ConstrainToPassage) For(TaskKind task, Decoder decoder, TextTokenizer tokenizer, DecodingOptions? custom = null)
    {
        var (options, constrain) = decoder switch
        {
            Decoder.Task => task switch
            {
                TaskKind.Summarization => (SummaryBeam, false),
                TaskKind.QuestionAnswering => (new DecodingOptions(), true),
                _ => (new DecodingOptions(), false),
            },
            Decoder.Span => (custom ?? new DecodingOptions(), task == TaskKind.QuestionAnswering),
            Decoder.Beam => (custom ?? SummaryBeam with { MinNewTokens = task == TaskKind.Summarization ? SummaryBeam.MinNewTokens : 0 }, false),
            Decoder.Sampled => (custom ?? new DecodingOptions(Temperature: 0.8, TopK: 50), false),
            _ => (custom ?? new DecodingOptions(), false),
        };
        return (options with { MaxNewTokens = TaskFormats.MaxResponseTokens(task), StopTokens = [tokenizer.EndOfText], VocabularyLimit = tokenizer.VocabSize }, constrain);
    }

    /// <summary>The name a decoder goes by in tables: the options' description, and "within the passage" when constrained.</summary>
    public static string Describe(DecodingOptions options, bool constrained) => options.Describe() + (constrained ? ", answer within the passage" : "");
}
