using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class EvaluateCommand(IAnsiConsole console) : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <PATH>")]
        [Description("model.pt or the folder holding it. Default: runs/cpu/finetune.")]
        public string? Model { get; init; }

        [CommandOption("--task <NAME>")]
        [Description("squad, cnn_dailymail, sst2 or all.")]
        [DefaultValue("all")]
        public string Task { get; init; } = "all";

        [CommandOption("--split <NAME>")]
        [Description("validation (SQuAD dev, CNN/DailyMail validation, SST-2 dev) or test (where it has labels).")]
        [DefaultValue("validation")]
        public string Split { get; init; } = "validation";

        [CommandOption("--limit <N>")]
        [Description("Evaluate only the first N examples of each task.")]
        public int? Limit { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("Data folder (default: $LLMNB_DATA, else data/, else ../shared/data).")]
        public string? Data { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where predictions and scores go, one folder per task. Default: the pipeline's eval/ for a finetune/ model, else <model folder>/eval.")]
        public string? Out { get; init; }

        [CommandOption("--batch-size <N>")]
        [DefaultValue(16)]
        public int BatchSize { get; init; } = 16;

        [CommandOption("--temperature <T>")]
        [Description("0 decodes greedily (the default); above 0 samples.")]
        [DefaultValue(0.0)]
        public double Temperature { get; init; }

        [CommandOption("--top-k <K>")]
        [DefaultValue(0)]
        public int TopK { get; init; }

        [CommandOption("--top-p <P>")]
        [DefaultValue(1.0)]
        public double TopP { get; init; } = 1.0;

        [CommandOption("--seed <N>")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--no-stem")]
        [Description("ROUGE without the Porter stemmer.")]
        public bool NoStem { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var modelPath = Path.GetFullPath(settings.Model ?? new Reporting.PipelineFolders(Path.Combine(ProjectPaths.Runs, "cpu")).Finetune);
        var (model, tokenizer) = ModelFiles.Load(modelPath);
        var split = Enum.TryParse<TaskSplit>(settings.Split, ignoreCase: true, out var parsed) && parsed != TaskSplit.Train ? parsed
            : throw new ArgumentException($"--split must be validation or test, got '{settings.Split}'");
        var tasks = settings.Task == "all" ? Evaluator.Tasks : [settings.Task];
        var data = DataFolder.Resolve(settings.Data);
        var modelFolder = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(modelPath)!;
        var outRoot = Path.GetFullPath(settings.Out ?? (Path.GetFileName(modelFolder) == "finetune"
            ? new Reporting.PipelineFolders(Path.GetDirectoryName(modelFolder)!).Eval : Path.Combine(modelFolder, "eval")));
        var options = new EvaluationOptions(settings.Limit, settings.BatchSize,
            new Model.SamplingOptions(Temperature: settings.Temperature, TopK: settings.TopK, TopP: settings.TopP, Seed: settings.Seed), !settings.NoStem);
        var all = new List<ScoreRow>();
        foreach (var task in tasks)
        {
            TaskFormats.FromDatasetName(task);   // a clear error for an unknown task name before any work
            EvaluationResult result = null!;
            console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    var bar = progress.AddTask($"{task}: generating");
                    result = Evaluator.Evaluate(model, tokenizer, task, data, split, options, (done, total) => { bar.MaxValue = total; bar.Value = done; });
                });
            var rows = Evaluator.ScoresWithBaselines(result, data, split, options);
            Evaluator.Save(Path.Combine(outRoot, task), result, rows);
            all.AddRange(rows);
            console.MarkupLine($"[bold]{task}[/] ({result.Predictions.Count} examples, {result.GeneratedTokensPerSecond:F0} generated tokens/s): {Markup.Escape(Path.Combine(outRoot, task))}");
            Show(console, rows);
        }
        ScoreTable.Save(outRoot, all);
        return 0;
    }

    static void Show(IAnsiConsole console, IReadOnlyList<ScoreRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("system", "metric", "score", "95% interval", "source");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.System), Markup.Escape(r.Metric), $"{r.Value:F2}", r.Low is null ? "" : Markup.Escape($"[{r.Low:F2}, {r.High:F2}]"), Markup.Escape(r.Source));
        console.Write(table);
    }
}
