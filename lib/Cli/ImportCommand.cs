using System.ComponentModel;
using LlmNotebooks.HuggingFace;
using LlmNotebooks.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class ImportCommand(IAnsiConsole console) : Command<ImportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--from <DIR>")]
        [Description("A Hugging Face GPT-2, Llama or Qwen3 folder (config.json, model.safetensors or its shards, vocab.json, merges.txt).")]
        public string From { get; init; } = "";

        [CommandOption("--out <DIR>")]
        [Description("The model folder to write (ours: model.safetensors, config.json, tokenizer.json); finetune --from, evaluate --model and generate --model take it.")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate() =>
            From.Length == 0 || Out.Length == 0 ? ValidationResult.Error("--from and --out are required") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var (model, tokenizer) = HfFolder.Import(settings.From, message => console.MarkupLine($"[yellow]{Markup.Escape(message)}[/]"));
        long parameters = model.ParameterCount();
        using (model) ModelFiles.Save(Path.GetFullPath(settings.Out), model, tokenizer);
        console.MarkupLine($"[green]imported[/] {parameters / 1e6:F1}M parameters ({Markup.Escape(tokenizer.Name)} tokenizer) to {Markup.Escape(Path.GetFullPath(settings.Out))}");
        return 0;
    }
}
