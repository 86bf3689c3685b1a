using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using static TorchSharp.torch;

namespace LlmNotebooks.Tasks;

/// <summary>
/// Training rows for finetuning. The sequence is prompt + response; inputs are all tokens but the last, targets all
/// but the first, and every target that is still part of the prompt is set to <see cref="Gpt.IgnoreIndex"/>, so the
/// loss counts only the response (the first response token is predicted at the &lt;|response|&gt; position); or, with
/// a prompt weight above 0, the prompt's targets count too, each at that weight against the response's 1 (so the
/// passages and articles teach as well). Rows of a batch are right-padded to the longest; pads are ignored too, and
/// with causal attention they cannot affect the positions before them. Each row's prompt length goes with the
/// batch, for a prefix LM's attention mask.
/// </summary>
public static class ResponseMask
{
    /// <summary>
    /// One training row: inputs, targets and each target's weight in the loss, each of length prompt + response − 1;
    /// for a packed row also each token's segment (0 the shared prompt, k the k-th follow-up) and position.
    /// </summary>
    public readonly record struct MaskedRow(long[] Inputs, long[] Targets, float[] Weights, long[]? Segments = null, long[]? PositionIds = null)
    {
        /// <summary>The inputs and targets alone (the response-only loss needs no weights).</summary>
        public void Deconstruct(out long[] inputs, out long[] targets) => (inputs, targets) = (Inputs, Targets);
    }

    /// <summary>The training row of one example.</summary>
    public static MaskedRow Row(FormattedExample example, float promptWeight = 0)
    {
        if (example.FollowUps is { } followUps) return Packed(example.Prompt, followUps, promptWeight);
        int[] sequence = [.. example.Prompt, .. example.Response];
        var inputs = new long[sequence.Length - 1];
        var targets = new long[sequence.Length - 1];
        var weights = new float[sequence.Length - 1];
        for (int t = 0; t < inputs.Length; t++)
        {
            bool prompt = t + 1 < example.Prompt.Length;
            inputs[t] = sequence[t];
            targets[t] = prompt && promptWeight == 0 ? Gpt.IgnoreIndex : sequence[t + 1];
            weights[t] = prompt ? promptWeight : 1;
        }
        return new(inputs, targets, weights);
    }

    /// <summary>
    /// A packed row: the shared prompt, then each follow-up's prompt and response, each follow-up positioned right
    /// after the shared prompt. A target counts where it continues its own segment (or the shared prompt into the first
    /// follow-up), so every follow-up trains exactly as it would alone after the shared prompt.
    /// </summary>
    static MaskedRow Packed(int[] prompt, IReadOnlyList<FollowUp> followUps, float promptWeight)
    {
        var tokens = new List<(int Id, long Segment, long Position, bool Response)>();
        tokens.AddRange(prompt.Select((id, i) => (id, 0L, (long)i, false)));
        foreach (var (followUp, k) in followUps.Select((f, k) => (f, k + 1L)))
        {
            long position = prompt.Length;
            tokens.AddRange(followUp.Prompt.Select(id => (id, k, position++, false)));
            tokens.AddRange(followUp.Response.Select(id => (id, k, position++, true)));
        }
        int n = tokens.Count - 1;
        var (inputs, targets, weights, segments, positions) = (new long[n], new long[n], new float[n], new long[n], new long[n]);
        for (int t = 0; t < n; t++)
        {
            var (here, next) = (tokens[t], tokens[t + 1]);
            (inputs[t], segments[t], positions[t]) = (here.Id, here.Segment, here.Position);
            bool continues = next.Segment == here.Segment || (here.Segment == 0 && next.Segment == 1);
            float weight = !continues ? 0 : next.Response ? 1 : promptWeight;
            (targets[t], weights[t]) = weight > 0 ? ((long)next.Id, weight) : (Gpt.IgnoreIndex, 0f);
        }
        return new(inputs, targets, weights, segments, positions);
    }

    /// <summary>
    /// A batch of examples, right-padded with <paramref name="padToken"/> (targets ignored): (B, T) and (B, T), with
    /// the weights (B, T) when the prompt's tokens count (<paramref name="promptWeight"/> above 0).
    /// </summary>
    public static Batch Batch(IReadOnlyList<FormattedExample> examples, int padToken, float promptWeight = 0)
    {
        var rows = examples.Select(e => Row(e, promptWeight)).ToList();
        int width = rows.Max(r => r.Inputs.Length);
        var inputs = new long[rows.Count * width];
        var targets = new long[rows.Count * width];
        var weights = new float[rows.Count * width];
        var segments = new long[rows.Count * width];
        var positions = new long[rows.Count * width];
        Array.Fill(inputs, padToken);
        Array.Fill(targets, Gpt.IgnoreIndex);
        Array.Fill(segments, -1);   // pads: a segment of their own, seen by no token of the row
        for (int b = 0; b < rows.Count; b++)
        {
            rows[b].Inputs.CopyTo(inputs, b * width);
            rows[b].Targets.CopyTo(targets, b * width);
            rows[b].Weights.CopyTo(weights, b * width);
            for (int t = 0; t < width; t++) positions[b * width + t] = t;
            // A row that packs nothing is one segment, its positions in order: plain causal attention.
            (rows[b].Segments ?? new long[rows[b].Inputs.Length]).CopyTo(segments, b * width);
            rows[b].PositionIds?.CopyTo(positions, b * width);
        }
        bool packed = rows.Any(r => r.Segments is not null);
        return new Batch(tensor(inputs, [rows.Count, width], ScalarType.Int64, CPU), tensor(targets, [rows.Count, width], ScalarType.Int64, CPU),
            [.. examples.Select(e => (long)e.Prompt.Length)], promptWeight > 0 ? tensor(weights, [rows.Count, width], ScalarType.Float32, CPU) : null,
            packed ? tensor(segments, [rows.Count, width], ScalarType.Int64, CPU) : null, packed ? tensor(positions, [rows.Count, width], ScalarType.Int64, CPU) : null);
    }
}
