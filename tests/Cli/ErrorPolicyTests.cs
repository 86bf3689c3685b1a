using LlmNotebooks.Cli;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Testing;
using Xunit;

namespace LlmNotebooks.Tests.Cli;

/// <summary>Bad input is one line that says what to fix; a bug is its stack trace and a line saying it is one.</summary>
public class ErrorPolicyTests
{
    /// <summary>Commands that fail as library code can fail: with .NET's own exceptions from a mistake of ours.</summary>
    sealed class FailingCommand : Command<FailingCommand.Settings>
    {
        public sealed class Settings : CommandSettings
        {
            [CommandOption("--how <HOW>")] public string How { get; init; } = "";
        }

        public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation) => settings.How switch
        {
            "single" => new[] { 1, 2 }.Single(),                                      // InvalidOperationException
            "duplicate-key" => new[] { "a", "a" }.ToDictionary(k => k).Count,             // ArgumentException
            _ => throw new UserError("the input is bad; use a good one"),
        };
    }

    static CommandAppResult Run(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(config => { CommandLine.Configure(config); config.AddCommand<FailingCommand>("fail"); });
        return app.Run(args);
    }

    [Theory]
    [InlineData("single", "InvalidOperationException")]
    [InlineData("duplicate-key", "ArgumentException")]
    public void A_bug_shows_its_stack_trace_and_says_it_is_a_bug(string how, string type)
    {
        var result = Run("fail", "--how", how);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(type, result.Output);
        Assert.Contains("FailingCommand.Execute", result.Output);   // where it happened
        Assert.Contains("This is a bug in LlmNotebooks", result.Output.Replace("\n", " "));
    }

    [Fact]
    public void Bad_input_is_one_line_without_a_stack_trace()
    {
        var own = Run("fail", "--how", "input");
        Assert.Equal(1, own.ExitCode);
        Assert.Equal("error: the input is bad; use a good one", own.Output.Trim());
        var setting = Run("pretrain", "--preset", "smoke", "--set", "max_stpes=3", "--plan");
        Assert.Equal(1, setting.ExitCode);
        Assert.Single(setting.Output.Trim().Split('\n'));
        Assert.StartsWith("error: unknown setting 'max_stpes'", setting.Output.Trim());
    }

    [Fact]
    public void Described_alike_by_the_notebook_apps()
    {
        Assert.Equal("error: no such file", ActionableError.Describe(new AggregateException(new FileNotFoundException("no such file"))));
        var bug = ActionableError.Describe(new InvalidOperationException("Sequence contains more than one element"));
        Assert.Contains("System.InvalidOperationException: Sequence contains more than one element", bug);
        Assert.EndsWith(ActionableError.BugNote, bug);
    }
}
