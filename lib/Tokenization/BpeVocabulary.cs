using System.Text;
using System.Text.Json;

namespace LlmNotebooks.Tokenization;

/// <summary>
/// A byte-level BPE vocabulary: the bytes of every token by id and the merges (of tokens Left and Right) that build
/// the longer ones, in order. Ours has ids 0–255 for the single bytes and merge k creating token 256 + k; GPT-2's
/// orders its tokens by rank instead (<see cref="FromRanks"/>). Stored in GPT-2's format, <c>vocab.json</c>
/// (printable token string → id, special tokens after the ordinary ones) and <c>merges.txt</c> (one "left right"
/// pair per line, in merge order).
/// </summary>
public sealed class BpeVocabulary
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";

    public BpeVocabulary(IReadOnlyList<(int Left, int Right)> merges) : this(Built(merges), merges) { }

    BpeVocabulary(IReadOnlyList<byte[]> tokens, IReadOnlyList<(int Left, int Right)> merges)
    {
        Tokens = tokens;
        Merges = merges;
    }

    static List<byte[]> Built(IReadOnlyList<(int Left, int Right)> merges)
    {
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        foreach (var (left, right) in merges) tokens.Add([.. tokens[left], .. tokens[right]]);
        return tokens;
    }

    /// <summary>
    /// The merges of a vocabulary stored as ranks only (tiktoken's format: token bytes in merge order, id = rank).
    /// Each multi-byte token is the one merge that BPE, using only the tokens ranked before it, makes last on its bytes.
    /// </summary>
    public static BpeVocabulary FromRanks(IReadOnlyList<byte[]> tokens)
    {
        var rank = new Dictionary<string, int>(tokens.Count);
        for (int id = 0; id < tokens.Count; id++) rank[Key(tokens[id])] = id;
        var merges = new List<(int, int)>();
        for (int id = 0; id < tokens.Count; id++)
        {
            if (tokens[id].Length < 2) continue;
            var parts = tokens[id].Select(b => Key([b])).ToList();
            while (parts.Count > 2)
            {
                int best = -1, bestRank = id;
                for (int i = 0; i + 1 < parts.Count; i++)
                    if (rank.TryGetValue(parts[i] + parts[i + 1], out int r) && r < bestRank) (best, bestRank) = (i, r);
                if (best < 0) break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            if (parts.Count != 2 || !rank.TryGetValue(parts[0], out int left) || !rank.TryGetValue(parts[1], out int right))
                throw new InvalidDataException($"token {id} ({ByteLevel.ToPrintable(tokens[id])}) is not one merge of two earlier tokens: not a BPE vocabulary in rank order");
            merges.Add((left, right));
        }
        return new BpeVocabulary(tokens, merges);

        static string Key(byte[] bytes) => System.Text.Encoding.Latin1.GetString(bytes);
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
