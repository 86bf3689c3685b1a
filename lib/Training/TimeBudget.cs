using System.Diagnostics;
using System.Text.Json.Serialization;
using LlmNotebooks.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>
/// How a run with a wall-time budget (the <c>hours</c> setting) fixed its number of steps before its first one: it
/// times a few of its own first batches on its model in its precision, and each periodic callback's work once
/// (validation, samples, checkpoints, task scores), then takes the most steps that fit with that work. run.json
/// records it, a resumed run keeps the count, and the learning-rate schedule runs over exactly that many steps. So a
/// run ends within its hours on any machine, and machines differ in how many steps they train.
/// </summary>
public sealed record TimeBudget(
    [property: JsonPropertyName("hours")] double Hours,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("max_steps")] int? MaxSteps,
    [property: JsonPropertyName("seconds_per_step")] double SecondsPerStep,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("periodic_seconds")] IReadOnlyDictionary<string, double> PeriodicSeconds,
    [property: JsonPropertyName("calibration_seconds")] double CalibrationSeconds)
{
    /// <summary>Share of the budget kept for what calibration does not time: exporting the model, the clock's noise.</summary>
    public const double Reserve = 0.05;

    /// <summary>Steps timed after one warm-up step (which allocates the optimizer state).</summary>
    public const int TimedSteps = 3;

    /// <summary>Warm-up is at most this share of the fixed steps, so a short run still decays its rate.</summary>
    public const double MaxWarmupShare = 0.2;

    /// <summary>The plan line every timed run prints: "time budget: 1,234 steps fit in 0.25 h at 5,123 tokens/s (…)".</summary>
    public override string ToString() =>
        $"time budget: {Steps:N0} steps fit in {Hours:0.###} h at {TokensPerSecond:N0} tokens/s " +
        $"({SecondsPerStep:0.###} s per step over {TimedSteps} timed steps; " +
        string.Concat(PeriodicSeconds.Select(p => $"{p.Key} {p.Value:0.##} s each; ")) +
        $"{Reserve:P0} kept{(Steps == MaxSteps ? $"; capped by max_steps {MaxSteps:N0}" : "")})";

    /// <summary>The config a timed run trains with: <see cref="Steps"/> steps, warm-up within a fifth of them.</summary>
    public T Apply<T>(T config) where T : TrainingConfig => (T)((TrainingConfig)config with
    {
        MaxSteps = Steps, WarmupSteps = Math.Max(1, Math.Min(config.WarmupSteps, (int)(Steps * MaxWarmupShare))),
    });

    /// <summary>
    /// The most steps (at least one, at most <paramref name="maxSteps"/> when there is a cap) whose time, each taking
    /// <paramref name="secondsPerStep"/>, plus the periodic work they bring, fits in <paramref name="seconds"/> less
    /// the <see cref="Reserve"/>.
    /// </summary>
    public static int StepsThatFit(double seconds, double secondsPerStep, IReadOnlyList<(Func<long, long> Runs, double Seconds)> periodic, int? maxSteps)
    {
        double usable = seconds * (1 - Reserve);
        bool Fits(long steps) => steps * secondsPerStep + periodic.Sum(p => p.Runs(steps) * p.Seconds) <= usable;
        // Without a cap, the steps alone bound the search: no more fit than the usable time holds without the periodic work.
        long low = 1, high = maxSteps ?? (long)Math.Clamp(usable / secondsPerStep + 1, 1, int.MaxValue);
        while (low < high)
        {
            long middle = low + (high - low + 1) / 2;
            if (Fits(middle)) low = middle; else high = middle - 1;
        }
        return (int)low;
    }

    /// <summary>
    /// Times <see cref="TimedSteps"/> steps of the run's first batches (after a warm-up step) at learning rate 0, on a
    /// throwaway optimizer, so the model's weights and torch's random state are as they were; then rehearses each
    /// periodic callback on that optimizer's state.
    /// </summary>
    public static TimeBudget Calibrate(TrainingConfig config, double hours, double secondsSpent, Gpt model, Precision precision, IBatchSource data,
        int accumulation, Device device, IReadOnlyList<IPeriodicCallback> periodic)
    {
        var clock = Stopwatch.StartNew();
        using var rng = get_rng_state();
        double secondsPerStep, tokensPerSecond;
        var costs = new List<(IPeriodicCallback Callback, double Seconds)>();
        using (var probe = new TrainingStep(model, config.Optimizer, precision))
        {
            long tokens = 0;
            double seconds = 0;
            for (int step = 0; step <= TimedSteps; step++)
            {
                var batches = Enumerable.Range(0, accumulation).Select(m => data.TrainBatch(step, m)).ToList();
                var onDevice = batches.Select(b => b.To(device)).ToList();
                try
                {
                    var timer = Stopwatch.StartNew();
                    probe.Step(onDevice, learningRate: 0);   // AdamW at rate 0 leaves the weights exactly as they were
                    if (step > 0) { seconds += timer.Elapsed.TotalSeconds; tokens += onDevice.Sum(b => b.Positions); }
                }
                finally
                {
                    foreach (var b in batches.Union(onDevice)) b.Dispose();
                }
            }
            secondsPerStep = seconds / TimedSteps;
            tokensPerSecond = tokens / seconds;
            // Rehearsed at a run's start, before its step count is known: a plan of one step stands in for it.
            var rehearsal = new Trainer(probe, data, new TrainingPlan(1, new LrSchedule(config.LearningRate, config.MinLearningRate, config.WarmupSteps, 1), accumulation, device),
                new TrainingState());
            // Twice each, keeping the faster: the first pays once-only costs (compiling, reading data files).
            foreach (var callback in periodic)
                costs.Add((callback, Enumerable.Range(0, 2).Min(_ =>
                {
                    var timer = Stopwatch.StartNew();
                    callback.Rehearse(rehearsal);
                    return timer.Elapsed.TotalSeconds;
                })));
        }
        set_rng_state(rng);
        double budget = hours * 3600 - secondsSpent - clock.Elapsed.TotalSeconds;
        int steps = StepsThatFit(budget, secondsPerStep, costs.Select(c => ((Func<long, long>)c.Callback.Runs, c.Seconds)).ToList(), config.MaxSteps);
        var periodicSeconds = costs.GroupBy(c => c.Callback.Work).ToDictionary(g => g.Key, g => g.Sum(c => c.Seconds));
        return new TimeBudget(hours, steps, config.MaxSteps, secondsPerStep, tokensPerSecond, periodicSeconds, clock.Elapsed.TotalSeconds);
    }
}
