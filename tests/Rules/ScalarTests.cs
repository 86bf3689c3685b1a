using System.Reflection;
using LlmNotebooks.Tests.TestSupport;
using TorchSharp;
using Xunit;
using LlmNotebooks.Model;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Rules;

/// <summary>
/// A Scalar made implicitly for a libtorch call (from a number, or the alpha or value 1 that some TorchSharp methods
/// make when none is given) can be freed by the GC during the call: three long evaluations died of it (see
/// Model/Scalars.cs). The library holds every Scalar it passes (Scalars' fields, <c>using</c> variables), adds tensors
/// through <c>Plus</c>, and trains with its own AdamW. Which TorchSharp methods make a Scalar of their own is read from
/// TorchSharp's IL, not listed by hand, so the rule follows TorchSharp's versions; each check is shown firing on code
/// that breaks it.
/// </summary>
public class ScalarTests
{
    static readonly BindingFlags Own = BindingFlags.NonPublic | BindingFlags.Static;

    static bool IsImplicitScalar(MethodBase method) => method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit";

    /// <summary>
    /// TorchSharp's methods that convert a number to a Scalar themselves (<c>add(Tensor)</c> passes alpha 1,
    /// <c>addcdiv(a, b)</c> value 1), or call one that does: none of those Scalars is held by anyone.
    /// </summary>
    static readonly Lazy<HashSet<MethodBase>> MakesItsOwnScalar = new(() =>
    {
        var methods = IlReader.Methods(typeof(Tensor).Assembly).ToList();
        var calls = methods.ToDictionary(m => m, m => IlReader.Operands(m).OfType<MethodBase>().ToList());
        var found = methods.Where(m => calls[m].Any(IsImplicitScalar)).ToHashSet();
        for (bool grew = true; grew;)
        {
            var callers = methods.Where(m => !found.Contains(m) && calls[m].Any(found.Contains)).ToList();
            found.UnionWith(callers);
            grew = callers.Count > 0;
        }
        return found;
    });

    /// <summary>A call into TorchSharp that makes a Scalar nobody holds.</summary>
    static bool ImplicitAlpha(MethodBase method) => MakesItsOwnScalar.Value.Contains(method is MethodInfo { IsGenericMethod: true } g ? g.GetGenericMethodDefinition() : method);

    /// <summary>A number turned into a Scalar or a tensor on the fly by our own code, for the duration of one call.</summary>
    static bool ImplicitConversion(MethodBase method) =>
        IsImplicitScalar(method) || method.DeclaringType == typeof(Tensor) && method.Name == "op_Implicit" && method.GetParameters()[0].ParameterType.IsPrimitive;

    static List<string> Breaches(IEnumerable<MethodBase> methods, Func<MethodBase, bool> rule) =>
        methods.SelectMany(m => IlReader.Operands(m).OfType<MethodBase>().Where(rule).Select(called => $"{m.DeclaringType!.FullName}.{m.Name} calls {called.DeclaringType!.Name}.{called}"))
            .Distinct().Order().ToList();

    static IEnumerable<MethodBase> Library => IlReader.Methods(typeof(LlmNotebooks.Model.Scalars).Assembly);

    [Fact]
    public void No_method_of_the_library_calls_torchsharp_where_it_makes_a_scalar_of_its_own()
    {
        var bare = Breaches(Library, ImplicitAlpha);
        Assert.True(bare.Count == 0, "use Plus / PlusInPlace, or pass a held alpha or value, instead of:\n" + string.Join("\n", bare));
    }

    [Fact]
    public void No_method_of_the_library_converts_a_number_to_a_scalar_or_tensor_on_the_fly()
    {
        // Scalars' own fields and using variables convert explicitly (ToScalar) and keep the result alive.
        var conversions = Breaches(Library, ImplicitConversion);
        Assert.True(conversions.Count == 0, "hold the Scalar or number tensor (a Scalars field or a using variable) in:\n" + string.Join("\n", conversions));
    }

    static Tensor BareAdd(Tensor a, Tensor b) => a + b;
    static Tensor BareAddcdiv(Tensor a, Tensor b, Tensor c) => a.addcdiv_(b, c);
    static Tensor ScalarMinusTensor(Scalar s, Tensor a) => s - a;
    static Tensor OnTheFly(Tensor a) => a.mul(2.0);
    static Tensor TensorMinusTensor(Tensor a, Tensor b) => a - b;   // TorchSharp subtracts tensors natively, with no Scalar
    static Tensor Held(Tensor a, Tensor b, Tensor c)
    {
        using var two = 2.0.ToScalar();
        return a.addcmul_(b, c, two).mul(two).Plus(b);
    }

    [Theory]
    [InlineData(nameof(BareAdd), true, false)]
    [InlineData(nameof(BareAddcdiv), true, false)]
    [InlineData(nameof(ScalarMinusTensor), true, false)]
    [InlineData(nameof(OnTheFly), false, true)]
    [InlineData(nameof(TensorMinusTensor), false, false)]
    [InlineData(nameof(Held), false, false)]
    public void Each_check_fires_on_code_that_breaks_it_and_only_then(string name, bool alpha, bool conversion)
    {
        var method = typeof(ScalarTests).GetMethod(name, Own)!;
        Assert.Equal((alpha, conversion), (Breaches([method], ImplicitAlpha).Count > 0, Breaches([method], ImplicitConversion).Count > 0));
    }

    /// <summary>Why training has its own AdamW: TorchSharp's step makes its Scalars from doubles, where no rule of ours can hold them.</summary>
    [Fact]
    public void TorchSharps_adamw_step_makes_scalars_of_its_own()
    {
        var step = typeof(TorchSharp.Modules.AdamW).GetMethod(nameof(TorchSharp.Modules.AdamW.step))!;
        var lambdas = typeof(TorchSharp.Modules.AdamW).GetNestedTypes(BindingFlags.NonPublic).SelectMany(t => t.GetMethods(IlReader.Declared));
        Assert.True(ImplicitAlpha(step) || lambdas.Any(m => MakesItsOwnScalar.Value.Contains(m)));
    }

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
