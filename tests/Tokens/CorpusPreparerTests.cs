using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using Xunit;

namespace LlmNotebooks.Tests.Tokens;

public class CorpusPreparerTests
{
    static readonly TextTokenizer Gpt2 = TextTokenizer.Gpt2();

    static (ShardManifest Manifest, string Folder) Prepare(IReadOnlyList<string> files, CorpusPreparer.Options options, DataIssues? issues = null)
    {
        var folder = TestEnvironment.TempFolder().FullName;
        return (CorpusPreparer.Prepare(files, Gpt2, folder, options, issues ?? new DataIssues()), folder);
    }

    static List<List<int>> DocumentsIn(string folder, string split)
    {
        using var stream = new TokenStream(folder, split);
        var all = new long[stream.Count];
        stream.CopyTo(0, all);
        var documents = new List<List<int>> { new() };
        foreach (long id in all)
            if (id == Gpt2.EndOfText) documents.Add([]);
            else documents[^1].Add((int)id);
        documents.RemoveAt(documents.Count - 1);   // after the last end-of-text
        return documents;
    }

    [SkippableFact]
    public void The_manifest_matches_a_recount_and_the_shards_decode_to_the_documents()
    {
        var file = TestEnvironment.RequireData("webtext/webtext-train-first1408.jsonl");
        var (manifest, folder) = Prepare([file], new CorpusPreparer.Options(ValFraction: 0.05, TokensPerShard: 200_000));

        var documents = PretrainingText.Read(file, new DataIssues()).ToList();
        var options = new CorpusPreparer.Options(ValFraction: 0.05);
        var expected = documents.GroupBy(d => CorpusPreparer.IsValidation(d.Id, options) ? ShardManifest.Val : ShardManifest.Train)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Text).ToList());

        Assert.Equal(documents.Count, manifest.Documents);
        Assert.Equal(documents.Sum(d => Gpt2.Encode(d.Text).Length + 1L), manifest.Tokens);
        Assert.InRange(expected[ShardManifest.Val].Count, 30, 110);   // about 5% of 1,408
        foreach (var split in new[] { ShardManifest.Train, ShardManifest.Val })
        {
            var decoded = DocumentsIn(folder, split).Select(d => Gpt2.Decode(d)).ToList();
            Assert.Equal(expected[split], decoded);
            Assert.Equal(decoded.Count, manifest.Splits[split].Documents);
        }
        Assert.True(manifest.Splits[ShardManifest.Train].Shards.Count > 1, "a small shard size splits train over several files");
        Assert.Equal(2, manifest.BytesPerToken);
        var source = Assert.Single(manifest.Sources);
        Assert.Equal(("webtext", documents.Count, manifest.Tokens), (source.Source, source.Documents, source.Tokens));
        Assert.Equal(new FileInfo(file).Length, Assert.Single(manifest.Files).Bytes);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(manifest, ShardManifest.Json),
            System.Text.Json.JsonSerializer.Serialize(ShardManifest.Load(folder), ShardManifest.Json));
    }

    [SkippableFact]
    public void Output_does_not_depend_on_the_thread_count()
    {
        var file = TestEnvironment.RequireData("c4/c4-en-sample1000.jsonl");
        var (_, one) = Prepare([file], new CorpusPreparer.Options(Threads: 1));
        var (_, two) = Prepare([file], new CorpusPreparer.Options(Threads: 2));
        foreach (var shard in Directory.GetFiles(one, "*.bin").Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(Path.Combine(one, shard!)), File.ReadAllBytes(Path.Combine(two, shard!)));
    }

    [Fact]
    public void Skipped_records_are_counted_in_the_manifest()
    {
        var folder = TestEnvironment.TempFolder().FullName;
        var corpus = Path.Combine(folder, "mini", "corpus.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(corpus)!);
        File.WriteAllText(corpus, "{\"text\": \"one\"}\nnot json\n{\"text\": \"\"}\n{\"text\": \"two\"}\n");

        var (manifest, _) = Prepare([corpus], new CorpusPreparer.Options(ValFraction: 0));

        Assert.Equal(2, manifest.Documents);
        Assert.Equal(new Dictionary<string, int> { [DataIssues.EmptyText] = 1, [DataIssues.MalformedLine] = 1 }, manifest.SkippedRecords);
        Assert.Equal(0, manifest.Splits[ShardManifest.Val].Tokens);
    }

    [Fact]
    public void A_missing_corpus_file_is_one_clear_error()
    {
        var missing = Path.Combine(TestEnvironment.TempFolder().FullName, "absent.jsonl");
        var error = Assert.Throws<FileNotFoundException>(() => Prepare([missing], new CorpusPreparer.Options()));
        Assert.Contains(missing, error.Message);
    }
}
