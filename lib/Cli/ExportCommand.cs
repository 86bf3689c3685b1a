using System.ComponentModel;
using LlmNotebooks.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class ExportCommand(IAnsiConsole console) : Command<ExportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <PATH>")]
        [Description("A model of ours: a run folder, a checkpoint, a model folder or its model.safetensors.")]
        public string Model { get; init; } = "";

        [CommandOption("--format <NAME>")]
        [Description("hf: a Hugging Face folder (config.json, model.safetensors, generation_config.json, tokenizer files): GPT-2's block as GPT2LMHeadModel, the modern block as Qwen3ForCausalLM (with QK-norm) or LlamaForCausalLM.")]
        [DefaultValue("hf")]
        public string Format { get; init; } = "hf";

        [CommandOption("--out <DIR>")]
        [Description("The folder to write.")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate() =>
            Model.Length == 0 || Out.Length == 0 ? ValidationResult.Error("--model and --out are required")
            : Format != "hf" ? ValidationResult.Error($"--format {Format} is not known; the one format is hf")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var (model, tokenizer) = Model.ModelFiles.Load(settings.Model);
        long parameters = model.ParameterCount();
        string architecture;
        using (model) architecture = HfFolder.Export(model, tokenizer, Path.GetFullPath(settings.Out));
        console.MarkupLine($"[green]exported[/] {parameters / 1e6:F1}M parameters as {architecture} ({Markup.Escape(tokenizer.Name)} tokenizer) to {Markup.Escape(Path.GetFullPath(settings.Out))}");
        return 0;
    }
}
