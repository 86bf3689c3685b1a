using System.Text;

namespace LlmNotebooks.Tokenization;

/// <summary>
/// Learns a byte-level BPE vocabulary from text, written from scratch. Text is split into chunks as GPT-2 does,
/// each distinct chunk becomes a sequence of byte tokens weighted by how often it occurs, and then, repeatedly, the
/// most frequent adjacent pair of tokens is merged into a new token. Pair counts are kept up to date incrementally,
/// touching only the chunks that contain the merged pair, so learning 16k merges from ~10 MB takes seconds, not hours.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Progress after each merge: merges done, merges wanted, the new token's bytes, its frequency.</summary>
    public delegate void MergeProgress(int done, int wanted, byte[] token, long frequency);

    /// <param name="vocabSize">Ordinary tokens wanted (256 bytes plus merges); special tokens come on top.</param>
    /// <param name="minFrequency">Stop early when the best pair occurs less often than this.</param>
    public static BpeVocabulary Train(IEnumerable<string> texts, int vocabSize, int minFrequency = 2, MergeProgress? progress = null)
    {
        if (vocabSize < 256) throw new ArgumentOutOfRangeException(nameof(vocabSize), "a byte-level vocabulary has at least 256 tokens");
        var (words, frequencies) = CountChunks(texts);
        return Merge(words, frequencies, vocabSize - 256, minFrequency, progress);
    }

    /// <summary>Distinct chunks as byte-token sequences, and how often each occurs.</summary>
    static (List<int[]> Words, List<long> Frequencies) CountChunks(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, long>();
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var text in texts)
            foreach (var match in ByteLevel.Chunks().EnumerateMatches(text))
            {
                var chunk = text.AsSpan(match.Index, match.Length);
                lookup[chunk] = lookup.TryGetValue(chunk, out long n) ? n + 1 : 1;
            }
        var words = new List<int[]>(counts.Count);
        var frequencies = new List<long>(counts.Count);
        foreach (var (chunk, count) in counts)
        {
            words.Add(Encoding.UTF8.GetBytes(chunk).Select(b => (int)b).ToArray());
            frequencies.Add(count);
        }
        return (words, frequencies);
    }

    static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    static BpeVocabulary Merge(List<int[]> words, List<long> frequencies, int mergesWanted, int minFrequency, MergeProgress? progress)
    {
        var pairCounts = new Dictionary<long, long>();
        var wordsWithPair = new Dictionary<long, List<int>>();   // may hold stale or repeated entries; checked on use
        for (int w = 0; w < words.Count; w++)
        {
            var word = words[w];
            for (int i = 0; i + 1 < word.Length; i++)
            {
                long key = Key(word[i], word[i + 1]);
                pairCounts[key] = pairCounts.GetValueOrDefault(key) + frequencies[w];
                if (!wordsWithPair.TryGetValue(key, out var list)) wordsWithPair[key] = list = [];
                if (list.Count == 0 || list[^1] != w) list.Add(w);
            }
        }
        // Most frequent first; equal counts in pair order, so training is deterministic.
        var queue = new PriorityQueue<long, (long NegativeCount, long Key)>();
        foreach (var (key, count) in pairCounts) queue.Enqueue(key, (-count, key));

        var merges = new List<(int, int)>(mergesWanted);
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        var lastVisit = new int[words.Count];
        var changed = new Dictionary<long, long>();
        while (merges.Count < mergesWanted && queue.TryDequeue(out long best, out var priority))
        {
            long count = pairCounts.GetValueOrDefault(best);
            if (-priority.NegativeCount != count) continue;   // stale entry: the pair's count changed since it was queued
            if (count < minFrequency) break;
            int left = (int)(best >> 32), right = (int)(uint)best, merged = 256 + merges.Count;
            merges.Add((left, right));
            tokens.Add([.. tokens[left], .. tokens[right]]);

            changed.Clear();
            foreach (int w in wordsWithPair[best])
            {
                if (lastVisit[w] == merged) continue;
                lastVisit[w] = merged;
                var word = words[w];
                if (!Contains(word, left, right)) continue;
                long frequency = frequencies[w];
                Count(word, -frequency, pairCounts, changed);
                words[w] = word = Apply(word, left, right, merged);
                Count(word, frequency, pairCounts, changed);
                for (int i = 0; i + 1 < word.Length; i++)
                    if (word[i] == merged || word[i + 1] == merged)
                    {
                        long key = Key(word[i], word[i + 1]);
                        if (!wordsWithPair.TryGetValue(key, out var list)) wordsWithPair[key] = list = [];
                        if (list.Count == 0 || list[^1] != w) list.Add(w);
                    }
            }
            wordsWithPair.Remove(best);
            foreach (var key in changed.Keys)
                if (pairCounts.TryGetValue(key, out long c) && c > 0) queue.Enqueue(key, (-c, key));
                else pairCounts.Remove(key);
            progress?.Invoke(merges.Count, mergesWanted, tokens[merged], count);
        }
        return new BpeVocabulary(merges);
    }

    static bool Contains(int[] word, int left, int right)
    {
        for (int i = 0; i + 1 < word.Length; i++)
            if (word[i] == left && word[i + 1] == right) return true;
        return false;
    }

    /// <summary>Replaces every occurrence of (left, right), scanning left to right, with the merged token.</summary>
    public static int[] Apply(int[] word, int left, int right, int merged)
    {
        var result = new List<int>(word.Length);
        for (int i = 0; i < word.Length; i++)
        {
            if (i + 1 < word.Length && word[i] == left && word[i + 1] == right) { result.Add(merged); i++; }
            else result.Add(word[i]);
        }
        return result.ToArray();
    }

    static void Count(int[] word, long delta, Dictionary<long, long> pairCounts, Dictionary<long, long> changed)
    {
        for (int i = 0; i + 1 < word.Length; i++)
        {
            long key = Key(word[i], word[i + 1]);
            pairCounts[key] = pairCounts.GetValueOrDefault(key) + delta;
            changed[key] = 0;
        }
    }
}
