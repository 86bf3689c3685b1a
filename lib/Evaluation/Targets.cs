using System.Text.Json.Serialization;
using LlmNotebooks.Scoring;
using LlmNotebooks.Tasks;

namespace LlmNotebooks.Evaluation;

/// <summary>
/// A score the finetuned model should reach on a task's validation split: a floor (the least that counts as doing
/// the task) and a goal, each a number or a baseline's score on the same examples ("Lead-3").
/// </summary>
/// <param name="System">The row of the task's score table that is the model's answer: its generated text, unless a task reads it otherwise.</param>
/// <param name="FloorBaseline">A baseline whose score on the same examples is the floor ("Lead-3"), instead of a number.</param>
public sealed record Target(
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("higher_is_better")] bool HigherIsBetter,
    [property: JsonPropertyName("floor")] double? Floor,
    [property: JsonPropertyName("floor_reason")] string? FloorReason,
    [property: JsonPropertyName("goal")] double? Goal,
    [property: JsonPropertyName("goal_baseline")] string? GoalBaseline,
    [property: JsonPropertyName("system")] string System = ScoreRow.OurModel,
    [property: JsonPropertyName("floor_baseline")] string? FloorBaseline = null)
{
    /// <summary>A score that should be at least <paramref name="floor"/> (a number or a baseline's score) and <paramref name="goal"/> (likewise).</summary>
    public static Target AtLeast(string task, string metric, string label, double? floor = null, string? floorReason = null, double? goal = null,
        string? goalBaseline = null, string system = ScoreRow.OurModel, string? floorBaseline = null) =>
        new(task, metric, label, HigherIsBetter: true, floor, floorReason, goal, goalBaseline, system, floorBaseline);

    /// <summary>A score that should be at most <paramref name="floor"/> (and <paramref name="goal"/>).</summary>
    public static Target AtMost(string task, string metric, string label, double? floor = null, double? goal = null) =>
        new(task, metric, label, HigherIsBetter: false, floor, FloorReason: null, goal, GoalBaseline: null);

    /// <summary>Whether a score reaches a threshold in this target's direction.</summary>
    public bool Reaches(double score, double threshold) => HigherIsBetter ? score >= threshold : score <= threshold;
}

/// <summary>
/// <c>targets.json</c> in a pipeline folder: the targets its report measures the model against, and where they
/// come from. The pipeline writes it; the report reads it.
/// </summary>
public sealed record TargetsRecord(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("targets")] IReadOnlyList<Target> Targets)
{
    public const string FileName = "targets.json";

    /// <summary>
    /// The targets set for the cpu run (issue 31 of this project; issue 13's were lower), for every pipeline: smaller
    /// runs show how far they are. The like-for-like published model is BERT-Tiny (4.4M parameters: SQuAD F1 32.5, SST-2 83.2).
    /// </summary>
    public static readonly TargetsRecord Assignment = new("targets for the `cpu` run, issue 31 of this project",
    [
        Target.AtLeast(TaskRegistry.Squad.Name, Metric.F1, "SQuAD F1", floor: 30, floorReason: "near BERT-Tiny's 32.5, a model of this size", goal: 40),
        Target.AtLeast(TaskRegistry.Squad.Name, Metric.ExactMatch, "SQuAD exact match", floor: 20),
        Target.AtLeast(TaskRegistry.CnnDailyMail.Name, Metric.Rouge1, "CNN/DM ROUGE-1", floorBaseline: ScoreRow.LeadThree),
        Target.AtLeast(TaskRegistry.CnnDailyMail.Name, Metric.Rouge2, "CNN/DM ROUGE-2", floor: 6, goalBaseline: ScoreRow.LeadThree),
        Target.AtLeast(TaskRegistry.CnnDailyMail.Name, Metric.RougeL, "CNN/DM ROUGE-L", floorBaseline: ScoreRow.LeadThree),
        Target.AtLeast(TaskRegistry.CnnDailyMail.Name, Metric.Bleu, "CNN/DM BLEU", floor: 3, goalBaseline: ScoreRow.LeadThree),
        Target.AtMost(TaskRegistry.CnnDailyMail.Name, Metric.Degenerate, "degenerate summaries (%)", floor: 5, goal: 1),
        // A classifier's answer is the label it finds likelier, calibrated against the model's prior for each label
        // (Zhao et al. 2021; LabelLikelihood). Chosen after seeing dev results, so the report shows all three readings.
        Target.AtLeast(TaskRegistry.Sst2.Name, Metric.Accuracy, "SST-2 accuracy (calibrated label likelihood)", floor: 82, goal: 83.2, system: ScoreRow.CalibratedLikelihood),
        Target.AtMost(Mixture.Pretrain, Metric.Forgetting, "forgetting (pretraining validation loss after − before)", floor: 0.3, goal: 0.1),
    ]);

    public void Write(string pipelineFolder) => JsonFile.Write(Path.Combine(pipelineFolder, FileName), this);

    public static TargetsRecord? ReadIfPresent(string pipelineFolder)
    {
        var path = Path.Combine(pipelineFolder, FileName);
        return File.Exists(path) ? JsonFile.Read<TargetsRecord>(path, "the targets of a pipeline run") : null;
    }
}
