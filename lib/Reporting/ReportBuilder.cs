using LlmNotebooks.Model;
namespace LlmNotebooks.Reporting;

/// <summary>What a report build produced, with every number it wrote and the file it came from.</summary>
public sealed record ReportResult(string MarkdownPath, string HtmlPath, IReadOnlyList<string> Figures, IReadOnlyList<(string Text, string Source)> Numbers);

/// <summary>
/// The assignment's report (problem, approach and methods, results, discussion, conclusions) of one pipeline run,
/// in three jobs: read the run's artifacts (<see cref="ReportInputs"/>), compose the sections with every number's
/// source (<see cref="ApproachSections"/>, <see cref="ResultSections"/>, <see cref="ExperimentSections"/>), and
/// render markdown, PNG and HTML (<see cref="ReportRenderer"/>). Discussion and conclusions are the person's own,
/// from <see cref="DiscussionFile"/> beside the report (kept when the report is built again), or prompts for them.
/// </summary>
public static class ReportBuilder
{
    /// <summary>The experiment records a report keeps beside it, so that they outlive the run folder.</summary>
    public const string ExperimentsFolder = "experiments";

    public static ReportResult Build(PipelineFolders run, string outFolder, Action<string>? log = null)
    {
        var kept = Path.Combine(outFolder, ExperimentsFolder);
        var inputs = ReportInputs.Read(run, kept);
        var document = new ReportDocument();
        ApproachSections.Problem(document, inputs);
        ApproachSections.Model(document, inputs);
        ApproachSections.Data(document, inputs);
        ApproachSections.Setup(document, inputs);
        ResultSections.Pretraining(document, inputs);
        ResultSections.Finetuning(document, inputs);
        ResultSections.Evaluation(document, inputs);
        TargetSections.Targets(document, inputs);
        ResultSections.Attention(document, inputs);
        ResultSections.Compute(document, inputs);
        ExperimentSections.Experiments(document, inputs);
        ScoredModel(document, inputs, outFolder, log);
        Closing(document, outFolder);
        var result = ReportRenderer.Write(document, $"Report: {run.Name}", outFolder, log);
        foreach (var (_, record) in inputs.Experiments) record.Write(kept);
        return result;
    }

    /// <summary>The folder beside a report that holds the model it scored.</summary>
    public const string ModelFolder = "model";

    /// <summary>The largest model a report keeps beside it: a repository takes it, GitHub warns from 50 MB on.</summary>
    public const long ModelBytesLimit = 32L << 20;

    /// <summary>
    /// Copies the finetuned model the report scored (weights, config, tokenizer; not model.pt, which <c>export</c>
    /// writes from it) into <see cref="ModelFolder"/> beside the report when it is small enough to commit, so a fresh
    /// clone evaluates, generates with and exports the very model the report scored. A larger one is named and left.
    /// </summary>
    static void ScoredModel(ReportDocument d, ReportInputs inputs, string outFolder, Action<string>? log)
    {
        var run = inputs.Folders;
        var weights = Path.Combine(run.Finetune, ModelFiles.Weights);
        if (!File.Exists(weights)) return;
        var files = new[] { ModelFiles.Weights, ModelFiles.ConfigFile, ModelFiles.TokenizerFile }.Select(f => Path.Combine(run.Finetune, f))
            .Concat(Directory.Exists(Path.Combine(run.Finetune, ModelFiles.TokenizerFolder)) ? Directory.GetFiles(Path.Combine(run.Finetune, ModelFiles.TokenizerFolder)) : [])
            .ToList();
        long bytes = files.Sum(f => new FileInfo(f).Length);
        string size = $"{d.N(bytes / 1e6, "F1", inputs.Source(weights))} MB";
        if (bytes > ModelBytesLimit)
        {
            d.Md($"### The model\n\nThe finetuned model the report scored is `{inputs.Source(run.Finetune)}` ({size}); it is too large to keep beside the report.");
            return;
        }
        var target = Path.Combine(outFolder, ModelFolder);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        foreach (var file in files)
        {
            var copy = Path.Combine(target, Path.GetRelativePath(run.Finetune, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }
        log?.Invoke($"the scored model: {target} ({bytes / 1e6:F1} MB)");
        d.Md($"### The model\n\nThe finetuned model this report scored is in `{ModelFolder}/` beside it ({size}: weights, config, tokenizer). " +
             $"`dotnet run -c Release -- evaluate --model <this folder>/{ModelFolder} --task sst2` scores it again, `generate --model` writes with it, and " +
             "`export --model` turns it into the hand-in `model.pt`.");
    }

    /// <summary>A person's discussion and conclusions, kept beside the report and put into it each time it is built.</summary>
    public const string DiscussionFile = "discussion.md";

    /// <summary>The headings <see cref="DiscussionFile"/> must hold, in this order.</summary>
    public static readonly string[] DiscussionHeadings = ["## Discussion", "## Conclusions"];

    /// <summary>The discussion and conclusions: the person's own from <see cref="DiscussionFile"/> when there is one, else prompts.</summary>
    static void Closing(ReportDocument d, string outFolder)
    {
        var file = Path.Combine(outFolder, DiscussionFile);
        if (File.Exists(file))
        {
            var text = File.ReadAllText(file).Trim();
            var at = DiscussionHeadings.Select(h => text.StartsWith(h + "\n") ? 0 : text.IndexOf("\n" + h + "\n", StringComparison.Ordinal)).ToList();
            if (at.Contains(-1) || !at.SequenceEqual(at.Order()))
                throw new UserError($"{file}: it must hold the sections {string.Join(" and ", DiscussionHeadings.Select(h => $"'{h}'"))}, in this order, each heading on its own line; add them");
            d.Md(text);
        }
        else d.Md(Prompts);
        d.Md(References);
    }

    static readonly string Prompts = $"""
        ## Discussion

        > **Your text.** Write it in `{DiscussionFile}` beside this report, under the headings `## Discussion` and
        > `## Conclusions`: the next build puts it here in place of these prompts. Some questions to answer from the
        > figures and tables above:
        > - How do the validation and training losses compare during pretraining? Is there over- or underfitting?
        > - Which task did finetuning help most, and which least? Does the pretraining replay keep the model's general
        >   text ability (compare the `pretrain` validation loss before and after finetuning)?
        > - Where does the model stand against the baselines and the published figures? What explains the gap?
        > - What do the good and bad examples have in common (input length, answer type, truncation)?

        ## Conclusions

        > **Your text.** What worked, what did not, and what would you change with ten times the compute?
        """;

    const string References = """
        ## References

        - Vaswani et al. (2017). *Attention Is All You Need*; Radford et al. (2019). *Language Models are Unsupervised Multitask Learners* (GPT-2).
        - Gokaslan and Cohen (2019). *OpenWebText Corpus*.
        - Raffel et al. (2020). *Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer* (T5; prefix LM).
        - Su et al. (2021). *RoFormer* (rotary positions); Shazeer (2020). *GLU Variants Improve Transformer* (SwiGLU); Zhang and Sennrich (2019), *RMSNorm*.
        - Hermann et al. (2015). *Teaching Machines to Read and Comprehend*; See et al. (2017). *Get To The Point* (CNN/DailyMail).
        - Paulus et al. (2018). *A Deep Reinforced Model for Abstractive Summarization* (trigram blocking).
        - Rajpurkar et al. (2016). *SQuAD: 100,000+ Questions for Machine Comprehension of Text*.
        - Socher et al. (2013). *Recursive Deep Models for Semantic Compositionality* (SST); Wang et al. (2018), *GLUE*.
        - Papineni et al. (2002), BLEU; Post (2018), *A Call for Clarity in Reporting BLEU Scores* (sacreBLEU).
        - Lin (2004). *ROUGE: A Package for Automatic Evaluation of Summaries*; Google's `rouge-score` implementation.
        - Gururangan et al. (2020). *Don't Stop Pretraining: Adapt Language Models to Domains and Tasks*.
        - Shi et al. (2024). *Instruction Tuning With Loss Over Instructions*.
        - Hoffmann et al. (2022). *Training Compute-Optimal Large Language Models* (Chinchilla).
        """;
}
