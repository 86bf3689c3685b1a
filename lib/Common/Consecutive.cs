namespace LlmNotebooks;

/// <summary>Streaming groups of neighbours: the runs of consecutive items that share a key (a SQuAD article's paragraphs, a passage's questions).</summary>
public static class Consecutive
{
    public static IEnumerable<List<T>> Runs<T, TKey>(this IEnumerable<T> items, Func<T, TKey> key)
    {
        var run = new List<T>();
        TKey? current = default;
        foreach (var item in items)
        {
            var k = key(item);
            if (run.Count > 0 && !EqualityComparer<TKey>.Default.Equals(k, current)) { yield return run; run = []; }
            run.Add(item);
            current = k;
        }
        if (run.Count > 0) yield return run;
    }
}
