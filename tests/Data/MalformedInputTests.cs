using System.IO.Compression;
using System.Text;
using System.Text.Json.Serialization;
using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using Parquet.Serialization;
using Xunit;

namespace LlmNotebooks.Tests.Data;

/// <summary>Readers on small inputs the tests write, good and bad: bad records are counted, located and skipped.</summary>
public class MalformedInputTests
{
    readonly DirectoryInfo _folder = TestEnvironment.TempFolder();

    string Write(string name, params byte[][] lines)
    {
        var path = Path.Combine(_folder.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = lines.SelectMany(l => l.Concat("\n"u8.ToArray())).ToArray();
        if (name.EndsWith(".gz"))
        {
            using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    static byte[] U(string text) => Encoding.UTF8.GetBytes(text);
    static readonly byte[] InvalidUtf8 = [.. "{\"text\": \"caf"u8, 0xC3, 0x28, .. "\"}"u8];

    [Theory]
    [InlineData("web/corpus.jsonl")]
    [InlineData("web/corpus.jsonl.gz")]
    public void Jsonl_bad_lines_are_counted_located_and_skipped(string name)
    {
        var path = Write(name,
            U("{\"text\": \"first document\"}"),
            U("{\"text\": broken"),
            InvalidUtf8,
            U("{\"title\": \"no text\"}"),
            U("{\"text\": \"   \"}"),
            U(""),
            U("{\"text\": \"second document\", \"url\": \"x\"}"));
        var logged = new List<DataIssue>();
        var issues = new DataIssues(logged.Add);

        var documents = PretrainingText.Read(path, issues).ToList();

        Assert.Equal(["first document", "second document"], documents.Select(d => d.Text));
        Assert.Equal("web", documents[0].Source);
        Assert.Equal($"{Path.GetFileName(path)}:7", documents[1].Id);
        Assert.Equal(4, issues.Total);
        Assert.Equal([("2", DataIssues.MalformedLine), ("3", DataIssues.InvalidUtf8), ("4", DataIssues.MissingField), ("5", DataIssues.EmptyText)],
            logged.Select(i => (i.Location, i.Reason)));
        Assert.StartsWith($"{path}:2: malformed line", logged[0].ToString());
    }

    [Fact]
    public async Task Plain_text_is_one_document_and_parquet_has_a_text_column()
    {
        var txt = Path.Combine(_folder.FullName, "books", "one.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(txt)!);
        File.WriteAllText(txt, "Line one.\n\nLine two.\n");
        var parquet = Path.Combine(_folder.FullName, "books", "rows.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new TextRow { Text = "row one" }, new TextRow { Text = "" }, new TextRow { Text = "row three" } }, parquet);
        var issues = new DataIssues();

        var documents = PretrainingText.Read(DataFile.Expand([Path.Combine(_folder.FullName, "books")]), issues).ToList();

        Assert.Equal(["Line one.\n\nLine two.\n", "row one", "row three"], documents.Select(d => d.Text));
        Assert.Equal(1, issues.Count(DataIssues.EmptyText));
        Assert.Equal("row 2", issues.Examples.Single().Location);
    }

    [Fact]
    public void Csv_with_multiline_fields_bad_quoting_and_invalid_utf8()
    {
        var path = Write("cnn/val.csv",
            U("article,highlights,id"),
            U("\"An article, with a comma"),
            U("and a second line with \"\"quotes\"\".\",\"First highlight."),
            U("Second highlight.\",aaa"),
            U("A stray \"quote in an unquoted field,summary,bbb"),
            [.. "Bad bytes "u8, 0xFF, .. ",summary,ccc"u8],
            U("only,two"),
            U("\"Last article.\",\"Its summary.\",ddd"));
        var issues = new DataIssues();

        var examples = CnnDailyMail.Read(path, issues).ToList();

        Assert.Equal(["aaa", "ddd"], examples.Select(e => e.Id));
        Assert.Equal("An article, with a comma\nand a second line with \"quotes\".", examples[0].Article);
        Assert.Equal("First highlight.\nSecond highlight.", examples[0].Highlights);
        Assert.Equal(3, issues.Total);
        Assert.Equal(1, issues.Count(DataIssues.InvalidUtf8));
        Assert.Equal(2, issues.Count(DataIssues.MalformedLine));
        Assert.Contains(issues.Examples, i => i.Reason == DataIssues.InvalidUtf8 && i.Location == "6");
        Assert.Contains(issues.Examples, i => i.Reason == DataIssues.MalformedLine && i.Location == "7");
    }

    [Fact]
    public void Csv_without_the_needed_columns_is_one_clear_error()
    {
        var path = Write("cnn/wrong.csv", U("story,summary"), U("a,b"));
        var error = Assert.Throws<InvalidDataException>(() => CnnDailyMail.Read(path, new DataIssues()).ToList());
        Assert.Contains(path, error.Message);
        Assert.Contains("\"article\"", error.Message);
    }

    [Fact]
    public void Squad_answers_must_sit_at_their_offsets_counted_in_code_points()
    {
        // "𒀭" is one code point but two .NET chars: the offset of "god" is 4 in the file, 5 in the string.
        var json = """
        {"version": "1.1", "data": [{"title": "T", "paragraphs": [{"context": "𒀭 a god of the sky", "qas": [
          {"id": "ok", "question": "Who?", "answers": [{"text": "god", "answer_start": 4}, {"text": "sky", "answer_start": 99}]},
          {"id": "bad", "question": "What?", "answers": [{"text": "moon", "answer_start": 2}]},
          {"id": "empty", "question": "", "answers": [{"text": "god", "answer_start": 4}]}
        ]}]}]}
        """;
        var path = Path.Combine(_folder.FullName, "squad.json");
        File.WriteAllText(path, json);
        var issues = new DataIssues();

        var example = Assert.Single(Squad.Read(path, issues));

        Assert.Equal("ok", example.Id);
        Assert.Equal([new QaAnswer("god", 5)], example.Answers);
        Assert.Equal(2, issues.Count(DataIssues.AnswerNotAtOffset));
        Assert.Equal(1, issues.Count(DataIssues.NoValidAnswer));
        Assert.Equal(1, issues.Count(DataIssues.EmptyText));
        Assert.Contains(issues.Examples, i => i.Location == "id bad");
    }

    [Fact]
    public async Task Squad_parquet_in_the_hugging_face_layout()
    {
        var path = Path.Combine(_folder.FullName, "squad.parquet");
        await ParquetSerializer.SerializeAsync(new[]
        {
            new SquadRow { Id = "q1", Title = "T", Context = "Paris is in France.", Question = "Where is Paris?",
                Answers = new SquadAnswers { Text = ["France", "France"], AnswerStart = [12, 12] } },
            new SquadRow { Id = "q2", Title = "T", Context = "Paris is in France.", Question = "What?",
                Answers = new SquadAnswers { Text = ["Berlin"], AnswerStart = [0] } },
        }, path);
        var issues = new DataIssues();

        var example = Assert.Single(Squad.Read(path, issues));

        Assert.Equal(2, example.Answers.Count);
        Assert.Equal(1, issues.Count(DataIssues.NoValidAnswer));
    }

    [Fact]
    public void Not_json_is_one_clear_error_naming_the_file()
    {
        var path = Path.Combine(_folder.FullName, "dev.json");
        File.WriteAllText(path, "{\"data\": [");
        var error = Assert.Throws<InvalidDataException>(() => Squad.Read(path, new DataIssues()).ToList());
        Assert.StartsWith($"{path}: not valid JSON", error.Message);
    }

    [Fact]
    public void Sst2_tsv_unknown_labels_and_wrong_field_counts()
    {
        var path = Write("sst2/dev.tsv",
            U("sentence\tlabel"),
            U("a charming film . \t1"),
            U("dull \t2"),
            U("no label at all"),
            [.. "caf"u8, 0xC3, 0x28, .. " \t0"u8],
            U("a bleak film \t0"));
        var issues = new DataIssues();

        var examples = Sst2.Read(path, issues).ToList();

        Assert.Equal([("a charming film .", 1), ("a bleak film", 0)], examples.Select(e => (e.Sentence, e.Label ?? -1)));
        Assert.Equal(1, issues.Count(DataIssues.UnknownLabel));
        Assert.Equal(1, issues.Count(DataIssues.MalformedLine));
        Assert.Equal(1, issues.Count(DataIssues.InvalidUtf8));
    }

    [Fact]
    public async Task Sst2_parquet_test_split_has_no_labels()
    {
        var path = Path.Combine(_folder.FullName, "test.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new Sst2Row { Idx = 7, Sentence = "fine", Label = -1 } }, path);
        var example = Assert.Single(Sst2.Read(path, new DataIssues()));
        Assert.Equal(("7", "fine", (int?)null), (example.Id, example.Sentence, example.Label));
    }

    [Fact]
    public void Missing_files_corrupt_gzip_and_empty_globs_are_clear_errors()
    {
        var missing = Path.Combine(_folder.FullName, "nope.jsonl");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => PretrainingText.Read(missing, new DataIssues()).ToList()).Message);

        var corrupt = Path.Combine(_folder.FullName, "corrupt.jsonl.gz");
        File.WriteAllBytes(corrupt, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef]);
        var error = Assert.Throws<InvalidDataException>(() => PretrainingText.Read(corrupt, new DataIssues()).ToList());
        Assert.StartsWith($"{corrupt}: corrupt compressed data", error.Message);

        Assert.Contains("no data files match", Assert.Throws<FileNotFoundException>(() => DataFile.Expand([Path.Combine(_folder.FullName, "*.parquet")])).Message);
    }

    [Fact]
    public void Globs_expand_in_a_stable_order()
    {
        Write("g/b.jsonl", U("{}"));
        Write("g/a.jsonl", U("{}"));
        Write("g/sub/c.jsonl", U("{}"));
        var files = DataFile.Expand([Path.Combine(_folder.FullName, "g", "**", "*.jsonl")]);
        Assert.Equal(["a.jsonl", "b.jsonl", "c.jsonl"], files.Select(Path.GetFileName));
    }

    public sealed class TextRow { [JsonPropertyName("text")] public string? Text { get; set; } }

    public sealed class SquadRow
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("title")] public string? Title { get; set; }
        [JsonPropertyName("context")] public string? Context { get; set; }
        [JsonPropertyName("question")] public string? Question { get; set; }
        [JsonPropertyName("answers")] public SquadAnswers? Answers { get; set; }
    }

    public sealed class SquadAnswers
    {
        [JsonPropertyName("text")] public List<string>? Text { get; set; }
        [JsonPropertyName("answer_start")] public List<int>? AnswerStart { get; set; }
    }

    public sealed class Sst2Row
    {
        [JsonPropertyName("sentence")] public string? Sentence { get; set; }
        [JsonPropertyName("label")] public int? Label { get; set; }
        [JsonPropertyName("idx")] public int? Idx { get; set; }
    }
}
