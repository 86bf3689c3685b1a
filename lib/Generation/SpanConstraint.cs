using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using static TorchSharp.torch;

namespace LlmNotebooks.Generation;

/// <summary>
/// Extractive answers: a row may only write text that occurs in its passage. Checked on text rather than tokens, so
/// a span tokenized differently inside the passage (" Denver" there, "Denver" as an answer) is still allowed: a
/// candidate token is allowed when the answer so far plus its text is a substring of the passage, and the stop token
/// once the answer is not empty. The decoder offers the model's most likely tokens and the passage's own tokens (with
/// and without a leading space), best first, and keeps the first ones allowed, so the answer cannot leave the passage
/// (no "kgf" that occurs nowhere). Given several segments of a passage (its sentences closest to the question), the
/// answer stays inside one of them.
/// </summary>
public sealed class SpanConstraint(IReadOnlyList<string> segments, TextTokenizer tokenizer)
{
    public SpanConstraint(string passage, TextTokenizer tokenizer) : this([passage], tokenizer) { }

    /// <summary>How many of the model's most likely tokens are offered besides the passage's own.</summary>
    public const int Candidates = 64;

    /// <summary>The tokens of the passage as encoded whole, and of each of its words encoded alone: what its spans start with.</summary>
    public IReadOnlySet<int> PassageTokens { get; } = segments.SelectMany(segment => tokenizer.Encode(segment)
        .Concat(segment.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Distinct().SelectMany(tokenizer.Encode))).ToHashSet();

    /// <param name="generated">The answer's tokens so far (decoded together: a character may span two tokens).</param>
    public bool Allows(IReadOnlyList<int> generated, int token)
    {
        if (token == tokenizer.EndOfText) return generated.Count > 0;
        if (tokenizer.IsSpecial(token)) return false;
        var text = tokenizer.Decode([.. generated, token]).TrimStart();
        return text.Length > 0 && segments.Any(segment => segment.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>
    /// Leaves each constrained row of <paramref name="logits"/> (B, V) only its <paramref name="keep"/> most likely
    /// tokens that keep the answer inside the passage, and −∞ everywhere else: greedy decoding keeps one, beam search
    /// as many as it may extend. A row with none allowed may only stop.
    /// </summary>
    /// <param name="constraints">Per row, its passage, or null for a row left as it is.</param>
    public static void Restrict(Tensor logits, IReadOnlyList<IReadOnlyList<int>> generated, IReadOnlyList<SpanConstraint?> constraints, int stop, int keep)
    {
        using var scope = NewDisposeScope();
        long vocabulary = logits.shape[1];
        int k = (int)Math.Min(Candidates, vocabulary);
        var ranked = logits.topk(k, dim: -1).indexes.cpu().data<long>().ToArray();
        var scores = logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var allowed = new bool[scores.Length];
        for (int row = 0; row < constraints.Count; row++)
        {
            long offset = row * vocabulary;
            if (constraints[row] is not { } constraint)
            {
                Array.Fill(allowed, true, (int)offset, (int)vocabulary);
                continue;
            }
            var best = ranked.Skip(row * k).Take(k).Select(c => (int)c).Concat(constraint.PassageTokens).Append(stop).Distinct()
                .Where(c => c < vocabulary && !float.IsNegativeInfinity(scores[offset + c])).OrderByDescending(c => scores[offset + c])
                .Where(c => constraint.Allows(generated[row], c)).Take(keep).ToList();
            if (best.Count == 0)
            {
                logits[row, stop].fill_(Scalars.Zero);
                best.Add(stop);
            }
            foreach (var c in best) allowed[offset + c] = true;
        }
        var outside = from_array(allowed).view(logits.shape).logical_not().to(logits.device);
        logits.masked_fill_(outside, Scalars.NegativeInfinity);
    }
}
