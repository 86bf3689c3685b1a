using LlmNotebooks.Data;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Tokens;

/// <summary>Throughput of preparing a corpus with a given number of encoding threads (median of the runs).</summary>
public sealed record TokenizationResult(int Threads, double MegabytesPerSecond, double TokensPerSecond, double Seconds)
{
    public double MegabytesPerSecondPerThread => MegabytesPerSecond / Threads;
}

/// <summary>
/// Measures <see cref="CorpusPreparer"/> end to end (read, encode, write) at 1..N threads. Two warm-up runs let the
/// JIT finish optimising; every measured run starts with fresh tokenizers, whose word caches are empty, so the
/// figure is what new data gets. Each thread count is run several times and the median reported.
/// </summary>
public static class TokenizationBenchmark
{
    public static IReadOnlyList<TokenizationResult> Run(IReadOnlyList<string> corpus, TextTokenizer tokenizer, IEnumerable<int> threadCounts,
        int repeats = 3, int warmUps = 2, Action<TokenizationResult>? report = null)
    {
        var scratch = Directory.CreateTempSubdirectory("llmnb-bench-tokens-");
        try
        {
            ShardManifest Once(int threads) =>
                CorpusPreparer.Prepare(corpus, tokenizer.Copy(), scratch.FullName, new CorpusPreparer.Options(Threads: threads), new DataIssues());
            for (int i = 0; i < warmUps; i++) Once(Environment.ProcessorCount);
            var results = new List<TokenizationResult>();
            foreach (int threads in threadCounts)
            {
                var runs = Enumerable.Range(0, repeats).Select(_ => Once(threads)).OrderBy(m => m.Seconds).ToList();
                var median = runs[runs.Count / 2];
                var result = new TokenizationResult(threads, median.MegabytesPerSecond, median.TokensPerSecond, median.Seconds);
                report?.Invoke(result);
                results.Add(result);
            }
            return results;
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
