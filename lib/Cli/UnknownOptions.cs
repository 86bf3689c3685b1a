using System.Reflection;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>A command line the program cannot take: one line, exit code 2, as for a parse error.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Rejects what a command does not take, before it runs: a student's typo (<c>--prest cpu</c>, <c>--max-step</c>)
/// would otherwise run the default without a word. The error names the option and the command's closest one.
/// </summary>
sealed class UnknownOptions : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        var unknown = context.Remaining.Parsed.Select(p => p.Key).Concat(context.Remaining.Raw).FirstOrDefault();
        if (unknown is null) return;
        var options = settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SelectMany(p => p.GetCustomAttribute<CommandOptionAttribute>()?.LongNames ?? []).Select(n => $"--{n}").ToList();
        var given = unknown.StartsWith('-') ? unknown : $"--{unknown}";
        // The command as typed: "bench model", not only "model".
        var command = string.Join(' ', context.Arguments.TakeWhile(a => !a.StartsWith('-')).Reverse().SkipWhile(a => a != context.Name).Reverse());
        throw new UsageException($"{(command.Length > 0 ? command : context.Name)} does not take {given}{Suggestion(given, options, settings)}" +
            (options.Count > 0 ? $" (its options: {string.Join(", ", options.Order())}; --help explains them)" : " (it takes no options; --help explains it)"));
    }

    /// <summary>"; did you mean --preset?", or for a training setting typed as an option, "; did you mean --set max_steps=…?".</summary>
    static string Suggestion(string given, IReadOnlyList<string> options, CommandSettings settings)
    {
        bool Close(string candidate, string typed) => Distance(candidate, typed) <= Math.Max(2, typed.Length / 3);
        if (options.MinBy(o => Distance(o, given)) is { } option && Close(option, given)) return $"; did you mean {option}?";
        if (settings is not TrainingSettings) return "";
        var key = given.TrimStart('-').Replace('-', '_');
        var keys = Training.TrainingConfigs.Keys(new Training.PretrainingConfig()).Union(Training.TrainingConfigs.Keys(new Finetune.FinetuningConfig()));
        return keys.MinBy(k => Distance(k, key)) is { } setting && Close(setting, key) ? $"; did you mean --set {setting}=…?" : "";
    }

    /// <summary>Edits (insertions, deletions, substitutions) between two names.</summary>
    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
