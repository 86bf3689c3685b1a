using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmNotebooks.Data;

/// <summary>A dataset's parquet files on the Hugging Face hub and the data-folder subfolder they go to.</summary>
public sealed record HubDataset(string Name, string Repository, string Revision, string PathPrefix, string Folder);

/// <summary>One file to fetch: where it lives on the hub and what it must be (size, and sha256 for LFS files).</summary>
public sealed record HubFile(HubDataset Dataset, string Path, long Size, string? Sha256)
{
    public string LocalName => System.IO.Path.GetFileName(Path);
}

/// <summary>Download progress: the file, bytes so far, its size.</summary>
public readonly record struct DownloadProgress(HubFile File, long Bytes, long Total);

/// <summary>
/// Fetches the real datasets from the Hugging Face hub as parquet files: lists each dataset's files through the
/// hub's tree API, downloads them with resume (HTTP range requests on a .part file), and checks size and sha256,
/// fetching a corrupt file again. Files already present and intact are kept.
/// </summary>
public sealed class HubDownloader(HttpClient http, Uri hub)
{
    /// <summary>The Hugging Face hub, or a mirror named by HF_ENDPOINT (the variable huggingface_hub itself reads).</summary>
    public static Uri DefaultHub => Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } mirror ? new Uri(mirror.TrimEnd('/') + "/") : new("https://huggingface.co/");

    /// <summary>The pretraining text; each task names its own dataset (<c>Tasks.FinetuningTask.Download</c>).</summary>
    public static readonly HubDataset OpenWebText = new("openwebtext", "Skylion007/openwebtext", "refs/convert/parquet", "plain_text/train/", "openwebtext");

    public const int Attempts = 3;

    /// <summary>The parquet files of a dataset, in name order, at most <paramref name="maxFiles"/> of them.</summary>
    public async Task<IReadOnlyList<HubFile>> ListAsync(HubDataset dataset, int? maxFiles = null, CancellationToken cancellation = default)
    {
        var url = new Uri(hub, $"api/datasets/{dataset.Repository}/tree/{Uri.EscapeDataString(dataset.Revision)}/{dataset.PathPrefix.TrimEnd('/')}?recursive=true");
        using var response = await http.GetAsync(url, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new IOException($"{dataset.Name}: not found on the hub (404): {url}");
        response.EnsureSuccessStatusCode();
        var entries = await JsonSerializer.DeserializeAsync<List<TreeEntry>>(await response.Content.ReadAsStreamAsync(cancellation), cancellationToken: cancellation)
            ?? throw new InvalidDataException($"{url}: empty listing");
        var files = entries.Where(e => e.Type == "file" && e.Path.EndsWith(".parquet", StringComparison.Ordinal))
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .Select(e => new HubFile(dataset, e.Path, e.Lfs?.Size ?? e.Size, e.Lfs?.Oid))
            .ToList();
        if (files.Count == 0) throw new InvalidDataException($"{dataset.Name}: the hub lists no parquet files under {dataset.PathPrefix} ({url})");
        return maxFiles is > 0 ? files.Take(maxFiles.Value).ToList() : files;
    }

    /// <summary>Downloads one file into <paramref name="dataFolder"/>/dataset folder; returns its path.</summary>
    public async Task<string> DownloadAsync(HubFile file, string dataFolder, Action<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        var folder = Path.Combine(dataFolder, file.Dataset.Folder);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, file.LocalName);
        if (File.Exists(target) && await IntactAsync(target, file, cancellation)) return target;
        File.Delete(target);

        var part = target + ".part";
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await FetchAsync(file, part, progress, cancellation);
                if (await IntactAsync(part, file, cancellation))
                {
                    File.Move(part, target, overwrite: true);
                    return target;
                }
                File.Delete(part);   // complete but corrupt: start over
                if (attempt >= Attempts)
                    throw new InvalidDataException($"{file.Dataset.Name}/{file.Path}: size or sha256 still wrong after {Attempts} downloads");
            }
            catch (Exception e) when (Retryable(e) && attempt < Attempts)
            {
                // A dropped connection or a server hiccup: the next attempt resumes from what the .part file holds.
            }
        }
    }

    /// <summary>
    /// Downloads a dataset's files in name order until they hold <paramref name="textBytes"/> of text in
    /// <paramref name="column"/> (measured from each file's parquet metadata), keeping those already present and
    /// intact: run again with a larger target, it fetches only the files after them.
    /// </summary>
    public async Task<(IReadOnlyList<string> Paths, long TextBytes)> DownloadTextAsync(HubDataset dataset, string column, long textBytes, string dataFolder,
        Action<HubFile>? starting = null, Action<DownloadProgress>? progress = null, CancellationToken cancellation = default)
    {
        var paths = new List<string>();
        long total = 0;
        foreach (var file in await ListAsync(dataset, cancellation: cancellation))
        {
            if (total >= textBytes) break;
            starting?.Invoke(file);
            var path = await DownloadAsync(file, dataFolder, progress, cancellation);
            paths.Add(path);
            total += ParquetRows.UncompressedBytes(path, column);
        }
        return (paths, total);
    }

    async Task FetchAsync(HubFile file, string part, Action<DownloadProgress>? progress, CancellationToken cancellation)
    {
        var url = new Uri(hub, $"datasets/{file.Dataset.Repository}/resolve/{Uri.EscapeDataString(file.Dataset.Revision)}/{file.Path}");
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        if (have > file.Size) { File.Delete(part); have = 0; }
        if (have == file.Size) return;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new HttpRequestException($"{file.Dataset.Name}/{file.Path}: not found on the hub (404): {url}", null, HttpStatusCode.NotFound);
        response.EnsureSuccessStatusCode();
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        await using var output = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
        long bytes = resumed ? have : 0;
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await body.ReadAsync(buffer, cancellation)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, n), cancellation);
            bytes += n;
            progress?.Invoke(new DownloadProgress(file, bytes, file.Size));
        }
        if (bytes < file.Size) throw new IOException($"{file.Dataset.Name}/{file.Path}: connection closed after {bytes} of {file.Size} bytes");
    }

    static bool Retryable(Exception e) =>
        e is HttpRequestException { StatusCode: not HttpStatusCode.NotFound } || e is IOException and not FileNotFoundException;

    static async Task<bool> IntactAsync(string path, HubFile file, CancellationToken cancellation)
    {
        if (new FileInfo(path).Length != file.Size) return false;
        if (file.Sha256 is null) return true;
        await using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellation));
        return hash == file.Sha256.ToLowerInvariant();
    }

    sealed class TreeEntry
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "";
        [JsonPropertyName("path")] public string Path { get; set; } = "";
        [JsonPropertyName("size")] public long Size { get; set; }
        [JsonPropertyName("lfs")] public LfsInfo? Lfs { get; set; }
    }

    sealed class LfsInfo
    {
        [JsonPropertyName("oid")] public string Oid { get; set; } = "";
        [JsonPropertyName("size")] public long Size { get; set; }
    }
}
