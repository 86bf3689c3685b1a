using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmNotebooks.Model;
using LlmNotebooks.Training;

namespace LlmNotebooks.HuggingFace;

/// <summary>A step of the PyTorch peer as tools/pytorch/bench_peer.py prints it: tokens/s and seconds per step, part by part.</summary>
public sealed record PeerStep(
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("data")] double Data,
    [property: JsonPropertyName("forward")] double Forward,
    [property: JsonPropertyName("backward")] double Backward,
    [property: JsonPropertyName("optimizer")] double Optimizer,
    [property: JsonPropertyName("step")] double Step,
    [property: JsonPropertyName("torch")] string Torch,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("matmul_gflops")] double MatmulGflops)
{
    public StepBreakdown Breakdown => new(Data, Forward, Backward, Optimizer, Step);
}

/// <summary>One round of <c>bench model --vs-pytorch</c>: our step, then the peer's on the same model and batch.</summary>
public sealed record PeerRound(RunStepResult Ours, PeerStep Peer)
{
    public double Ratio => Ours.TokensPerSecond / Peer.TokensPerSecond;
}

/// <summary>
/// The same training step in PyTorch, for comparison: the run's model is exported (config and weights) and
/// tools/pytorch/bench_peer.py trains it with PyTorch's own AdamW and, in bf16, its CPU autocast, in a process of its
/// own on the same allocator and as many threads as ours. Rounds alternate ours and the peer's, so that whatever else the machine does falls on both.
/// </summary>
public static class PytorchPeer
{
    /// <summary>The Python that runs the peer: $LLMNB_PYTHON, else the system's /usr/bin/python3 (Debian's python3-torch), else python3.</summary>
    public static string Python => Environment.GetEnvironmentVariable("LLMNB_PYTHON") is { Length: > 0 } chosen ? chosen
        : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    static string Script => Path.Combine(ProjectPaths.Root, "tools", "pytorch", "bench_peer.py");

    public static IReadOnlyList<PeerRound> Compare(PretrainingConfig config, int steps, int rounds, Action<string>? log = null)
    {
        if (!File.Exists(Script)) throw new UserError($"the PyTorch peer {Script} is missing: --vs-pytorch runs from a clone of the repository");
        var folder = Directory.CreateTempSubdirectory("llmnb-peer-").FullName;
        try
        {
            // One model, one precision and one ceiling for every round; the peer starts from the same weights.
            var (model, precision, ceiling) = Pretraining.ModelAsRun(config, log);
            using var _ = model;
            HfFolder.Export(model, tokenizer: null, folder);
            var results = new List<PeerRound>();
            for (int round = 1; round <= rounds; round++)
            {
                var ours = TrainingBenchmark.OfRun(config, model, precision, ceiling, steps);
                var peer = Measure(folder, config.BatchSize, ours.Accumulation, precision.Used, steps);
                results.Add(new PeerRound(ours, peer));
                log?.Invoke($"round {round}/{rounds}: ours {ours.TokensPerSecond:N0} tokens/s, PyTorch {peer.Torch} {peer.TokensPerSecond:N0} tokens/s ({ours.TokensPerSecond / peer.TokensPerSecond:F2}x)");
            }
            return results;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static PeerStep Measure(string folder, int batch, int accumulation, Precision precision, int steps)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Script, folder, "--batch", $"{batch}", "--accumulation", $"{accumulation}", "--precision", precision.Name(), "--steps", $"{steps}",
                     "--threads", $"{TorchSharp.torch.get_num_threads()}" })
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in Platform.Tcmalloc.PreloadedEnvironment() ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserError($"cannot start {Python} for the PyTorch peer ({e.Message}); install python3-torch or set LLMNB_PYTHON to a Python with torch");
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new UserError($"the PyTorch peer failed ({Python} {Script}): {errors.Result.Trim().Split('\n')[^1]}; it needs torch (python3-torch on Debian, or LLMNB_PYTHON)");
            return JsonSerializer.Deserialize<PeerStep>(output.Trim().Split('\n')[^1])!;
        }
    }
}
