namespace LlmNotebooks.Training;

/// <summary>
/// The compute a run spends: its steps and tokens, the passes over its training split, the FLOPs (6N per token
/// for N non-embedding parameters, plus attention), and the time it takes at a measured speed.
/// </summary>
public sealed record TrainingBudget(long Steps, long TokensPerStep, double FlopsPerToken, long? CorpusTokens = null)
{
    public long Tokens => Steps * TokensPerStep;

    public double Flops => Tokens * FlopsPerToken;

    /// <summary>Epochs over the training split, when its size is known.</summary>
    public double? Passes => CorpusTokens is > 0 ? (double)Tokens / CorpusTokens.Value : null;

    public override string ToString() =>
        $"budget: {Steps:N0} steps × {TokensPerStep:N0} tokens = {Count(Tokens)} tokens" +
        (Passes is { } passes ? $" ({passes:0.##} passes over the {Count(CorpusTokens!.Value)} training tokens)" : "") +
        $", {Flops:0.00e0} FLOPs";

    /// <summary>How long the steps left take at a measured speed, with the share of the matmul ceiling it is.</summary>
    public string Eta(long stepsLeft, double tokensPerSecond, string measuredOver, double? ceilingGflops = null)
    {
        var time = TimeSpan.FromSeconds(stepsLeft * TokensPerStep / tokensPerSecond);
        var mfu = ceilingGflops is { } ceiling ? $", {Mfu.Describe(tokensPerSecond, FlopsPerToken, ceiling)}" : "";
        return $"ETA: {Duration(time)} for {stepsLeft:N0} steps at {tokensPerSecond:N0} tokens/s ({measuredOver}{mfu})";
    }

    static string Count(long tokens) => tokens >= 1e9 ? $"{tokens / 1e9:0.00}B" : tokens >= 1e6 ? $"{tokens / 1e6:0.0}M" : $"{tokens:N0}";

    public static string Duration(TimeSpan time) => time.TotalDays >= 2 ? $"{time.TotalDays:0.0} days"
        : time.TotalHours >= 1 ? $"{(int)time.TotalHours} h {time.Minutes:00} min" : $"{time.Minutes} min {time.Seconds:00} s";
}
