namespace LlmNotebooks.Reporting;

/// <summary>
/// Where the phases of one pipeline run put their artifacts: <c>pretrain/</c> (a training run), <c>finetune/</c>
/// (a training run from it), <c>eval/</c> (one folder per task) and the report, <c>reports/&lt;name&gt;/</c>.
/// </summary>
public sealed record PipelineFolders(string Root)
{
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Root)));
    public string Pretrain => Path.Combine(Root, "pretrain");
    public string Finetune => Path.Combine(Root, "finetune");
    public string Eval => Path.Combine(Root, "eval");
    public string EvalTask(string task) => Path.Combine(Eval, task);
    public string Report => Path.Combine(ProjectPaths.Reports, Name);
}
