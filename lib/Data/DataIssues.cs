namespace LlmNotebooks.Data;

/// <summary>
/// One record a reader skipped: where it was and why. The location is a line number for text formats, "row N" for
/// parquet and "id X" for SQuAD's JSON, so <c>file:location</c> leads a user straight to the record.
/// </summary>
public sealed record DataIssue(string File, string Location, string Reason, string? Detail)
{
    public override string ToString() => $"{File}:{Location}: {Reason}{(Detail is null ? "" : $" ({Detail})")}";
}

/// <summary>
/// Bad records are counted, logged and skipped, never fatal: a reader reports each one here and moves on. The
/// counts go into manifests and reports; the first few of each reason are kept (and logged) so a user can look.
/// </summary>
public sealed class DataIssues(Action<DataIssue>? log = null, int examplesPerReason = 5)
{
    public const string MalformedLine = "malformed line";
    public const string InvalidUtf8 = "invalid UTF-8";
    public const string EmptyText = "empty text";
    public const string MissingField = "missing field";
    public const string AnswerNotAtOffset = "answer not found at its offset";
    public const string NoValidAnswer = "no valid answer";
    public const string UnknownLabel = "unknown label";

    readonly Lock _gate = new();
    readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    readonly List<DataIssue> _examples = [];

    public void Add(string file, long line, string reason, string? detail = null) => Add(file, line.ToString(), reason, detail);

    public void Add(string file, string location, string reason, string? detail = null)
    {
        var issue = new DataIssue(file, location, reason, detail);
        bool keep;
        lock (_gate)
        {
            _counts[reason] = _counts.GetValueOrDefault(reason) + 1;
            keep = _counts[reason] <= examplesPerReason;
            if (keep) _examples.Add(issue);
        }
        if (keep) log?.Invoke(issue);
    }

    public int Total { get { lock (_gate) return _counts.Values.Sum(); } }

    public IReadOnlyDictionary<string, int> CountsByReason { get { lock (_gate) return new SortedDictionary<string, int>(_counts); } }

    public IReadOnlyList<DataIssue> Examples { get { lock (_gate) return _examples.ToList(); } }

    public int Count(string reason) { lock (_gate) return _counts.GetValueOrDefault(reason); }

    public override string ToString() => Total == 0 ? "no bad records"
        : string.Join(", ", CountsByReason.Select(c => $"{c.Value} {c.Key}"));
}
