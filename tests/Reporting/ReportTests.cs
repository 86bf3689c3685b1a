using LlmNotebooks.Scoring;
using System.Text.RegularExpressions;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Model;
using LlmNotebooks.Reporting;
using LlmNotebooks.Training;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Reporting;

/// <summary>One smoke-scale experiment and one <c>all --preset smoke</c> run on the real data, shared by the report tests.</summary>
public sealed class SmokePipeline : IDisposable
{
    public string? Missing { get; } = TestEnvironment.MissingData("openwebtext", "squad", "cnn_dailymail", "sst2");
    public DirectoryInfo Temp { get; } = TestEnvironment.TempFolder();
    public PipelineFolders Folders => new(Path.Combine(Temp.FullName, "smoke"));
    public string ReportFolder => Path.Combine(Temp.FullName, "report");
    public TestEnvironment.CliResult? Result { get; }
    public TestEnvironment.CliResult? Experiment { get; }

    public SmokePipeline()
    {
        if (Missing is not null) return;
        Experiment = TestEnvironment.RunCli("experiments", "--preset", "smoke", "--only", "Micro-batches", "--data", TestEnvironment.DataFolder, "--out", Folders.Root);
        Result = TestEnvironment.RunCli("all", "--preset", "smoke", "--data", TestEnvironment.DataFolder, "--out", Folders.Root, "--report", ReportFolder);
    }

    public void Dispose() => Temp.Delete(recursive: true);
}

[Collection(LlmNotebooks.Tests.Training.TrainerCollection.Name)]
public class ReportTests(SmokePipeline pipeline) : IClassFixture<SmokePipeline>
{
    static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    string Markdown => File.ReadAllText(Path.Combine(pipeline.ReportFolder, "report.md"));

    void RequireRun()
    {
        Skip.If(pipeline.Missing is not null, pipeline.Missing);
        Assert.True(pipeline.Result!.ExitCode == 0, pipeline.Result.ToString());
    }

    [SkippableFact]
    public void The_main_command_runs_every_phase_into_its_folder()
    {
        RequireRun();
        foreach (var file in new[] { "pretrain/model.pt", "finetune/model.pt", $"finetune/{LlmNotebooks.Finetune.FinetuneDataRecord.FileName}",
                     "eval/validation/squad/scores.csv", "eval/validation/cnn_dailymail/predictions.jsonl", "eval/validation/sst2/evaluation.json" })
            Assert.True(File.Exists(Path.Combine(pipeline.Folders.Root, file)), $"missing {file}\n{pipeline.Result}");
        Assert.Contains("done in", pipeline.Result!.Output);
        // Each training phase says which precision this hardware trains in and why, and the report's setup table too.
        Assert.Equal(2, Regex.Matches(pipeline.Result.Output, @"precision (fp32|bf16) \(auto: this CPU has").Count);
        Assert.Equal(2, Regex.Matches(Markdown, @"\| precision \| (fp32|bf16 mixed \([^)]*\)); auto: this CPU has [^|]+\|").Count);
    }

    [SkippableFact]
    public void The_evaluate_command_by_default_decodes_summaries_as_the_main_command_did()
    {
        RequireRun();
        var pipelineRun = JsonFile.Read<LlmNotebooks.Evaluation.EvaluationSummary>(
            Path.Combine(pipeline.Folders.EvalTask("cnn_dailymail", TaskSplit.Validation), LlmNotebooks.Evaluation.EvaluationSummary.FileName), "an evaluation summary");
        var folder = Path.Combine(pipeline.Temp.FullName, "evaluate-alone");
        var result = TestEnvironment.RunCli("evaluate", "--model", pipeline.Folders.Finetune, "--task", "cnn_dailymail", "--limit", "2",
            "--data", TestEnvironment.DataFolder, "--out", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
        var alone = JsonFile.Read<LlmNotebooks.Evaluation.EvaluationSummary>(
            Path.Combine(folder, "cnn_dailymail", LlmNotebooks.Evaluation.EvaluationSummary.FileName), "an evaluation summary");
        Assert.Contains("in the article's words", pipelineRun.Decoding);
        Assert.Equal(pipelineRun.Decoding, alone.Decoding);
    }

    [SkippableFact]
    public void An_experiment_trains_its_variants_once_and_the_report_shows_them_side_by_side_with_the_winner()
    {
        RequireRun();
        Assert.True(pipeline.Experiment!.ExitCode == 0, pipeline.Experiment.ToString());
        var records = LlmNotebooks.Evaluation.ExperimentRecord.ReadAll(pipeline.Folders.Experiments);
        Assert.Equal(["filled to batch_size × context positions", "batch_size rows"], records.Select(r => r.Record.Variant));   // the reference first
        foreach (var (_, record) in records)
        {
            Assert.Contains(record.Scores, s => s.Task == "squad" && s.Metric == "F1" && s.Low is not null);
            Assert.Contains(record.Scores, s => s.Task == "sst2" && s.Metric == LlmNotebooks.Scoring.Metric.TaskLoss);
            Assert.True(record.TrainingPflop > 0);
            // Each example's headline score is kept, and they average to the task's headline score.
            foreach (var list in record.Examples!)
                Assert.Equal(record.Scores.Single(s => s.Task == list.Task && s.Metric == list.Metric && s.System == ScoreRow.OurModel).Value, list.Scores.Average(), 6);
            Assert.Equal(records[0].Record.Examples!.Select(l => l.Ids), record.Examples!.Select(l => l.Ids));   // the same examples for every variant
        }
        // One pretraining run shared by both variants, one finetuning run each.
        var runs = Directory.GetDirectories(Path.Combine(pipeline.Folders.Experiments, "runs")).Select(Path.GetFileName).ToList();
        Assert.Single(runs, r => r!.StartsWith("pretrain-"));
        Assert.Equal(2, runs.Count(r => r!.StartsWith("finetune-")));

        var again = TestEnvironment.RunCli("experiments", "--preset", "smoke", "--only", "Micro-batches", "--data", TestEnvironment.DataFolder, "--out", pipeline.Folders.Root);
        Assert.Equal(2, Regex.Matches(again.Output, "done earlier").Count);

        var section = Markdown[Markdown.IndexOf("### Micro-batches")..];
        Assert.Contains("| filled to batch_size × context positions |", section);
        Assert.Contains("| batch_size rows | `finetune fill_batches=false`", section);
        Assert.Matches(@"What won: SQuAD F1: [^;]+; CNN/DM R-1: [^;]+; SST-2 accuracy: ", section);
        Assert.Matches(@"Baselines on the same examples: best-overlap sentence SQuAD F1 \d+\.\d\d; Lead-3 CNN/DM R-1 \d+\.\d\d; majority class \(\w+\) SST-2 accuracy \d+\.\d\d\.", section);
        Assert.Matches(@"\| batch_size rows \| SQuAD F1 \| 8 \| [+-]\d+\.\d\d \| \[-?\d+\.\d\d, -?\d+\.\d\d\] \| (yes|no) \|", section);
        Assert.Matches(@"(Not significant \(the interval holds 0\): \*batch_size rows\* on|Every difference is significant)", section);
    }

    /// <summary>
    /// Run folders are not committed, so a report keeps copies of the experiment records it shows; rebuilt from a run
    /// that lacks some of them, it still shows those it kept, and the run's own records win over a kept copy.
    /// </summary>
    [SkippableFact]
    public void A_report_keeps_the_experiment_records_it_shows_and_still_shows_them_when_the_run_lacks_them()
    {
        RequireRun();
        var keptByMain = ExperimentRecord.ReadAll(Path.Combine(pipeline.ReportFolder, ReportBuilder.ExperimentsFolder));
        Assert.Equal(["filled to batch_size × context positions", "batch_size rows"], keptByMain.Select(r => r.Record.Variant));

        var outFolder = Path.Combine(pipeline.Temp.FullName, "report-with-kept");
        var kept = Path.Combine(outFolder, ReportBuilder.ExperimentsFolder);
        var reference = keptByMain[0].Record;
        (reference with { Experiment = "Architecture", Variant = "an earlier run's variant", ExperimentIndex = 4 }).Write(kept);
        (reference with { TrainingPflop = 99 }).Write(kept);   // stale: the run measured this variant itself

        var markdown = File.ReadAllText(ReportBuilder.Build(pipeline.Folders, outFolder).MarkdownPath);
        Assert.Contains("### Micro-batches", markdown);
        Assert.Contains("| an earlier run's variant |", markdown[markdown.IndexOf("### Architecture")..]);
        Assert.Equal(3, ExperimentRecord.ReadAll(kept).Count);
        Assert.DoesNotContain(ExperimentRecord.ReadAll(kept), r => r.Record.TrainingPflop == 99);
    }

    /// <summary>The report keeps the model it scored; evaluated from there, it scores what the report says, to the last digit.</summary>
    [SkippableFact]
    public void The_report_keeps_the_model_it_scored_and_it_scores_the_same_from_there()
    {
        RequireRun();
        var model = Path.Combine(pipeline.ReportFolder, ReportBuilder.ModelFolder);
        foreach (var file in new[] { ModelFiles.Weights, ModelFiles.ConfigFile, ModelFiles.TokenizerFile })
            Assert.Equal(File.ReadAllBytes(Path.Combine(pipeline.Folders.Finetune, file)), File.ReadAllBytes(Path.Combine(model, file)));
        Assert.False(File.Exists(Path.Combine(model, ModelFiles.HandIn)));   // export writes it from the weights
        Assert.Contains("### The model", Markdown);

        var folder = Path.Combine(pipeline.Temp.FullName, "evaluate-kept-model");
        var result = TestEnvironment.RunCli("evaluate", "--model", model, "--task", "sst2", "--limit", "20", "--data", TestEnvironment.DataFolder, "--out", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
        double Accuracy(string evalFolder) => ScoreTable.Load(evalFolder).Single(r => r.System == ScoreRow.OurModel && r.Metric == Metric.Accuracy).Value;
        Assert.Equal(Accuracy(pipeline.Folders.EvalTask("sst2")), Accuracy(Path.Combine(folder, "sst2")));
    }

    /// <summary>The model section says how the compute went between size and data: pretraining tokens per parameter.</summary>
    [SkippableFact]
    public void The_report_gives_the_pretraining_tokens_per_parameter()
    {
        RequireRun();
        var last = MetricsLog.Read(pipeline.Folders.Pretrain).Last(r => r.Kind == MetricsRecord.TrainKind);
        var parameters = RunRecord<PretrainingConfig>.Read(pipeline.Folders.Pretrain).Parameters;
        var expected = (last.Tokens / (double)parameters).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"| pretraining tokens per parameter (compute-optimal: about twenty, Chinchilla) | {expected} |", Markdown);
    }

    /// <summary>A smoke model's answers score below the simplest baseline, and the report says so rather than presenting them as results.</summary>
    [SkippableFact]
    public void A_score_below_a_trivial_baseline_is_called_so()
    {
        RequireRun();
        var squad = Markdown[Markdown.IndexOf("#### squad", StringComparison.Ordinal)..Markdown.IndexOf("#### cnn_dailymail", StringComparison.Ordinal)];
        Assert.Matches(@"\*\*Below a trivial baseline\.\*\* The model's best F1, \d+\.\d\d \(our model[^)]*\), is lower than best-overlap sentence's \d+\.\d\d on the same examples", squad);
    }

    /// <summary>A person's discussion lives in discussion.md beside the report: built in place of the prompts, kept, and checked for its headings.</summary>
    [SkippableFact]
    public void A_discussion_beside_the_report_replaces_the_prompts_and_survives_a_rebuild()
    {
        RequireRun();
        Assert.Contains($"Write it in `{ReportBuilder.DiscussionFile}` beside this report", Markdown);
        var outFolder = Path.Combine(pipeline.Temp.FullName, "report-with-discussion");
        Directory.CreateDirectory(outFolder);
        var file = Path.Combine(outFolder, ReportBuilder.DiscussionFile);
        const string discussion = "## Discussion\n\nThe smoke model learned little.\n\n## Conclusions\n\nTrain longer.\n";
        File.WriteAllText(file, discussion);

        for (int build = 0; build < 2; build++)
        {
            var markdown = File.ReadAllText(ReportBuilder.Build(pipeline.Folders, outFolder).MarkdownPath);
            Assert.Contains("## Discussion\n\nThe smoke model learned little.\n\n## Conclusions\n\nTrain longer.", markdown);
            Assert.DoesNotContain("**Your text.** Write it in", markdown);
            Assert.Contains("## References", markdown[markdown.IndexOf("Train longer.", StringComparison.Ordinal)..]);
        }
        Assert.Equal(discussion, File.ReadAllText(file));

        File.WriteAllText(file, "## Conclusions\n\nNo discussion.\n");
        var error = Assert.Throws<UserError>(() => ReportBuilder.Build(pipeline.Folders, outFolder));
        Assert.Equal($"{file}: it must hold the sections '## Discussion' and '## Conclusions', in this order, each heading on its own line; add them", error.Message);
    }

    [SkippableFact]
    public void The_report_names_the_files_its_examples_came_from_and_sets_published_figures_apart()
    {
        RequireRun();
        var section = Markdown[Markdown.IndexOf("#### cnn_dailymail", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("#### sst2", StringComparison.Ordinal)];
        var summary = EvaluationSummary.Read(pipeline.Folders.EvalTask("cnn_dailymail", TaskSplit.Validation));
        var file = Assert.Single(summary.DataFiles!);
        Assert.False(Path.IsPathRooted(file), file);
        Assert.Contains($"(the first 20 records from `{file}`)", section);
        Assert.Matches(@"\d+ of the 20 articles carry CNN's ""\(CNN\)"" dateline", section);
        // Lead-3 on these examples stays in the table of the same examples; the published Lead-3 goes to its own.
        var sameExamples = section[..section.IndexOf("Published figures, measured on other examples", StringComparison.Ordinal)];
        Assert.Contains("| Lead-3 | rouge1 F (stemmed) |", sameExamples);
        Assert.DoesNotContain("(published)", sameExamples);
        Assert.Matches(@"\| Lead-3 \(published\) \| rouge1 F \(stemmed\) \| 40\.40 \| 11,490 \| published: Lead-3 on the whole CNN/DailyMail test set, CNN and Daily Mail stories", section);
        Assert.DoesNotContain(Directory.GetParent(TestEnvironment.DataFolder)!.FullName, Markdown);   // no path of this machine
    }

    [SkippableFact]
    public void The_report_sets_every_score_against_its_target_and_reads_the_curve_of_those_it_misses()
    {
        RequireRun();
        Assert.True(File.Exists(Path.Combine(pipeline.Folders.Root, LlmNotebooks.Evaluation.TargetsRecord.FileName)));
        var section = Markdown[Markdown.IndexOf("### Against the targets")..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        Assert.Matches(@"\| SQuAD F1 \| \d+\.\d\d \[\d+\.\d\d, \d+\.\d\d\] \| ≥ 30 \(near BERT-Tiny's 32\.5, a model of this size\) \| ≥ 40 \| (\*\*no\*\*|floor|goal) \|", section);
        // Lead-3 on the same examples is the floor itself: a smoke model misses it, and the curve reads how far it is.
        var lead3 = ScoreTable.Load(pipeline.Folders.EvalTask("cnn_dailymail", TaskSplit.Validation)).Single(r => r.System == ScoreRow.LeadThree && r.Metric == Metric.Rouge1).Value;
        Assert.Matches($@"\| CNN/DM ROUGE-1 \| [\d.]+ \[[\d.]+, [\d.]+\] \| ≥ {Regex.Escape(lead3.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture))} \(Lead-3 on the same examples\) \|  \| \*\*no\*\* \|", section);
        Assert.Contains("| forgetting (pretraining validation loss after − before) |", section);
        // SST-2's answer is its calibrated label likelihood: the row shows that score, not the generated label's.
        var sst2 = ScoreTable.Load(pipeline.Folders.EvalTask("sst2", TaskSplit.Validation));
        double calibrated = sst2.Single(r => r.System == ScoreRow.CalibratedLikelihood && r.Metric == "accuracy").Value;
        Assert.Contains($"| SST-2 accuracy (calibrated label likelihood) | {calibrated.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)} [", section);
        // A smoke model misses its floors; the task scores logged during its finetuning (on the smoke preset's 4
        // examples per task) say how far the trend goes.
        Assert.Contains("on the first 4 validation examples, scored during finetuning (the task scores above), went from", section);
    }

    [SkippableFact]
    public void Every_figure_of_the_report_is_a_png_it_links_to()
    {
        RequireRun();
        var links = Regex.Matches(Markdown, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.True(links.Count >= 8, $"expected loss, learning-rate, throughput, score and attention figures; found {links.Count}");
        foreach (var link in links)
        {
            var bytes = File.ReadAllBytes(Path.Combine(pipeline.ReportFolder, link));
            Assert.True(bytes.Length > 2000 && bytes.AsSpan(0, 8).SequenceEqual(PngSignature), $"{link} is not a PNG image");
        }
        var html = File.ReadAllText(Path.Combine(pipeline.ReportFolder, "report.html"));
        Assert.Equal(links.Count, Regex.Matches(html, "<div class=\"figure\">").Count);
        Assert.All(links, link => Assert.Contains($"<img src=\"{link}\"", html));   // each chart shows its PNG where plotly.js cannot load
        Assert.True(html.Length < 1_000_000, $"report.html is {html.Length:N0} characters: plotly.js belongs beside it, not inside");
        Assert.Contains($"src=\"{ChartHtml.PlotlyFile}\"", html);
        Assert.DoesNotContain("<script src=\"http", html);   // no script the page needs comes from the internet
        Assert.True(new FileInfo(Path.Combine(pipeline.ReportFolder, ChartHtml.PlotlyFile)).Length > 1_000_000);   // works offline: plotly.js beside the page
    }

    /// <summary>
    /// Rebuilds the report in-process to get the numbers it recorded, then finds every number in report.md outside
    /// headings, code, the references and free text copied from the data (inputs, predictions, references, samples).
    /// Each must be one the builder read from a file of the run.
    /// </summary>
    [SkippableFact]
    public void Every_number_in_the_report_was_read_from_the_run()
    {
        RequireRun();
        var again = Path.Combine(pipeline.Temp.FullName, "report-again");
        var result = ReportBuilder.Build(pipeline.Folders, again);
        Assert.Equal(Markdown, File.ReadAllText(result.MarkdownPath));   // the same run gives the same report
        var recorded = result.Numbers.Select(n => n.Text).ToHashSet();
        foreach (var source in result.Numbers.Select(n => n.Source).Distinct())
            Assert.True(File.Exists(Path.Combine(pipeline.Folders.Root, source)), $"source {source} is not a file of the run");

        var unexplained = new List<string>();
        foreach (var line in CheckedText(Markdown))
            foreach (Match number in Regex.Matches(line, @"(?<![\w.\-/])\d[\d,]*(\.\d+)?(?!\w)"))
            {
                var text = number.Value.TrimEnd(',');
                if (!recorded.Contains(text)) unexplained.Add($"{text} in: {line}");
            }
        Assert.True(unexplained.Count == 0, "numbers not read from the run:\n" + string.Join("\n", unexplained));
        Assert.True(recorded.Count > 50, $"the report should quote the run extensively ({recorded.Count} numbers)");
    }

    /// <summary>The lines of report.md whose numbers the builder is responsible for.</summary>
    static IEnumerable<string> CheckedText(string markdown)
    {
        string[] freeTextColumns = ["input", "prediction", "references", "prompt → continuation", "source"];
        string[] methodFormulas = ["1/√(2·layers)", "6N + 12·L·C·T", "multiple of 64"];
        List<int> skipColumns = [];
        foreach (var raw in markdown.Split('\n'))
        {
            var line = Regex.Replace(raw, "`[^`]*`", "");
            if (line.StartsWith("## References") || line.StartsWith("## Where the numbers come from")) yield break;
            if (line.StartsWith('#') || line.StartsWith("![")) continue;
            foreach (var formula in methodFormulas) line = line.Replace(formula, "");
            if (!line.StartsWith('|')) { skipColumns = []; yield return line; continue; }
            var cells = Regex.Split(line.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim()).ToList();
            if (skipColumns.Count == 0 && !line.StartsWith("|---"))
            {
                skipColumns = cells.Select((c, i) => (c, i)).Where(x => freeTextColumns.Contains(x.c)).Select(x => x.i).ToList();
                skipColumns.Add(-1);   // marks the header as read
            }
            yield return string.Join(" | ", cells.Where((_, i) => !skipColumns.Contains(i)));
        }
    }

    [Fact]
    public void A_report_without_a_run_names_the_missing_file()
    {
        var empty = TestEnvironment.TempFolder();
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => ReportBuilder.Build(new PipelineFolders(empty.FullName), Path.Combine(empty.FullName, "report")));
            Assert.Contains(Path.Combine(empty.FullName, "pretrain"), error.Message);
            Assert.Contains("run.json", error.Message);
        }
        finally { empty.Delete(recursive: true); }
    }

    [Fact]
    public void Every_pipeline_preset_names_a_pretraining_and_a_finetuning_preset_of_its_name()
    {
        // pretrain, finetune and all with the same --preset share runs/<preset>/, so the names must line up.
        foreach (var name in LlmNotebooks.Pipeline.PipelinePreset.Presets.Keys)
        {
            Assert.Equal(name, LlmNotebooks.Pipeline.PipelinePreset.Named(name).Name);
            Assert.NotNull(GptConfig.Preset(PretrainingConfig.Preset(name).Model));
            Assert.NotNull(LlmNotebooks.Finetune.FinetuningConfig.Preset(name));
        }
    }
}
