using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using Xunit;

namespace LlmNotebooks.Tests.Tokenization;

/// <summary>
/// decode(encode(text)) == text for both tokenizers on every text file of the data folder (the first records of
/// each, to keep the suite fast), including Wikipedia's non-Latin scripts and SQuAD's cuneiform.
/// </summary>
public class RoundTripTests
{
    const int RecordsPerFile = 600;

    static readonly Lazy<TextTokenizer> Ours = new(() =>
    {
        var texts = PretrainingText.Read(TestEnvironment.RequireData("webtext/webtext-train-first1408.jsonl"), new DataIssues()).Select(d => d.Text);
        var folder = TestEnvironment.TempFolder().FullName;
        BpeTrainer.Train(texts, 3000).Save(folder);
        return TextTokenizer.FromFolder(folder);
    });

    public static TheoryData<string> TextFiles()
    {
        var data = new TheoryData<string>();
        if (!Directory.Exists(TestEnvironment.DataFolder)) { data.Add("(no data folder)"); return data; }
        foreach (var file in Directory.EnumerateFiles(TestEnvironment.DataFolder, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}provenance{Path.DirectorySeparatorChar}") && !f.EndsWith("README.md")).Order())
            data.Add(Path.GetRelativePath(TestEnvironment.DataFolder, file));
        return data;
    }

    static IEnumerable<string> Texts(string file)
    {
        var issues = new DataIssues();
        var folder = file.Split(Path.DirectorySeparatorChar)[0];
        var path = Path.Combine(TestEnvironment.DataFolder, file);
        return folder switch
        {
            "squad" => Squad.Read(path, issues).Take(RecordsPerFile).SelectMany(e => new[] { e.Context, e.Question }.Concat(e.Answers.Select(a => a.Text))),
            "cnn_dailymail" => CnnDailyMail.Read(path, issues).Take(RecordsPerFile).SelectMany(e => new[] { e.Article, e.Highlights }),
            "sst2" => Sst2.Read(path, issues).Take(RecordsPerFile).Select(e => e.Sentence),
            _ => PretrainingText.Read(path, issues).Take(RecordsPerFile).Select(d => d.Text),
        };
    }

    [SkippableTheory]
    [MemberData(nameof(TextFiles))]
    public void Both_tokenizers_round_trip_exactly(string file)
    {
        TestEnvironment.RequireData(file);
        var gpt2 = TextTokenizer.Gpt2();
        int checkedTexts = 0;
        foreach (var text in Texts(file))
        {
            Assert.Equal(text, gpt2.Decode(gpt2.Encode(text)));
            Assert.Equal(text, Ours.Value.Decode(Ours.Value.Encode(text)));
            checkedTexts++;
        }
        Assert.True(checkedTexts > 0, $"no texts read from {file}");
    }
}
