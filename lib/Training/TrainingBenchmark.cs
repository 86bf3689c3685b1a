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
/// Where a training step's time goes, per step in seconds: making the micro-batches (random tokens here; a run reads
/// its token shards), the forward passes, the backward passes, the update, and the rest of the loop (whatever the
/// four parts do not cover), which sum to <see cref="Total"/>.
/// </summary>
public sealed record StepBreakdown(double Data, double Forward, double Backward, double Update, double Total)
{
    public double Rest => Total - Data - Forward - Backward - Update;

    /// <summary>The parts in order, named as the bench prints them.</summary>
    public IReadOnlyList<(string Part, double Seconds)> Parts =>
        [("data", Data), ("forward", Forward), ("backward", Backward), ("optimizer", Update), ("rest", Rest)];
}

/// <summary>A pretraining run's step, timed part by part: its model, batch, accumulation and precision as the run has them.</summary>
public sealed record RunStepResult(GptConfig Model, long Parameters, int BatchSize, int Accumulation, PrecisionChoice Precision, double CeilingGflops,
    double TrainingFlopsPerToken, StepBreakdown Step)
{
    public double TokensPerSecond => (double)BatchSize * Accumulation * Model.ContextLength / Step.Total;

    public string Mfu => Training.Mfu.Describe(TokensPerSecond, TrainingFlopsPerToken, CeilingGflops);
}

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

    /// <summary><c>bench model --run-preset</c>: the step of a run of <paramref name="config"/>, built as the run builds it, over <paramref name="steps"/> timed steps.</summary>
    public static RunStepResult OfRun(PretrainingConfig config, int steps, Action<string>? log = null)
    {
        var (model, precision, ceiling) = Pretraining.ModelAsRun(config, log);
        using var _ = model;
        return OfRun(config, model, precision, ceiling, steps);
    }

    /// <summary>The same, on a model <see cref="Pretraining.ModelAsRun"/> built (its weights move with the steps; the timing does not depend on them).</summary>
    public static RunStepResult OfRun(PretrainingConfig config, Gpt model, PrecisionChoice precision, double ceiling, int steps)
    {
        int accumulation = config.AccumulationSteps(model.Config.ContextLength);
        using var step = new TrainingStep(model, config.Optimizer, precision.Used);
        return new RunStepResult(model.Config, model.ParameterCount(), config.BatchSize, accumulation, precision, ceiling, model.TrainingFlopsPerToken,
            Breakdown(step, config.BatchSize, accumulation, steps));
    }

    /// <summary>
    /// The mean step of <paramref name="steps"/> timed ones (after two warm-up steps), each of <paramref name="accumulation"/>
    /// full-context micro-batches of <paramref name="batchSize"/> random sequences, as a run's steps are made.
    /// </summary>
    public static StepBreakdown Breakdown(TrainingStep step, int batchSize, int accumulation, int steps)
    {
        var config = step.Model.Config;
        var device = step.Model.Head.weight.device;
        var times = new StepTimes();
        double data = 0, total = 0;
        for (int i = -2; i < steps; i++)
        {
            if (i == 0) (times.Forward, times.Backward, times.Update) = (0, 0, 0);
            long start = Stopwatch.GetTimestamp();
            var batches = Enumerable.Range(0, accumulation).Select(_ =>
                new Batch(randint(0, config.VocabSize, [batchSize, config.ContextLength], device: device),
                    randint(0, config.VocabSize, [batchSize, config.ContextLength], device: device))).ToList();
            double made = Stopwatch.GetElapsedTime(start).TotalSeconds;
            step.Step(batches, 1e-4, times);
            foreach (var batch in batches) batch.Dispose();
            if (i < 0) continue;
            data += made;
            total += Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return new StepBreakdown(data / steps, times.Forward / steps, times.Backward / steps, times.Update / steps, total / steps);
    }

    /// <summary>Training tokens/s of full-context batches of random tokens, timed after two warm-up steps (optimizer state, kernels).</summary>
    public static double TrainingTokensPerSecond(TrainingStep step, int batchSize, int steps) =>
        (double)batchSize * step.Model.Config.ContextLength / Breakdown(step, batchSize, accumulation: 1, steps).Total;
}
