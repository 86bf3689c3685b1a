using System.Reflection;
using System.Runtime.InteropServices;

namespace LlmNotebooks.Platform;

/// <summary>
/// Finds the native libraries of the library's packages (SkiaSharp's, for PNG figures) in the build folder's
/// <c>runtimes/&lt;rid&gt;/native/</c>. A program finds them through its deps.json; a notebook kernel that loads
/// the library with <c>#r</c> never reads that file and probes only the build folder itself, so without this the
/// first PNG fails with DllNotFoundException.
/// </summary>
public static class NativeAssets
{
    /// <summary>The runtime identifier of this process's OS and architecture, as NuGet's runtimes/ folders name it.</summary>
    public static string RuntimeIdentifier =>
        $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";

    static string Folder => Path.Combine(Path.GetDirectoryName(typeof(NativeAssets).Assembly.Location)!, "runtimes", RuntimeIdentifier, "native");

    /// <summary>Lets <paramref name="assembly"/>'s DllImports find their libraries in runtimes/&lt;rid&gt;/native (once per assembly).</summary>
    public static void Resolve(Assembly assembly)
    {
        try
        {
            NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => Load(name));
        }
        catch (InvalidOperationException)
        {
            // A resolver is set already (by an earlier call): it does the same.
        }
    }

    static IntPtr Load(string name)
    {
        foreach (var file in new[] { name, $"lib{name}.so", $"{name}.so", $"lib{name}.dylib", $"{name}.dylib", $"{name}.dll" })
        {
            var path = Path.Combine(Folder, file);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
        }
        return IntPtr.Zero;   // the runtime's own search goes on
    }
}
