using LlmNotebooks.Notebooks;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Notebooks;

/// <summary>What a notebook's values look like outside an editor (a console, a file-based app): tables as aligned text, charts as files.</summary>
public class ShowTests
{
    [Fact]
    public void A_table_has_one_column_per_property_in_order_with_numbers_formatted_for_reading()
    {
        var table = new[] { new { Task = "squad", Score = 0.123456, Examples = 12000 }, new { Task = "cnn_dailymail", Score = 2.5, Examples = 7 } }.AsTable();

        Assert.Equal(["Task", "Score", "Examples"], table.Columns);
        Assert.Equal(["squad", "0.1235", "12,000"], table.Rows[0]);
        var lines = table.ToText().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("Task           Score   Examples", lines[0]);
        Assert.Equal("cnn_dailymail  2.5     7", lines[3]);
        Assert.Contains("<th>Task</th>", table.ToHtml());
        Assert.Contains("<td style=\"text-align:left\">12,000</td>", table.ToHtml());
    }

    [Fact]
    public void A_long_cell_is_cut_on_the_console_and_whole_in_html()
    {
        var text = new string('x', 100) + "\nend";
        var table = new[] { new { Text = text } }.AsTable();

        Assert.Equal(60, table.ToText().Split('\n')[2].Length);
        Assert.EndsWith("…", table.ToText());
        Assert.Contains(new string('x', 100), table.ToHtml());
    }

    [Fact]
    public void Outside_an_editor_a_chart_is_written_as_a_page_with_its_png_and_a_sequence_as_a_table()
    {
        Assert.False(Show.InKernel);
        var folder = TestEnvironment.TempFolder().FullName;
        var previous = Show.Folder;
        Show.Folder = folder;
        try
        {
            var figure = new LineFigure("Loss by step", "step", "loss", [new Series("train", [1, 2, 3], [3.0, 2.0, 1.5])]);
            Show.Value(figure);

            var png = Assert.Single(Directory.GetFiles(folder, "*.png"));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
            var page = File.ReadAllText(Assert.Single(Directory.GetFiles(folder, "*.html")));
            Assert.Contains($"src=\"{Path.GetFileName(png)}\"", page);
            Assert.Contains($"<script src=\"{ChartHtml.PlotlyFile}\">", page);
            Assert.True(File.Exists(Path.Combine(folder, ChartHtml.PlotlyFile)), "the page works offline");
            Assert.EndsWith("loss-by-step.png", png);
        }
        finally
        {
            Show.Folder = previous;
        }
        Assert.Equal("Value\n-----\n1\n2", Show.Text(new List<int> { 1, 2 }).ReplaceLineEndings("\n"));
        Assert.Equal("[chart: Loss by step]", Show.Text(new LineFigure("Loss by step", "step", "loss", [])));
    }
}
