using System.Text.Json.Nodes;
using LlmNotebooks.NotebookTool;
using LlmNotebooks.Notebooks;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>
/// The notebooks are committed with their outputs, so GitHub, nbviewer and an editor show every table and chart before
/// anything runs. Those outputs must come from the code beside them: a notebook edited since its outputs were recorded
/// fails here until `notebooks run --record` runs it again.
/// </summary>
public class CommittedNotebookTests
{
    [Theory]
    [MemberData(nameof(NotebookTests.AllNotebooks), MemberType = typeof(NotebookTests))]
    public void Committed_outputs_come_from_the_code_beside_them_and_show_charts_as_images(string name)
    {
        var notebook = NotebookFile.Load(Path.Combine(ProjectPaths.Notebooks, name + ".ipynb"));
        var record = $"dotnet run -c Release -- notebooks run {name} --record";

        var stamp = notebook.Outputs ?? throw new Xunit.Sdk.XunitException($"{name}.ipynb has no recorded outputs: run `{record}`");
        Assert.True(stamp.CodeSha256 == notebook.CodeHash, $"{name}.ipynb was edited after its outputs were recorded ({stamp.Date}): run `{record}`");
        Assert.DoesNotContain("scale", stamp.Parameters.Keys);   // recorded at the notebook's own scale, not smoke

        var code = notebook.Cells.Where(c => c.IsCode).ToList();
        Assert.All(code, c => Assert.NotNull(c.ExecutionCount));
        Assert.All(code.Where(c => c.Tags.Contains(NotebookFile.ChartTag)), c =>
        {
            var charts = c.Outputs.OfType<JsonObject>().Where(o => NotebookFile.ChartsIn(o) > 0).ToList();
            Assert.NotEmpty(charts);
            // Viewers that run no script (GitHub, nbviewer, nbconvert) show the PNG.
            Assert.All(charts, o => Assert.StartsWith("iVBORw0KGgo", (string?)o["data"]!["image/png"]));
        });
    }
}
