using System.Text.Json.Nodes;
using LlmNotebooks.NotebookTool;
using LlmNotebooks.Notebooks;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>
/// Every notebook in notebooks/ runs at smoke scale in the real .NET Interactive kernel (a separate dotnet-interactive
/// process, the one VS Code and Jupyter start), through the command line, as a user would run it. The checks are
/// what a student sees: every cell ran, no error and no compiler warning in any output, and every cell tagged to
/// show a chart shows one.
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
    public void Notebook_runs_top_to_bottom_in_the_real_kernel_at_smoke_scale(string notebook)
    {
        if (!WithoutData.Contains(notebook)) TestEnvironment.RequireData("");
        var output = TestEnvironment.TempFolder();

        var result = TestEnvironment.RunNotebookTool("run", notebook, "--set", "scale=smoke",
            "--set", $"dataFolder={TestEnvironment.DataFolder}", "--out", output.FullName, "--cell-timeout", "8");

        Assert.True(result.ExitCode == 0, result.ToString());
        var source = Cells(Path.Combine(ProjectPaths.Notebooks, notebook + ".ipynb"));
        var executed = Cells(Path.Combine(output.FullName, notebook + ".ipynb"));
        Assert.Equal(source.Count, executed.Count);
        var code = executed.Where(c => (string?)c["cell_type"] == "code").ToList();
        Assert.All(code, c => Assert.NotNull((int?)c["execution_count"]));
        var outputs = code.SelectMany(c => c["outputs"]!.AsArray()).OfType<JsonObject>().ToList();
        Assert.DoesNotContain(outputs, o => (string?)o["output_type"] == "error");
        Assert.DoesNotContain(outputs, o => ((string?)o["text"] ?? "").Contains("warning CS"));
        Assert.All(executed, c => Assert.False(string.IsNullOrEmpty((string?)c["id"]), "nbformat 4.5 cells need an id"));
        // The first code cell checks the setup and says so in one line.
        Assert.StartsWith("ok: library built", (string?)code[0]["outputs"]![0]!["text"]);
        var chartCells = NotebookFile.Load(Path.Combine(output.FullName, notebook + ".ipynb")).Cells.Where(c => c.Tags.Contains(NotebookFile.ChartTag)).ToList();
        Assert.All(chartCells, c => Assert.True(c.Charts > 0, $"cell {c.Number} is tagged to show a chart but shows none"));
        if (notebook != "00-setup") Assert.NotEmpty(chartCells);
    }

    [SkippableFact]
    public void The_tokenize_notebook_runs_on_a_data_folder_holding_only_what_data_download_fetches()
    {
        TestEnvironment.RequireData("");
        var data = TestEnvironment.TempFolder();
        foreach (var dataset in LlmNotebooks.Tasks.TaskRegistry.Downloads)
            Directory.CreateSymbolicLink(Path.Combine(data.FullName, dataset.Folder), Path.Combine(TestEnvironment.DataFolder, dataset.Folder));
        var output = TestEnvironment.TempFolder();

        var result = TestEnvironment.RunNotebookTool("run", "01-tokenize", "--set", "scale=smoke",
            "--set", $"dataFolder={data.FullName}", "--out", output.FullName, "--cell-timeout", "8");

        Assert.True(result.ExitCode == 0, result.ToString());
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

        var result = TestEnvironment.RunNotebookTool("run", notebook, "--out", folder.FullName + "/out");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken.ipynb: cell 3 failed", result.Output);
        Assert.Contains("deliberately broken", result.Output);
        var executed = Cells(Path.Combine(folder.FullName, "out", "broken.ipynb"));
        Assert.Contains("first cell ran", executed[1]["outputs"]!.ToJsonString());
        Assert.Equal("error", (string?)executed[2]["outputs"]![0]!["output_type"]);
        Assert.Empty(executed[3]["outputs"]!.AsArray());
    }

    [Fact]
    public void Parameters_are_overridden_by_name_with_the_declared_type()
    {
        var folder = TestEnvironment.TempFolder();
        var notebook = Path.Combine(folder.FullName, "parameters.ipynb");
        File.WriteAllText(notebook, NotebookJson(
            ("code", "// Parameters\nvar steps = 10;\nvar scale = \"full\";\nvar rate = 0.5;"),
            ("code", "Console.WriteLine($\"{scale}:{steps * 2}:{rate * 2}\");")));

        var ok = TestEnvironment.RunNotebookTool("run", notebook, "--set", "steps=21", "--set", "scale=smo\"ke", "--set", "rate=1.5", "--out", folder.FullName + "/out");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("smo\\\"ke:42:3", File.ReadAllText(Path.Combine(folder.FullName, "out", "parameters.ipynb")));

        var unknown = TestEnvironment.RunNotebookTool("run", notebook, "--set", "stpes=3", "--out", folder.FullName + "/out");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown parameter 'stpes'", unknown.Output);

        var mistyped = TestEnvironment.RunNotebookTool("run", notebook, "--set", "steps=many", "--out", folder.FullName + "/out");
        Assert.Equal(1, mistyped.ExitCode);
        Assert.Contains("parameter 'steps' expects Int32, got 'many'", mistyped.Output);
    }

    [Fact]
    public void A_compiler_warning_a_missing_chart_and_a_lost_display_update_each_fail_the_cell()
    {
        var folder = TestEnvironment.TempFolder();
        var warning = Path.Combine(folder.FullName, "warning.ipynb");
        File.WriteAllText(warning, NotebookJson(("code", "string? maybe = null;")));   // CS8632 outside a nullable context
        var warned = TestEnvironment.RunNotebookTool("run", warning, "--out", folder.FullName + "/out");
        Assert.Equal(1, warned.ExitCode);
        Assert.Contains("cell 1 failed: compiler warning", warned.Output);
        Assert.Contains("CS8632", warned.Output);

        var chart = Path.Combine(folder.FullName, "chart.ipynb");
        File.WriteAllText(chart, NotebookJson(("chart", "Console.WriteLine(\"no chart here\");")));
        var noChart = TestEnvironment.RunNotebookTool("run", chart, "--out", folder.FullName + "/out");
        Assert.Equal(1, noChart.ExitCode);
        Assert.Contains("cell 1 failed: the cell is tagged to show a chart but showed none", noChart.Output);

        // value.Display() in this kernel version publishes one display and returns another, so its updates are lost.
        var update = Path.Combine(folder.FullName, "update.ipynb");
        File.WriteAllText(update, NotebookJson(("code", "var shown = \"first\".Display();\nshown.Update(\"second\");")));
        var lost = TestEnvironment.RunNotebookTool("run", update, "--out", folder.FullName + "/out");
        Assert.Equal(1, lost.ExitCode);
        Assert.Contains("an update of a display the editor never showed", lost.Output);
    }

    [Fact]
    public void The_first_cell_says_in_one_line_that_the_library_is_not_built_or_is_stale()
    {
        // A clone-shaped folder with the notebooks' setup check and no build.
        var clone = TestEnvironment.TempFolder();
        Directory.CreateDirectory(Path.Combine(clone.FullName, "notebooks"));
        Directory.CreateDirectory(Path.Combine(clone.FullName, "lib"));
        File.WriteAllText(Path.Combine(clone.FullName, ProjectPaths.ProjectFile), "<Project />");
        File.Copy(Path.Combine(ProjectPaths.Notebooks, "check.csx"), Path.Combine(clone.FullName, "notebooks", "check.csx"));
        var notebook = Path.Combine(clone.FullName, "notebooks", "first.ipynb");
        File.WriteAllText(notebook, NotebookJson(("code", "#load \"check.csx\"")));

        var unbuilt = TestEnvironment.RunNotebookTool("run", notebook, "--out", clone.FullName + "/out");
        Assert.Equal(1, unbuilt.ExitCode);
        Assert.Contains($"The library is not built: run `dotnet build -c Release` in {clone.FullName}, then restart the kernel.", unbuilt.Output);
        var error = Cells(Path.Combine(clone.FullName, "out", "first.ipynb"))[0]["outputs"]![0]!;
        Assert.Single(error["traceback"]!.AsArray());   // one line, no stack trace

        var library = Path.Combine(clone.FullName, "bin", "Release", "net10.0", "LlmNotebooks.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(library)!);
        File.WriteAllText(library, "");
        File.SetLastWriteTimeUtc(library, DateTime.UtcNow.AddHours(-1));
        File.WriteAllText(Path.Combine(clone.FullName, "lib", "Changed.cs"), "// edited after the build");
        var stale = TestEnvironment.RunNotebookTool("run", notebook, "--out", clone.FullName + "/out");
        Assert.Equal(1, stale.ExitCode);
        Assert.Contains("The library is older than lib/Changed.cs: run `dotnet build -c Release`", stale.Output);
    }

    static List<JsonObject> Cells(string path) => [.. JsonNode.Parse(File.ReadAllText(path))!["cells"]!.AsArray().OfType<JsonObject>()];

    /// <summary>A notebook as VS Code saves it; a cell of kind "chart" is a code cell tagged to show a chart.</summary>
    internal static string NotebookJson(params (string Kind, string Source)[] cells)
    {
        var array = new JsonArray();
        foreach (var (kind, source) in cells)
        {
            var cell = new JsonObject { ["cell_type"] = kind == "chart" ? "code" : kind, ["metadata"] = new JsonObject(), ["source"] = source };
            if (kind is "code" or "chart")
            {
                cell["execution_count"] = null;
                cell["outputs"] = new JsonArray();
                cell["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } };
                if (kind == "chart") cell["metadata"]!["tags"] = new JsonArray(NotebookFile.ChartTag);
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
