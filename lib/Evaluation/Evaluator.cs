using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmNotebooks.Data;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

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
/// <param name="Decoding">Sampling options; default greedy.</param>
/// <param name="Stem">ROUGE with the Porter stemmer (the convention for CNN/DailyMail).</param>
/// <param name="Likelihood">SST-2: also classify by comparing the two label words' likelihoods.</param>
public sealed record EvaluationOptions(int? Limit = null, int BatchSize = 16, SamplingOptions? Decoding = null, bool Stem = true, bool Likelihood = true);

public sealed record EvaluationResult(string Task, string Split, IReadOnlyList<PredictionRecord> Predictions, IReadOnlyList<ScoreRow> Scores,
    double GeneratedTokens, double Seconds)
{
    public double GeneratedTokensPerSecond => Seconds > 0 ? GeneratedTokens / Seconds : 0;
}

/// <summary>
/// Evaluates a model on a task's split: formats every example as in finetuning (without the answer), generates with
/// the KV cache in batches of similar length (greedy unless told otherwise), reads the responses, and scores them
/// with <see cref="TaskMetrics"/>. Baselines run on the same examples through the same metrics.
/// </summary>
public static class Evaluator
{
    public const string PredictionsFile = "predictions.jsonl", SummaryFile = "evaluation.json";
    public static readonly IReadOnlyList<string> Tasks = ["squad", "cnn_dailymail", "sst2"];

    sealed record Item(string Id, string Input, IReadOnlyList<string> References, FormattedExample? Prompt);

    public static EvaluationResult Evaluate(Gpt model, TextTokenizer tokenizer, string task, string dataFolder, TaskSplit split,
        EvaluationOptions options, Action<int, int>? progress = null)
    {
        var kind = TaskFormats.FromDatasetName(task);
        var formats = new TaskFormats(tokenizer, model.Config.ContextLength);
        var items = Items(kind, formats, dataFolder, split, options.Limit);
        var decoding = (options.Decoding ?? new SamplingOptions()) with
        {
            MaxNewTokens = TaskFormats.MaxResponseTokens(kind), StopTokens = [tokenizer.EndOfText], VocabularyLimit = tokenizer.VocabSize,
        };
        var predictions = new string[items.Count];
        long generated = 0;
        var clock = Stopwatch.StartNew();
        // Batches of similar prompt length waste little on left padding.
        var order = Enumerable.Range(0, items.Count).Where(i => items[i].Prompt is not null).OrderBy(i => items[i].Prompt!.Prompt.Length).ToList();
        int done = 0;
        foreach (var batch in order.Chunk(options.BatchSize))
        {
            var outputs = Generation.Generate(model, batch.Select(i => items[i].Prompt!.Prompt).ToList(), decoding);
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

        var records = items.Select((item, i) => new PredictionRecord(item.Id, item.Input, predictions[i], item.References,
            item.Prompt?.Prompt.Length ?? 0, item.Prompt?.TruncatedTokens ?? 0)).ToList();
        var scores = Score(task, "our model", predictions, items.Select(i => i.References).ToList(), options.Stem);
        if (kind == TaskKind.Sentiment && options.Likelihood)
        {
            var byLikelihood = LabelsByLikelihood(model, formats, items);
            scores.AddRange(TaskMetrics.Labels(task, "our model (label likelihood)", byLikelihood, items.Select(i => i.References).ToList()));
        }
        return new EvaluationResult(task, split.ToString().ToLowerInvariant(), records, scores, generated, seconds);
    }

    /// <summary>
    /// The score table of an evaluation: our model's scores, the baselines' on the same examples through the same
    /// metrics, then the published anchors.
    /// </summary>
    public static List<ScoreRow> ScoresWithBaselines(EvaluationResult result, string dataFolder, TaskSplit split, EvaluationOptions options) =>
        [.. result.Scores, .. BaselineScores(result.Task, dataFolder, split, options.Limit, options.Stem), .. Baselines.Published(result.Task)];

    /// <summary>Scores of the simple baselines on the same examples.</summary>
    public static List<ScoreRow> BaselineScores(string task, string dataFolder, TaskSplit split, int? limit, bool stem = true)
    {
        var issues = new DataIssues();
        switch (TaskFormats.FromDatasetName(task))
        {
            case TaskKind.Summarization:
                var articles = Limit(TaskData.Summaries(split, dataFolder, issues), limit).ToList();
                return Score(task, "Lead-3", articles.Select(a => Baselines.LeadThree(a.Article)).ToList(), articles.Select(a => (IReadOnlyList<string>)[a.Highlights]).ToList(), stem);
            case TaskKind.QuestionAnswering:
                var questions = Limit(TaskData.Questions(split, dataFolder, issues), limit).ToList();
                return Score(task, "best-overlap sentence", questions.Select(q => Baselines.BestOverlapSentence(q.Context, q.Question)).ToList(),
                    questions.Select(q => (IReadOnlyList<string>)q.Answers.Select(a => a.Text).ToList()).ToList(), stem);
            default:
                int majority = Baselines.MajorityLabel(TaskData.Sentences(TaskSplit.Train, dataFolder, issues));
                var sentences = Limit(TaskData.Sentences(split, dataFolder, issues), limit).ToList();
                return Score(task, $"majority class ({TaskFormats.Label(majority)})", sentences.Select(_ => TaskFormats.Label(majority)).ToList(),
                    sentences.Select(s => (IReadOnlyList<string>)[TaskFormats.Label(s.Label!.Value)]).ToList(), stem);
        }
    }

    public static List<ScoreRow> Score(string task, string system, IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, bool stem) =>
        TaskFormats.FromDatasetName(task) switch
        {
            TaskKind.Summarization => TaskMetrics.Summaries(task, system, predictions, references, stem),
            TaskKind.QuestionAnswering => TaskMetrics.Answers(task, system, predictions, references, stem),
            _ => TaskMetrics.Labels(task, system, predictions, references),
        };

    static List<Item> Items(TaskKind kind, TaskFormats formats, string dataFolder, TaskSplit split, int? limit)
    {
        var issues = new DataIssues();
        return kind switch
        {
            TaskKind.Summarization => Limit(TaskData.Summaries(split, dataFolder, issues), limit)
                .Select(e => new Item(e.Id, e.Article, [e.Highlights], formats.Summarization(e, false, out _))).ToList(),
            TaskKind.QuestionAnswering => Limit(TaskData.Questions(split, dataFolder, issues), limit)
                .Select(e => new Item(e.Id, $"{e.Context}\n\nQuestion: {e.Question}", e.Answers.Select(a => a.Text).ToList(), formats.QuestionAnswering(e, false, out _))).ToList(),
            _ => Limit(TaskData.Sentences(split, dataFolder, issues), limit)
                .Select(e => new Item(e.Id, e.Sentence, e.Label is { } label ? [TaskFormats.Label(label)] : throw new InvalidDataException($"SST-2 {split} has no labels to evaluate against (example {e.Id})"),
                    formats.Sentiment(e, false, out _))).ToList(),
        };
    }

    static IEnumerable<T> Limit<T>(IEnumerable<T> items, int? limit) => limit is { } n ? items.Take(n) : items;

    /// <summary>SST-2 without generating: the label whose tokens the model finds more likely after the prompt.</summary>
    static List<string> LabelsByLikelihood(Gpt model, TaskFormats formats, IReadOnlyList<Item> items)
    {
        var labels = new[] { TaskFormats.Positive, TaskFormats.Negative };
        var labelTokens = labels.Select(l => (int[])[.. formats.Tokenizer.Encode(l), formats.Tokenizer.EndOfText]).ToArray();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            return items.Select(item =>
            {
                if (item.Prompt is null) return "";
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var scores = labelTokens.Select(tokens =>
                {
                    int[] sequence = [.. item.Prompt.Prompt, .. tokens];
                    var logits = model.forward(Tokens.TokenBatch.Row(sequence));   // (1, T, V)
                    var logProbabilities = nn.functional.log_softmax(logits[0].to(ScalarType.Float32), 1);
                    int start = item.Prompt.Prompt.Length - 1;   // position predicting the first label token
                    return Enumerable.Range(0, tokens.Length).Sum(k => logProbabilities[start + k, tokens[k]].item<float>());
                }).ToArray();
                return scores[0] >= scores[1] ? labels[0] : labels[1];
            }).ToList();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>How an evaluation ran: what the report quotes about it.</summary>
    public sealed record Summary(
        [property: JsonPropertyName("task")] string Task,
        [property: JsonPropertyName("split")] string Split,
        [property: JsonPropertyName("examples")] int Examples,
        [property: JsonPropertyName("generated_tokens")] double GeneratedTokens,
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("generated_tokens_per_second")] double GeneratedTokensPerSecond,
        [property: JsonPropertyName("truncated_inputs")] int TruncatedInputs,
        [property: JsonPropertyName("bootstrap_resamples")] int BootstrapResamples,
        [property: JsonPropertyName("confidence")] double Confidence);

    public static void Save(string folder, EvaluationResult result, IReadOnlyList<ScoreRow> scores)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, SummaryFile), JsonSerializer.Serialize(new Summary(result.Task, result.Split,
            result.Predictions.Count, result.GeneratedTokens, result.Seconds, result.GeneratedTokensPerSecond,
            result.Predictions.Count(p => p.TruncatedTokens > 0), Bootstrap.DefaultSamples, Bootstrap.DefaultConfidence), new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllText(Path.Combine(folder, PredictionsFile),
            string.Concat(result.Predictions.Select(p => JsonSerializer.Serialize(p) + "\n")));
        ScoreTable.Save(folder, scores);
    }

    public static Summary ReadSummary(string folder) =>
        JsonSerializer.Deserialize<Summary>(File.ReadAllText(Path.Combine(folder, SummaryFile))) ?? throw new InvalidDataException($"{folder}: empty {SummaryFile}");

    public static IReadOnlyList<PredictionRecord> ReadPredictions(string folder) =>
        File.ReadLines(Path.Combine(folder, PredictionsFile)).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<PredictionRecord>(l)!).ToList();
}
