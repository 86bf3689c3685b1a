using LlmNotebooks.Cli;
using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using Spectre.Console.Cli.Testing;
using Xunit;

namespace LlmNotebooks.Tests.Data;

/// <summary>The downloader against a hub served on 127.0.0.1 by the test: resume, checksums, 404.</summary>
public class HubDownloaderTests : IDisposable
{
    static readonly HubDataset Squad = new("squad", "rajpurkar/squad", "main", "plain_text/", "squad");
    readonly FakeHub _hub = new();
    readonly HttpClient _http = new();
    readonly string _data = TestEnvironment.TempFolder().FullName;

    HubDownloader Downloader => new(_http, _hub.Address);

    static byte[] Content(int size, int seed) => Enumerable.Range(0, size).Select(i => (byte)(i * 31 + seed)).ToArray();

    [Fact]
    public async Task Lists_downloads_and_verifies_files()
    {
        _hub.Add("rajpurkar/squad", "plain_text/train-00000-of-00001.parquet", Content(100_000, 1));
        _hub.Add("rajpurkar/squad", "plain_text/validation-00000-of-00001.parquet", Content(5_000, 2));

        var files = await Downloader.ListAsync(Squad);
        Assert.Equal(["plain_text/train-00000-of-00001.parquet", "plain_text/validation-00000-of-00001.parquet"], files.Select(f => f.Path));
        foreach (var file in files) await Downloader.DownloadAsync(file, _data);

        Assert.Equal(Content(100_000, 1), File.ReadAllBytes(Path.Combine(_data, "squad", "train-00000-of-00001.parquet")));
        Assert.Equal(Content(5_000, 2), File.ReadAllBytes(Path.Combine(_data, "squad", "validation-00000-of-00001.parquet")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "squad"), "*.part"));
    }

    [Fact]
    public async Task An_interrupted_transfer_resumes_where_it_stopped()
    {
        _hub.Add("rajpurkar/squad", "plain_text/train.parquet", Content(200_000, 3), FakeHub.Fault.CutOnce);
        var file = Assert.Single(await Downloader.ListAsync(Squad));
        var seen = new List<long>();

        await Downloader.DownloadAsync(file, _data, p => seen.Add(p.Bytes));

        Assert.Equal(Content(200_000, 3), File.ReadAllBytes(Path.Combine(_data, "squad", "train.parquet")));
        var gets = _hub.Log.Where(l => l.Contains("/resolve/")).ToList();
        Assert.Equal(2, gets.Count);
        Assert.DoesNotContain("bytes=", gets[0]);
        Assert.Contains("bytes=100000-", gets[1]);   // the second request asks only for the missing half
    }

    [Fact]
    public async Task A_corrupt_download_is_detected_and_fetched_again()
    {
        _hub.Add("rajpurkar/squad", "plain_text/train.parquet", Content(50_000, 4), FakeHub.Fault.CorruptOnce);
        var file = Assert.Single(await Downloader.ListAsync(Squad));

        await Downloader.DownloadAsync(file, _data);

        Assert.Equal(Content(50_000, 4), File.ReadAllBytes(Path.Combine(_data, "squad", "train.parquet")));
        Assert.Equal(2, _hub.Log.Count(l => l.Contains("/resolve/")));
    }

    [Fact]
    public async Task A_corrupt_local_file_is_replaced_and_an_intact_one_kept()
    {
        _hub.Add("rajpurkar/squad", "plain_text/a.parquet", Content(10_000, 5));
        _hub.Add("rajpurkar/squad", "plain_text/b.parquet", Content(10_000, 6));
        Directory.CreateDirectory(Path.Combine(_data, "squad"));
        File.WriteAllBytes(Path.Combine(_data, "squad", "a.parquet"), Content(10_000, 99));   // right size, wrong bytes
        File.WriteAllBytes(Path.Combine(_data, "squad", "b.parquet"), Content(10_000, 6));    // intact

        foreach (var file in await Downloader.ListAsync(Squad)) await Downloader.DownloadAsync(file, _data);

        Assert.Equal(Content(10_000, 5), File.ReadAllBytes(Path.Combine(_data, "squad", "a.parquet")));
        Assert.Equal(["a.parquet"], _hub.Log.Where(l => l.Contains("/resolve/")).Select(l => Path.GetFileName(l)));
    }

    [Fact]
    public async Task Missing_files_and_datasets_are_reported_clearly()
    {
        _hub.Add("rajpurkar/squad", "plain_text/gone.parquet", Content(10, 7), FakeHub.Fault.Missing);
        var file = Assert.Single(await Downloader.ListAsync(Squad));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Downloader.DownloadAsync(file, _data));
        Assert.Contains("not found on the hub (404)", error.Message);
        Assert.Single(_hub.Log, l => l.Contains("/resolve/"));   // a 404 is not retried

        var unknown = new HubDataset("nothing", "nobody/nothing", "main", "x/", "nothing");
        Assert.Contains("not found on the hub (404)", (await Assert.ThrowsAsync<IOException>(() => Downloader.ListAsync(unknown))).Message);
    }

    [Fact]
    public void The_command_downloads_the_named_datasets_into_the_data_folder()
    {
        _hub.Add("nyu-mll/glue", "sst2/validation-00000-of-00001.parquet", Content(3_000, 8));
        var app = new CommandAppTester();
        app.Configure(CommandLine.Configure);

        var result = app.Run("data", "download", "--datasets", "sst2", "--data", _data, "--hub", _hub.Address.ToString());

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.True(File.Exists(Path.Combine(_data, "sst2", "validation-00000-of-00001.parquet")));
    }

    sealed class TextRow
    {
        [System.Text.Json.Serialization.JsonPropertyName("text")] public string Text { get; set; } = "";
    }

    /// <summary>A parquet shard of OpenWebText's shape: a text column, here of <paramref name="documents"/> documents of 1,000 characters.</summary>
    static async Task<byte[]> TextShard(int documents, int seed)
    {
        using var stream = new MemoryStream();
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(Enumerable.Range(0, documents)
            .Select(d => new TextRow { Text = string.Concat(Enumerable.Range(0, 100).Select(w => $"word{(seed * 7919 + d * 31 + w) % 997:000}   ")) }), stream);
        return stream.ToArray();
    }

    [Fact]
    public async Task Openwebtext_by_gigabytes_fetches_shards_until_they_hold_that_much_text_and_later_only_the_missing_ones()
    {
        for (int shard = 0; shard < 4; shard++)
            _hub.Add("Skylion007/openwebtext", $"plain_text/train/{shard:0000}.parquet", await TextShard(documents: 50, seed: shard));
        var app = new CommandAppTester();
        app.Configure(CommandLine.Configure);
        string[] Download(double gigabytes) => ["data", "download", "--datasets", "openwebtext", "--gb", $"{gigabytes}", "--data", _data, "--hub", _hub.Address.ToString()];

        // 50 documents of 1,000 characters: about 50 kB of text per shard; 0.00012 GB needs three.
        var first = app.Run(Download(0.00012));
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(["0000.parquet", "0001.parquet", "0002.parquet"], Directory.GetFiles(Path.Combine(_data, "openwebtext")).Select(Path.GetFileName).Order());
        Assert.Contains("0.00 GB of text in 3 file(s)", first.Output);
        // The metadata counts the text, 4 bytes of length per document and the pages' headers and statistics.
        Assert.InRange(Directory.GetFiles(Path.Combine(_data, "openwebtext")).Sum(f => ParquetRows.UncompressedBytes(f, "text")), 3 * 50 * 1004, 3 * 50 * 1004 * 1.1);

        var more = app.Run(Download(0.0002));
        Assert.True(more.ExitCode == 0, more.Output);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_data, "openwebtext")).Length);
        Assert.Equal(["0000.parquet", "0001.parquet", "0002.parquet", "0003.parquet"],
            _hub.Log.Where(l => l.Contains("/resolve/")).Select(l => Path.GetFileName(l.Split(' ')[1])));   // each shard fetched once
        Assert.Equal(4 * 50, PretrainingText.Read(Path.Combine(_data, "openwebtext", "0003.parquet"), new DataIssues()).Count() * 4);
    }

    public void Dispose()
    {
        _hub.Dispose();
        _http.Dispose();
    }
}
