using System.Reflection;
using LlmNotebooks.Tests.TestSupport;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Rules;

/// <summary>
/// A Scalar made implicitly for a libtorch call (from a number, or the alpha 1 of TorchSharp's <c>a + b</c>,
/// <c>a.add(b)</c> and <c>a.add_(b)</c>) can be freed by the GC during the call: three long evaluations died of it
/// (see Model/Scalars.cs). The library holds every Scalar it passes (Scalars' fields, <c>using</c> variables) and adds
/// tensors through <c>Plus</c> and <c>PlusInPlace</c>; these tests hold every compiled method of the library to that.
/// </summary>
public class ScalarTests
{
    static bool ImplicitAlpha(MethodInfo method) =>
        method.DeclaringType == typeof(Tensor)
        && (method.Name is "op_Addition"
            || (method.Name is "add" or "add_" && method.GetParameters().Length == 1));

    [Fact]
    public void No_method_of_the_library_adds_tensors_with_an_implicit_scalar()
    {
        var bare = IlReader.Methods(typeof(LlmNotebooks.Model.Scalars).Assembly)
            .SelectMany(m => IlReader.Operands(m).OfType<MethodInfo>().Where(ImplicitAlpha).Select(called => $"{m.DeclaringType!.FullName}.{m.Name} calls {called}"))
            .Distinct().Order().ToList();
        Assert.True(bare.Count == 0, "use Plus / PlusInPlace (held alpha) instead of:\n" + string.Join("\n", bare));
    }

    [Fact]
    public void No_method_of_the_library_converts_a_number_to_a_scalar_or_tensor_on_the_fly()
    {
        // Scalars' own fields and using variables convert explicitly (ToScalar) and keep the result alive.
        var implicitConversions = IlReader.Methods(typeof(LlmNotebooks.Model.Scalars).Assembly)
            .Where(m => IlReader.Operands(m).OfType<MethodInfo>().Any(c => c.DeclaringType == typeof(Scalar) && c.Name == "op_Implicit"
                || c.DeclaringType == typeof(Tensor) && c.Name == "op_Implicit" && c.GetParameters()[0].ParameterType.IsPrimitive))
            .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}").Distinct().Order().ToList();
        Assert.True(implicitConversions.Count == 0, "hold the Scalar or number tensor (a Scalars field or a using variable) in:\n" + string.Join("\n", implicitConversions));
    }

    [Fact]
    public void The_check_sees_a_bare_add()
    {
        var method = typeof(ScalarTests).GetMethod(nameof(BareAdd), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Contains(IlReader.Operands(method).OfType<MethodInfo>(), ImplicitAlpha);
    }

    static Tensor BareAdd(Tensor a, Tensor b) => a + b;

    [Fact]
    public void Plus_adds_as_the_operator_does()
    {
        using var a = tensor(new float[] { 1, 2 });
        using var b = tensor(new float[] { 3, 4 });
        using var sum = LlmNotebooks.Model.Scalars.Plus(a, b);
        Assert.Equal([4f, 6f], sum.data<float>().ToArray());
        LlmNotebooks.Model.Scalars.PlusInPlace(a, b);
        Assert.Equal([4f, 6f], a.data<float>().ToArray());
    }
}
