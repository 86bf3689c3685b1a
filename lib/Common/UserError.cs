namespace LlmNotebooks;

/// <summary>
/// Bad input of ours to report: a setting, an option, a file or a setup the user can fix. Its message alone says what
/// is wrong and what to do, so it is shown in one line (<see cref="ActionableError"/>); any other exception is a bug.
/// </summary>
public class UserError(string message, Exception? inner = null) : Exception(message, inner);
