using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmNotebooks.Data;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Scoring;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Evaluation;

/// <summary>One evaluated example: what the model saw, what it wrote, and what counts as right.</summary>
public sealed record PredictionRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("prediction")] string Prediction,
    [property: JsonPropertyName("references")] IReadOnlyList<string> References,
    [property: JsonPropertyName("input_tokens")] int InputTokens,
    [property: JsonPropertyName("truncated_tokens")] int TruncatedTokens)
{
    /// <summary>The distinct references in one line, for tables: a prediction may match the second of three SQuAD answers.</summary>
    [JsonIgnore] public string ReferencesText => string.Join(" / ", References.Distinct());
}

/// <param name="Limit">Evaluate the first N examples of the split only.</param>
/// <param name="Decoder">Which decoder (by default the Decoders experiment's winner); <paramref name="Custom"/> sets its options.</param>
/// <param name="Stem">ROUGE with the Porter stemmer (the convention for CNN/DailyMail).</param>
/// <param name="Likelihood">SST-2: also classify by comparing the two label words' likelihoods.</param>
/// <param name="QaPrompt">The SQuAD prompt order the model was finetuned with.</param>
/// <param name="Baselines">Score the baselines on the same examples too, and add the published figures.</param>
/// <param name="Sentences">With <see cref="Decoder.Sentence"/>, how many of the passage's sentences closest to the question an answer may come
/// from; with <see cref="Decoder.Select"/>, how many sentences a summary has; null: the decoder's default.</param>
public sealed record EvaluationOptions(int? Limit = null, int BatchSize = 16, Decoder Decoder = Decoder.Extractive, DecodingOptions? Custom = null,
    bool Stem = true, bool Likelihood = true, QaPrompt QaPrompt = QaPrompt.PassageFirst, bool Baselines = true,
    int? Sentences = null);

public sealed record EvaluationResult(string Task, string Split, IReadOnlyList<PredictionRecord> Predictions, IReadOnlyList<ScoreRow> Scores,
    EvaluationSummary Summary)
{
    public double GeneratedTokensPerSecond => Summary.GeneratedTokensPerSecond;
}

/// <summary>
/// Evaluates a model on a task's split: formats every example as in finetuning (without the answer), generates with
/// the KV cache in batches of similar length with the task's decoder, reads the responses, and scores them as the
/// task says (<see cref="FinetuningTask.Score"/>) beside its baselines on the same examples. Every record of the split
/// that could not be read is counted and located in the summary.
/// </summary>
public static class Evaluator
{
    public const string PredictionsFile = "predictions.jsonl";

    /// <summary>An example of the split and its prompt (null when it could not be formatted; it then scores as an empty answer).</summary>
    sealed record Item(TaskExample Example, FormattedExample? Prompt);

    public static EvaluationResult Evaluate(Gpt model, TextTokenizer tokenizer, FinetuningTask task, string dataFolder, TaskSplit split,
        EvaluationOptions options, Action<int, int>? progress = null, CancellationToken cancellation = default)
    {
        var formats = new TaskFormats(tokenizer, model.Config.ContextLength, options.QaPrompt);
        var issues = new DataIssues();
        var examples = task.Examples(split, dataFolder, issues);
        var items = (options.Limit is { } n ? examples.Take(n) : examples).Select(e => new Item(e, e.Format(formats, false).Example)).ToList();
        if (items.FirstOrDefault(i => i.Example.References.Count == 0) is { } unanswered)
            throw new InvalidDataException($"{task.Name} {split.ToString().ToLowerInvariant()} example {unanswered.Example.Id} has no answers to score against; evaluate a split that has them");
        var decoder = TaskDecoding.For(task, options.Decoder, tokenizer, options.Custom, options.Sentences);
        SpanConstraint Constraint(TaskExample e) => decoder.AnswerSentences > 0
            ? new SpanConstraint([.. Sentences.ByOverlap(e.Source, e.Question ?? "").Take(decoder.AnswerSentences)], tokenizer)
            : new SpanConstraint(e.Source, tokenizer);
        var decoding = decoder.Options;
        var predictions = new string[items.Count];
        long generated = 0;
        var clock = Stopwatch.StartNew();
        // Batches of similar prompt length waste little on left padding.
        var order = Enumerable.Range(0, items.Count).Where(i => items[i].Prompt is not null).OrderBy(i => items[i].Prompt!.Prompt.Length).ToList();
        int done = 0;
        foreach (var batch in order.Chunk(Math.Max(1, options.BatchSize / Math.Max(1, decoding.Beams))))
        {
            cancellation.ThrowIfCancellationRequested();
            var constraints = decoder.WithinPassage ? batch.Select(i => (SpanConstraint?)Constraint(items[i].Example)).ToList() : null;
            var vocabularies = decoder.ArticleWords ? batch.Select(i => (IReadOnlySet<int>?)TaskDecoding.ArticleVocabulary(items[i].Example.Source, tokenizer)).ToList() : null;
            var outputs = decoder.SummarySentences > 0
                ? [.. batch.Select(i => SelectedSummary(model, formats, items[i], decoder.SummarySentences))]
                : TokenGenerator.Generate(model, batch.Select(i => items[i].Prompt!.Prompt).ToList(), decoding, constraints, vocabularies);
            for (int b = 0; b < batch.Length; b++)
            {
                predictions[batch[b]] = formats.ParseResponse(outputs[b]);
                generated += outputs[b].Length;
            }
            done += batch.Length;
            progress?.Invoke(done, order.Count);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        for (int i = 0; i < items.Count; i++) predictions[i] ??= "";   // an example that could not be formatted scores as an empty answer

        var records = items.Select((item, i) => new PredictionRecord(item.Example.Id, item.Example.Input, predictions[i], item.Example.References,
            item.Prompt?.Prompt.Length ?? 0, item.Prompt?.TruncatedTokens ?? 0)).ToList();
        var references = items.Select(i => i.Example.References).ToList();
        var scores = task.Score(ScoreRow.OurModel, predictions, references, options.Stem);
        if (task.Response == ResponseKind.Label && options.Likelihood)
        {
            var likelihoods = LabelLikelihood.Scores(model, formats, task.LabelWords, items.Select(i => i.Prompt));
            scores.AddRange(task.Score(ScoreRow.LabelLikelihood, LabelLikelihood.Choose(task.LabelWords, likelihoods), references, options.Stem));
            scores.AddRange(task.Score(ScoreRow.CalibratedLikelihood,
                LabelLikelihood.Choose(task.LabelWords, likelihoods, LabelLikelihood.Prior(model, formats, task)), references, options.Stem));
        }
        if (options.Baselines)
        {
            foreach (var baseline in task.Baselines(dataFolder))
                scores.AddRange(task.Score(baseline.System, [.. items.Select(i => baseline.Predict(i.Example))], references, options.Stem));
            scores.AddRange(task.Published);
        }
        var summary = new EvaluationSummary(
            Task: task.Name, Split: split.ToString().ToLowerInvariant(), Examples: items.Count,
            RecordsSkipped: issues.Total, SkippedByReason: issues.CountsByReason, SkippedExamples: EvaluationSummary.Located(issues, dataFolder),
            Limit: options.Limit, Decoding: decoder.Describe(),
            GeneratedTokens: generated, Seconds: seconds, GeneratedTokensPerSecond: seconds > 0 ? generated / seconds : 0,
            TruncatedInputs: records.Count(p => p.TruncatedTokens > 0),
            DegenerateOutputs: task.Response == ResponseKind.Text ? predictions.Count(TaskMetrics.IsDegenerate) : null,
            BootstrapResamples: Bootstrap.DefaultSamples, Confidence: Bootstrap.DefaultConfidence,
            DataFiles: [.. task.Files(split, dataFolder).Select(f => DataFolder.Relative(dataFolder, f))]);
        return new EvaluationResult(task.Name, summary.Split, records, scores, summary);
    }

    /// <summary>
    /// A summary of the article's sentences the model scores best (<see cref="SentenceSelection"/>), as the tokens of the
    /// lines it writes. The candidates are the sentences of the part of the article the prompt holds, each line
    /// starting with a space as the trained summaries do.
    /// </summary>
    static int[] SelectedSummary(Gpt model, TaskFormats formats, Item item, int count)
    {
        var tokenizer = formats.Tokenizer;
        var prompt = item.Prompt!;
        long read = tokenizer.Encode(item.Example.Source).Length - prompt.TruncatedTokens, used = 0;
        var first = Sentences.Split(item.Example.Source).Select(s => (Text: s, Tokens: tokenizer.Encode(" " + s)))
            .TakeWhile(s => (used += s.Tokens.Length) <= read).ToList();
        if (first.Count == 0) return [];
        var next = first.Select(s => tokenizer.Encode("\n " + s.Text)).ToList();
        var chosen = SentenceSelection.Choose(model, prompt.Prompt, [.. first.Select(s => s.Tokens)], next, count);
        // The lines as the model scored them: the first as it comes first, the others after their line break.
        return [.. chosen.SelectMany((c, k) => k == 0 ? first[c].Tokens : next[c])];
    }

    /// <summary>
    /// Where an evaluation of <paramref name="modelPath"/> goes unless told: the pipeline's eval/ folder when the model is
    /// a pipeline's finetuned one (its folder is the pipeline's finetune/, beside a pretrain/), so the report finds it;
    /// else eval/ inside the model's folder.
    /// </summary>
    public static string DefaultFolder(string modelPath, string task, TaskSplit split)
    {
        var modelFolder = ModelFiles.Folder(Path.GetFullPath(modelPath));
        var pipeline = new PipelineFolders(Path.GetDirectoryName(modelFolder)!);
        return Path.GetFullPath(pipeline.Finetune) == modelFolder && Directory.Exists(pipeline.Pretrain)
            ? pipeline.EvalTask(task, split)
            : new PipelineFolders(modelFolder).EvalTask(task, split);
    }

    public static void Save(string folder, EvaluationResult result)
    {
        Directory.CreateDirectory(folder);
        result.Summary.Write(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, PredictionsFile), string.Concat(result.Predictions.Select(p => JsonSerializer.Serialize(p) + "\n")));
        ScoreTable.Save(folder, result.Scores);
    }

    public static IReadOnlyList<PredictionRecord> ReadPredictions(string folder)
    {
        var path = Path.Combine(folder, PredictionsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no predictions in {folder} (missing {PredictionsFile}; run evaluate first)", path);
        return File.ReadLines(path).Where(l => l.Length > 0).Select((l, i) =>
        {
            try { return JsonSerializer.Deserialize<PredictionRecord>(l)!; }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{i + 1}: not a prediction ({e.Message.Split('.')[0]})", e); }
        }).ToList();
    }
}
