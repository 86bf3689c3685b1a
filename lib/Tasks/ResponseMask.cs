using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using static TorchSharp.torch;

namespace LlmNotebooks.Tasks;

/// <summary>
/// Training rows for finetuning. The sequence is prompt + response; inputs are all tokens but the last, targets all
/// but the first, and every target that is still part of the prompt is set to <see cref="Gpt.IgnoreIndex"/>, so the
/// loss counts only the response (the first response token is predicted at the &lt;|response|&gt; position). Rows of
/// a batch are right-padded to the longest; pads are ignored too, and with causal attention they cannot affect
/// the positions before them. Each row's prompt length goes with the batch, for a prefix LM's attention mask.
/// </summary>
public static class ResponseMask
{
    /// <summary>Inputs and targets of one example (each of length prompt + response − 1).</summary>
    public static (long[] Inputs, long[] Targets) Row(FormattedExample example)
    {
        int[] sequence = [.. example.Prompt, .. example.Response];
        var inputs = new long[sequence.Length - 1];
        var targets = new long[sequence.Length - 1];
        for (int t = 0; t < inputs.Length; t++)
        {
            inputs[t] = sequence[t];
            targets[t] = t + 1 < example.Prompt.Length ? Gpt.IgnoreIndex : sequence[t + 1];
        }
        return (inputs, targets);
    }

    /// <summary>A batch of examples, right-padded with <paramref name="padToken"/> (targets ignored): (B, T) and (B, T).</summary>
    public static Batch Batch(IReadOnlyList<FormattedExample> examples, int padToken)
    {
        var rows = examples.Select(Row).ToList();
        int width = rows.Max(r => r.Inputs.Length);
        var inputs = new long[rows.Count * width];
        var targets = new long[rows.Count * width];
        Array.Fill(inputs, padToken);
        Array.Fill(targets, Gpt.IgnoreIndex);
        for (int b = 0; b < rows.Count; b++)
        {
            rows[b].Inputs.CopyTo(inputs, b * width);
            rows[b].Targets.CopyTo(targets, b * width);
        }
        return new Batch(tensor(inputs, [rows.Count, width], ScalarType.Int64, CPU), tensor(targets, [rows.Count, width], ScalarType.Int64, CPU),
            [.. examples.Select(e => (long)e.Prompt.Length)]);
    }
}
