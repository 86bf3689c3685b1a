using LlmNotebooks;
using LlmNotebooks.Cli;
using LlmNotebooks.NotebookTool;
using Spectre.Console;
using Spectre.Console.Cli;

// The notebook tool's commands, with the options `notebooks run` and `notebooks apps` show in the main program's help.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("dotnet run -c Release -- notebooks");
    config.SetExceptionHandler((e, _) =>
    {
        AnsiConsole.Console.WriteLine(ActionableError.Describe(e));
        return 1;
    });
    config.AddCommand<RunCommand>("run");
    config.AddCommand<AppsCommand>("apps");
});
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;
// Ctrl+C stops the running notebook and its kernel cleanly.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = !cancellation.IsCancellationRequested; cancellation.Cancel(); };
return await app.RunAsync(args, cancellation.Token);
