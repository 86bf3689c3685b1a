using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Tokens;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class PrepareCommand(IAnsiConsole console) : Command<PrepareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--corpus <FILES>")]
        [Description("Datasets of the data folder (openwebtext, webtext, c4, wikipedia), files, folders or globs; comma-separated or repeated. Default: openwebtext, webtext, c4.")]
        public string[] Corpus { get; init; } = [];

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }

        [CommandOption("--tokenizer <SPEC>")]
        [Description("gpt2, a folder with vocab.json + merges.txt, or bpe:N to learn an N-token vocabulary from the corpus.")]
        [DefaultValue("gpt2")]
        public string Tokenizer { get; init; } = "gpt2";

        [CommandOption("--out <DIR>")]
        [Description("Output folder for shards and manifest.json. Default: runs/tokens-<tokenizer>.")]
        public string? Out { get; init; }

        [CommandOption("--val-fraction <F>")]
        [Description("Share of documents held out for validation.")]
        [DefaultValue(0.01)]
        public double ValFraction { get; init; } = 0.01;

        [CommandOption("--seed <N>")]
        [DefaultValue(1337L)]
        public long Seed { get; init; } = 1337;

        [CommandOption("--threads <N>")]
        [Description("Encoding threads (default: one per core).")]
        public int Threads { get; init; }

        public override ValidationResult Validate() =>
            ValFraction is < 0 or >= 1 ? ValidationResult.Error("--val-fraction must be in [0, 1)") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var data = DataFolder.Resolve(settings.Data);
        var corpus = settings.Corpus.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var files = DataFolder.Corpus(corpus.Count > 0 ? corpus : DataFolder.DefaultPretrainingCorpus, data);
        var outFolder = Path.GetFullPath(settings.Out ?? Path.Combine(ProjectPaths.Runs, $"tokens-{settings.Tokenizer.Replace(":", "")}"));
        var manifest = Run(console, files, settings.Tokenizer, outFolder,
            new CorpusPreparer.Options(settings.ValFraction, settings.Seed, settings.Threads), cancellation);
        Summarize(console, manifest, outFolder);
        return 0;
    }

    /// <summary>Learns or loads the tokenizer, then prepares the shards, with progress on the console.</summary>
    static ShardManifest Run(IAnsiConsole console, IReadOnlyList<string> files, string tokenizerSpec, string outFolder,
        CorpusPreparer.Options options, CancellationToken cancellation)
    {
        console.MarkupLine($"corpus: {files.Count} file(s), {files.Sum(f => new FileInfo(f).Length) / 1e6:F1} MB on disk");
        ShardManifest? manifest = null;
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new SpinnerColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask("encoding").IsIndeterminate();
                (manifest, _) = CorpusPreparer.Prepare(files, tokenizerSpec, outFolder, options,
                    line => console.MarkupLine(Markup.Escape(line)),
                    p => task.Description = $"encoding: {p.Documents:N0} docs, {p.TextBytes / 1e6:F1} MB, {p.Tokens:N0} tokens, {p.MegabytesPerSecond:F1} MB/s",
                    cancellation);
                task.StopTask();
            });
        return manifest!;
    }

    public static void Summarize(IAnsiConsole console, ShardManifest manifest, string outFolder)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("source", "documents", "tokens", "text MB");
        foreach (var s in manifest.Sources) table.AddRow(s.Source, $"{s.Documents:N0}", $"{s.Tokens:N0}", $"{s.TextBytes / 1e6:F1}");
        foreach (var (name, split) in manifest.Splits) table.AddRow($"[bold]{name}[/]", $"{split.Documents:N0}", $"{split.Tokens:N0}", "");
        console.Write(table);
        console.MarkupLine($"{manifest.TextBytes / 1e6:F1} MB in {manifest.Seconds:F1} s: [bold]{manifest.MegabytesPerSecond:F1} MB/s[/], {manifest.TokensPerSecond:N0} tokens/s");
        if (manifest.SkippedRecords.Count > 0)
            console.MarkupLine($"[yellow]skipped records:[/] {string.Join(", ", manifest.SkippedRecords.Select(r => $"{r.Value} {r.Key}"))}");
        console.MarkupLine($"wrote {Markup.Escape(Path.Combine(outFolder, ShardManifest.FileName))}");
    }
}
