namespace LlmNotebooks.Generation;

/// <summary>
/// What a token-by-token decode has written, one row per prompt, and which rows have stopped (on a stop token, which
/// is not kept). The step iterator owns it and appends each step's tokens before it yields; callers only read it.
/// </summary>
public sealed class DecodeState
{
    readonly List<int>[] _outputs;
    readonly bool[] _stopped;
    readonly IReadOnlyCollection<int> _stops;

    internal DecodeState(int rows, IReadOnlyCollection<int>? stops)
    {
        _outputs = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        _stopped = new bool[rows];
        _stops = stops ?? [];
    }

    /// <summary>Each row's tokens so far, without its stop token.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Outputs => _outputs;

    public bool Stopped(int row) => _stopped[row];

    public bool AllStopped => _stopped.All(s => s);

    /// <summary>One step's token per row: kept, or the row stops; a stopped row ignores the rest.</summary>
    internal void Append(int[] next)
    {
        for (int row = 0; row < next.Length; row++)
        {
            if (_stopped[row]) continue;
            if (_stops.Contains(next[row])) _stopped[row] = true;
            else _outputs[row].Add(next[row]);
        }
    }
}
