using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class DownloadCommand(IAnsiConsole console) : AsyncCommand<DownloadCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data folder to download into (default: $LLMNB_DATA, else the project's data/ folder).")]
        public string? Data { get; init; }

        [CommandOption("--datasets <NAMES>")]
        [Description("Comma-separated: openwebtext and the tasks' datasets (cnn_dailymail, squad, sst2). Default: all.")]
        public string? Datasets { get; init; }

        [CommandOption("--max-files <N>")]
        [Description("At most N parquet files per dataset (OpenWebText has about 80 shards of ~250 MB; 2 are plenty for CPU runs).")]
        [DefaultValue(2)]
        public int MaxFiles { get; init; } = 2;

        [CommandOption("--gb <N>")]
        [Description("OpenWebText: as many shards as hold N GB of text (the assignment's 13–15 GB is about 3.3B GPT-2 tokens, one pass of the gpu preset), instead of --max-files.")]
        public double? Gigabytes { get; init; }

        [CommandOption("--hub <URL>")]
        [Description("Hugging Face hub address (a mirror, or a local server in tests).")]
        public string? Hub { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var names = settings.Datasets?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? TaskRegistry.Downloads.Select(d => d.Name).ToArray();
        var unknown = names.Where(n => TaskRegistry.Downloads.All(d => d.Name != n)).ToList();
        if (unknown.Count > 0) throw new UserError($"unknown dataset(s) {string.Join(", ", unknown)}; choose from {string.Join(", ", TaskRegistry.Downloads.Select(d => d.Name))}");
        var folder = settings.Data is null ? Path.Combine(ProjectPaths.Root, "data") : Path.GetFullPath(settings.Data);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        var downloader = new HubDownloader(http, settings.Hub is null ? HubDownloader.DefaultHub : new Uri(settings.Hub.TrimEnd('/') + "/"));

        foreach (var dataset in TaskRegistry.Downloads.Where(d => names.Contains(d.Name)))
        {
            if (dataset == HubDownloader.OpenWebText && settings.Gigabytes is { } gigabytes)
            {
                ProgressTask? current = null;
                (IReadOnlyList<string> Paths, long TextBytes) fetched = ([], 0);
                await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                    .StartAsync(async progress => fetched = await downloader.DownloadTextAsync(dataset, "text", (long)(gigabytes * 1e9), folder,
                        file => { current?.StopTask(); current = progress.AddTask(file.LocalName, maxValue: file.Size); },
                        p => current!.Value = p.Bytes, cancellation));
                console.MarkupLine($"[bold]{dataset.Name}[/]: {fetched.TextBytes / 1e9:F2} GB of text in {fetched.Paths.Count} file(s), " +
                    $"{fetched.Paths.Sum(p => new FileInfo(p).Length) / 1e9:F2} GB of parquet, from {Markup.Escape(dataset.Repository)}");
                continue;
            }
            // Only OpenWebText is big enough to need a subset; the task datasets are always fetched whole.
            var files = await downloader.ListAsync(dataset, dataset == HubDownloader.OpenWebText ? settings.MaxFiles : null, cancellation);
            console.MarkupLine($"[bold]{dataset.Name}[/]: {files.Count} file(s), {files.Sum(f => f.Size) / 1e6:F1} MB from {Markup.Escape(dataset.Repository)}");
            await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn())
                .StartAsync(async progress =>
                {
                    foreach (var file in files)
                    {
                        var task = progress.AddTask(file.LocalName, maxValue: file.Size);
                        await downloader.DownloadAsync(file, folder, p => task.Value = p.Bytes, cancellation);
                        task.Value = file.Size;
                    }
                });
        }
        console.MarkupLine($"[green]done[/]: {Markup.Escape(folder)}");
        return 0;
    }
}
