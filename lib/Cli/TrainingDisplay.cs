using LlmNotebooks.Training;
using Spectre.Console;

namespace LlmNotebooks.Cli;

/// <summary>
/// Shows a training run: a live progress bar (step, loss, tokens/s, time left) on a terminal, or a plain line every
/// few percent when the output goes to a file or CI log. Messages (evaluations, samples, checkpoints) print above it.
/// </summary>
public static class TrainingDisplay
{
    public static T Run<T>(IAnsiConsole console, string title, Func<TrainingRunHooks, T> train)
    {
        void Message(string text) => console.MarkupLine(Markup.Escape(text));
        if (Platform.Tcmalloc.MissingAdvice() is { } advice) console.MarkupLine($"[yellow]{Markup.Escape(advice)}[/]");
        if (!console.Profile.Capabilities.Interactive)
        {
            long lastShown = 0;
            return train(new TrainingRunHooks(Message, p =>
            {
                long every = Math.Max(1, p.MaxSteps / 20);
                if (p.Step - lastShown < every && p.Step != p.MaxSteps) return;
                lastShown = p.Step;
                console.MarkupLine($"{title} step {p.Step}/{p.MaxSteps}  loss {p.Loss:F4}  {p.TokensPerSecond:N0} tokens/s  ETA {p.Remaining:hh\\:mm\\:ss}");
            }));
        }
        T result = default!;
        console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(title);
                result = train(new TrainingRunHooks(Message, p =>
                {
                    task.MaxValue = p.MaxSteps;
                    task.Value = p.Step;
                    task.Description = $"{title} step {p.Step}/{p.MaxSteps}  loss {p.Loss:F4}  {p.TokensPerSecond:N0} tok/s";
                }));
                task.StopTask();
            });
        return result;
    }

    /// <summary>The closing line of a training command, and its exit code (130 when stopped, as after Ctrl+C).</summary>
    public static int Result(IAnsiConsole console, TrainingResult result, string runFolder)
    {
        console.MarkupLine(result.Reason == StopReason.Completed
            ? $"[green]done[/]: {result.Steps} steps, {result.Tokens:N0} tokens, best validation loss {result.BestValidationLoss:F4}; model {Markup.Escape(Path.Combine(runFolder, Model.ModelFiles.HandIn))}"
            : $"[yellow]stopped[/] at step {result.Steps}; continue with --resume (checkpoint {Markup.Escape(result.LastCheckpoint ?? "")})");
        return result.Reason == StopReason.Completed ? 0 : 130;
    }
}
