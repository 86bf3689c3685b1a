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
    /// experiment's winner on CNN/DailyMail (reports/cpu/experiments).
    /// </summary>
    Extractive,
    Sampled,
    /// <summary>
    /// As <see cref="Span"/>, each SQuAD answer kept inside the passage sentences that share the most words with the
    /// question (by default <see cref="TaskDecoding.RetrievedSentences"/> of them): a retriever, the best-overlap baseline's
    /// ranking, picks where to look, and the model picks the answer there.
    /// </summary>
    Sentence,
    /// <summary>
    /// Summaries made of the article's own sentences, chosen one at a time by the model's scores (the mean
    /// log-probability of each remaining sentence as the summary's next line; <see cref="SentenceSelection"/>),
    /// <see cref="TaskDecoding.SelectedSentences"/> of them by default; the other tasks as <see cref="Task"/>.
    /// </summary>
    Select,
}

/// <summary>A decoder for one task: its options, and whether answers stay inside the passage or summaries inside the article's words.</summary>
/// <param name="AnswerSentences">Above 0, an answer stays inside that many of the passage's sentences closest to its question.</param>
/// <param name="SummarySentences">Above 0, a summary is that many of the article's sentences, chosen by the model's scores.</param>
public sealed record TaskDecoder(DecodingOptions Options, bool WithinPassage, bool ArticleWords, int AnswerSentences = 0, int SummarySentences = 0)
{
    public string Describe() => SummarySentences > 0
        ? $"the article's {SummarySentences} sentences the model scores best, one at a time (mean log-probability of each as the next line)"
        : Options.Describe()
          + (!WithinPassage ? "" : AnswerSentences > 0 ? $", answer within the passage's {AnswerSentences} sentence{(AnswerSentences > 1 ? "s" : "")} closest to the question" : ", answer within the passage")
          + (ArticleWords ? ", in the article's words" : "");
}

/// <summary>What <c>evaluate</c> was told about decoding; each flag left unset takes the decoder's own default.</summary>
public sealed record DecodingFlags(int? Beams = null, double? LengthPenalty = null, int? NoRepeatNgram = null, int? MinTokens = null,
    double? Temperature = null, int? TopK = null, double? TopP = null, long? Seed = null);

/// <summary>
/// The decoders evaluation compares, and each kind of response's standard recipe: spans (SQuAD answers) greedy and
/// constrained to the passage, free text (CNN/DailyMail summaries) beam search with a length penalty, no repeated
/// trigram and a minimum length, labels (SST-2) one greedy label word (the label likelihood is scored too).
/// </summary>
public static class TaskDecoding
{
    /// <summary>The CNN/DailyMail recipe (Paulus et al. 2018's trigram blocking; beam and length penalty as in BART).</summary>
    public static DecodingOptions SummaryBeam => new(Beams: 4, LengthPenalty: 1.0, NoRepeatNgram: NoRepeatNgram, MinNewTokens: 40);

    /// <summary>
    /// How many best-overlap sentences <see cref="Decoder.Sentence"/> lets an answer come from by default: two did
    /// better than one or the whole passage on the cpu model's SQuAD dev questions (commit 6a3e1f2).
    /// </summary>
    public const int RetrievedSentences = 2;

    /// <summary>How many sentences <see cref="Decoder.Select"/> makes a summary of by default: Lead-3's.</summary>
    public const int SelectedSentences = 3;

    /// <param name="sentences">With <see cref="Decoder.Sentence"/>, how many of the passage's sentences an answer may come from; with
    /// <see cref="Decoder.Select"/>, how many sentences a summary has; null: each decoder's default.</param>
    public static TaskDecoder For(FinetuningTask task, Decoder decoder, TextTokenizer tokenizer, DecodingOptions? custom = null, int? sentences = null)
    {
        bool summary = task.Response == ResponseKind.Text, question = task.Response == ResponseKind.Span;
        var chosen = decoder switch
        {
            Decoder.Select => new TaskDecoder(summary ? SummaryBeam : new DecodingOptions(), question, false, SummarySentences: summary ? sentences ?? SelectedSentences : 0),
            Decoder.Task => new TaskDecoder(summary ? SummaryBeam : new DecodingOptions(), question, false),
            Decoder.Span => new TaskDecoder(custom ?? new DecodingOptions(), question, false),
            Decoder.Sentence => new TaskDecoder(custom ?? new DecodingOptions(), question, false, question ? sentences ?? RetrievedSentences : 0),
            Decoder.Extractive => new TaskDecoder(summary ? custom ?? SummaryBeam : new DecodingOptions(), question, summary),
            Decoder.Beam => new TaskDecoder(custom ?? SummaryBeam with { MinNewTokens = summary ? SummaryBeam.MinNewTokens : 0 }, false, false),
            Decoder.Sampled => new TaskDecoder(custom ?? DecodingOptions.Sampling, false, false),
            _ => new TaskDecoder(custom ?? new DecodingOptions(), false, false),
        };
        return chosen with
        {
            Options = chosen.Options with { MaxNewTokens = task.MaxResponseTokens, StopTokens = [tokenizer.EndOfText], VocabularyLimit = tokenizer.VocabSize },
        };
    }

    /// <summary>The trigram blocking every decoder but the task recipe's greedy answers uses unless told otherwise.</summary>
    public const int NoRepeatNgram = 3;

    /// <summary>
    /// The options <c>evaluate</c>'s flags make for a decoder, each unset flag taking its default: the summary beam's
    /// width and minimum length for the extractive decoder (so `evaluate` and `all` write the same summaries), its
    /// width for beam, one beam for span and sentence, sampling's defaults for sampled. Null for the task recipe.
    /// </summary>
    public static DecodingOptions? FromFlags(Decoder decoder, DecodingFlags flags)
    {
        DecodingOptions Search(int beams, int minTokens) => new(Beams: flags.Beams ?? beams, LengthPenalty: flags.LengthPenalty ?? SummaryBeam.LengthPenalty,
            NoRepeatNgram: flags.NoRepeatNgram ?? NoRepeatNgram, MinNewTokens: flags.MinTokens ?? minTokens);
        return decoder switch
        {
            Decoder.Extractive => Search(SummaryBeam.Beams, SummaryBeam.MinNewTokens),
            Decoder.Beam => Search(SummaryBeam.Beams, 0),
            Decoder.Span or Decoder.Sentence => Search(1, 0),
            Decoder.Sampled => DecodingOptions.Sampling with
            {
                Temperature = flags.Temperature ?? DecodingOptions.SamplingTemperature, TopK = flags.TopK ?? DecodingOptions.SamplingTopK,
                TopP = flags.TopP ?? 1.0, Seed = flags.Seed ?? 0, NoRepeatNgram = flags.NoRepeatNgram ?? NoRepeatNgram,
            },
            Decoder.Greedy => new DecodingOptions(NoRepeatNgram: flags.NoRepeatNgram ?? NoRepeatNgram, MinNewTokens: flags.MinTokens ?? 0),
            _ => null,
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
