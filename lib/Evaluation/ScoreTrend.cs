namespace LlmNotebooks.Evaluation;

/// <summary>
/// A task score as a straight line through log(tokens), fitted by least squares to the scores logged during
/// training: how many points each doubling of the tokens brought, and where a line of that slope would reach a score.
/// </summary>
public sealed record ScoreTrend(double Slope)
{
    /// <summary>How far past the last measured tokens the line is read at all (the report says "a hundred times"): a fit to a handful of points says nothing about more.</summary>
    public const double MaxExtrapolation = 100;

    public double PointsPerDoubling => Slope * Math.Log(2);

    public static ScoreTrend? Fit(IReadOnlyList<(double Tokens, double Score)> points)
    {
        if (points.Count < 3 || points.Any(p => p.Tokens <= 0)) return null;
        var xs = points.Select(p => Math.Log(p.Tokens)).ToList();
        double meanX = xs.Average(), meanY = points.Average(p => p.Score);
        double spread = xs.Sum(x => (x - meanX) * (x - meanX));
        if (spread == 0) return null;
        return new(xs.Zip(points).Sum(z => (z.First - meanX) * (z.Second.Score - meanY)) / spread);
    }

    /// <summary>
    /// The tokens at which a line of this slope through (<paramref name="fromTokens"/>, <paramref name="fromScore"/>)
    /// reaches <paramref name="score"/>: the fitted rate read from another measurement's level, such as the full set's
    /// score at the end of the run. Null when the line never rises, or only beyond <see cref="MaxExtrapolation"/>× <paramref name="fromTokens"/>.
    /// </summary>
    public double? TokensFor(double score, double fromScore, double fromTokens)
    {
        if (Slope <= 0) return null;
        double logTokens = Math.Log(fromTokens) + (score - fromScore) / Slope;
        return logTokens > Math.Log(fromTokens * MaxExtrapolation) ? null : Math.Exp(logTokens);
    }
}
