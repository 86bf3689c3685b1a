using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Data;

/// <summary>One SQuAD answer: its text and its offset in the context as a .NET string index (UTF-16 code units).</summary>
public sealed record QaAnswer(string Text, int Start);

/// <summary>A SQuAD v1.1 question about a paragraph, with every gold answer (dev has several per question).</summary>
public sealed record QaExample(string Id, string Title, string Context, string Question, IReadOnlyList<QaAnswer> Answers);

/// <summary>
/// SQuAD v1.1 from the official JSON (<c>data[].paragraphs[].qas[]</c>) or Hugging Face parquet
/// (<c>id,title,context,question,answers{text,answer_start}</c>). An answer whose text is not at its offset is
/// reported and dropped; a question left without answers is skipped. The files give offsets in Unicode code points
/// (Python's string indices); they are converted to .NET string indices, which differ after any character outside
/// the Basic Multilingual Plane (cuneiform, rare CJK, emoji).
/// </summary>
public static class Squad
{
    public static IEnumerable<QaExample> Read(IEnumerable<string> files, DataIssues issues) => files.SelectMany(f => Read(f, issues));

    public static IEnumerable<QaExample> Read(string file, DataIssues issues) => DataFormat.Of(file) switch
    {
        DataFormat.Kind.Json => ReadJson(file, issues),
        DataFormat.Kind.Parquet => ParquetRows.Read<Row>(file, "id", "context", "question", "answers")
            .Select(r => Example(file, r.Value.Id ?? $"row {r.Row}", r.Value.Title ?? "", r.Value.Context, r.Value.Question,
                Answers(r.Value.Answers), issues)).OfType<QaExample>(),
        var kind => throw new InvalidDataException($"{file}: {kind} is not a SQuAD format (use the official .json or .parquet)"),
    };

    static IEnumerable<QaExample> ReadJson(string file, DataIssues issues)
    {
        try
        {
            using var stream = DataFile.OpenRead(file);
            using var json = JsonDocument.Parse(stream);
            return Examples(file, json.RootElement, issues);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON (line {e.LineNumber + 1}): {e.Message.Split(". Path")[0]}", e);
        }
        catch (InvalidOperationException e)
        {
            // A string that is not UTF-8 surfaces when it is read: "Cannot transcode invalid UTF-8 JSON text".
            throw new InvalidDataException($"{file}: not UTF-8 JSON ({e.Message}); save it as UTF-8", e);
        }
    }

    /// <summary>Every question of the file, read whole so that a bad string is one error naming the file, not a half-read split.</summary>
    static List<QaExample> Examples(string file, JsonElement root, DataIssues issues)
    {
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{file}: not a SQuAD file (no \"data\" array at the top level)");
        var examples = new List<QaExample>();
        foreach (var article in data.EnumerateArray())
        {
            string title = Text(article, "title") ?? "";
            foreach (var paragraph in Array(article, "paragraphs"))
            {
                string? context = Text(paragraph, "context");
                foreach (var qa in Array(paragraph, "qas"))
                {
                    string id = Text(qa, "id") ?? $"{title}/{Text(qa, "question")}";
                    var answers = Array(qa, "answers").Select(a => (Text(a, "text"), Offset(a))).ToList();
                    if (Example(file, id, title, context, Text(qa, "question"), answers, issues) is { } example) examples.Add(example);
                }
            }
        }
        return examples;
    }

    /// <summary>An answer's answer_start: a number, or a string holding one (some exports write it so); -1 when neither.</summary>
    static int Offset(JsonElement answer) =>
        !answer.TryGetProperty("answer_start", out var start) ? -1
        : start.ValueKind == JsonValueKind.Number && start.TryGetInt32(out int number) ? number
        : start.ValueKind == JsonValueKind.String && int.TryParse(start.GetString(), out int parsed) ? parsed
        : -1;

    static QaExample? Example(string file, string id, string title, string? context, string? question,
        IReadOnlyList<(string? Text, int Start)> answers, DataIssues issues)
    {
        string location = $"id {id}";
        if (string.IsNullOrWhiteSpace(context) || string.IsNullOrWhiteSpace(question))
        {
            issues.Add(file, location, DataIssues.EmptyText, string.IsNullOrWhiteSpace(context) ? "context" : "question");
            return null;
        }
        var valid = new List<QaAnswer>();
        foreach (var (text, codePointStart) in answers)
        {
            int start = Utf16Index(context, codePointStart);
            if (string.IsNullOrEmpty(text) || start < 0 || start + text.Length > context.Length
                || string.CompareOrdinal(context, start, text, 0, text.Length) != 0)
                issues.Add(file, location, DataIssues.AnswerNotAtOffset, $"\"{text}\" at {start}");
            else
                valid.Add(new QaAnswer(text, start));
        }
        if (valid.Count == 0) { issues.Add(file, location, DataIssues.NoValidAnswer); return null; }
        return new QaExample(id, title, context, question, valid);
    }

    /// <summary>The string index of the code point at <paramref name="codePoint"/>, or -1 past the end.</summary>
    public static int Utf16Index(string text, int codePoint)
    {
        if (codePoint < 0) return -1;
        int index = 0;
        for (int i = 0; i < codePoint; i++)
        {
            if (index >= text.Length) return -1;
            index += char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        }
        return index;
    }

    static IReadOnlyList<(string?, int)> Answers(AnswersRow? answers) =>
        answers?.Text is null ? [] : answers.Text.Select((t, i) => ((string?)t, answers.AnswerStart is { } s && i < s.Count ? s[i] : -1)).ToList();

    static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    sealed class Row
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("title")] public string? Title { get; set; }
        [JsonPropertyName("context")] public string? Context { get; set; }
        [JsonPropertyName("question")] public string? Question { get; set; }
        [JsonPropertyName("answers")] public AnswersRow? Answers { get; set; }
    }

    sealed class AnswersRow
    {
        [JsonPropertyName("text")] public List<string>? Text { get; set; }
        [JsonPropertyName("answer_start")] public List<int>? AnswerStart { get; set; }
    }
}
