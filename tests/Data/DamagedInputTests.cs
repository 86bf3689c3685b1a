using System.IO.Compression;
using System.Text;
using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokens;
using Xunit;

namespace LlmNotebooks.Tests.Data;

/// <summary>
/// Files damaged the ways real files get damaged (saved as UTF-16, cut short, exported with strings for numbers, a
/// quote left open, empty): each is one clear error naming the file, or counted and located record by record.
/// </summary>
public class DamagedInputTests
{
    readonly DirectoryInfo _folder = TestEnvironment.TempFolder();

    string Path(string name) => System.IO.Path.Combine(_folder.FullName, name);

    static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest)) gz.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    static string Lines(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"{{\"text\": \"document number {i} with some words in it\"}}\n"));

    [Fact]
    public void A_utf16_file_is_one_error_saying_how_to_convert_it()
    {
        var file = Path("web/utf16.jsonl");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, Lines(3), Encoding.Unicode);   // what Windows editors save as "Unicode": FF FE, then UTF-16LE
        var error = Assert.Throws<InvalidDataException>(() => PretrainingText.Read(file, new DataIssues()).ToList());
        Assert.Contains($"{file} is UTF-16 text, not UTF-8", error.Message);
        Assert.Contains("iconv -f UTF-16 -t UTF-8", error.Message);
    }

    [Fact]
    public void A_gzip_file_cut_short_is_an_error_not_a_malformed_last_line()
    {
        var whole = Gzip(Lines(2000));
        var file = Path("cut.jsonl.gz");
        File.WriteAllBytes(file, whole[..(whole.Length * 2 / 3)]);
        var error = Assert.Throws<InvalidDataException>(() => PretrainingText.Read(file, new DataIssues()).ToList());
        Assert.Contains($"{file} is truncated or damaged", error.Message);

        File.WriteAllBytes(Path("whole.jsonl.gz"), whole);   // the same file whole reads cleanly
        var issues = new DataIssues();
        Assert.Equal(2000, PretrainingText.Read(Path("whole.jsonl.gz"), issues).Count());
        Assert.Equal(0, issues.Total);
    }

    [Fact]
    public void Squad_offsets_given_as_strings_are_read_and_bad_ones_are_located()
    {
        var file = Path("squad.json");
        File.WriteAllText(file, """
            {"data": [{"title": "T", "paragraphs": [{"context": "The Broncos won in 2016.", "qas": [
              {"id": "q1", "question": "Who won?", "answers": [{"text": "The Broncos", "answer_start": "0"}]},
              {"id": "q2", "question": "When?", "answers": [{"text": "2016", "answer_start": "soon"}]},
              {"id": "q3", "question": "Who?", "answers": [{"text": "Broncos", "answer_start": 4}]}]}]}]}
            """);
        var issues = new DataIssues();
        var questions = Squad.Read(file, issues).ToList();
        Assert.Equal(["q1", "q3"], questions.Select(q => q.Id));
        Assert.Equal(1, issues.Count(DataIssues.NoValidAnswer));
        Assert.Contains(issues.Examples, i => i.Location == "id q2" && i.Reason == DataIssues.AnswerNotAtOffset);
    }

    [Fact]
    public void A_squad_file_that_is_not_utf8_names_the_file()
    {
        var file = Path("latin1.json");
        var text = """{"data": [{"title": "Caf?", "paragraphs": [{"context": "caf? au lait", "qas": [{"id": "1", "question": "what?", "answers": [{"text": "caf", "answer_start": 0}]}]}]}]}""";
        File.WriteAllBytes(file, Encoding.Latin1.GetBytes(text.Replace('?', 'é')));
        var error = Assert.Throws<InvalidDataException>(() => Squad.Read(file, new DataIssues()).ToList());
        Assert.StartsWith($"{file}: not", error.Message);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void An_unterminated_csv_quote_says_which_lines_it_may_have_taken_with_it()
    {
        var file = Path("cnn.csv");
        File.WriteAllText(file, "article,highlights,id\n\"first article\",\"first summary\",a1\n\"broken article,broken summary,a2\n\"third article\",\"third summary\",a3\n\"fourth\",\"fourth summary\",a4\n");
        var issues = new DataIssues();
        var rows = CnnDailyMail.Read(file, issues).ToList();
        Assert.Equal(["a1", "a4"], rows.Select(r => r.Id));
        var bad = Assert.Single(issues.Examples);
        Assert.Equal((file, "3"), (bad.File, bad.Location));
        Assert.Contains("the records on lines 4–4 may be lost with it", bad.Detail);   // the third row went with the broken one
    }

    [Fact]
    public void An_empty_corpus_is_an_error_and_learns_no_vocabulary()
    {
        var empty = Path("web/empty.jsonl");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(empty)!);
        File.WriteAllText(empty, "");
        var blank = Path("web/blank.jsonl");
        File.WriteAllText(blank, "{\"text\": \"   \"}\n{\"text\": \"\"}\n");
        var tokens = Path("tokens");
        var error = Assert.Throws<InvalidDataException>(() => CorpusPreparer.Prepare([empty, blank], "bpe:300", tokens, new CorpusPreparer.Options()));
        Assert.Contains("the corpus holds no text", error.Message);
        Assert.Contains(empty, error.Message);
        Assert.Contains("2 empty text", error.Message);
        Assert.False(Directory.Exists(System.IO.Path.Combine(tokens, CorpusPreparer.TokenizerFolder)), "no 260-id tokenizer is left behind");
        Assert.Contains("the corpus holds no text", Assert.Throws<InvalidDataException>(() => CorpusPreparer.Prepare([empty], "gpt2", tokens, new CorpusPreparer.Options())).Message);
    }
}
