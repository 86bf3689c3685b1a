using System.Diagnostics;
using LlmNotebooks.Generation;
using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>Measured throughput of one model shape in one precision.</summary>
public sealed record ThroughputResult(string Preset, Precision Precision, int BatchSize, double TrainingTokensPerSecond,
    double? Mfu, double GenerationTokensPerSecondCached, double GenerationTokensPerSecondUncached, double TrainingFlopsPerToken);

/// <summary>
/// Training and generation throughput on random tokens: training is forward + backward + AdamW through the same
/// <see cref="TrainingStep"/> the trainer uses; MFU is model FLOPs per second over the matmul ceiling measured
/// here in the same precision; generation is greedy decoding of one sequence with and without the KV cache.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>What <c>bench model</c> measures unless told: fp32, and bf16 where the hardware computes it natively.</summary>
    public static IReadOnlyList<Precision> DefaultPrecisions(Platform.ComputeHardware hardware) =>
        hardware.Bf16.Native ? [Precision.Fp32, Precision.Bf16] : [Precision.Fp32];

    public static ThroughputResult Measure(string preset, GptConfig config, int batchSize, Precision precision, double ceiling,
        int trainingSteps, Device device, int generatedTokens = 64)
    {
        using var model = new Gpt(config, seed: 1);
        model.to(device);
        using var step = new TrainingStep(model, new OptimizerSettings(), precision);
        double tokensPerSecond = TrainingTokensPerSecond(step, batchSize, trainingSteps);
        var mfu = Training.Mfu.Of(tokensPerSecond, model.TrainingFlopsPerToken, ceiling);

        int[] prompt = Enumerable.Range(1, 16).ToArray();
        double Generate(bool cache)
        {
            var options = new DecodingOptions(MaxNewTokens: generatedTokens, UseCache: cache);
            TokenGenerator.Generate(step.ComputeModel, [prompt], options with { MaxNewTokens = 4 });   // warm-up
            var timer = Stopwatch.StartNew();
            int produced = TokenGenerator.Generate(step.ComputeModel, [prompt], options)[0].Length;
            return produced / timer.Elapsed.TotalSeconds;
        }
        return new ThroughputResult(preset, precision, batchSize, tokensPerSecond, mfu, Generate(true), Generate(false), model.TrainingFlopsPerToken);
    }

    /// <summary>Training tokens/s of full-context batches of random tokens, timed after two warm-up steps (optimizer state, kernels).</summary>
    public static double TrainingTokensPerSecond(TrainingStep step, int batchSize, int steps)
    {
        var config = step.Model.Config;
        var device = step.Model.Head.weight.device;
        using var batch = new Batch(randint(0, config.VocabSize, [batchSize, config.ContextLength], device: device),
            randint(0, config.VocabSize, [batchSize, config.ContextLength], device: device));
        for (int i = 0; i < 2; i++) step.Step([batch], 1e-4);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step.Step([batch], 1e-4);
        return steps * (double)batchSize * config.ContextLength / clock.Elapsed.TotalSeconds;
    }
}
