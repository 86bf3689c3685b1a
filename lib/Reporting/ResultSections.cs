using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Reporting;

/// <summary>The report's results: pretraining, finetuning, evaluation (with examples), attention, time and compute.</summary>
static class ResultSections
{
    public static void Pretraining(ReportDocument d, ReportInputs run)
    {
        var source = run.Source(Path.Combine(run.Folders.Pretrain, MetricsLog.MetricsFile));
        var train = run.PretrainMetrics.Where(r => r.Kind == MetricsRecord.TrainKind).ToList();
        var evals = run.PretrainMetrics.Where(r => r.Kind == MetricsRecord.EvalKind).ToList();
        d.Md("## Results\n\n### Pretraining");
        if (train.Count == 0) { d.Md("The pretraining log is empty."); return; }
        var last = train[^1];
        d.Md($"{d.N(last.Step, "N0", source)} steps, {d.N(last.Tokens, "N0", source)} tokens in {d.Duration(last.WallSeconds, source)}. " +
             $"Final training loss {d.N(RunFigures.Smooth(train.Select(r => r.TrainLoss!.Value).ToList(), Math.Max(1, train.Count / 100))[^1], "F3", source)} " +
             "(averaged over the last steps); " +
             (evals.Count > 0 ? $"validation loss {d.N(evals[0].Validation!.Values.Average(), "F3", source)} at step {d.N(evals[0].Step, "N0", source)} → " +
                                $"{d.N(evals[^1].Validation!.Values.Average(), "F3", source)} at step {d.N(evals[^1].Step, "N0", source)}, " +
                                $"best {d.N(evals.Min(e => e.Validation!.Values.Average()), "F3", source)}. " : "") +
             Throughput(d, train, run.Pretrain.PrecisionName, source));
        d.Fig(RunFigures.Loss(run.PretrainMetrics, "Pretraining loss"));
        d.Fig(RunFigures.LearningRate(run.PretrainMetrics));
        d.Fig(RunFigures.Throughput(run.PretrainMetrics));
        if (run.PretrainSamples.Count == 0) return;
        var sampleSource = run.Source(Path.Combine(run.Folders.Pretrain, MetricsLog.SamplesFile));
        long firstStep = run.PretrainSamples.Min(s => s.Step), lastStep = run.PretrainSamples.Max(s => s.Step);
        d.Md("Samples from the configuration's fixed prompts (sampled with temperature and top-k), at the first and the last sampling step:\n\n" + ReportDocument.Table(
            ["step", "prompt → continuation"],
            run.PretrainSamples.Where(s => s.Step == firstStep || s.Step == lastStep)
                .Select(s => new[] { d.N(s.Step, "N0", sampleSource), $"**{s.Prompt}**{ReportDocument.Short(s.Completion, 240)}" })));
    }

    /// <summary>Median tokens/s and MFU against the run's own matmul ceiling, precision and peak memory.</summary>
    static string Throughput(ReportDocument d, IReadOnlyList<MetricsRecord> train, string ceilingPrecision, string source)
    {
        // Steps whose MFU the log leaves out ran above the measured ceiling: that ceiling is wrong, so no median is given.
        var mfu = train.Where(r => r.Mfu is not null).Select(r => r.Mfu!.Value).ToList();
        return $"Median throughput {d.N(Median(train.Select(r => r.TokensPerSecond!.Value)), "N0", source)} tokens/s, " +
               (mfu.Count == train.Count ? $"median MFU {d.N(100 * Median(mfu), "F0", source)}% of the measured {ceilingPrecision} matmul ceiling "
                   : $"no MFU (the measured {ceilingPrecision} matmul ceiling was below the training rate) ") +
               $"(training in {train[^1].Precision}); peak memory {d.N(train.Max(r => r.PeakMemoryMb!.Value), "N0", source)} MB.";
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : Bootstrap.Percentile(sorted, 0.5);
    }

    public static void Finetuning(ReportDocument d, ReportInputs run)
    {
        d.Md("### Finetuning");
        var records = run.FinetuneMetrics;
        if (run.Finetune is not { } finetune || records.Count == 0) { d.Md("Finetuning has not run for this pipeline yet."); return; }
        var source = run.FinetuneMetricsSource;
        var evals = records.Where(r => r.Kind == MetricsRecord.EvalKind).ToList();
        var train = records.Where(r => r.Kind == MetricsRecord.TrainKind).ToList();
        var last = train[^1];
        d.Md($"{d.N(last.Step, "N0", source)} steps, {d.N(last.Tokens, "N0", source)} tokens in {d.Duration(last.WallSeconds, source)}, one model for every task. " +
             Throughput(d, train, finetune.PrecisionName, source) + " " +
             "Validation loss per task (on each task's held-out slice, response tokens only; `pretrain` is language modelling on held-out web text):");
        if (evals.Count > 0)
            d.Md(ReportDocument.Table(["set", $"step {d.N(evals[0].Step, "N0", source)}", $"step {d.N(evals[^1].Step, "N0", source)}"],
                evals[^1].Validation!.Keys.Select(k => new[] { k, d.N(evals[0].Validation![k], "F3", source), d.N(evals[^1].Validation![k], "F3", source) })));
        d.Fig(RunFigures.Loss(records, "Finetuning loss per task"));
        if (records.Any(r => r.Kind == MetricsRecord.TaskKind)) d.Fig(RunFigures.TaskScores(records));
        if (last.Mixture is { } seen && run.FinetuneData is { } data)
        {
            var mixture = Mixture.Parse(data.Mixture);
            double total = seen.Values.Sum();
            var dataSource = run.Source(Path.Combine(run.Folders.Finetune, FinetuneDataRecord.FileName));
            d.Md("Mixture requested and seen (examples drawn in the whole run):\n\n" + ReportDocument.Table(["source", "requested share", "seen", "seen share"],
                mixture.Shares.Select(s => new[] { s.Source, d.N(s.Share, "0.###", dataSource), d.N(seen.GetValueOrDefault(s.Source), "N0", source),
                    d.N(seen.GetValueOrDefault(s.Source) / total, "0.###", source) })));
        }
    }

    public static void Evaluation(ReportDocument d, ReportInputs run)
    {
        d.Md("### Evaluation");
        if (run.Evaluations.Count == 0) { d.Md("The model has not been evaluated yet."); return; }
        var first = run.Evaluations[0];
        var firstSource = $"{first.Source}/{EvaluationSummary.FileName}";
        string confidence = d.N(100 * first.Summary.Confidence, "0.#", firstSource);
        var missingTest = TaskRegistry.Names.Where(t => run.Evaluations.All(e => e.Task != t || e.Split != TaskSplit.Test)).ToList();
        d.Md($"Scores are percentages with {confidence}% bootstrap intervals over examples ({d.N(first.Summary.BootstrapResamples, "N0", firstSource)} resamples). " +
             "Baselines run on the same examples through the same metric code; published figures are labelled with their source and were measured on " +
             "other splits or subsets, so they give context, not a like-for-like comparison." +
             (missingTest.Count > 0 ? $" No test split with answers was in the data folder for {string.Join(", ", missingTest)} (SQuAD's and SST-2's test answers are not public), so those tasks are scored on validation only." : ""));
        foreach (var task in TaskRegistry.All)
        {
            var splits = run.Evaluations.Where(e => e.Task == task.Name).ToList();
            if (splits.Count == 0) continue;
            d.Md($"#### {task}");
            foreach (var e in splits) EvaluationOf(d, e, confidence);
            var validation = splits[0];
            d.Fig(EvaluationFigures.Scores(task.Name, validation.Scores));
            d.Fig(EvaluationFigures.ByInputLength(task, validation.Predictions));
            Examples(d, task, validation);
        }
    }

    static void EvaluationOf(ReportDocument d, EvaluationInputs e, string confidence)
    {
        var summarySource = $"{e.Source}/{EvaluationSummary.FileName}";
        var source = $"{e.Source}/{ScoreTable.JsonFile}";
        var s = e.Summary;
        var files = s.DataFiles is { Count: > 0 } read ? $" from {string.Join(", ", read.Select(f => $"`{f}`"))}" : "";
        d.Md($"**{s.Split} split**: {d.N(s.Examples, "N0", summarySource)} examples" +
             (s.Limit is { } limit ? $" (the first {d.N(limit, "N0", summarySource)} records{files})" : files) +
             (s.RecordsSkipped > 0 ? $"; **{d.N(s.RecordsSkipped, "N0", summarySource)} records of the split could not be read and are not scored** " +
                                     $"({string.Join(", ", s.SkippedByReason.Select(r => $"{d.N(r.Value, "N0", summarySource)} {r.Key}"))}; first: {s.SkippedExamples.FirstOrDefault()?.Location})" : "") +
             $"; decoding: {d.Q(s.Decoding, summarySource)}; {d.N(s.TruncatedInputs, "N0", summarySource)} inputs were cut to fit the context; generation ran at " +
             $"{d.N(s.GeneratedTokensPerSecond, "N0", summarySource)} tokens/s." + Tally(d, e) + "\n\n" +
             ReportDocument.Table(["system (on these examples)", "metric", "score", $"{confidence}% interval"],
                e.Scores.Where(r => !r.IsPublished).Select(r => new[] { d.Q(r.System, source), d.Q(r.Metric, source), d.N(r.Value, "F2", source),
                    r.Low is null ? "" : $"[{d.N(r.Low.Value, "F2", source)}, {d.N(r.High!.Value, "F2", source)}]" })));
        BelowBaseline(d, e, source);
        var published = e.Scores.Where(r => r.IsPublished).ToList();
        if (published.Count > 0)
            d.Md("Published figures, measured on other examples (context, not a comparison; the baselines above ran on these examples):\n\n" +
                 ReportDocument.Table(["system", "metric", "score", "examples", "source"], published.Select(r => new[]
                     { d.Q(r.System, source), d.Q(r.Metric, source), d.N(r.Value, "F2", source), d.N(r.Examples, "N0", source), r.Source })));
    }

    /// <summary>
    /// Says plainly when the model's headline score is below a trivial baseline's on the same examples (a short run,
    /// the demo's): then the score says the model has not learned the task, and is no result.
    /// </summary>
    static void BelowBaseline(ReportDocument d, EvaluationInputs e, string source)
    {
        var headline = TaskRegistry.Named(e.Task).Headline;
        var measured = e.Scores.Where(r => !r.IsPublished && r.Metric == headline).ToList();
        var ours = measured.Where(r => r.System.StartsWith(ScoreRow.OurModel, StringComparison.Ordinal)).MaxBy(r => r.Value);
        var baseline = measured.Where(r => !r.System.StartsWith(ScoreRow.OurModel, StringComparison.Ordinal)).MaxBy(r => r.Value);
        if (ours is null || baseline is null || ours.Value >= baseline.Value) return;
        d.Md($"**Below a trivial baseline.** The model's best {d.Q(headline, source)}, {d.N(ours.Value, "F2", source)} ({d.Q(ours.System, source)}), " +
             $"is lower than {d.Q(baseline.System, source)}'s {d.N(baseline.Value, "F2", source)} on the same examples: the model has not learned this task " +
             "at this budget, and this score is not a result to report as one.");
    }

    /// <summary>
    /// CNN/DailyMail's two publishers write differently (a Daily Mail story leads with its highlights): which of them
    /// the examples come from, by CNN's "(CNN)" dateline near the start of the article.
    /// </summary>
    static string Tally(ReportDocument d, EvaluationInputs e)
    {
        if (TaskRegistry.Named(e.Task).Tally is not { } tally || e.Predictions.Count == 0) return "";
        var source = $"{e.Source}/{Evaluator.PredictionsFile}";
        int counted = e.Predictions.Count(p => tally.Counts(p.Input));
        return $" {d.N(counted, "N0", source)} of the {d.N(e.Predictions.Count, "N0", source)} {tally.Description}.";
    }

    static void Examples(ReportDocument d, FinetuningTask task, EvaluationInputs e)
    {
        var source = $"{e.Source}/{Evaluator.PredictionsFile}";
        var metric = task.Headline;
        // Long free text takes two rows a side; a label's input is a sentence.
        int inputLength = task.Response == ResponseKind.Label ? 200 : 300;
        d.Md($"Best and worst examples by {metric}:\n\n" + ReportDocument.Table(["", metric, "input", "prediction", "references"],
            ExampleScores.BestAndWorst(task, e.Predictions, task.Response == ResponseKind.Text ? 2 : 3)
                .Select(x => new[] { x.Label, d.N(100 * x.Example.Score, "F0", source), ReportDocument.Short(QuestionPart(x.Example.Prediction.Input), inputLength),
                    ReportDocument.Short(x.Example.Prediction.Prediction, 300), ReportDocument.Short(x.Example.Prediction.ReferencesText, 300) })));
    }

    /// <summary>For SQuAD inputs, the question (the passage is too long for a table); other inputs unchanged.</summary>
    static string QuestionPart(string input) =>
        input.LastIndexOf("Question:", StringComparison.Ordinal) is var q and >= 0 ? input[q..] : input;

    /// <summary>Heatmaps of the first and last layer's first head, from the model itself (<see cref="Gpt.AttentionWeights"/>).</summary>
    public static void Attention(ReportDocument d, ReportInputs run)
    {
        var folder = File.Exists(Path.Combine(run.Folders.Finetune, ModelFiles.Weights)) ? run.Folders.Finetune : run.Folders.Pretrain;
        if (!File.Exists(Path.Combine(folder, ModelFiles.Weights))) return;
        var (model, tokenizer) = ModelFiles.Load(folder);
        using (model)
        {
            var sentence = run.PretrainSamples.Select(s => s.Prompt + s.Completion).FirstOrDefault() ?? "The quick brown fox jumps over the lazy dog.";
            d.Md($"### Attention\n\nAttention weights of the {(folder == run.Folders.Finetune ? "finetuned" : "pretrained")} model on the start of a pretraining sample " +
                 "(rows: the token attending, columns: the tokens it attends to; each row sums to 1):");
            d.Fig(AttentionFigures.Head(model, tokenizer, sentence, layer: 0, head: 0) with { Title = "Attention, first layer, head 1" });
            d.Fig(AttentionFigures.Head(model, tokenizer, sentence, layer: model.Config.Layers - 1, head: 0) with { Title = "Attention, last layer, head 1" });
        }
    }

    public static void Compute(ReportDocument d, ReportInputs run)
    {
        double flopsPerToken = run.Pretrain.TrainingFlopsPerToken;
        var rows = new List<string[]>();
        foreach (var (phase, folder, records) in new[] { ("pretraining", run.Folders.Pretrain, run.PretrainMetrics), ("finetuning", run.Folders.Finetune, run.FinetuneMetrics) })
        {
            var last = records.LastOrDefault(r => r.Kind == MetricsRecord.TrainKind);
            if (last is null) continue;
            var source = run.Source(Path.Combine(folder, MetricsLog.MetricsFile));
            rows.Add([phase, d.Duration(last.WallSeconds, source), d.N(last.Tokens, "N0", source), d.N(last.Tokens * flopsPerToken / 1e15, "F2", source)]);
        }
        foreach (var e in run.Evaluations)
        {
            var source = $"{e.Source}/{EvaluationSummary.FileName}";
            rows.Add([$"evaluation: {e.Task} ({e.Split.ToString().ToLowerInvariant()})", d.Duration(e.Summary.Seconds, source), d.N(e.Summary.GeneratedTokens, "N0", source) + " generated", ""]);
        }
        d.Md("### Time and compute\n\n" + ReportDocument.Table(["phase", "wall time", "tokens", "training compute (PFLOP, 6N + attention per token)"], rows));
    }
}
