namespace LlmNotebooks;

/// <summary>
/// Where the phases of one pipeline run put their artifacts: <c>tokens/</c> (shards and tokenizer), <c>pretrain/</c>
/// (a training run), <c>finetune/</c> (a training run from it), <c>eval/&lt;split&gt;/&lt;task&gt;/</c>, and the
/// report, <c>reports/&lt;name&gt;/</c>.
/// </summary>
public sealed record PipelineFolders(string Root)
{
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Root)));
    public string Pretrain => Path.Combine(Root, "pretrain");
    public string Finetune => Path.Combine(Root, "finetune");
    public string Eval => Path.Combine(Root, "eval");
    public string EvalTask(string task, TaskSplit split = TaskSplit.Validation) => Path.Combine(Eval, split.ToString().ToLowerInvariant(), task);
    public string Report => Path.Combine(ProjectPaths.Reports, Name);
    /// <summary>The ablations run for this pipeline's report (the experiments command).</summary>
    public string Experiments => Path.Combine(Root, "experiments");

    /// <summary>The folders of the pipeline run named <paramref name="preset"/> under runs/.</summary>
    public static PipelineFolders ForPreset(string preset) => new(Path.Combine(ProjectPaths.Runs, preset));
}
