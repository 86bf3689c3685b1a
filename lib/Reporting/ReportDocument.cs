using System.Globalization;
using System.Text;

namespace LlmNotebooks.Reporting;

/// <summary>A piece of the report: markdown text, or a figure with the file name of its PNG.</summary>
public abstract record ReportBlock;
public sealed record ReportText(string Markdown) : ReportBlock;
public sealed record ReportChart(Figure Figure, string File) : ReportBlock;

/// <summary>
/// The report as it is composed: its blocks in order, and every number written into it with the file it was read
/// from. Sections write numbers only through <see cref="N"/> and <see cref="Duration"/>, so a test can check that
/// none was typed in.
/// </summary>
public sealed class ReportDocument
{
    public const string FiguresFolder = "figures";

    readonly List<ReportBlock> _blocks = [];
    readonly List<(string Text, string Source)> _numbers = [];
    readonly HashSet<string> _figureNames = [];

    public IReadOnlyList<ReportBlock> Blocks => _blocks;
    public IReadOnlyList<(string Text, string Source)> Numbers => _numbers;

    /// <summary>A number for the report, recorded with its source.</summary>
    public string N(double value, string format, string source)
    {
        var text = value.ToString(format, CultureInfo.InvariantCulture);
        _numbers.Add((text, source));
        return text;
    }

    /// <summary>Text read from a file (a decoder's description, a metric's name) with the numbers in it, each recorded with its source.</summary>
    public string Q(string text, string source)
    {
        foreach (System.Text.RegularExpressions.Match number in System.Text.RegularExpressions.Regex.Matches(text, @"\d[\d,]*(\.\d+)?"))
            _numbers.Add((number.Value.TrimEnd(','), source));
        return text;
    }

    /// <summary>A duration as "1h 09m", "3m 05s" or "42s", each part recorded with its source.</summary>
    public string Duration(double seconds, string source)
    {
        var span = TimeSpan.FromSeconds(seconds);
        var text = span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:D2}m" : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds:D2}s" : $"{span.TotalSeconds:F0}s";
        foreach (var part in text.Split(' ')) _numbers.Add((part.TrimEnd('h', 'm', 's'), source));
        return text;
    }

    public void Md(string markdown) => _blocks.Add(new ReportText(markdown));

    public void Fig(Figure figure)
    {
        var name = figure.Slug;
        for (int i = 2; !_figureNames.Add(name); i++) name = $"{figure.Slug}-{i}";
        _blocks.Add(new ReportChart(figure, $"{FiguresFolder}/{name}.png"));
    }

    public static string Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rows)
    {
        var text = new StringBuilder();
        var head = headers.ToList();
        text.AppendLine($"| {string.Join(" | ", head)} |");
        text.AppendLine($"|{string.Concat(head.Select(_ => "---|"))}");
        foreach (var row in rows) text.AppendLine($"| {string.Join(" | ", row.Select(Cell))} |");
        return text.ToString();
    }

    static string Cell(string text) => text.Replace("|", "\\|").Replace("\r", "").Replace("\n", " ⏎ ");

    public static string Short(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
