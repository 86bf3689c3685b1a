using System.ComponentModel;
using LlmNotebooks.Generation;
using LlmNotebooks.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace LlmNotebooks.Cli;

public sealed class GenerateCommand(IAnsiConsole console) : Command<GenerateCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandOption("--model <PATH>")]
        [Description("A model of ours (run folder, checkpoint, model folder or its model.safetensors) or a Hugging Face GPT-2 folder.")]
        public string Model { get; init; } = "";

        [CommandOption("--prompt <TEXT>")]
        [Description("The prompt (with --ids: token ids separated by spaces).")]
        public string? Prompt { get; init; }

        [CommandOption("--prompts <FILE>")]
        [Description("A file of prompts, one per line.")]
        public string? Prompts { get; init; }

        [CommandOption("--max-new-tokens <N>")]
        [DefaultValue(100)]
        public int MaxNewTokens { get; init; } = 100;

        [CommandOption("--greedy")]
        [Description("The most likely token every step (deterministic) instead of sampling.")]
        public bool Greedy { get; init; }

        [CommandOption("--temperature <T>")]
        [DefaultValue(DecodingOptions.SamplingTemperature)]
        public double Temperature { get; init; } = DecodingOptions.SamplingTemperature;

        [CommandOption("--top-k <K>")]
        [Description("Sample from the K most likely tokens only (0: all).")]
        [DefaultValue(DecodingOptions.SamplingTopK)]
        public int TopK { get; init; } = DecodingOptions.SamplingTopK;

        [CommandOption("--top-p <P>")]
        [Description("Sample from the most likely tokens that together reach probability P.")]
        [DefaultValue(1.0)]
        public double TopP { get; init; } = 1.0;

        [CommandOption("--seed <N>")]
        [DefaultValue(0L)]
        public long Seed { get; init; }

        [CommandOption("--ids")]
        [Description("Prompts are token ids and the continuation is printed as ids (for parity checks across implementations).")]
        public bool Ids { get; init; }

        public override ValidationResult Validate() =>
            Model.Length == 0 ? ValidationResult.Error("--model is required")
            : (Prompt is null) == (Prompts is null) ? ValidationResult.Error("give either --prompt or --prompts")
            : MaxNewTokens <= 0 ? ValidationResult.Error("--max-new-tokens must be positive")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        Platform.TorchRuntime.Initialize();
        var prompts = settings.Prompt is { } one ? [one] : ReadPrompts(settings.Prompts!, console);
        var (model, tokenizer) = ModelLoader.Load(settings.Model, Platform.ComputeDevice.Resolve(settings.Device), message => console.MarkupLine($"[yellow]{Markup.Escape(message)}[/]"));
        using var _ = model;
        var options = new DecodingOptions(MaxNewTokens: settings.MaxNewTokens, Temperature: settings.Greedy ? 0 : settings.Temperature, TopK: settings.TopK,
            TopP: settings.TopP, Seed: settings.Seed, StopTokens: [tokenizer.EndOfText], VocabularyLimit: tokenizer.VocabSize);
        for (int i = 0; i < prompts.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var ids = settings.Ids ? ParseIds(prompts[i], i + 1, tokenizer.VocabSize) : tokenizer.Encode(prompts[i]);
            if (ids.Length == 0) ids = [tokenizer.EndOfText];   // an empty prompt starts a new document
            if (prompts.Count > 1) console.MarkupLine($"[dim]--- prompt {i + 1}[/]");
            if (!settings.Ids) console.Write(new Text(prompts[i]));
            var generated = new List<int>();
            int shown = 0;
            foreach (var token in TokenGenerator.Stream(model, ids, options))
            {
                cancellation.ThrowIfCancellationRequested();
                generated.Add(token);
                if (settings.Ids) { console.Write(new Text($"{(generated.Count > 1 ? " " : "")}{token}")); continue; }
                // A character split across tokens decodes as U+FFFD until its last byte arrives: print up to it.
                var text = tokenizer.Decode(generated);
                int ready = text.EndsWith('\uFFFD') ? text.TrimEnd('\uFFFD').Length : text.Length;
                if (ready > shown) { console.Write(new Text(text[shown..ready])); shown = ready; }
            }
            if (!settings.Ids && tokenizer.Decode(generated) is var final && final.Length > shown) console.Write(new Text(final[shown..]));
            console.WriteLine();
        }
        return 0;
    }

    static List<string> ReadPrompts(string path, IAnsiConsole console)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"prompts file not found: {path}", path);
        var lines = File.ReadAllLines(path);
        var prompts = lines.Where(l => l.Trim().Length > 0).ToList();
        if (prompts.Count == 0) throw new InvalidDataException($"{path} holds no prompts (one per line)");
        if (prompts.Count < lines.Length) console.MarkupLine($"[dim]{prompts.Count} prompts; {lines.Length - prompts.Count} blank lines of {Markup.Escape(path)} skipped[/]");
        return prompts;
    }

    static int[] ParseIds(string prompt, int number, int vocabulary) =>
        [.. prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word =>
            int.TryParse(word, out int id) && id >= 0 && id < vocabulary ? id
            : throw new UserError($"prompt {number}: '{word}' is not a token id (0 to {vocabulary - 1}); --ids takes ids separated by spaces"))];
}
