using LlmNotebooks.NotebookTool;
using LlmNotebooks.Notebooks;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>
/// The second form of every notebook: a C# file-based app generated from it (notebooks/apps/), run with plain
/// `dotnet run` and no kernel. Each committed app must be what the generator makes of its notebook today, and must run
/// at smoke scale writing the charts its notebook shows.
/// </summary>
[Collection(NotebookCollection.Name)]   // the apps and the notebooks share their run folders (runs/notebooks/)
public class NotebookAppTests
{
    [Theory]
    [MemberData(nameof(NotebookTests.AllNotebooks), MemberType = typeof(NotebookTests))]
    public void The_committed_app_is_what_its_notebook_generates(string name)
    {
        var notebook = NotebookFile.Load(Path.Combine(ProjectPaths.Notebooks, name + ".ipynb"));
        var app = NotebookAppSource.PathOf(notebook.Path);

        Assert.True(File.Exists(app), $"{name} has no app: run `dotnet run -c Release -- notebooks apps {name}`");
        Assert.True(File.ReadAllText(app) == NotebookAppSource.Generate(notebook),
            $"notebooks/apps/{name}.cs is out of date with {name}.ipynb: run `dotnet run -c Release -- notebooks apps {name}`");
    }

    [Fact]
    public void Kernel_directives_parameters_usings_types_and_shown_values_map_to_a_program()
    {
        var folder = TestEnvironment.TempFolder().FullName;
        File.WriteAllText(Path.Combine(folder, "setup.csx"), "// what every notebook loads\n#r \"../bin/Lib.dll\"\nvar session = 1;\n");
        var path = Path.Combine(folder, "09-demo.ipynb");
        File.WriteAllText(path, NotebookTests.NotebookJson(
            ("markdown", "# Demo\n\nText."),
            ("code", "#load \"check.csx\"\n\n// Parameters\nvar scale = \"full\";   // or smoke\nvar steps = -3;"),
            ("code", "#load \"setup.csx\"\nusing System.Text;\nrecord Pair(int A, int B);\nvar pair = new Pair(session, steps);\npair.A + pair.B"),
            ("code", "Console.WriteLine(scale);")));

        var app = NotebookAppSource.Generate(NotebookFile.Load(path));

        Assert.Equal(Path.Combine(folder, "apps", "09-demo.cs"), NotebookAppSource.PathOf(path));
        Assert.Contains("#:project ../../LlmNotebooks.csproj\n", app);
        Assert.DoesNotContain("#r", app);
        Assert.DoesNotContain("#load", app);
        var lines = app.Split('\n').ToList();
        Assert.True(lines.IndexOf("using System.Text;") < lines.IndexOf("var app = NotebookApp.Start(args, [\"scale\", \"steps\"]);"));
        Assert.Contains("// # Demo\n//\n// Text.\n", app);
        Assert.Contains("var scale = app.Parameter(\"scale\", \"full\");   // or smoke\n", app);
        Assert.Contains("var steps = app.Parameter(\"steps\", -3);", app);
        Assert.Contains("// setup.csx, which the notebook loads:\nvar session = 1;\nvar pair = new Pair(session, steps);\nShow.Value(pair.A + pair.B);\n", app);
        Assert.True(app.IndexOf("record Pair(int A, int B);") > app.IndexOf("Console.WriteLine(scale);"), "types follow the statements");
    }

    [Fact]
    public void A_cell_that_does_not_parse_is_named_with_its_notebook()
    {
        var path = Path.Combine(TestEnvironment.TempFolder().FullName, "09-bad.ipynb");
        File.WriteAllText(path, NotebookTests.NotebookJson(("markdown", "# Bad"), ("code", "var x = (1 + ;")));

        var error = Assert.Throws<InvalidDataException>(() => NotebookAppSource.Generate(NotebookFile.Load(path)));
        Assert.StartsWith($"{path}, cell 2: ", error.Message);
    }

    [SkippableTheory]
    [MemberData(nameof(NotebookTests.AllNotebooks), MemberType = typeof(NotebookTests))]
    public void The_app_runs_with_dotnet_run_at_smoke_scale_and_writes_the_charts_its_notebook_shows(string name)
    {
        if (name != "00-setup") TestEnvironment.RequireData("");
        var charts = TestEnvironment.TempFolder();

        var result = RunApp(name, "--set", "scale=smoke", "--set", $"dataFolder={TestEnvironment.DataFolder}", "--out", charts.FullName);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"ok: {name} as a file-based app", result.Output);
        Assert.DoesNotContain("warning CS", result.Output);
        var shown = NotebookFile.Load(Path.Combine(ProjectPaths.Notebooks, name + ".ipynb")).Cells.Sum(c => c.Charts);
        Assert.Equal(shown, Directory.GetFiles(charts.FullName, "*.png").Length);
        Assert.Equal(shown, Directory.GetFiles(charts.FullName, "*.html").Length);
    }

    [Fact]
    public void A_parameter_the_notebook_lacks_is_one_line_naming_the_ones_it_has()
    {
        var result = RunApp("00-setup", "--set", "scael=smoke");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 00-setup has no parameter 'scael'; it has scale, dataFolder (--set key=value)", result.Output.Trim().Split('\n')[^1]);
        Assert.DoesNotContain("   at ", result.Output);   // no stack trace
    }

    /// <summary>The README's command for an app, from the repository root.</summary>
    static TestEnvironment.CliResult RunApp(string name, params string[] args) =>
        TestEnvironment.RunDotnet(["run", "--file", $"notebooks/apps/{name}.cs", "--", .. args], new Dictionary<string, string>(), TimeSpan.FromMinutes(10));
}
