using System.Text.Json;

namespace LlmNotebooks.Scoring;

/// <summary>
/// The <c>score</c> command's inputs: predictions (<c>{"id","prediction"}</c> per line) and references
/// (<c>{"id","references":[…]}</c> per line), matched by id. A malformed line, a duplicate id, or an id present in
/// only one file is an error naming the file and line.
/// </summary>
public static class ScoringFiles
{
    public sealed record Pair(string Id, string Prediction, IReadOnlyList<string> References);

    public static IReadOnlyList<Pair> Read(string predictionsPath, string referencesPath)
    {
        var predictions = ReadById(predictionsPath, e => e.TryGetProperty("prediction", out var p) && p.ValueKind == JsonValueKind.String
            ? p.GetString()! : throw new InvalidDataException("needs a string \"prediction\""));
        var references = ReadById(referencesPath, e => e.TryGetProperty("references", out var r) && r.ValueKind == JsonValueKind.Array
                && r.GetArrayLength() > 0 && r.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
            ? r.EnumerateArray().Select(x => x.GetString()!).ToList() : throw new InvalidDataException("needs a non-empty array of strings \"references\""));
        var missing = references.Where(r => !predictions.ContainsKey(r.Key)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{predictionsPath}: no prediction for id {missing[0].Key} ({referencesPath}:{missing[0].Value.Line}){(missing.Count > 1 ? $" and {missing.Count - 1} more" : "")}");
        var extra = predictions.Where(p => !references.ContainsKey(p.Key)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{predictionsPath}:{extra[0].Value.Line}: id {extra[0].Key} has no references in {referencesPath}{(extra.Count > 1 ? $" (and {extra.Count - 1} more)" : "")}");
        if (references.Count == 0) throw new InvalidDataException($"no examples to score: {referencesPath} and {predictionsPath} hold no records");
        return references.OrderBy(r => r.Value.Line).Select(r => new Pair(r.Key, predictions[r.Key].Value, r.Value.Value)).ToList();
    }

    static Dictionary<string, (T Value, int Line)> ReadById<T>(string path, Func<JsonElement, T> read)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file not found: {path}", path);
        var result = new Dictionary<string, (T, int)>();
        foreach (var raw in Data.DataFile.Lines(path))
        {
            int number = (int)raw.Number;
            if (raw.IsBlank) continue;
            if (!raw.IsValidUtf8) throw new InvalidDataException($"{path}:{number}: not UTF-8; save the file as UTF-8");
            try
            {
                using var json = JsonDocument.Parse(raw.Bytes);
                var root = json.RootElement;
                if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                    throw new InvalidDataException("needs an \"id\"");
                var id = idElement.ToString();
                if (result.TryGetValue(id, out var earlier)) throw new InvalidDataException($"duplicate id {id} (first on line {earlier.Item2})");
                result[id] = (read(root), number);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{number}: {e.Message.Split(". Path")[0]}", e);
            }
        }
        return result;
    }
}
