namespace LlmNotebooks.Evaluation;

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

    /// <summary>The one score that headlines a task: F1 for SQuAD, ROUGE-1 for CNN/DailyMail, accuracy for SST-2.</summary>
    public static string Headline(string task) => task switch
    {
        "squad" => F1,
        "cnn_dailymail" => Rouge1,
        _ => Accuracy,
    };

    /// <summary>How the metrics log's task lines name a task's headline score: "squad F1".</summary>
    public static string TaskScoreKey(string task) => $"{task} {Headline(task)}";
}
