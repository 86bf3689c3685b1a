using System.Text.Json.Nodes;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>
/// Every notebook in notebooks/ runs headless at smoke scale through the command line, exactly as a user would run
/// it, so what a student reads is what is tested.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookTests
{
    public static TheoryData<string> AllNotebooks() =>
        new(Directory.GetFiles(ProjectPaths.Notebooks, "*.ipynb").Select(Path.GetFileNameWithoutExtension).Order()!);

    /// <summary>Notebooks that read nothing from the data folder and so run on a clone without ../shared/data.</summary>
    static readonly HashSet<string> WithoutData = ["00-setup"];

    [SkippableTheory]
    [MemberData(nameof(AllNotebooks))]
    public void Notebook_runs_top_to_bottom_at_smoke_scale(string notebook)
    {
        if (!WithoutData.Contains(notebook)) TestEnvironment.RequireData("");
        var output = TestEnvironment.TempFolder();

        var result = TestEnvironment.RunCli("notebooks", "run", notebook, "--set", "scale=smoke",
            "--set", $"dataFolder={TestEnvironment.DataFolder}", "--out", output.FullName);

        Assert.True(result.ExitCode == 0, result.ToString());
        var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(output.FullName, notebook + ".ipynb")))!;
        var codeCells = executed["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ToList();
        Assert.All(codeCells, c => Assert.NotNull((int?)c!["execution_count"]));
        Assert.DoesNotContain(codeCells.SelectMany(c => c!["outputs"]!.AsArray()), o => (string?)o!["output_type"] == "error");
    }

    [Fact]
    public void A_failing_cell_stops_the_run_names_the_cell_and_fails_the_command()
    {
        var folder = TestEnvironment.TempFolder();
        var notebook = Path.Combine(folder.FullName, "broken.ipynb");
        File.WriteAllText(notebook, NotebookJson(
            ("markdown", "# A deliberately broken notebook"),
            ("code", "Console.WriteLine(\"first cell ran\");"),
            ("code", "throw new InvalidOperationException(\"deliberately broken\");"),
            ("code", "Console.WriteLine(\"must never run\");")));

        var result = TestEnvironment.RunCli("notebooks", "run", notebook, "--out", folder.FullName + "/out");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken.ipynb: cell 3 failed", result.Output);
        Assert.Contains("deliberately broken", result.Output);
        var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.FullName, "out", "broken.ipynb")))!["cells"]!.AsArray();
        Assert.Contains("first cell ran", executed[1]!["outputs"]!.ToJsonString());
        Assert.Equal("error", (string?)executed[2]!["outputs"]![0]!["output_type"]);
        Assert.Empty(executed[3]!["outputs"]!.AsArray());
    }

    [Fact]
    public void Parameters_are_overridden_by_name_with_the_declared_type()
    {
        var folder = TestEnvironment.TempFolder();
        var notebook = Path.Combine(folder.FullName, "parameters.ipynb");
        File.WriteAllText(notebook, NotebookJson(
            ("code", "// Parameters\nvar steps = 10;\nvar scale = \"full\";"),
            ("code", "Console.WriteLine($\"{scale}:{steps * 2}\");")));

        var ok = TestEnvironment.RunCli("notebooks", "run", notebook, "--set", "steps=21", "--set", "scale=smoke", "--out", folder.FullName + "/out");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("smoke:42", File.ReadAllText(Path.Combine(folder.FullName, "out", "parameters.ipynb")));

        var unknown = TestEnvironment.RunCli("notebooks", "run", notebook, "--set", "stpes=3", "--out", folder.FullName + "/out");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown parameter 'stpes'", unknown.Output);

        var mistyped = TestEnvironment.RunCli("notebooks", "run", notebook, "--set", "steps=many", "--out", folder.FullName + "/out");
        Assert.Equal(1, mistyped.ExitCode);
        Assert.Contains("parameter 'steps' expects Int32, got 'many'", mistyped.Output);
    }

    static string NotebookJson(params (string Kind, string Source)[] cells)
    {
        var array = new JsonArray();
        foreach (var (kind, source) in cells)
        {
            var cell = new JsonObject { ["cell_type"] = kind, ["metadata"] = new JsonObject(), ["source"] = source };
            if (kind == "code")
            {
                cell["execution_count"] = null;
                cell["outputs"] = new JsonArray();
                cell["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } };
            }
            array.Add(cell);
        }
        return new JsonObject
        {
            ["cells"] = array,
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#", ["display_name"] = ".NET (C#)" } },
            ["nbformat"] = 4, ["nbformat_minor"] = 5,
        }.ToJsonString();
    }
}

/// <summary>Notebook runs are whole processes using torch; running them one at a time keeps the cores for them.</summary>
[CollectionDefinition(Name)]
public class NotebookCollection
{
    public const string Name = "notebooks";
}
