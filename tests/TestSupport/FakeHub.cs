using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace LlmNotebooks.Tests.TestSupport;

/// <summary>
/// A stand-in for the Hugging Face hub on 127.0.0.1: the tree API and file downloads with range requests, plus
/// faults a test can order (a transfer cut in half, corrupt bytes, a missing file). Nothing leaves the machine.
/// </summary>
public sealed class FakeHub : IDisposable
{
    public enum Fault { None, CutOnce, CorruptOnce, Missing }

    readonly HttpListener _listener = new();
    readonly Dictionary<string, (byte[] Bytes, Fault Fault)> _files = new();
    readonly List<string> _log = [];
    readonly Task _loop;

    public FakeHub()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Address = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Address { get; }

    /// <summary>Requests seen, as "GET path [range]".</summary>
    public IReadOnlyList<string> Log { get { lock (_log) return _log.ToList(); } }

    /// <summary>Adds a file under repository/revision/path.</summary>
    public void Add(string repository, string path, byte[] bytes, Fault fault = Fault.None)
    {
        lock (_files) _files[$"{repository}/{path}"] = (bytes, fault);
    }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            try { Handle(context); }
            catch (Exception) { try { context.Response.Abort(); } catch (Exception) { } }
        }
    }

    void Handle(HttpListenerContext context)
    {
        // Split before unescaping: a revision such as refs/convert/parquet arrives as one segment, refs%2Fconvert%2Fparquet.
        var escaped = context.Request.Url!.AbsolutePath;
        var raw = Uri.UnescapeDataString(escaped);
        var segments = escaped.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        lock (_log) _log.Add($"GET {raw} {context.Request.Headers["Range"]}".TrimEnd());
        var response = context.Response;
        if (raw.StartsWith("/api/datasets/"))
        {
            // /api/datasets/{owner}/{name}/tree/{revision}/{prefix...}
            var repository = $"{segments[2]}/{segments[3]}";
            var prefix = string.Join('/', segments[6..]) + "/";
            List<object> entries;
            lock (_files)
                entries = _files.Where(f => f.Key.StartsWith($"{repository}/{prefix}"))
                    .Select(f => (object)new { type = "file", path = f.Key[(repository.Length + 1)..], size = 134,
                        lfs = new { oid = Convert.ToHexStringLower(SHA256.HashData(f.Value.Bytes)), size = f.Value.Bytes.LongLength } }).ToList();
            if (entries.Count == 0) { response.StatusCode = 404; response.Close(); return; }
            response.ContentType = "application/json";
            response.Close(JsonSerializer.SerializeToUtf8Bytes(entries), willBlock: true);
            return;
        }
        // /datasets/{owner}/{name}/resolve/{revision}/{path...}
        var key = $"{segments[1]}/{segments[2]}/{string.Join('/', segments[5..])}";
        (byte[] Bytes, Fault Fault) file;
        lock (_files)
        {
            if (!_files.TryGetValue(key, out file) || file.Fault == Fault.Missing) { response.StatusCode = 404; response.Close(); return; }
            if (file.Fault is Fault.CutOnce or Fault.CorruptOnce) _files[key] = (file.Bytes, Fault.None);
        }
        long start = 0;
        var range = context.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=")) start = long.Parse(range["bytes=".Length..].TrimEnd('-'));
        var body = file.Bytes.AsSpan((int)start).ToArray();
        if (file.Fault == Fault.CorruptOnce) body = body.Select(b => (byte)(b ^ 0x5a)).ToArray();
        response.StatusCode = start > 0 ? 206 : 200;
        response.ContentLength64 = body.Length;
        if (file.Fault == Fault.CutOnce)
        {
            response.OutputStream.Write(body, 0, body.Length / 2);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }
        response.OutputStream.Write(body);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
