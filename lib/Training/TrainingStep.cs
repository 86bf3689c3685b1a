using System.Diagnostics;
using LlmNotebooks.Model;
using LlmNotebooks.Tokens;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace LlmNotebooks.Training;

/// <summary>What updates the weights: AdamW for every parameter, or Muon for the blocks' matrices and AdamW for the rest.</summary>
public enum OptimizerKind { AdamW, Muon }

/// <summary>Optimizer settings, as nanoGPT's defaults; the weight decay is Muon's too.</summary>
public sealed record OptimizerSettings(double WeightDecay = 0.1, double Beta1 = 0.9, double Beta2 = 0.95, double Epsilon = 1e-8, double GradientClip = 1.0,
    OptimizerKind Kind = OptimizerKind.AdamW);

/// <summary>A step produced a NaN or infinite loss or gradient; no update was made.</summary>
public sealed class NonFiniteLossException(double loss, double gradientNorm)
    : Exception($"loss {loss}, gradient norm {gradientNorm}")
{
    public double Loss => loss;
}

/// <summary>What one optimizer step did.</summary>
public readonly record struct StepResult(double Loss, double GradientNorm);

/// <summary>
/// Seconds spent in each part of the steps it was given to: forward passes (with the loss), backward passes (with the
/// bf16 gradients' move into fp32), and the update (clipping, AdamW, clearing gradients, the bf16 copy). On a GPU
/// each part waits for its kernels, so a timed step runs a little slower than an untimed one.
/// </summary>
public sealed class StepTimes
{
    public double Forward { get; set; }
    public double Backward { get; set; }
    public double Update { get; set; }
}

/// <summary>
/// One optimizer step of a model, shared by pretraining, finetuning, the benchmark and notebook 04: forward and backward over
/// one or more micro-batches (gradient accumulation), gradient-norm clipping, AdamW with weight decay on matrices
/// only (or Muon for the blocks' matrices), and, for bf16 mixed precision, the bookkeeping between the fp32 master weights and their bf16 copy.
/// </summary>
public sealed class TrainingStep : IDisposable
{
    readonly List<Parameter> _master;       // the fp32 parameters AdamW updates
    readonly List<Parameter>? _compute;     // their bf16 copies (mixed precision only)
    readonly double _clip;

    public TrainingStep(Gpt model, OptimizerSettings settings, Precision precision)
    {
        Model = model;
        Precision = precision;
        _clip = settings.GradientClip;
        var parameters = model.UniqueParameters();
        _master = parameters.Select(p => p.Parameter).ToList();
        if (settings.Kind == OptimizerKind.Muon)
            Muon = new Muon([.. model.BlockMatrices().Select(m => new Muon.Matrix(m.Parameter, m.Fused))], settings.WeightDecay);
        var adamW = _master.Except(Muon?.Parameters ?? []).ToList();
        // nanoGPT's groups: matrices (linear weights, embeddings) decay; biases and LayerNorm gains do not.
        Optimizer = new AdamW([new([.. adamW.Where(p => p.dim() >= 2)], settings.WeightDecay), new([.. adamW.Where(p => p.dim() < 2)], 0)], settings);
        if (precision == Precision.Bf16)
        {
            ComputeModel = new Gpt(model.Config);
            ComputeModel.to(model.Head.weight.device);
            ComputeModel.to(ScalarType.BFloat16);
            _compute = ComputeModel.UniqueParameters().Select(p => p.Parameter).ToList();
            CopyWeightsToCompute();
        }
    }

    /// <summary>The fp32 model: what is saved and evaluated.</summary>
    public Gpt Model { get; }

    /// <summary>The model the passes run on: <see cref="Model"/> itself, or its bf16 copy.</summary>
    public Gpt ComputeModel { get => field ?? Model; private set; }

    public Precision Precision { get; }

    /// <summary>AdamW, for every parameter Muon does not update.</summary>
    public AdamW Optimizer { get; }

    /// <summary>Muon for the blocks' matrices, when the settings ask for it.</summary>
    public Muon? Muon { get; }

    /// <summary>
    /// Runs the micro-batches, then one update at <paramref name="learningRate"/>; the loss is their mean. With
    /// <paramref name="times"/>, adds each part's seconds to it.
    /// </summary>
    public StepResult Step(IReadOnlyList<Batch> microBatches, double learningRate, StepTimes? times = null)
    {
        ComputeModel.train();
        double loss = 0;
        using var share = (1.0 / microBatches.Count).ToScalar();   // held, not implicit: see Scalars
        long mark = Stopwatch.GetTimestamp();
        double Lap()
        {
            if (Model.Head.weight.device.type == DeviceType.CUDA) cuda.synchronize(Model.Head.weight.device);
            double seconds = Stopwatch.GetElapsedTime(mark).TotalSeconds;
            mark = Stopwatch.GetTimestamp();
            return seconds;
        }
        foreach (var batch in microBatches)
        {
            using var scope = NewDisposeScope();
            var microLoss = Loss(ComputeModel, batch);
            if (times is not null) times.Forward += Lap();
            (microLoss * share).backward();
            loss += microLoss.item<float>() / microBatches.Count;
            if (_compute is not null) AccumulateGradientsInMaster();
            if (times is not null) times.Backward += Lap();
        }
        double norm = nn.utils.clip_grad_norm_(_master, _clip);
        if (!double.IsFinite(loss) || !double.IsFinite(norm))
        {
            // Leave the weights as they were: the caller stops the run at the last good checkpoint.
            ClearGradients();
            throw new NonFiniteLossException(loss, norm);
        }
        Optimizer.Step(learningRate);
        Muon?.Step(learningRate);
        ClearGradients();
        if (_compute is not null) CopyWeightsToCompute();
        if (times is not null) times.Update += Lap();
        return new StepResult(loss, norm);
    }

    /// <summary>The model's loss on a batch, with everything the batch says about its rows (prompts, weights, packing).</summary>
    public static Tensor Loss(Gpt model, Batch batch) =>
        model.forward(batch.Inputs, batch.Targets, batch.PromptLengths, batch.Weights,
            batch.Segments is null ? null : new Packing(batch.Segments, batch.PositionIds!)).Loss!;

    void ClearGradients()
    {
        Optimizer.ZeroGradients();
        Muon?.ZeroGradients();
    }

    /// <summary>Adds the bf16 gradients to the fp32 master gradients (accumulating in fp32) and clears them.</summary>
    void AccumulateGradientsInMaster()
    {
        using var _ = no_grad();
        for (int i = 0; i < _master.Count; i++)
        {
            using var grad = _compute![i].grad;
            if (grad is null) continue;
            using var wide = grad.to(ScalarType.Float32);
            if (_master[i].grad is { } existing) existing.PlusInPlace(wide);
            else _master[i].grad = wide.clone();
            grad.zero_();
        }
    }

    /// <summary>Refreshes the bf16 copy from the master weights after an update.</summary>
    public void CopyWeightsToCompute()
    {
        if (_compute is null) return;
        using var _ = no_grad();
        for (int i = 0; i < _master.Count; i++) _compute[i].copy_(_master[i]);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Muon?.Dispose();
        if (_compute is not null) ComputeModel.Dispose();
    }
}
