using System.Buffers.Binary;
using System.Text;

namespace LlmNotebooks.Platform;

/// <summary>
/// The parts of a 64-bit little-endian ELF shared object that symbol versioning uses: the version needs
/// (<c>.gnu.version_r</c>), the dynamic symbols and the version index of each. Enough to see which library
/// versions a <c>.so</c> asks the dynamic loader for, which symbols ask for them, and to point one requirement
/// at another version. Layouts follow the System V gABI and the LSB's symbol-versioning chapter.
/// </summary>
public sealed class ElfFile
{
    const uint SectionDynamicSymbols = 11;          // SHT_DYNSYM
    const uint SectionVersionNeeds = 0x6ffffffe;    // SHT_GNU_verneed
    const uint SectionVersionIndices = 0x6fffffff;  // SHT_GNU_versym

    /// <summary>One version a needed library must define, e.g. <c>libstdc++.so.6</c> / <c>GLIBCXX_3.4.32</c>.</summary>
    /// <param name="Index">The version index symbols use to refer to it (<c>vna_other</c>).</param>
    /// <param name="AuxOffset">File offset of its <c>Vernaux</c> record.</param>
    public sealed record VersionNeed(string Library, string Version, int Index, long AuxOffset);

    readonly byte[] _bytes;
    readonly Section? _strings;  // the string table the version needs point into (.dynstr)

    ElfFile(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        Sections = ReadSections();
        var needs = Sections.FirstOrDefault(s => s.Type == SectionVersionNeeds);
        _strings = needs is null ? null : Sections[(int)needs.Link];
        VersionNeeds = needs is null ? [] : ReadVersionNeeds(needs);
    }

    public static ElfFile Parse(byte[] bytes) => new(bytes);

    /// <summary>The file's bytes; <see cref="Redirect"/> edits them in place.</summary>
    public byte[] Bytes => _bytes;

    public IReadOnlyList<VersionNeed> VersionNeeds { get; private set; }

    IReadOnlyList<Section> Sections { get; }

    sealed record Section(uint Type, long Offset, long Size, uint Link, uint Info, long EntrySize);

    /// <summary>Names of the undefined dynamic symbols bound to a version index (what the loader looks up).</summary>
    public IReadOnlyList<string> UndefinedSymbolsOf(int versionIndex)
    {
        var symbols = Sections.FirstOrDefault(s => s.Type == SectionDynamicSymbols);
        var indices = Sections.FirstOrDefault(s => s.Type == SectionVersionIndices);
        if (symbols is null || indices is null) return [];
        var names = Sections[(int)symbols.Link];
        var result = new List<string>();
        long count = symbols.Size / symbols.EntrySize;
        for (long i = 0; i < count; i++)
        {
            long entry = symbols.Offset + i * symbols.EntrySize;
            ushort sectionIndex = U16(entry + 6);
            int version = U16(indices.Offset + 2 * i) & 0x7fff;   // bit 15 marks a hidden version
            if (sectionIndex == 0 && version == versionIndex)
                result.Add(String(names, U32(entry)));
        }
        return result;
    }

    /// <summary>
    /// Makes the requirement <paramref name="fromVersion"/> of <paramref name="library"/> ask for
    /// <paramref name="toVersion"/> instead, reusing the string of another requirement that already names it.
    /// Returns false when there is nothing to change (already redirected, or never required).
    /// </summary>
    public bool Redirect(string library, string fromVersion, string toVersion)
    {
        var from = VersionNeeds.FirstOrDefault(n => n.Library == library && n.Version == fromVersion);
        if (from is null) return false;
        var to = VersionNeeds.FirstOrDefault(n => n.Library == library && n.Version == toVersion)
            ?? throw new InvalidDataException($"{library} {toVersion} is not among the file's version needs, so its name cannot be reused");
        uint toName = U32(to.AuxOffset + 8);
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan((int)from.AuxOffset), Hash(toVersion));
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan((int)from.AuxOffset + 8), toName);
        VersionNeeds = ReadVersionNeeds(Sections.First(s => s.Type == SectionVersionNeeds));
        return true;
    }

    /// <summary>The System V ELF hash, which <c>vna_hash</c> holds for its version name.</summary>
    public static uint Hash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    List<Section> ReadSections()
    {
        long offset = (long)U64(40);
        int entrySize = U16(58), count = U16(60);
        if (offset <= 0 || offset + (long)entrySize * count > _bytes.Length)
            throw new InvalidDataException("section header table lies outside the file");
        var sections = new List<Section>(count);
        for (int i = 0; i < count; i++)
        {
            long h = offset + (long)i * entrySize;
            sections.Add(new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), U32(h + 44), (long)U64(h + 56)));
        }
        return sections;
    }

    List<VersionNeed> ReadVersionNeeds(Section section)
    {
        var needs = new List<VersionNeed>();
        long need = section.Offset;
        for (uint n = 0; n < section.Info; n++)
        {
            string library = String(_strings!, U32(need + 4));
            long aux = need + U32(need + 8);
            for (int a = 0, count = U16(need + 2); a < count; a++)
            {
                needs.Add(new VersionNeed(library, String(_strings!, U32(aux + 8)), U16(aux + 6), aux));
                aux += U32(aux + 12);
            }
            uint next = U32(need + 12);
            if (next == 0) break;
            need += next;
        }
        return needs;
    }

    string String(Section table, uint offset)
    {
        int start = checked((int)(table.Offset + offset));
        int end = Array.IndexOf(_bytes, (byte)0, start);
        return Encoding.ASCII.GetString(_bytes, start, end - start);
    }

    ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(checked((int)at)));
    uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(checked((int)at)));
    ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(_bytes.AsSpan(checked((int)at)));
}
