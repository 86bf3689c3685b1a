using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmNotebooks.NotebookTool;
using LlmNotebooks.Notebooks;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>
/// The notebooks through Jupyter's own tools (Debian's jupyter-nbconvert and jupyter-client; `.ci/run` installs them):
/// rendered with no kernel, as GitHub and nbviewer render them, and executed by Jupyter in the pinned kernel, as
/// JupyterLab and VS Code's Jupyter extension run them. Skipped, with the reason, where Jupyter is not installed.
/// </summary>
[Collection(NotebookCollection.Name)]
public class JupyterTests
{
    static void RequireJupyter() =>
        Skip.If(TestEnvironment.OnPath("jupyter-nbconvert") is null || TestEnvironment.OnPath("jupyter-kernelspec") is null,
            "Jupyter is not installed (apt-get install jupyter-nbconvert jupyter-client)");

    [SkippableTheory]
    [MemberData(nameof(NotebookTests.AllNotebooks), MemberType = typeof(NotebookTests))]
    public void Rendered_to_html_without_a_kernel_every_chart_is_an_image(string name)
    {
        RequireJupyter();
        var notebook = Path.Combine(ProjectPaths.Notebooks, name + ".ipynb");
        var charts = NotebookFile.Load(notebook).Cells.Sum(c => c.Charts);

        var result = TestEnvironment.Run("jupyter-nbconvert", ["--to", "html", "--stdout", notebook], new Dictionary<string, string>(), TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        var images = Regex.Matches(result.Output, $"""class="{ChartHtml.ChartClass}"[^>]*><img src="data:image/png;base64,""").Count;
        Assert.Equal(charts, images);
    }

    [SkippableFact]
    public void Jupyter_executes_a_notebook_in_the_pinned_kernel()
    {
        RequireJupyter();
        var jupyter = TestEnvironment.TempFolder().FullName;
        Directory.CreateDirectory(Path.Combine(jupyter, "kernels"));   // a kernel registry of this test's own, not the user's
        var install = TestEnvironment.RunDotnet(["interactive", "jupyter", "install", "--path", Path.Combine(jupyter, "kernels")],
            new Dictionary<string, string>(), TimeSpan.FromMinutes(2));
        Assert.True(install.ExitCode == 0, install.ToString());
        var output = TestEnvironment.TempFolder().FullName;

        var result = TestEnvironment.Run("jupyter-nbconvert",
            ["--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=.net-csharp", "--ExecutePreprocessor.timeout=600",
             "--output-dir", output, Path.Combine(ProjectPaths.Notebooks, "02-attention.ipynb")],
            new Dictionary<string, string> { ["JUPYTER_PATH"] = jupyter }, TimeSpan.FromMinutes(10));

        Assert.True(result.ExitCode == 0, result.ToString());
        var executed = NotebookFile.Load(Path.Combine(output, "02-attention.ipynb"));
        var outputs = executed.Cells.SelectMany(c => c.Outputs.OfType<JsonObject>()).ToList();
        Assert.DoesNotContain(outputs, o => (string?)o["output_type"] == "error");
        // The kernel's first output is its own bootstrap script; then the first cell's line.
        Assert.StartsWith("ok: library built", NotebookFile.Text(outputs.First(o => (string?)o["output_type"] == "stream")["text"]));
        Assert.Equal(5, executed.Cells.Sum(c => c.Charts));
    }
}
