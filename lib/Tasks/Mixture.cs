using System.Globalization;

namespace LlmNotebooks.Tasks;

/// <summary>
/// Shares of the finetuning data sources — the three tasks and a replay of pretraining text against forgetting —
/// written <c>squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1</c> and normalised to sum to 1.
/// </summary>
public sealed record Mixture
{
    public const string Pretrain = "pretrain";
    /// <summary>The registered tasks, in the registry's order, then replay.</summary>
    public static IReadOnlyList<string> Sources => [.. TaskRegistry.Names, Pretrain];
    public const string Default = "squad=0.4,cnn_dailymail=0.4,sst2=0.1,pretrain=0.1";
    /// <summary>A quarter of the tokens replaying pretraining, the rest shared by the tasks about as in the default.</summary>
    public const string QuarterReplay = "squad=0.33,cnn_dailymail=0.33,sst2=0.09,pretrain=0.25";
    /// <summary>
    /// The cpu preset's mixture: between the two replay shares the "Replay and mixture" experiment measured, with the
    /// tokens it frees going to SQuAD and SST-2, the two tasks below their floors.
    /// </summary>
    public const string Cpu = "squad=0.38,cnn_dailymail=0.33,sst2=0.12,pretrain=0.17";

    Mixture(IReadOnlyList<(string Source, double Share)> shares) => Shares = shares;

    /// <summary>Sources with a positive share, in the canonical order, shares summing to 1.</summary>
    public IReadOnlyList<(string Source, double Share)> Shares { get; }

    public double ShareOf(string source) => Shares.FirstOrDefault(s => s.Source == source).Share;

    public static Mixture Parse(string text)
    {
        var weights = new Dictionary<string, double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double weight) || weight < 0)
                throw new UserError($"mixture entry '{part}' is not source=weight with a weight >= 0");
            if (!Sources.Contains(kv[0])) throw new UserError($"unknown mixture source '{kv[0]}'; sources are {string.Join(", ", Sources)}");
            weights[kv[0]] = weight;
        }
        double total = weights.Values.Sum();
        if (total <= 0) throw new UserError($"mixture '{text}' gives no source a positive weight");
        return new Mixture(Sources.Where(s => weights.GetValueOrDefault(s) > 0).Select(s => (s, weights[s] / total)).ToList());
    }

    /// <summary>The tasks the mixture finetunes on, in its order.</summary>
    public IReadOnlyList<FinetuningTask> Tasks => [.. Shares.Where(s => s.Source != Pretrain).Select(s => TaskRegistry.Named(s.Source))];

    /// <summary>The source whose share covers <paramref name="u"/> in [0, 1).</summary>
    public string Pick(double u)
    {
        double cumulative = 0;
        foreach (var (source, share) in Shares)
        {
            cumulative += share;
            if (u < cumulative) return source;
        }
        return Shares[^1].Source;
    }

    public override string ToString() => string.Join(",", Shares.Select(s => $"{s.Source}={s.Share.ToString("0.###", CultureInfo.InvariantCulture)}"));
}
