using LlmNotebooks.Data;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Pipeline;

/// <summary>The datasets a pipeline needs: downloaded into the project's data/ folder when missing there; elsewhere only checked.</summary>
public static class DataSetup
{
    public static void Ensure(string dataFolder, Action<string> log, CancellationToken cancellation)
    {
        var missing = DataFolder.Inventory(dataFolder, TaskRegistry.Datasets).Where(d => !d.Present && d.Dataset.Name is not ("wikipedia" or "webtext" or "c4")).Select(d => d.Dataset.Name).ToList();
        if (missing.Count == 0) return;
        if (Path.GetFullPath(dataFolder) != Path.GetFullPath(Path.Combine(ProjectPaths.Root, "data")))
            throw new FileNotFoundException($"{dataFolder} lacks {string.Join(", ", missing)}; run `data download --data {dataFolder}` or choose another --data");
        log($"data: downloading {string.Join(", ", missing)} into {dataFolder} (the first time only)");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var downloader = new HubDownloader(http, HubDownloader.DefaultHub);
        foreach (var dataset in TaskRegistry.Downloads.Where(d => missing.Contains(d.Name)))
        {
            try
            {
                foreach (var file in downloader.ListAsync(dataset, dataset == HubDownloader.OpenWebText ? 2 : null, cancellation).GetAwaiter().GetResult())
                {
                    log($"data: {dataset.Name}/{file.LocalName} ({file.Size / 1e6:F0} MB)");
                    downloader.DownloadAsync(file, dataFolder, cancellation: cancellation).GetAwaiter().GetResult();
                }
            }
            catch (HttpRequestException e)
            {
                throw new IOException(
                    $"the datasets {string.Join(", ", missing)} are not in {dataFolder}, and downloading {dataset.Name} from {HubDownloader.DefaultHub} failed ({e.Message}).\n" +
                    $"Put them there (data/README.md lists the files and layouts each phase reads), point $LLMNB_DATA or --data at a folder that has them, " +
                    "or run `dotnet run -c Release -- data download` where there is internet and copy data/ over.", e);
            }
        }
    }
}
