using System.ComponentModel;
using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using Spectre.Console;
using Spectre.Console.Cli;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Cli;

public sealed class EvaluateCommand(IAnsiConsole console) : Command<EvaluateCommand.Settings>
{
    public sealed class Settings : DataSettings
    {
        [CommandOption("--model <PATH>")]
        [Description("A model folder (or its model.safetensors). Default: runs/cpu/finetune.")]
        public string? Model { get; init; }

        [CommandOption("--task <NAME>")]
        [Description("squad, cnn_dailymail, sst2 or all.")]
        [DefaultValue("all")]
        public string Task { get; init; } = "all";

        [CommandOption("--split <NAME>")]
        [Description("validation (SQuAD dev, CNN/DailyMail validation, SST-2 dev) or test (where it has answers).")]
        [DefaultValue("validation")]
        public string Split { get; init; } = "validation";

        [CommandOption("--limit <N>")]
        [Description("Evaluate only the first N examples of each task.")]
        public int? Limit { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where predictions and scores go, one folder per task. Default: the pipeline's eval/<split>/ for a finetune/ model, else <model folder>/eval/<split>.")]
        public string? Out { get; init; }

        [CommandOption("--batch-size <N>")]
        [DefaultValue(16)]
        public int BatchSize { get; init; } = 16;

        [CommandOption("--decoder <NAME>")]
        [Description("extractive (the default: task, with summaries in the article's words), task (each task's recipe: SQuAD answers kept inside the passage, CNN/DailyMail beam search, SST-2 greedy), greedy, span, sentence (SQuAD answers kept inside the passage sentences closest to the question), select (summaries of the article's sentences the model scores best), beam or sampled.")]
        [DefaultValue("extractive")]
        public string Decoder { get; init; } = "extractive";

        [CommandOption("--beams <N>")]
        [Description("Beam search: hypotheses per prompt (default: 4 with --decoder extractive or beam, 1, greedy, with --decoder span).")]
        public int? Beams { get; init; }

        [CommandOption("--sentences <N>")]
        [Description("With --decoder sentence: how many of the passage's sentences sharing the most words with the question an answer may come from (default 2); with --decoder select: how many sentences a summary has (default 3).")]
        public int? Sentences { get; init; }

        [CommandOption("--length-penalty <P>")]
        [Description("Beam search ranks a finished hypothesis by log-probability / length^P (default 1).")]
        public double? LengthPenalty { get; init; }

        [CommandOption("--no-repeat-ngram <N>")]
        [Description("Never repeat an n-gram of this size (0: off; default 3).")]
        public int? NoRepeatNgram { get; init; }

        [CommandOption("--min-tokens <N>")]
        [Description("No end of text before this many tokens (default: the summary recipe's minimum with --decoder extractive, else 0).")]
        public int? MinTokens { get; init; }

        [CommandOption("--temperature <T>")]
        [Description("With --decoder sampled (default 0.8).")]
        public double? Temperature { get; init; }

        [CommandOption("--top-k <K>")]
        [Description("With --decoder sampled: the K most likely tokens only (default 200; 0: all).")]
        public int? TopK { get; init; }

        [CommandOption("--top-p <P>")]
        [Description("With --decoder sampled: the most likely tokens that together reach probability P (default 1).")]
        public double? TopP { get; init; }

        [CommandOption("--seed <N>")]
        [Description("With --decoder sampled (default 0).")]
        public long? Seed { get; init; }

        [CommandOption("--device <NAME>")]
        [Description(DeviceSettings.Help)]
        [DefaultValue(Platform.ComputeDevice.Auto)]
        public string Device { get; init; } = Platform.ComputeDevice.Auto;

        [CommandOption("--no-stem")]
        [Description("ROUGE without the Porter stemmer.")]
        public bool NoStem { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var decoder = Enum.TryParse<Decoder>(settings.Decoder, ignoreCase: true, out var d) ? d
            : throw new UserError($"--decoder must be extractive, task, greedy, span, sentence, select, beam or sampled, got '{settings.Decoder}'");
        var split = Enum.TryParse<TaskSplit>(settings.Split, ignoreCase: true, out var parsed) && parsed != TaskSplit.Train ? parsed
            : throw new UserError($"--split must be validation or test, got '{settings.Split}'");
        var tasks = settings.Task == "all" ? TaskRegistry.All : [TaskRegistry.Named(settings.Task)];   // an unknown name fails before any work
        var modelPath = Path.GetFullPath(settings.Model ?? PipelineFolders.ForPreset("cpu").Finetune);
        var (model, tokenizer) = ModelFiles.Load(modelPath, device: Platform.ComputeDevice.Resolve(settings.Device));
        using var _ = model;
        var data = DataFolder.Resolve(settings.Data);
        string OutFolder(FinetuningTask task) => settings.Out is { } root ? Path.Combine(Path.GetFullPath(root), task.Name) : Evaluator.DefaultFolder(modelPath, task.Name, split);
        var custom = TaskDecoding.FromFlags(decoder, new DecodingFlags(settings.Beams, settings.LengthPenalty, settings.NoRepeatNgram, settings.MinTokens,
            settings.Temperature, settings.TopK, settings.TopP, settings.Seed));
        var options = new EvaluationOptions(settings.Limit, settings.BatchSize, decoder, custom, !settings.NoStem, QaPrompt: Finetuning.QaPromptOf(modelPath),
            Sentences: settings.Sentences is null or > 0 ? settings.Sentences : throw new UserError($"--sentences must be at least 1, got {settings.Sentences}"));
        foreach (var task in tasks)
        {
            cancellation.ThrowIfCancellationRequested();
            EvaluationResult result = null!;
            console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(progress =>
                {
                    var bar = progress.AddTask($"{task}: generating");
                    result = Evaluator.Evaluate(model, tokenizer, task, data, split, options, (done, total) => { bar.MaxValue = total; bar.Value = done; }, cancellation);
                });
            var folder = OutFolder(task);
            Evaluator.Save(folder, result);
            var summary = result.Summary;
            console.MarkupLine($"[bold]{task}[/] ({summary.Examples} examples, {Markup.Escape(summary.Decoding)}, {summary.GeneratedTokensPerSecond:F0} generated tokens/s): {Markup.Escape(folder)}");
            if (summary.RecordsSkipped > 0)
                console.MarkupLine($"[yellow]{summary.RecordsSkipped} records of the split could not be read and are not scored[/]: " +
                    Markup.Escape(string.Join("; ", summary.SkippedExamples.Take(3).Select(s => $"{s.Location}: {s.Reason}"))) + (summary.RecordsSkipped > 3 ? "; …" : ""));
            Show(console, result.Scores);
        }
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
