namespace LlmNotebooks.Scoring;

/// <summary>A statistic with its bootstrap confidence interval: low and high percentiles, and the median ("mid").</summary>
public readonly record struct Interval(double Low, double Mid, double High)
{
    public override string ToString() => $"[{Low:F2}, {High:F2}]";
}

/// <summary>
/// Bootstrap confidence intervals as rouge-score's BootstrapAggregator computes them: resample the examples with
/// replacement (1,000 times by default), recompute the statistic on each resample, and read the 2.5th, 50th and
/// 97.5th percentiles with linear interpolation (numpy's default). Seeded, so a report's intervals reproduce.
/// </summary>
public static class Bootstrap
{
    public const int DefaultSamples = 1000;
    public const double DefaultConfidence = 0.95;

    /// <param name="statistic">Computes the statistic from a resample given as example indices.</param>
    public static Interval Resample(int count, Func<int[], double> statistic, int samples = DefaultSamples, double confidence = DefaultConfidence, int seed = 0)
    {
        if (count == 0) return new Interval(0, 0, 0);
        var random = new Random(seed);
        var values = new double[samples];
        var indices = new int[count];
        for (int s = 0; s < samples; s++)
        {
            for (int i = 0; i < count; i++) indices[i] = random.Next(count);
            values[s] = statistic(indices);
        }
        Array.Sort(values);
        double delta = (1 - confidence) / 2;
        return new Interval(Percentile(values, delta), Percentile(values, 0.5), Percentile(values, 1 - delta));
    }

    /// <summary>The interval of the mean of per-example values.</summary>
    public static Interval Mean(IReadOnlyList<double> values, int samples = DefaultSamples, double confidence = DefaultConfidence, int seed = 0) =>
        Resample(values.Count, indices => indices.Average(i => values[i]), samples, confidence, seed);

    /// <summary>
    /// The interval of the mean difference <paramref name="after"/> − <paramref name="before"/> of per-example values
    /// measured on the same examples: each resample draws examples, and both values of an example go together, so
    /// what the examples share (an easy question is easy for both) cancels out.
    /// </summary>
    public static Interval Paired(IReadOnlyList<double> before, IReadOnlyList<double> after, int samples = DefaultSamples, double confidence = DefaultConfidence, int seed = 0)
    {
        if (before.Count != after.Count) throw new ArgumentException($"paired values need the same examples: {before.Count} against {after.Count}");
        var differences = before.Zip(after, (b, a) => a - b).ToList();
        return Mean(differences, samples, confidence, seed);
    }

    /// <summary>numpy.percentile's linear interpolation on sorted values.</summary>
    public static double Percentile(double[] sorted, double fraction)
    {
        double position = fraction * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }
}
