using System.Text.Json.Serialization;
using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>Where a run stands: enough, with the model and optimizer, to continue it exactly (its config is in run.json).</summary>
public sealed record CheckpointState(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("tokens_seen")] long TokensSeen,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("best_validation_loss")] double? BestValidationLoss,
    [property: JsonPropertyName("rng_state")] string RngState);

/// <summary>
/// A run's checkpoints: <c>checkpoints/step-NNNNNN/</c> (model files, optimizer state, trainer state) and
/// <c>checkpoints/best/</c>. Each is written in a temporary folder and renamed into place when complete, so a crash
/// mid-write leaves the previous checkpoints as they were; only the newest few step checkpoints are kept.
/// </summary>
public sealed class CheckpointStore(string runFolder)
{
    public const string OptimizerFile = "optimizer.safetensors", MuonFile = "muon.safetensors", StateFile = "trainer.json", Best = "best";
    const string StepPrefix = "step-";

    public string Folder => Path.Combine(runFolder, "checkpoints");

    public static string StepName(long step) => $"{StepPrefix}{step:D6}";

    /// <param name="beforeCommit">Runs when every file is written, before the rename (tests make it fail).</param>
    public string Save(string name, TrainingStep training, CheckpointState state, TextTokenizer tokenizer, Action? beforeCommit = null)
    {
        Directory.CreateDirectory(Folder);
        foreach (var stale in Directory.GetDirectories(Folder, ".*.tmp-*")) Directory.Delete(stale, recursive: true);
        var temp = Path.Combine(Folder, $".{name}.tmp-{Guid.NewGuid():N}");
        ModelFiles.Save(temp, training.Model, tokenizer);
        training.Optimizer.Save(Path.Combine(temp, OptimizerFile));
        training.Muon?.Save(Path.Combine(temp, MuonFile));
        JsonFile.Write(Path.Combine(temp, StateFile), state, TrainingConfig.Json);
        beforeCommit?.Invoke();
        var target = Path.Combine(Folder, name);
        if (Directory.Exists(target))
        {
            // Replace: move the old one aside first, so there is a complete checkpoint at every moment.
            var old = Path.Combine(Folder, $".{name}.tmp-old-{Guid.NewGuid():N}");
            Directory.Move(target, old);
            Directory.Move(temp, target);
            Directory.Delete(old, recursive: true);
        }
        else Directory.Move(temp, target);
        return target;
    }

    /// <summary>Complete step checkpoints, oldest first.</summary>
    public IReadOnlyList<string> Steps() => Directory.Exists(Folder)
        ? Directory.GetDirectories(Folder, StepPrefix + "*").Where(d => File.Exists(Path.Combine(d, StateFile))).Order(StringComparer.Ordinal).ToList()
        : [];

    public string? Latest() => Steps().LastOrDefault();

    public string? BestCheckpoint => File.Exists(Path.Combine(Folder, Best, StateFile)) ? Path.Combine(Folder, Best) : null;

    public static CheckpointState ReadState(string checkpoint) =>
        JsonFile.Read<CheckpointState>(Path.Combine(checkpoint, StateFile), "a checkpoint's trainer state", TrainingConfig.Json);

    /// <summary>
    /// Loads the newest checkpoint that is intact into a freshly built training step (weights, optimizer state, the
    /// random-number state). A damaged one is skipped, saying which and why; none intact is an error naming them.
    /// </summary>
    public (string Checkpoint, CheckpointState State)? RestoreLatest(TrainingStep training, Action<string>? log)
    {
        var problems = new List<string>();
        foreach (var checkpoint in Steps().Reverse())
        {
            try
            {
                var state = ReadState(checkpoint);
                ModelFiles.LoadWeights(training.Model, Path.Combine(checkpoint, ModelFiles.Weights));
                var optimizer = Path.Combine(checkpoint, OptimizerFile);
                if (!File.Exists(optimizer)) throw new InvalidDataException($"{optimizer} is missing");
                training.Optimizer.Load(optimizer);
                if (training.Muon is { } muon)
                {
                    var momentum = Path.Combine(checkpoint, MuonFile);
                    if (!File.Exists(momentum)) throw new InvalidDataException($"{momentum} is missing");
                    muon.Load(momentum);
                }
                training.CopyWeightsToCompute();
                using var rng = from_array(Convert.FromBase64String(state.RngState), CPU);
                torch.set_rng_state(rng);
                if (problems.Count > 0) log?.Invoke($"resuming from {Path.GetFileName(checkpoint)}, the newest intact checkpoint ({string.Join("; ", problems)})");
                return (checkpoint, state);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
                problems.Add($"{Path.GetFileName(checkpoint)} skipped: {e.Message}");
            }
        }
        if (problems.Count > 0) throw new InvalidDataException($"no intact checkpoint in {Folder}: {string.Join("; ", problems)}");
        return null;
    }

    public static string CaptureRng()
    {
        using var rng = torch.get_rng_state();
        return Convert.ToBase64String(rng.data<byte>().ToArray());
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> step checkpoints.</summary>
    public void Prune(int keep)
    {
        var steps = Steps();
        foreach (var old in steps.Take(Math.Max(0, steps.Count - keep))) Directory.Delete(old, recursive: true);
    }
}
