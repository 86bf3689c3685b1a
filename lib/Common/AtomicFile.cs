namespace LlmNotebooks;

/// <summary>
/// Writes a file so that readers see either the old or the new content, never a half-written one: the bytes go to a
/// temporary file beside it, which is flushed to disk and then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <param name="beforeRename">Called with the temporary file's path once it is complete (to set its mode or times).</param>
    public static void Write(string path, Action<Stream> write, Action<string>? beforeRename = null)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            beforeRename?.Invoke(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));
}
