namespace LlmNotebooks.Generation;

/// <summary>How to pick each next token.</summary>
/// <param name="Temperature">0 picks the most likely token (greedy); higher flattens the distribution.</param>
/// <param name="TopK">Sample only among the k most likely tokens (0: no limit).</param>
/// <param name="TopP">Sample only among the most likely tokens whose probabilities add up to p (1: no limit).</param>
/// <param name="StopTokens">A row ends when it produces one of these (usually end of text); the stop token is not returned.</param>
/// <param name="VocabularyLimit">Ids at or above this are never produced (the padding rows of a rounded-up vocabulary).</param>
/// <param name="UseCache">Keep keys and values between steps (fast); false recomputes the whole sequence each step.</param>
/// <param name="Beams">Beam search with this many hypotheses per prompt (1: greedy or sampled, token by token).</param>
/// <param name="LengthPenalty">Beam search ranks a finished hypothesis by its log-probability / length^p: above 0 favours longer ones.</param>
/// <param name="NoRepeatNgram">Never produce an n-gram of this size that the output already contains (0: off).</param>
/// <param name="MinNewTokens">Stop tokens are not allowed before this many tokens.</param>
public sealed record DecodingOptions(
    int MaxNewTokens = 64,
    double Temperature = 0,
    int TopK = 0,
    double TopP = 1.0,
    long Seed = 0,
    IReadOnlyCollection<int>? StopTokens = null,
    int? VocabularyLimit = null,
    bool UseCache = true,
    int Beams = 1,
    double LengthPenalty = 1.0,
    int NoRepeatNgram = 0,
    int MinNewTokens = 0)
{
    /// <summary>Sampling's defaults everywhere (training samples, <c>generate</c>, the sampled decoder): nanoGPT's sample.py.</summary>
    public const double SamplingTemperature = 0.8;
    public const int SamplingTopK = 200;

    /// <summary>Sampled with <see cref="SamplingTemperature"/> and <see cref="SamplingTopK"/>.</summary>
    public static DecodingOptions Sampling => new(Temperature: SamplingTemperature, TopK: SamplingTopK);

    public bool IsGreedy => Temperature <= 0 && Beams <= 1;

    /// <summary>A short name for tables: greedy, sampled (t=0.8, top-k 200), beam 4 (length penalty 2, no repeated 3-grams, min 40).</summary>
    public string Describe() =>
        Beams > 1 ? $"beam {Beams} (length penalty {LengthPenalty:0.##}{(NoRepeatNgram > 0 ? $", no repeated {NoRepeatNgram}-grams" : "")}{(MinNewTokens > 0 ? $", min {MinNewTokens} tokens" : "")})"
        : Temperature > 0 ? $"sampled (t={Temperature:0.##}{(TopK > 0 ? $", top-k {TopK}" : "")}{(TopP < 1 ? $", top-p {TopP:0.##}" : "")})"
        : $"greedy{(NoRepeatNgram > 0 ? $" (no repeated {NoRepeatNgram}-grams)" : "")}";
}
