using LlmNotebooks.Data;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using Microsoft.ML.Tokenizers;
using Xunit;

namespace LlmNotebooks.Tests.Tokenization;

public class TokenizerTests
{
    static readonly TextTokenizer Gpt2 = TextTokenizer.Gpt2();

    [Fact]
    public void Gpt2_encodes_as_published()
    {
        Assert.Equal([15496, 11, 314, 1101, 257, 3303, 2746, 11], Gpt2.Encode("Hello, I'm a language model,"));
        Assert.Equal(50256, Gpt2.EndOfText);
        Assert.Equal(50260, Gpt2.VocabSize);
        Assert.Equal([50256, 50257, 50258, 50259], SpecialTokens.All.Select(Gpt2.Special));
    }

    [SkippableFact]
    public void Gpt2_matches_the_library_tokenizer_on_real_text()
    {
        var reference = TiktokenTokenizer.CreateForModel("gpt2");
        var docs = PretrainingText.Read(TestEnvironment.RequireData("openwebtext/openwebtext-first1000.jsonl"), new DataIssues()).Take(200);
        foreach (var doc in docs)
            Assert.Equal(reference.EncodeToIds(doc.Text), Gpt2.Encode(doc.Text));
    }

    [Fact]
    public void Special_token_strings_in_text_stay_ordinary_text()
    {
        var ids = Gpt2.Encode("a<|endoftext|>b<|response|>");
        Assert.DoesNotContain(ids, Gpt2.IsSpecial);
        Assert.Equal("a<|endoftext|>b<|response|>", Gpt2.Decode(ids));
        Assert.Equal("question<|response|>answer<|endoftext|>",
            Gpt2.Decode([.. Gpt2.Encode("question"), Gpt2.Special(SpecialTokens.Response), .. Gpt2.Encode("answer"), Gpt2.EndOfText]));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_an_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Decode([50300]));
    }

    [Fact]
    public void The_trainer_merges_the_most_frequent_pair_first_and_stops_below_the_minimum()
    {
        // "abababab" is one chunk: (a,b) occurs 4 times, (b,a) 3 -> merge "ab"; then (ab,ab) 3 times -> "abab";
        // then (abab,abab) occurs once, below the minimum frequency of 2.
        var vocabulary = BpeTrainer.Train(["abababab"], vocabSize: 300);
        Assert.Equal([('a', 'b'), (256, 256)], vocabulary.Merges);
        Assert.Equal("abab"u8.ToArray(), vocabulary.Tokens[257]);
    }

    [Fact]
    public void Pair_counts_weigh_chunks_by_frequency_and_respect_chunk_boundaries()
    {
        // Chunks: "low" x3, " low" x2, " lower" x1. "lo" wins (6), then "low" (6); " l" never merges across chunks.
        var vocabulary = BpeTrainer.Train(["low low low", " lower low"], vocabSize: 258);
        Assert.Equal([('l', 'o'), (256, 'w')], vocabulary.Merges);
    }

    [Fact]
    public void Training_is_deterministic_and_saved_vocabularies_load_back()
    {
        var texts = Enumerable.Range(0, 50).Select(i => $"The {i}th sentence of a small corpus, repeated so pairs recur.").ToList();
        var first = BpeTrainer.Train(texts, 400);
        var second = BpeTrainer.Train(texts, 400);
        Assert.Equal(first.Merges, second.Merges);

        var folder = TestEnvironment.TempFolder().FullName;
        first.Save(folder);
        Assert.Equal(first.Merges, BpeVocabulary.Load(folder).Merges);
        var tokenizer = TextTokenizer.FromFolder(folder);
        Assert.Equal(first.Count, tokenizer.OrdinaryTokens);
        Assert.Equal(first.Count + SpecialTokens.All.Count, tokenizer.VocabSize);
        Assert.Equal(first.Count, tokenizer.EndOfText);
    }

    [SkippableFact]
    public void The_library_encodes_our_vocabulary_exactly_as_our_merges_say()
    {
        var docs = PretrainingText.Read(TestEnvironment.RequireData("openwebtext/openwebtext-first1000.jsonl"), new DataIssues())
            .Select(d => d.Text).ToList();
        var vocabulary = BpeTrainer.Train(docs.Take(300), 2000);
        var folder = TestEnvironment.TempFolder().FullName;
        vocabulary.Save(folder);
        var tokenizer = TextTokenizer.FromFolder(folder);
        var ranks = vocabulary.Merges.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i);

        foreach (var text in docs.Skip(300).Take(100))
            Assert.Equal(ReferenceEncode(text, ranks), tokenizer.Encode(text));
    }

    /// <summary>BPE by the book: per chunk, keep merging the adjacent pair learned earliest.</summary>
    static int[] ReferenceEncode(string text, Dictionary<(int, int), int> ranks)
    {
        var ids = new List<int>();
        foreach (var match in ByteLevel.Chunks().EnumerateMatches(text))
        {
            var word = System.Text.Encoding.UTF8.GetBytes(text.Substring(match.Index, match.Length)).Select(b => (int)b).ToArray();
            while (true)
            {
                var best = Enumerable.Range(0, word.Length - 1).Select(i => (Pair: (word[i], word[i + 1]), Rank: ranks.GetValueOrDefault((word[i], word[i + 1]), int.MaxValue)))
                    .DefaultIfEmpty((Pair: (0, 0), Rank: int.MaxValue)).MinBy(p => p.Rank);
                if (best.Rank == int.MaxValue) break;
                word = BpeTrainer.Apply(word, best.Pair.Item1, best.Pair.Item2, 256 + best.Rank);
            }
            ids.AddRange(word);
        }
        return [.. ids];
    }
}
