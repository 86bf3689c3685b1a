using System.ComponentModel;
using LlmNotebooks.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;
using LlmNotebooks.Scoring;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Cli;

public sealed class ScoreCommand(IAnsiConsole console) : Command<ScoreCommand.Settings>
{
    /// <summary>The metric families <c>--metric</c> names, each scored by <see cref="TaskMetrics"/> as evaluation scores it.</summary>
    static readonly Dictionary<string, Func<Settings, IReadOnlyList<string>, IReadOnlyList<IReadOnlyList<string>>, List<ScoreRow>>> Scorers = new()
    {
        ["bleu"] = (_, p, r) => [TaskMetrics.BleuRow(Input, System, p, r)],
        ["rouge"] = (settings, p, r) => TaskMetrics.RougeDetail(Input, System, p, r, settings.Stem),
        [TaskRegistry.Squad.Name] = (_, p, r) => TaskMetrics.SquadOfficial(Input, System, p, r),
        ["accuracy"] = (_, p, r) => TaskMetrics.Labels(Input, System, p, r),
    };

    const string Input = "input", System = "predictions";

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--metric <NAME>")]
        [Description("bleu, rouge, squad (SQuAD's official EM and F1) or accuracy.")]
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
            !Scorers.ContainsKey(Metric) ? ValidationResult.Error($"--metric must be {string.Join(", ", Scorers.Keys)}")
            : Predictions.Length == 0 || References.Length == 0 ? ValidationResult.Error("--predictions and --references are required")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var pairs = ScoringFiles.Read(settings.Predictions, settings.References);
        var predictions = pairs.Select(p => p.Prediction).ToList();
        var references = pairs.Select(p => p.References).ToList();
        console.MarkupLine($"{pairs.Count} examples");
        if (settings.Metric == "bleu")
        {
            // sacreBLEU's own line, intermediate counts and signature, so the figure can be checked against it.
            var bleu = Bleu.FromStatistics(pairs.Select(p => Bleu.Statistics(p.Prediction, p.References)).ToList(), referenceStreams: references.Max(r => r.Count));
            console.WriteLine(bleu.ToString());
            console.WriteLine($"counts {string.Join(" ", bleu.Correct)} / totals {string.Join(" ", bleu.Total)}");
            console.WriteLine($"precisions {string.Join(" ", bleu.Precisions.Select(p => p.ToString("F4")))}  brevity penalty {bleu.BrevityPenalty:F4}  " +
                              $"system length {bleu.SystemLength}  reference length {bleu.ReferenceLength}");
            console.WriteLine($"signature {bleu.Signature}");
        }
        foreach (var row in Scorers[settings.Metric](settings, predictions, references))
            console.WriteLine($"{row.Metric} {row.Value:F2}  95% interval [{row.Low:F2}, {row.High:F2}]");
        if (settings.Metric == "rouge") console.WriteLine($"rouge-score conventions: target first, best reference per type by F, stemmer {(settings.Stem ? "on" : "off")}");
        return 0;
    }
}
