namespace LlmNotebooks.Scoring;

/// <summary>
/// The names of the metrics in score tables, metrics logs, experiment records and the report. The scorers write them
/// and every reader looks them up here, so no reader can look for a name no scorer writes.
/// </summary>
public static class Metric
{
    public const string ExactMatch = "exact match", F1 = "F1", Bleu = "BLEU", Accuracy = "accuracy";

    /// <summary>The share of summaries in which some word 4-gram occurs three times or more.</summary>
    public const string Degenerate = "degenerate (a 4-gram 3+ times)";

    /// <summary>The pretraining validation loss after finetuning minus before it.</summary>
    public const string Forgetting = "validation loss change (forgetting)";

    /// <summary>A task's validation loss (its held-out examples' response tokens) at the end of finetuning.</summary>
    public const string TaskLoss = "validation loss";

    /// <summary>The ROUGE F of a type (rouge1, rouge2, rougeL, rougeLsum), with Porter stemming or without.</summary>
    public static string RougeF(string type, bool stemmed) => $"{type} F{(stemmed ? " (stemmed)" : "")}";

    /// <summary>The ROUGE the report, the targets and the experiments read: stemmed, as rouge-score's published figures are.</summary>
    public static readonly string Rouge1 = RougeF("rouge1", stemmed: true), Rouge2 = RougeF("rouge2", stemmed: true), RougeL = RougeF("rougeL", stemmed: true);

    /// <summary>Whether a larger value is better: not for looping summaries, losses and forgetting.</summary>
    public static bool HigherIsBetter(string metric) => metric is not (Degenerate or Forgetting or TaskLoss);

    /// <summary>How a table's narrow column names a metric: "R-1", "EM", "val loss".</summary>
    public static string Short(string metric) => metric switch
    {
        ExactMatch => "EM",
        Degenerate => "degenerate %",
        TaskLoss => "val loss",
        Forgetting => "forgetting",
        _ when metric == Rouge1 => "R-1",
        _ when metric == Rouge2 => "R-2",
        _ when metric == RougeL => "R-L",
        _ => metric,
    };

    /// <summary>A ROUGE type's precision and recall, which the <c>score</c> command prints beside its F.</summary>
    public static string RougeP(string type, bool stemmed) => $"{type} P{(stemmed ? " (stemmed)" : "")}";
    public static string RougeR(string type, bool stemmed) => $"{type} R{(stemmed ? " (stemmed)" : "")}";
}
