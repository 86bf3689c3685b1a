using System.Text.RegularExpressions;

namespace LlmNotebooks.Tokenization;

/// <summary>
/// The two conventions of GPT-2's byte-level BPE that our tokenizer shares with it: text is first split into
/// chunks by a regular expression (words with their leading space, numbers, punctuation runs, whitespace), and each
/// byte is written as a printable character so a vocabulary of byte sequences can be stored as JSON strings.
/// </summary>
public static partial class ByteLevel
{
    /// <summary>GPT-2's pre-tokenization pattern (from its encoder.py).</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern)]
    public static partial Regex Chunks();

    /// <summary>
    /// A Regex of its own for one tokenizer: a Regex instance keeps one cached matcher, and threads sharing an
    /// instance keep building new ones, which made two encoding threads slower than one.
    /// </summary>
    public static Regex NewChunkRegex() => new(Pattern, RegexOptions.Compiled);

    /// <summary>The printable character standing for each byte (GPT-2's bytes_to_unicode).</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    public static readonly IReadOnlyDictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    public static string ToPrintable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    public static byte[] FromPrintable(string text) => text.Select(c => CharToByte[c]).ToArray();

    /// <summary>Printable bytes keep their own character; the rest (controls, space, …) move to 256 and up.</summary>
    static char[] BuildByteToChar()
    {
        var map = new char[256];
        bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        int next = 256;
        for (int b = 0; b < 256; b++) map[b] = Printable(b) ? (char)b : (char)next++;
        return map;
    }
}
