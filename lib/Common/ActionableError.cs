namespace LlmNotebooks;

/// <summary>
/// How an error reaches the user. Bad input (<see cref="UserError"/>, a file that is missing, unreadable or malformed)
/// is its message alone, in one line: it says what is wrong and the fix. Anything else, .NET's ArgumentException and
/// InvalidOperationException included, is a bug of ours: its stack trace, and a line saying so.
/// </summary>
public static class ActionableError
{
    public const string BugNote = "This is a bug in LlmNotebooks, not a problem with your input: please report it with the command and everything it printed above.";

    /// <summary>Whether <paramref name="e"/> is bad input, to be shown as its message alone.</summary>
    public static bool Is(Exception e) => Unwrap(e) is UserError or IOException or InvalidDataException or UnauthorizedAccessException;

    /// <summary>The one line of bad input, or the bug's whole exception and <see cref="BugNote"/>.</summary>
    public static string Describe(Exception e) => Is(e) ? $"error: {Unwrap(e).Message}" : $"{e}\n{BugNote}";

    /// <summary>Parallel work wraps what one of its items threw; the user needs that one.</summary>
    public static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
}
