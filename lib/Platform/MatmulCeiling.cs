using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Platform;

/// <summary>
/// How fast this machine multiplies large matrices, the practical ceiling for training throughput: model FLOPs
/// utilisation (MFU) is measured against it. Bounded in time whatever the type's speed (an emulated bf16 runs at a
/// hundredth of fp32), and robust: a warm-up first, then the best of several short trials, since a disturbance
/// (another process, a frequency change) can only lower a trial.
/// </summary>
public static class MatmulCeiling
{
    const int SmallestSize = 256, LargestSize = 2048, MinimumTrials = 3;

    /// <summary>GFLOP/s of n×n by n×n matmuls (2n³ FLOPs each) in <paramref name="dtype"/>, in about <paramref name="seconds"/>.</summary>
    public static double Measure(ScalarType dtype = ScalarType.Float32, Device? device = null, double seconds = 1.0)
    {
        var total = Stopwatch.StartNew();
        // The size: doubled (8x the work) while one product takes under a fortieth of the budget, up to 2048. So a
        // fast type is timed on products big enough to run at full rate, and an emulated one still within the budget.
        int n = SmallestSize;
        double once = TimeOne(n, dtype, device);
        while (n < LargestSize && once * 8 < seconds / 40)
        {
            n *= 2;
            once = TimeOne(n, dtype, device);
        }
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device).to(dtype);
        var b = randn(n, n, device: device).to(dtype);
        // Warm-up: threads spun up, caches and clocks settled, for a fifth of the budget.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < seconds / 5) Product(a, b, device);
        int perTrial = Math.Max(1, (int)(seconds / 10 / Math.Max(once, 1e-6)));
        double best = 0;
        for (int trial = 0; trial < MinimumTrials || total.Elapsed.TotalSeconds < seconds; trial++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < perTrial; i++) Product(a, b, device);
            best = Math.Max(best, 2.0 * n * n * (double)n * perTrial / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    static double TimeOne(int n, ScalarType dtype, Device? device)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device).to(dtype);
        var b = randn(n, n, device: device).to(dtype);
        Product(a, b, device);   // the first call chooses kernels and allocates
        var clock = Stopwatch.StartNew();
        Product(a, b, device);
        return clock.Elapsed.TotalSeconds;
    }

    static void Product(Tensor a, Tensor b, Device? device)
    {
        a.matmul(b).Dispose();
        // GPU work is asynchronous: wait for it before reading the clock.
        if (device?.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
