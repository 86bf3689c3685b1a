namespace LlmNotebooks.Training;

/// <summary>
/// Model FLOPs utilisation: the model's FLOPs per second (training FLOPs per token × tokens/s) as a share of the
/// measured matmul ceiling. A share above 1 means the ceiling was measured too low (an emulated type, a disturbed
/// trial), not that training beat it, so it is not given.
/// </summary>
public static class Mfu
{
    public static double? Of(double tokensPerSecond, double flopsPerToken, double ceilingGflops)
    {
        if (ceilingGflops <= 0 || !double.IsFinite(tokensPerSecond)) return null;
        double share = tokensPerSecond * flopsPerToken / (ceilingGflops * 1e9);
        return share <= 1 ? share : null;
    }

    /// <summary>"MFU 45 % of the measured 300 GFLOP/s", or why no MFU is given.</summary>
    public static string Describe(double tokensPerSecond, double flopsPerToken, double ceilingGflops) =>
        Of(tokensPerSecond, flopsPerToken, ceilingGflops) is { } share
            ? $"MFU {share:P0} of the measured {ceilingGflops:N0} GFLOP/s"
            : $"no MFU: the measured ceiling ({ceilingGflops:N1} GFLOP/s) is below the training rate, so the ceiling is wrong";
}
