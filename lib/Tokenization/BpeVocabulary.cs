using System.Text;
using System.Text.Json;

namespace LlmNotebooks.Tokenization;

/// <summary>
/// A byte-level BPE vocabulary: token ids 0–255 are the single bytes, and merge k (of tokens Left and Right) creates
/// token 256 + k. Stored in GPT-2's format, <c>vocab.json</c> (printable token string → id, special tokens after the
/// ordinary ones) and <c>merges.txt</c> (one "left right" pair per line, in merge order).
/// </summary>
public sealed class BpeVocabulary
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";

    public BpeVocabulary(IReadOnlyList<(int Left, int Right)> merges)
    {
        Merges = merges;
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        foreach (var (left, right) in merges) tokens.Add([.. tokens[left], .. tokens[right]]);
        Tokens = tokens;
    }

    /// <summary>Bytes of every ordinary token, indexed by id.</summary>
    public IReadOnlyList<byte[]> Tokens { get; }

    public IReadOnlyList<(int Left, int Right)> Merges { get; }

    /// <summary>Ordinary tokens; special tokens take the ids from here on.</summary>
    public int Count => Tokens.Count;

    public string Printable(int id) => ByteLevel.ToPrintable(Tokens[id]);

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var vocab = new Dictionary<string, int>();
        for (int id = 0; id < Count; id++) vocab[Printable(id)] = id;
        for (int i = 0; i < SpecialTokens.All.Count; i++) vocab[SpecialTokens.All[i]] = Count + i;
        File.WriteAllText(Path.Combine(folder, VocabFile), JsonSerializer.Serialize(vocab));
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges) merges.Append(Printable(left)).Append(' ').Append(Printable(right)).Append('\n');
        File.WriteAllText(Path.Combine(folder, MergesFile), merges.ToString());
    }

    public static BpeVocabulary Load(string folder)
    {
        var mergesPath = Path.Combine(folder, MergesFile);
        if (!File.Exists(mergesPath)) throw new FileNotFoundException($"no {MergesFile} in {folder}", mergesPath);
        var ids = new Dictionary<string, int>();
        for (int b = 0; b < 256; b++) ids[ByteLevel.ToPrintable([(byte)b])] = b;
        var merges = new List<(int, int)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.StartsWith("#version") || line.Length == 0) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || !ids.TryGetValue(parts[0], out int left) || !ids.TryGetValue(parts[1], out int right))
                throw new InvalidDataException($"{mergesPath}:{lineNumber}: not a merge of two known tokens: \"{line}\"");
            merges.Add((left, right));
            ids[parts[0] + parts[1]] = 256 + merges.Count - 1;
        }
        return new BpeVocabulary(merges);
    }
}
