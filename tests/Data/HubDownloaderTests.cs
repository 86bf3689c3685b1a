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

    public void Dispose()
    {
        _hub.Dispose();
        _http.Dispose();
    }
}
