using LlmNotebooks.Evaluation;
using LlmNotebooks.Generation;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Training;
using LlmNotebooks.Scoring;

namespace LlmNotebooks.Finetune;

/// <summary>
/// A finetuning callback: before the first step and every <paramref name="interval"/> steps, generates answers for
/// the first <paramref name="examples"/> validation examples of each task and scores them as evaluation does
/// (greedy, SQuAD answers within the passage, no repeated trigram), into the metrics log as a "task" line. A falling
/// loss does not say the answers got better; this does, while training runs.
/// </summary>
public sealed class TaskScoring(IReadOnlyList<FinetuningTask> tasks, string dataFolder, TextTokenizer tokenizer, QaPrompt qaPrompt, int interval, int examples,
    MetricsLog log, Action<string>? say) : IPeriodicCallback
{
    public string Work => "task scores";

    public long Runs(long steps) => Trainer.TimesDue(interval, steps) + 1;   // and once before the first step

    public void Rehearse(Trainer trainer) => Scores(trainer);

    public void OnStart(Trainer trainer)
    {
        if (trainer.State.Step == 0) Score(trainer);
    }

    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        if (trainer.Due(interval)) Score(trainer);
    }

    void Score(Trainer trainer)
    {
        var scores = Scores(trainer);
        var state = trainer.State;
        log.Append(new MetricsRecord { Kind = MetricsRecord.TaskKind, Step = state.Step, Tokens = state.Tokens, WallSeconds = state.WallSeconds, TaskScores = scores });
        say?.Invoke($"step {state.Step}: on {examples} validation examples per task, {string.Join(", ", scores.Select(s => $"{s.Key} {s.Value:F1}"))}");
    }

    Dictionary<string, double> Scores(Trainer trainer)
    {
        var options = new EvaluationOptions(examples, Decoder: Decoder.Span, Custom: new DecodingOptions(NoRepeatNgram: 3), Likelihood: false, QaPrompt: qaPrompt, Baselines: false);
        var scores = new Dictionary<string, double>();
        foreach (var task in tasks)
        {
            var result = Evaluator.Evaluate(trainer.Training.ComputeModel, tokenizer, task, dataFolder, TaskSplit.Validation, options);
            scores[task.ScoreKey] = result.Scores.First(s => s.Metric == task.Headline).Value;
        }
        return scores;
    }
}
