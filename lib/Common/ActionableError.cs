namespace LlmNotebooks;

/// <summary>An error whose message alone tells the user what is wrong and what to do: it is shown in one line.</summary>
public interface IActionableError;

public static class ActionableError
{
    /// <summary>
    /// Whether to show <paramref name="e"/> as its message alone: bad input, a missing file, an unusable setup. Anything
    /// else is a bug, shown with its stack trace.
    /// </summary>
    public static bool Is(Exception e) =>
        e is IActionableError or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or InvalidOperationException;
}
