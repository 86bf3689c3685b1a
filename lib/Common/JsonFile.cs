using System.Text.Json;

namespace LlmNotebooks;

/// <summary>
/// The run files' one way to JSON: written whole (atomically, so a crash leaves the previous version), read with an
/// error that names the file and what it should have been when it is missing, empty, damaged or of another shape.
/// </summary>
public static class JsonFile
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>For files other programs read (Hugging Face folders): "&lt;|endoftext|&gt;" and "Ġ" as they are, not as \u escapes.</summary>
    public static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write<T>(string path, T value, JsonSerializerOptions? options = null) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, options ?? Indented));

    /// <param name="what">What the file holds, for the error: "a run record", "an evaluation summary".</param>
    public static T Read<T>(string path, string what, JsonSerializerOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing ({what})", path);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), options ?? Indented) ?? throw new InvalidDataException($"{path} is empty; it should hold {what}");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not {what} ({e.Message.Split(". Path")[0].Split(". LineNumber")[0]}); it may be damaged or from another version", e);
        }
    }
}
