using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Platform;

/// <summary>
/// How fast this machine multiplies large matrices, the practical ceiling for training throughput: model FLOPs
/// utilisation (MFU) is measured against it.
/// </summary>
public static class MatmulCeiling
{
    /// <summary>GFLOP/s of an n×n by n×n matmul (2n³ FLOPs) in the given type, over about <paramref name="seconds"/>.</summary>
    public static double Measure(int n = 2048, ScalarType dtype = ScalarType.Float32, double seconds = 2.0, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device).to(dtype);
        var b = randn(n, n, device: device).to(dtype);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose();   // warm-up: kernels chosen, memory touched
        Synchronize(device);
        var clock = Stopwatch.StartNew();
        int repeats = 0;
        while (clock.Elapsed.TotalSeconds < seconds || repeats < 2)
        {
            a.matmul(b).Dispose();
            repeats++;
            Synchronize(device);
        }
        return 2.0 * n * n * (double)n * repeats / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>The best of three short trials, so that a brief disturbance does not lower it (a run's MFU denominator).</summary>
    public static double BestOfThree(ScalarType dtype, Device device) =>
        Enumerable.Range(0, 3).Max(_ => Measure(n: 1024, dtype: dtype, seconds: 0.3, device: device));

    /// <summary>GPU work is asynchronous: wait for it before reading the clock.</summary>
    static void Synchronize(Device? device)
    {
        if (device?.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
