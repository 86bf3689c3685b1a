using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Model;

/// <summary>
/// TorchSharp Scalars that hot loops pass to libtorch. A <c>double</c> converted implicitly becomes a Scalar that
/// nothing references once its native handle has been read, and a Scalar has a finalizer: the GC can free it on the
/// finalizer thread while libtorch still reads it. Long evaluations died that way, now and then, with "Expected false
/// to be true" from c10's Scalar::toFloat inside masked_fill_. A Scalar held in a static field or a <c>using</c>
/// variable stays alive for the whole native call.
/// </summary>
public static class Scalars
{
    /// <summary>−∞, what every mask fills with.</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    public static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>The alpha of every add: <c>a + b</c> and <c>add(x)</c> make an implicit one, which killed long evaluations.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    public static readonly Scalar Two = 2.0.ToScalar();

    /// <summary>0 as an integer, for index tensors (a float 0 would promote them to floats).</summary>
    public static readonly Scalar FirstIndex = 0L.ToScalar();

    /// <summary><c>torch.arange(start, stop)</c>, int64 unless told, with its Scalars held for the call.</summary>
    public static Tensor Range(long start, long stop, Device device, ScalarType dtype = ScalarType.Int64)
    {
        using Scalar from = start.ToScalar(), to = stop.ToScalar(), step = 1L.ToScalar();
        return arange(from, to, step, dtype: dtype, device: device);
    }

    /// <summary><c>a + b</c> with a held alpha: how the library adds tensors (tests/Rules/ScalarTests.cs keeps it so).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a += b</c> in place, with a held alpha.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a + s</c> for a held scalar <paramref name="s"/>, with a held alpha.</summary>
    public static Tensor Plus(this Tensor a, Scalar s) => a.add(s, One);
}
