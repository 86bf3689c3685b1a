namespace LlmNotebooks;

/// <summary>
/// Randomness that is a pure function of its inputs, so that which windows, examples and splits a run uses never
/// depends on thread counts, restarts or dictionary order: a resumed run draws exactly what an uninterrupted one did.
/// </summary>
public static class StableRandom
{
    /// <summary>A well-mixed 64-bit hash of three numbers (SplitMix64's finaliser, applied twice).</summary>
    public static ulong Hash(long seed, long a, long b = 0)
    {
        ulong z = (ulong)seed ^ ((ulong)a * 0x9E3779B97F4A7C15UL) ^ ((ulong)b * 0xC2B2AE3D27D4EB4FUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        return z ^ (z >> 27);
    }

    /// <summary>A number in [0, 1) for three numbers.</summary>
    public static double Uniform(long seed, long a, long b = 0) => (Hash(seed, a, b) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A number in [0, 1) for a string (a document or example id), seeded.</summary>
    public static double Uniform(string id, long seed)
    {
        ulong h = 14695981039346656037UL;   // FNV-1a over the id, then mixed with the seed
        foreach (char c in id) h = (h ^ c) * 1099511628211UL;
        return Uniform(seed, (long)h);
    }
}
