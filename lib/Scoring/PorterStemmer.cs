namespace LlmNotebooks.Scoring;

/// <summary>
/// The Porter stemmer (Porter, 1980) with NLTK's extensions, the variant rouge-score uses for ROUGE with stemming:
/// a table of irregular forms, words of one or two letters left alone, 'ies'/'ied' on four-letter words kept as
/// 'ie', y→i only after a consonant, 'bli'→'ble', 'alli' tried first, 'fulli'→'ful' and 'logi'→'log'. Written from
/// the algorithm's description; the steps are named as in the paper.
/// </summary>
public static class PorterStemmer
{
    static readonly Dictionary<string, string> Irregular = new()
    {
        ["sky"] = "sky", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie", ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning", ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning", ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    /// <summary>A rule: replace <c>Suffix</c> by <c>Replacement</c> when <c>Condition</c> holds for the stem left.</summary>
    readonly record struct Rule(string Suffix, string Replacement, Func<string, bool>? Condition = null);

    public static string Stem(string word)
    {
        var stem = word.ToLowerInvariant();
        if (Irregular.TryGetValue(word, out var irregular)) return irregular;
        if (word.Length <= 2) return stem;
        stem = Step1a(stem);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = Step3(stem);
        stem = Step4(stem);
        stem = Step5a(stem);
        return Step5b(stem);
    }

    static bool IsConsonant(string word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    /// <summary>m in [C](VC){m}[V]: the number of vowel-consonant transitions.</summary>
    static int Measure(string stem)
    {
        int m = 0;
        for (int i = 1; i < stem.Length; i++)
            if (!IsConsonant(stem, i - 1) && IsConsonant(stem, i)) m++;
        return m;
    }

    static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    static bool ContainsVowel(string stem) => Enumerable.Range(0, stem.Length).Any(i => !IsConsonant(stem, i));

    static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>*o: consonant-vowel-consonant, the last not w, x or y; or (NLTK) a two-letter vowel-consonant word.</summary>
    static bool EndsCvc(string word) =>
        word.Length >= 3 && IsConsonant(word, word.Length - 3) && !IsConsonant(word, word.Length - 2)
            && IsConsonant(word, word.Length - 1) && word[^1] is not ('w' or 'x' or 'y')
        || word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1);

    /// <summary>The first rule whose suffix matches decides: applied if its condition holds, otherwise nothing is.</summary>
    static string Apply(string word, params Rule[] rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Suffix == "*d")
            {
                if (!EndsDoubleConsonant(word)) continue;
                var shorter = word[..^2];
                return rule.Condition is null || rule.Condition(shorter) ? shorter + rule.Replacement : word;
            }
            if (!word.EndsWith(rule.Suffix, StringComparison.Ordinal)) continue;
            var stem = word[..^rule.Suffix.Length];
            return rule.Condition is null || rule.Condition(stem) ? stem + rule.Replacement : word;
        }
        return word;
    }

    static string Step1a(string word)
    {
        if (word.EndsWith("ies") && word.Length == 4) return word[..^3] + "ie";
        return Apply(word, new("sses", "ss"), new("ies", "i"), new("ss", "ss"), new("s", ""));
    }

    static string Step1b(string word)
    {
        if (word.EndsWith("ied")) return word[..^3] + (word.Length == 4 ? "ie" : "i");
        if (word.EndsWith("eed"))
        {
            var stem = word[..^3];
            return Measure(stem) > 0 ? stem + "ee" : word;
        }
        string? intermediate = null;
        foreach (var suffix in new[] { "ed", "ing" })
            if (word.EndsWith(suffix) && ContainsVowel(word[..^suffix.Length])) { intermediate = word[..^suffix.Length]; break; }
        if (intermediate is null) return word;
        char last = intermediate[^1];
        return Apply(intermediate,
            new("at", "ate"), new("bl", "ble"), new("iz", "ize"),
            new("*d", last.ToString(), _ => last is not ('l' or 's' or 'z')),
            new("", "e", stem => Measure(stem) == 1 && EndsCvc(stem)));
    }

    static string Step1c(string word) => Apply(word, new Rule("y", "i", stem => stem.Length > 1 && IsConsonant(stem, stem.Length - 1)));

    static string Step2(string word)
    {
        if (word.EndsWith("alli") && PositiveMeasure(word[..^4])) return Step2(word[..^4] + "al");
        return Apply(word,
            new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure), new("enci", "ence", PositiveMeasure),
            new("anci", "ance", PositiveMeasure), new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
            new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure), new("eli", "e", PositiveMeasure),
            new("ousli", "ous", PositiveMeasure), new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
            new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure), new("iveness", "ive", PositiveMeasure),
            new("fulness", "ful", PositiveMeasure), new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
            new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure), new("fulli", "ful", PositiveMeasure),
            // The 'l' of 'logi' counts with the stem, so short stems such as 'geo' and 'theo' qualify.
            new("logi", "log", _ => PositiveMeasure(word[..^3])));
    }

    static string Step3(string word) => Apply(word,
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure), new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure), new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure));

    static string Step4(string word)
    {
        static bool Long(string stem) => Measure(stem) > 1;
        return Apply(word,
            new("al", "", Long), new("ance", "", Long), new("ence", "", Long), new("er", "", Long), new("ic", "", Long),
            new("able", "", Long), new("ible", "", Long), new("ant", "", Long), new("ement", "", Long), new("ment", "", Long),
            new("ent", "", Long), new("ion", "", stem => Long(stem) && stem[^1] is 's' or 't'), new("ou", "", Long),
            new("ism", "", Long), new("ate", "", Long), new("iti", "", Long), new("ous", "", Long), new("ive", "", Long),
            new("ize", "", Long));
    }

    static string Step5a(string word)
    {
        if (!word.EndsWith('e')) return word;
        var stem = word[..^1];
        int m = Measure(stem);
        return m > 1 || m == 1 && !EndsCvc(stem) ? stem : word;
    }

    static string Step5b(string word) => Apply(word, new Rule("ll", "l", _ => Measure(word[..^1]) > 1));
}
