using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace LlmNotebooks.Reporting;

/// <summary>
/// Rows a notebook shows as a table: an HTML table in an editor, aligned text on a console. The columns are the rows'
/// public properties (an anonymous type's members, a record's), in declaration order.
/// </summary>
[TypeFormatterSource(typeof(NotebookHtmlFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record TableView(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows) : INotebookHtml
{
    public static TableView Of<T>(IEnumerable<T> rows)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToList();
        return new TableView([.. properties.Select(p => p.Name)],
            [.. rows.Select(row => (IReadOnlyList<string>)[.. properties.Select(p => Cell(p.GetValue(row)))])]);
    }

    static string Cell(object? value) => value switch
    {
        null => "",
        double d => d.ToString(Math.Abs(d) >= 1000 ? "N0" : "0.####", CultureInfo.InvariantCulture),
        float f => Cell((double)f),
        int or long => ((IFormattable)value).ToString("N0", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public string ToHtml()
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (var column in Columns) html.Append($"<th>{WebUtility.HtmlEncode(column)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
            html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td style=\"text-align:left\">{WebUtility.HtmlEncode(c)}</td>"))).Append("</tr>");
        return html.Append("</tbody></table>").ToString();
    }

    public string ToText()
    {
        const int widest = 60;
        string Fit(string text) => (text.Length > widest ? text[..(widest - 1)] + "…" : text).ReplaceLineEndings(" ");
        var widths = Columns.Select((c, i) => Rows.Select(r => Fit(r[i]).Length).Append(c.Length).Max()).ToList();
        var text = new StringBuilder();
        void Line(IEnumerable<string> cells) => text.AppendLine(string.Join("  ", cells.Select((c, i) => Fit(c).PadRight(widths[i]))).TrimEnd());
        Line(Columns);
        Line(widths.Select(w => new string('-', w)));
        foreach (var row in Rows) Line(row);
        return text.ToString().TrimEnd();
    }
}

public static class TableViewExtensions
{
    /// <summary>These rows as a table: <c>rows.AsTable()</c> as a cell's value shows them.</summary>
    public static TableView AsTable<T>(this IEnumerable<T> rows) => TableView.Of(rows);
}
