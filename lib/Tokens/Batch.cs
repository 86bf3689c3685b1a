using TorchSharp;
using static TorchSharp.torch;

namespace LlmNotebooks.Tokens;

/// <summary>
/// One micro-batch: token ids (B, T), the targets to predict (B, T; <c>Gpt.IgnoreIndex</c> where nothing counts)
/// and, for finetuning, where each row's prompt ends (a prefix LM lets the prompt attend to itself both ways) and
/// each target's weight in the loss (B, T; float32; null: every target counts the same); rows that pack several
/// followers after a shared prefix carry each token's segment and position id (B, T; <c>Model.Packing</c>).
/// </summary>
public sealed record Batch(Tensor Inputs, Tensor Targets, long[]? PromptLengths = null, Tensor? Weights = null, Tensor? Segments = null, Tensor? PositionIds = null) : IDisposable
{
    /// <summary>Token positions the model computes (padding included).</summary>
    public long Positions => Inputs.numel();

    /// <summary>This batch when it is on <paramref name="device"/> already, else a copy there (the caller disposes either).</summary>
    public Batch To(Device device) => Inputs.device_type == device.type && (device.type != DeviceType.CUDA || Inputs.device.index == device.index)
        ? this : new Batch(Inputs.to(device), Targets.to(device), PromptLengths, Weights?.to(device), Segments?.to(device), PositionIds?.to(device));

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        Weights?.Dispose();
        Segments?.Dispose();
        PositionIds?.Dispose();
    }
}
