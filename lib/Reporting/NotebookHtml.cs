namespace LlmNotebooks.Reporting;

/// <summary>
/// Something a notebook cell shows as HTML when it is the cell's value (a chart, a table, a view of tokens), and as
/// text where there is no HTML to show it in (a notebook run as a console app).
/// </summary>
public interface INotebookHtml
{
    string ToHtml();

    /// <summary>The same, as plain text: the HTML without its tags.</summary>
    string ToText() => System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(
        System.Text.RegularExpressions.Regex.Replace(ToHtml(), "<(br|/p|/div|/tr)[^>]*>", "\n"), "<[^>]+>", "")).Trim();
}

/// <summary>
/// A piece of HTML for a notebook cell. The kernel's own <c>HTML(…)</c> helper makes the C# compiler warn (CS1701,
/// about the kernel's own assemblies), which reads as an error to a student; this shows the same without a warning.
/// </summary>
[TypeFormatterSource(typeof(NotebookHtmlFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed record NotebookHtml(string Html) : INotebookHtml
{
    public string ToHtml() => Html;
}

/// <summary>
/// .NET Interactive finds a type's formatters through an attribute of this name, matched by name: the library needs
/// no reference to the kernel's assemblies, whose versions differ from editor to editor.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
    public string[]? PreferredMimeTypes { get; init; }
}

/// <summary>What the kernel asks the attribute's type for: one formatter, writing <see cref="INotebookHtml.ToHtml"/>.</summary>
sealed class NotebookHtmlFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters() => [new HtmlFormatter()];

    /// <summary>The kernel reads <see cref="MimeType"/> and calls <see cref="Format"/>, both by name.</summary>
    sealed class HtmlFormatter
    {
        public string MimeType => "text/html";

        public bool Format(object value, TextWriter writer)
        {
            if (value is not INotebookHtml html) return false;
            writer.Write(html.ToHtml());
            return true;
        }
    }
}
