using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Generation;

/// <summary>
/// Extractive answers: a row may only write text that occurs in its passage. Checked on text rather than tokens, so
/// a span tokenized differently inside the passage (" Denver" there, "Denver" as an answer) is still allowed: a
/// candidate token is allowed when the answer so far plus its text is a substring of the passage, and the stop token
/// once the answer is not empty. The decoder offers the model's most likely tokens and the passage's own tokens (with
/// and without a leading space), best first, and takes the first one allowed, so the answer cannot leave the passage
/// (no "kgf" that occurs nowhere).
/// </summary>
public sealed class SpanConstraint(string passage, TextTokenizer tokenizer)
{
    /// <summary>How many of the model's most likely tokens are offered besides the passage's own.</summary>
    public const int Candidates = 64;

    /// <summary>The tokens of the passage as encoded whole, and of each of its words encoded alone: what its spans start with.</summary>
    public IReadOnlySet<int> PassageTokens { get; } = tokenizer.Encode(passage)
        .Concat(passage.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Distinct().SelectMany(tokenizer.Encode)).ToHashSet();

    /// <param name="generated">The answer's tokens so far (decoded together: a character may span two tokens).</param>
    public bool Allows(IReadOnlyList<int> generated, int token)
    {
        if (token == tokenizer.EndOfText) return generated.Count > 0;
        if (tokenizer.IsSpecial(token)) return false;
        var text = tokenizer.Decode([.. generated, token]).TrimStart();
        return text.Length > 0 && passage.Contains(text, StringComparison.Ordinal);
    }
}
