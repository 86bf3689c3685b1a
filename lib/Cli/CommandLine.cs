using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

/// <summary>The command-line program: one command per phase of the pipeline, each with --help.</summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        // The first Ctrl+C asks the running command to stop cleanly (a trainer saves a checkpoint); a second one kills.
        Console.CancelKeyPress += (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            AnsiConsole.MarkupLine("[yellow]stopping… (Ctrl+C again to kill)[/]");
            cancellation.Cancel();
        };
        // SIGTERM (docker stop, a job scheduler, a cloud VM shutting down) stops as cleanly as Ctrl+C: a trainer saves a checkpoint.
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            if (cancellation.IsCancellationRequested) return;
            AnsiConsole.MarkupLine("[yellow]terminate signal: stopping…[/]");
            cancellation.Cancel();
        });
        // Logs and CI read redirected output line by line: do not wrap long messages at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 4096;
        var app = new CommandApp();
        app.Configure(Configure);
        return await app.RunAsync(args, cancellation.Token);
    }

    public static void Configure(IConfigurator config)
    {
        config.SetApplicationName("dotnet run -c Release --");
        config.SetInterceptor(new UnknownOptions());
        config.SetExceptionHandler((e, _) => ReportError(e, config.Settings.Console ?? AnsiConsole.Console));
        config.AddCommand<AllCommand>("all")
            .WithDescription("The whole pipeline, resumable: data, tokenizer and shards, pretrain, finetune, evaluate, report. Default: a few-minute demo.")
            .WithExample("all")
            .WithExample("all", "--preset", "cpu");
        config.AddCommand<DoctorCommand>("doctor")
            .WithDescription("Check this machine: OS, .NET, TorchSharp/libtorch, threads, CPU features, CUDA, data folder.");
        config.AddBranch("data", data =>
        {
            data.SetDescription("Get the datasets.");
            data.AddCommand<DownloadCommand>("download")
                .WithDescription("Download OpenWebText, CNN/DailyMail 3.0.0, SQuAD v1.1 and GLUE SST-2 from the Hugging Face hub (resumable, checked).")
                .WithExample("data", "download", "--max-files", "2");
        });
        config.AddCommand<PrepareCommand>("prepare")
            .WithDescription("Tokenize a corpus into token shards and a manifest (optionally learning our own BPE first).")
            .WithExample("prepare", "--tokenizer", "gpt2")
            .WithExample("prepare", "--tokenizer", "bpe:8192", "--corpus", "openwebtext");
        config.AddCommand<PretrainCommand>("pretrain")
            .WithDescription("Pretrain the GPT on web text: prepares the tokens if needed, then trains with checkpoints, validation and samples.")
            .WithExample("pretrain", "--preset", "smoke")
            .WithExample("pretrain", "--preset", "cpu", "--resume");
        config.AddCommand<FinetuneCommand>("finetune")
            .WithDescription("Finetune one pretrained model on CNN/DailyMail, SQuAD and SST-2 at once (with pretraining replay).")
            .WithExample("finetune", "--from", "runs/smoke/pretrain", "--preset", "smoke")
            .WithExample("finetune", "--preset", "cpu", "--mix", "squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1");
        config.AddCommand<EvaluateCommand>("evaluate")
            .WithDescription("Generate answers for SQuAD, CNN/DailyMail and SST-2 and score them beside baselines and published figures.")
            .WithExample("evaluate", "--model", "runs/cpu/finetune", "--task", Tasks.TaskRegistry.Squad.Name, "--limit", "200");
        config.AddCommand<GenerateCommand>("generate")
            .WithDescription("Continue a prompt with a model, streaming to the terminal: sampled or greedy, from text or token ids.")
            .WithExample("generate", "--model", "runs/cpu/pretrain", "--prompt", "The meaning of life is")
            .WithExample("generate", "--model", "runs/cpu/finetune", "--prompts", "prompts.txt", "--greedy");
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Write a model as a Hugging Face folder (GPT2LMHeadModel, Qwen3ForCausalLM or LlamaForCausalLM, whichever holds it exactly; AutoModelForCausalLM and AutoTokenizer load it), e.g. to pretrain further with PyTorch's distributed tools.")
            .WithExample("export", "--model", "runs/cpu/pretrain", "--format", "hf", "--out", "hf/cpu-pretrain");
        config.AddCommand<ImportCommand>("import")
            .WithDescription("Read a Hugging Face GPT-2, Llama or Qwen3 folder (GPT-2 itself, or one exported here and trained elsewhere) into a model folder of ours.")
            .WithExample("import", "--from", "hf/gpt2", "--out", "runs/imported/gpt2");
        config.AddCommand<ExperimentsCommand>("experiments")
            .WithDescription("Run the report's ablations at equal compute (decoders, prompt order, prefix LM, replay, architecture, pretraining data) into runs/<preset>/experiments.")
            .WithExample("experiments", "--list")
            .WithExample("experiments", "--preset", "cpu", "--only", "Prompt order and attention");
        config.AddCommand<ReportCommand>("report")
            .WithDescription("Build reports/<run>/report.md and a self-contained report.html from a pipeline run's artifacts.")
            .WithExample("report", "--run", "runs/cpu");
        config.AddCommand<ScoreCommand>("score")
            .WithDescription("Compute BLEU, ROUGE, SQuAD EM/F1 or accuracy from JSONL predictions and references, with every intermediate figure.")
            .WithExample("score", "--metric", "rouge", "--predictions", "pred.jsonl", "--references", "refs.jsonl", "--stem");
        config.AddBranch("bench", bench =>
        {
            bench.SetDescription("Benchmarks: throughput on this machine.");
            bench.AddCommand<BenchModelCommand>("model")
                .WithDescription("Training tokens/s (forward + backward + AdamW), MFU against the measured matmul ceiling, generation tokens/s with and without the KV cache, fp32 and bf16; a run's step part by part, and against PyTorch.")
                .WithExample("bench", "model", "--run-preset", "cpu")
                .WithExample("bench", "model", "--run-preset", "cpu", "--vs-pytorch", "--rounds", "3");
            bench.AddCommand<BenchTokenizeCommand>("tokenize")
                .WithDescription("Tokenization throughput (MB/s, tokens/s) at 1..N threads on the OpenWebText files.");
        });
        config.AddBranch("notebooks", notebooks =>
        {
            notebooks.SetDescription("Work with the notebooks in notebooks/ (the tool in tools/Notebooks, built on first use).");
            notebooks.AddCommand<NotebookToolCommand<NotebookRunSettings>>("run")
                .WithDescription("Run notebooks top to bottom in the real .NET Interactive kernel (the one VS Code and Jupyter start) and save them with their outputs.")
                .WithExample("notebooks", "run", "00-setup", "--set", "scale=smoke");
            notebooks.AddCommand<NotebookToolCommand<NotebookAppsSettings>>("apps")
                .WithDescription("Generate each notebook's C# file-based app (notebooks/apps/NN-name.cs), which runs with `dotnet run` and no kernel.")
                .WithExample("notebooks", "apps", "02-attention");
        });
    }

    /// <summary>One clear line for errors a user can act on; the full exception only for the unexpected.</summary>
    static int ReportError(Exception e, IAnsiConsole console)
    {
        switch (e)
        {
            case CommandParseException or CommandRuntimeException or UsageException:
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return 2;
            case OperationCanceledException:
                console.MarkupLine("[yellow]stopped[/]");
                return 130;
            case var _ when ActionableError.Is(e):
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ActionableError.Unwrap(e).Message)}");
                return 1;
            default:
                console.WriteException(e, ExceptionFormats.ShortenPaths);
                console.MarkupLine($"[red]{Markup.Escape(ActionableError.BugNote)}[/]");
                return 1;
        }
    }
}
