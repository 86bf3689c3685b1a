using System.Text.Json;
using System.Text.Json.Nodes;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.HuggingFace;

/// <summary>
/// A tokenizer as Hugging Face folders hold it: <c>vocab.json</c> + <c>merges.txt</c> (byte-level BPE, what
/// GPT2Tokenizer reads), <c>tokenizer.json</c> (the same for the fast tokenizer, with GPT-2's pre-tokenizer and
/// decoder), <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> (end of text and our finetuning
/// markers as special tokens). Both our BPE and GPT-2's are written this way; GPT-2's merges are recovered from
/// its ranks. One difference stays: transformers turns the text "&lt;|endoftext|&gt;" into the special token, ours never does.
/// </summary>
public static class HfTokenizerFiles
{
    public const string FastFile = "tokenizer.json", ConfigFile = "tokenizer_config.json", SpecialsFile = "special_tokens_map.json";

    public static void Write(TextTokenizer tokenizer, string folder, int contextLength)
    {
        var vocabulary = tokenizer.OrdinaryVocabulary();
        vocabulary.Save(folder);
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, BpeVocabulary.VocabFile)))!;
        var merges = new JsonArray([.. vocabulary.Merges.Select(m => (JsonNode)$"{vocabulary.Printable(m.Left)} {vocabulary.Printable(m.Right)}")]);
        var specials = tokenizer.Specials.OrderBy(s => s.Value).ToList();
        JsonObject ByteLevel(bool addPrefixSpace, bool trimOffsets) => new()
        {
            ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = trimOffsets, ["use_regex"] = true,
        };
        JsonObject Special(string content, int? id = null)
        {
            var token = new JsonObject { ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
            if (id is { } value) token.Insert(0, "id", value);
            return token;
        }
        var fast = new JsonObject
        {
            ["version"] = "1.0", ["truncation"] = null, ["padding"] = null,
            ["added_tokens"] = new JsonArray([.. specials.Select(s => (JsonNode)Special(s.Key, s.Value))]),
            ["normalizer"] = null,
            // GPT-2's pattern splits words, numbers and punctuation before the merges (ByteLevel.Pattern here).
            ["pre_tokenizer"] = ByteLevel(addPrefixSpace: false, trimOffsets: true),
            ["post_processor"] = ByteLevel(addPrefixSpace: true, trimOffsets: false),
            ["decoder"] = ByteLevel(addPrefixSpace: true, trimOffsets: true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        File.WriteAllText(Path.Combine(folder, FastFile), fast.ToJsonString(new JsonSerializerOptions { Encoder = JsonFile.Readable.Encoder }));
        var markers = specials.Where(s => s.Key != SpecialTokens.EndOfText).Select(s => (JsonNode)s.Key).ToArray();
        JsonFile.Write(Path.Combine(folder, ConfigFile), new JsonObject
        {
            ["tokenizer_class"] = "GPT2Tokenizer", ["model_max_length"] = contextLength, ["add_prefix_space"] = false, ["add_bos_token"] = false,
            ["clean_up_tokenization_spaces"] = false, ["errors"] = "replace",
            ["bos_token"] = SpecialTokens.EndOfText, ["eos_token"] = SpecialTokens.EndOfText, ["unk_token"] = SpecialTokens.EndOfText,
            ["additional_special_tokens"] = new JsonArray(markers.Select(m => m!.DeepClone()).ToArray()),
            ["added_tokens_decoder"] = new JsonObject(specials.Select(s => KeyValuePair.Create(s.Value.ToString(), (JsonNode?)Special(s.Key)))),
        }, JsonFile.Readable);
        JsonFile.Write(Path.Combine(folder, SpecialsFile), new JsonObject
        {
            ["bos_token"] = SpecialTokens.EndOfText, ["eos_token"] = SpecialTokens.EndOfText, ["unk_token"] = SpecialTokens.EndOfText,
            ["additional_special_tokens"] = new JsonArray(markers),
        }, JsonFile.Readable);
    }

    /// <summary>
    /// The tokenizer of a Hugging Face folder: GPT-2's own vocabulary is our GPT-2 tokenizer (its markers after
    /// end of text), a vocabulary exported from here is that BPE, read from the folder; any other is an error saying so.
    /// </summary>
    public static TextTokenizer Read(string folder)
    {
        var vocabPath = Path.Combine(folder, BpeVocabulary.VocabFile);
        var mergesPath = Path.Combine(folder, BpeVocabulary.MergesFile);
        foreach (var path in new[] { vocabPath, mergesPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"{folder} has no {Path.GetFileName(path)}: only byte-level BPE tokenizers (GPT-2's files vocab.json and merges.txt) can be imported", path);
        var vocab = JsonFile.Read<Dictionary<string, int>>(vocabPath, "a BPE vocabulary (token → id)");
        var gpt2 = TextTokenizer.Gpt2();
        var gpt2Vocabulary = gpt2.OrdinaryVocabulary();
        if (Enumerable.Range(0, gpt2Vocabulary.Count).All(id => vocab.TryGetValue(gpt2Vocabulary.Printable(id), out int found) && found == id)
            && vocab.GetValueOrDefault(SpecialTokens.EndOfText, -1) == gpt2.EndOfText)
            return gpt2;
        var missing = SpecialTokens.All.Where(s => !vocab.ContainsKey(s)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{vocabPath} is neither GPT-2's vocabulary nor one exported here (it lacks {string.Join(", ", missing)}); only those two can be imported");
        return TextTokenizer.FromFolder(folder);
    }
}
