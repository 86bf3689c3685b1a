using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace LlmNotebooks.Platform;

/// <summary>
/// libtorch's bundled Intel MKL asks <c>mkl_serv_intel_cpu_true()</c> whether it runs on an Intel CPU and, when the
/// answer is no, takes generic code paths: on this machine's AMD Zen CPU a 1024² fp32 matmul ran at 150 GFLOP/s
/// instead of 340. We load, before libtorch, a tiny shared library of our own that defines that one function to
/// return 1; loaded into the global symbol scope, it takes precedence over MKL's own definition. The library is
/// written here byte by byte (an ELF file of one 6-byte function), so no compiler is needed. Applied on Linux x64
/// with a non-Intel CPU only, and switched off with <c>LLMNB_MKL_AMD_FIX=0</c>.
/// </summary>
public static class MklAmdFix
{
    public const string Symbol = "mkl_serv_intel_cpu_true";
    public const string SwitchVariable = "LLMNB_MKL_AMD_FIX";
    const string FileName = "libllmnb-mkl-intel-cpu-true.so";

    public static bool Applies(CpuInfo cpu) =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && !cpu.IsIntel
        && Environment.GetEnvironmentVariable(SwitchVariable) != "0";

    /// <summary>Writes (once) and loads the library into the global scope; returns its path, or null when not loaded.</summary>
    public static string? Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        var bytes = SharedObject();
        if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            AtomicFile.Write(path, stream => stream.Write(bytes));
        const int RTLD_NOW = 2, RTLD_GLOBAL = 0x100;
        return dlopen(path, RTLD_NOW | RTLD_GLOBAL) != IntPtr.Zero ? path : null;
    }

    /// <summary>Whether the function the process resolves for <see cref="Symbol"/> is ours (returns 1).</summary>
    public static bool Active()
    {
        const IntPtr RTLD_DEFAULT = 0;
        var address = dlsym(RTLD_DEFAULT, Symbol);
        if (address == IntPtr.Zero) return false;
        // Ours is "mov eax, 1; ret".
        return Marshal.ReadByte(address) == 0xB8 && Marshal.ReadInt32(address + 1) == 1 && Marshal.ReadByte(address + 5) == 0xC3;
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    static extern IntPtr dlopen(string path, int flags);

    [DllImport("libc", EntryPoint = "dlsym")]
    static extern IntPtr dlsym(IntPtr handle, string symbol);

    /// <summary>
    /// A minimal x86-64 ELF shared object exporting one function. Two loadable segments (code and symbols read-only
    /// and executable; the dynamic section writable, because the loader adjusts it in place) and a dynamic section
    /// with a SysV hash table, the symbol table and the string table: all the loader needs for dlopen and dlsym.
    /// </summary>
    public static byte[] SharedObject()
    {
        const int Code = 0x100, Hash = 0x110, Symbols = 0x128, Strings = 0x158, Dynamic = 0x1000;
        var strings = Encoding.ASCII.GetBytes($"\0{Symbol}\0{FileName}\0");
        const int SymbolName = 1;
        int soname = 1 + Symbol.Length + 1;
        var dynamic = new (long Tag, long Value)[]
        {
            (4, Hash), (5, Strings), (6, Symbols), (10, strings.Length), (11, 24), (14, soname), (0, 0),
        };
        var file = new byte[Dynamic + dynamic.Length * 16];
        var s = file.AsSpan();

        // ELF header
        "\x7f"u8.CopyTo(s); "ELF"u8.CopyTo(s[1..]);
        s[4] = 2; s[5] = 1; s[6] = 1;                       // 64-bit, little-endian, version 1
        U16(s, 16, 3);                                     // ET_DYN
        U16(s, 18, 62);                                    // EM_X86_64
        U32(s, 20, 1);
        U64(s, 32, 64);                                    // program headers right after the header
        U16(s, 52, 64); U16(s, 54, 56); U16(s, 56, 3);     // header size, program header size and count

        // Program headers: code + symbols (R X), dynamic section (R W), and PT_DYNAMIC.
        Segment(s, 64, type: 1, flags: 5, offset: 0, size: Strings + strings.Length, align: 0x1000);
        Segment(s, 64 + 56, type: 1, flags: 6, offset: Dynamic, size: dynamic.Length * 16, align: 0x1000);
        Segment(s, 64 + 112, type: 2, flags: 6, offset: Dynamic, size: dynamic.Length * 16, align: 8);

        new byte[] { 0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3 }.CopyTo(s[Code..]);   // mov eax, 1; ret

        // SysV hash: one bucket pointing at symbol 1, whose chain ends.
        U32(s, Hash, 1); U32(s, Hash + 4, 2); U32(s, Hash + 8, 1); U32(s, Hash + 12, 0); U32(s, Hash + 16, 0);

        // Symbol 0 is the null symbol; symbol 1 a global function at Code, in "section" 1 (any defined index).
        int symbol = Symbols + 24;
        U32(s, symbol, SymbolName);
        s[symbol + 4] = 0x12;                              // STB_GLOBAL, STT_FUNC
        U16(s, symbol + 6, 1);
        U64(s, symbol + 8, Code);
        U64(s, symbol + 16, 6);

        strings.CopyTo(s[Strings..]);
        for (int i = 0; i < dynamic.Length; i++)
        {
            U64(s, Dynamic + 16 * i, (ulong)dynamic[i].Tag);
            U64(s, Dynamic + 16 * i + 8, (ulong)dynamic[i].Value);
        }
        return file;
    }

    static void Segment(Span<byte> s, int at, uint type, uint flags, long offset, long size, long align)
    {
        U32(s, at, type); U32(s, at + 4, flags);
        U64(s, at + 8, (ulong)offset); U64(s, at + 16, (ulong)offset); U64(s, at + 24, (ulong)offset);   // offset, vaddr, paddr
        U64(s, at + 32, (ulong)size); U64(s, at + 40, (ulong)size); U64(s, at + 48, (ulong)align);
    }

    static void U16(Span<byte> s, int at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(s[at..], v);
    static void U32(Span<byte> s, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(s[at..], v);
    static void U64(Span<byte> s, int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(s[at..], v);
}
