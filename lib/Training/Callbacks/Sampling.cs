using LlmNotebooks.Generation;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Training.Callbacks;

/// <summary>One prompt the run writes a continuation of now and then: a label, its tokens, how to decode.</summary>
public sealed record SamplePrompt(string Label, int[] Prompt, DecodingOptions Decoding);

/// <summary>Continuations of fixed prompts every <paramref name="interval"/> steps and at the end, into samples.jsonl: to watch the model learn.</summary>
public sealed class Sampling(MetricsLog log, int interval, IReadOnlyList<SamplePrompt> prompts, TextTokenizer tokenizer, Action<string>? say) : IPeriodicCallback
{
    public string Work => "samples";

    public long Runs(long steps) => Trainer.TimesDue(interval, steps);

    public void Rehearse(Trainer trainer)
    {
        foreach (var prompt in prompts) Continue(trainer, prompt, seed: 0);
    }

    public void OnStepEnd(Trainer trainer, StepReport step)
    {
        if (!trainer.Due(interval)) return;
        foreach (var prompt in prompts)
        {
            var text = Continue(trainer, prompt, step.Step);
            log.Append(new SampleRecord(step.Step, prompt.Label, text));
            say?.Invoke($"sample at step {step.Step}: {prompt.Label}{text.ReplaceLineEndings(" ")}");
        }
    }

    string Continue(Trainer trainer, SamplePrompt prompt, long seed) =>
        tokenizer.Decode(TokenGenerator.Generate(trainer.Training.ComputeModel, [prompt.Prompt], prompt.Decoding with { Seed = seed })[0]);
}
