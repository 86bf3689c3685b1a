using System.ComponentModel;
using LlmNotebooks.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class ScoreCommand(IAnsiConsole console) : Command<ScoreCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--metric <NAME>")]
        [Description("bleu, rouge, squad or accuracy.")]
        public string Metric { get; init; } = "";

        [CommandOption("--predictions <FILE>")]
        [Description("JSONL, one {\"id\", \"prediction\"} per line.")]
        public string Predictions { get; init; } = "";

        [CommandOption("--references <FILE>")]
        [Description("JSONL, one {\"id\", \"references\": [[...]]} per line.")]
        public string References { get; init; } = "";

        [CommandOption("--stem")]
        [Description("ROUGE: apply the Porter stemmer (as rouge-score's use_stemmer=True).")]
        public bool Stem { get; init; }

        public override ValidationResult Validate() =>
            Metric is not ("bleu" or "rouge" or "squad" or "accuracy") ? ValidationResult.Error("--metric must be bleu, rouge, squad or accuracy")
            : Predictions.Length == 0 || References.Length == 0 ? ValidationResult.Error("--predictions and --references are required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var pairs = ScoringFiles.Read(settings.Predictions, settings.References);
        var predictions = pairs.Select(p => p.Prediction).ToList();
        var references = pairs.Select(p => p.References).ToList();
        console.MarkupLine($"{pairs.Count} examples");
        switch (settings.Metric)
        {
            case "bleu":
                var bleu = Bleu.FromStatistics(pairs.Select(p => Bleu.Statistics(p.Prediction, p.References)).ToList(), referenceStreams: references.Max(r => r.Count));
                console.WriteLine(bleu.ToString());
                console.WriteLine($"counts {string.Join(" ", bleu.Correct)} / totals {string.Join(" ", bleu.Total)}");
                console.WriteLine($"precisions {string.Join(" ", bleu.Precisions.Select(p => p.ToString("F4")))}  brevity penalty {bleu.BrevityPenalty:F4}  " +
                                  $"system length {bleu.SystemLength}  reference length {bleu.ReferenceLength}");
                console.WriteLine($"signature {bleu.Signature}");
                break;
            case "rouge":
                var scores = pairs.Select(p => Rouge.ScoreMulti(p.References, p.Prediction, settings.Stem)).ToList();
                var table = new Table().Border(TableBorder.Rounded).AddColumns("type", "precision", "recall", "F", "F 95% interval");
                foreach (var type in Rouge.Types)
                {
                    double Mean(Func<RougeScore, double> pick) => 100 * scores.Average(s => pick(s[type]));
                    var interval = Bootstrap.Mean(scores.Select(s => s[type].FMeasure).ToList());
                    table.AddRow(type, $"{Mean(s => s.Precision):F2}", $"{Mean(s => s.Recall):F2}", $"{Mean(s => s.FMeasure):F2}",
                        Markup.Escape($"[{100 * interval.Low:F2}, {100 * interval.High:F2}]"));
                }
                console.Write(table);
                console.WriteLine($"rouge-score conventions: target first, best reference per type by F, stemmer {(settings.Stem ? "on" : "off")}");
                break;
            default:
                var rows = settings.Metric == "squad" ? TaskMetrics.Answers("squad", "predictions", predictions, references).Take(2).ToList()
                    : TaskMetrics.Labels("labels", "predictions", predictions, references);
                foreach (var row in rows) console.WriteLine($"{row.Metric} {row.Value:F2}  95% interval [{row.Low:F2}, {row.High:F2}]");
                break;
        }
        return 0;
    }
}
