using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class BenchTokenizeCommand(IAnsiConsole console) : Command<BenchTokenizeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }

        [CommandOption("--corpus <FILES>")]
        [Description("What to encode (datasets, files, globs). Default: openwebtext.")]
        public string[] Corpus { get; init; } = [];

        [CommandOption("--tokenizer <SPEC>")]
        [Description("gpt2 or a folder with vocab.json + merges.txt.")]
        [DefaultValue("gpt2")]
        public string Tokenizer { get; init; } = "gpt2";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var data = DataFolder.Resolve(settings.Data);
        var corpus = DataFolder.Corpus(settings.Corpus.Length > 0 ? settings.Corpus : ["openwebtext"], data);
        var tokenizer = TextTokenizer.Load(settings.Tokenizer);
        console.MarkupLine($"encoding {corpus.Count} file(s), {corpus.Sum(f => new FileInfo(f).Length) / 1e6:F1} MB, with {Markup.Escape(tokenizer.Name)}: 2 warm-up runs, then the median of 3 runs per thread count, word caches cold");
        var table = new Table().Border(TableBorder.Rounded).AddColumns("threads", "MB/s", "MB/s per thread", "tokens/s", "speed-up");
        var results = TokenizationBenchmark.Run(corpus, tokenizer, Enumerable.Range(1, Environment.ProcessorCount),
            report: r => console.MarkupLine($"  {r.Threads} thread(s): {r.MegabytesPerSecond:F1} MB/s"));
        foreach (var r in results)
            table.AddRow($"{r.Threads}", $"{r.MegabytesPerSecond:F1}", $"{r.MegabytesPerSecondPerThread:F1}", $"{r.TokensPerSecond:N0}", $"{r.MegabytesPerSecond / results[0].MegabytesPerSecond:F2}x");
        console.Write(table);
        return 0;
    }
}
