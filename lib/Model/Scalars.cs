using TorchSharp;

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

    /// <summary>The alpha of every add: <c>a + b</c> and <c>add(scalar)</c> make an implicit one (two SQuAD evaluations of the cpu model died of it).</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    public static readonly Scalar Two = 2.0.ToScalar();
}
