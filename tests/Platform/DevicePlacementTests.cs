using LlmNotebooks.Finetune;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokens;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Platform;

/// <summary>
/// Torch's default device is process-wide: the tests that change it run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultDeviceCollection
{
    public const string Name = "torch default device";
}

/// <summary>
/// The plumbing a CUDA run depends on, checked where there is no GPU. The model runs on the CPU while torch's
/// default device is <c>meta</c> (shapes, no data): a tensor made without naming the model's device lands on meta,
/// and the first operation that meets it with the model's tensors fails, as a CPU tensor meets CUDA ones on a GPU.
/// (The model itself cannot run on meta: libtorch has no meta kernels for embedding lookups and layer norm.)
/// </summary>
[Collection(DefaultDeviceCollection.Name)]
public class DevicePlacementTests
{
    static readonly GptConfig Config = new(VocabSize: 64, ContextLength: 16, Layers: 2, Heads: 2, Width: 32);

    static T WithMetaAsDefault<T>(Func<T> run)
    {
        set_default_device(META);
        try { return run(); }
        finally { set_default_device(CPU); }
    }

    [Fact]
    public void The_check_catches_a_tensor_made_on_the_default_device()
    {
        using var model = new Gpt(Config, seed: 1);
        var error = Assert.ThrowsAny<Exception>(() => WithMetaAsDefault(() => model.forward(arange(8).view(1, 8)).Logits));
        Assert.Contains("meta", error.Message, StringComparison.OrdinalIgnoreCase);
        // Named, the device is right: the same call works.
        Assert.Equal([1, 8, 64], WithMetaAsDefault(() => model.forward(arange(8, device: CPU).view(1, 8)).Logits.shape));
    }

    [Fact]
    public void A_model_is_built_on_the_cpu_whatever_the_default_device()
    {
        using var model = WithMetaAsDefault(() => new Gpt(Config, seed: 1));
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
        using var again = new Gpt(Config, seed: 1);
        Assert.True(model.Head.weight.allclose(again.Head.weight, rtol: 0, atol: 0));   // the seed gives the same weights
    }

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void Training_steps_and_every_decoder_make_their_tensors_on_the_models_device(Precision precision)
    {
        using var model = new Gpt(Config with { PromptAttention = PromptAttention.Bidirectional }, seed: 1);
        using var step = new TrainingStep(model, new OptimizerSettings(), precision);
        using var x = randint(0, 64, [2, 16], device: CPU);
        int[][] prompts = [[1, 2, 3], [4, 5]];
        var decoded = WithMetaAsDefault(() =>
        {
            step.Step([new Batch(x, x, [3, 5]), new Batch(x, x, [16, 1])], 1e-3);
            return new[]
            {
                TokenGenerator.Generate(step.ComputeModel, prompts, new DecodingOptions(MaxNewTokens: 5, NoRepeatNgram: 2, MinNewTokens: 2, StopTokens: [7])),
                TokenGenerator.Generate(step.ComputeModel, prompts, new DecodingOptions(MaxNewTokens: 5, Temperature: 0.8, TopK: 10, TopP: 0.9, Seed: 3)),
                TokenGenerator.Generate(step.ComputeModel, prompts, new DecodingOptions(MaxNewTokens: 5, UseCache: false)),
                TokenGenerator.Generate(step.ComputeModel, prompts, new DecodingOptions(MaxNewTokens: 5, VocabularyLimit: 60), vocabularies: [new HashSet<int> { 3, 4 }, null]),
                BeamSearch.Run(step.ComputeModel, prompts, new DecodingOptions(MaxNewTokens: 5, Beams: 3, NoRepeatNgram: 2, MinNewTokens: 1)),
            };
        });
        Assert.All(decoded, outputs => Assert.Equal(2, outputs.Count));
        Assert.All(decoded[0], o => Assert.InRange(o.Length, 2, 5));
    }

    [SkippableFact]
    public void A_pretraining_and_a_finetuning_run_make_their_tensors_on_the_models_device()
    {
        var data = TestEnvironment.RequireData("squad/train-v1.1.json").Replace("/squad/train-v1.1.json", "");
        var root = TestEnvironment.TempFolder().FullName;
        var pretrain = Path.Combine(root, "pretrain");
        var finetune = Path.Combine(root, "finetune");
        // Validation, samples, checkpoints, the exported model; then finetuning's masks, prefix attention and task
        // scores (span-constrained answers, beam-searched summaries, classification).
        var pretrained = WithMetaAsDefault(() => Pretraining.Run(PretrainingConfig.Preset("smoke").With(["max_steps=10", "sample_interval=5"]), new(data, pretrain), resume: false));
        var finetuned = WithMetaAsDefault(() => Finetuning.Run(
            FinetuningConfig.Preset("smoke").With(["max_steps=4", "eval_interval=4", "task_eval_interval=4", "task_eval_examples=2", "prompt_attention=bidirectional"]), new(data, finetune, From: pretrain), resume: false));
        Assert.Equal(StopReason.Completed, pretrained.Reason);
        Assert.Equal(StopReason.Completed, finetuned.Reason);
        Assert.Contains(MetricsLog.Read(finetune), r => r.Kind == MetricsRecord.TaskKind);
    }
}
