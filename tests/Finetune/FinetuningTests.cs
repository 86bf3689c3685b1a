using LlmNotebooks.Finetune;
using LlmNotebooks.Model;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LlmNotebooks.Tests.Finetune;

[Collection(LlmNotebooks.Tests.Training.TrainerCollection.Name)]
public class FinetuningTests
{
    static string DataRoot => TestEnvironment.RequireData("squad/train-v1.1.json").Replace("/squad/train-v1.1.json", "");

    [SkippableFact]
    public void A_short_finetune_lowers_every_tasks_validation_loss_and_logs_the_mixture_seen()
    {
        var root = TestEnvironment.TempFolder().FullName;
        var pretrained = Path.Combine(root, "pretrain");
        Pretraining.Run(PretrainingConfig.Preset("smoke"), new(DataRoot, pretrained), resume: false);
        // In fp32, so that the run's first validation can be compared with the fp32 model's losses computed here.
        var config = FinetuningConfig.Preset("smoke").With(["max_steps=60", "eval_interval=60", "learning_rate=1e-3", "precision=fp32"]);
        var runFolder = Path.Combine(root, "finetune");

        var (model, tokenizer) = ModelFiles.Load(pretrained);
        var formats = new TaskFormats(tokenizer, model.Config.ContextLength);
        Dictionary<string, double> before;
        long positions = 0, rows = 0;
        IReadOnlyList<TaskDataStats> stats;
        using (var data = new FinetuningBatches(formats, DataRoot, Mixture.Parse(config.Mixture), Finetuning.PretrainingTokens(pretrained),
                   BatchOptions.Of(config, model.Config.ContextLength) with { Accumulation = 2 }))
        {
            before = data.ValidationSets.ToDictionary(s => s.Key, s => s.Value.Average(b =>
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                return (double)TrainingStep.Loss(model, b).item<float>();
            }));
            for (int step = 0; step < config.MaxSteps; step++)
                for (int micro = 0; micro < 2; micro++)
                {
                    using var batch = data.TrainBatch(step, micro);
                    positions += batch.Positions;
                    rows += batch.Inputs.shape[0];
                    Assert.True(batch.Positions <= config.BatchSize * model.Config.ContextLength);   // filled, never past a micro-batch's positions
                }
            stats = data.Stats;
        }
        model.Dispose();

        var result = Finetuning.Run(config, new(DataRoot, runFolder, From: pretrained), resume: false);

        var start = MetricsLog.Read(runFolder).First(r => r.Kind == MetricsRecord.EvalKind);
        Assert.Equal(0, start.Step);   // the run's first validation is the pretrained model, before any finetuning
        foreach (var (set, loss) in before) Assert.Equal(loss, start.Validation![set], 3);
        var after = MetricsLog.Read(runFolder).Last(r => r.Kind == MetricsRecord.EvalKind).Validation!;
        foreach (var task in new[] { "squad", "cnn_dailymail", "sst2" })
            Assert.True(after[task] < before[task], $"{task}: validation loss {before[task]:F3} -> {after[task]:F3}");
        var seen = MetricsLog.Read(runFolder).Last(r => r.Kind == MetricsRecord.TrainKind).Mixture!;
        Assert.Equal(rows, seen.Values.Sum());
        Assert.True(rows > 60 * 2 * config.BatchSize, $"{rows} rows: filling adds examples to the short tasks' micro-batches");
        // Tokens are the positions computed: batches padded to their longest example, fewer than a full context each.
        Assert.Equal(positions, MetricsLog.Read(runFolder).Last(r => r.Kind == MetricsRecord.TrainKind).Tokens);
        Assert.True(positions < 60L * config.TokensPerStep);
        Assert.Equal(stats.Select(t => (t.Task, t.Train, t.Validation)), FinetuneDataRecord.Read(runFolder).Tasks.Select(t => (t.Task, t.Train, t.Validation)));
        Assert.Equal(StopReason.Completed, result.Reason);
    }

    [SkippableFact]
    public void With_a_prompt_loss_weight_training_batches_weigh_the_prompt_and_validation_stays_on_the_answer()
    {
        var formats = new TaskFormats(TextTokenizer.Gpt2(), 256);
        var options = new BatchOptions(BatchSize: 4, Accumulation: 1, ValidationBatches: 1, Seed: 1, MaxExamplesPerTask: 60, PromptWeight: 0.1f);
        using var data = new FinetuningBatches(formats, DataRoot, Mixture.Parse("squad=1,sst2=1"), pretrainTokens: null, options);

        using var batch = data.TrainBatch(0, 0);
        var weights = batch.Weights!.data<float>().ToArray();
        var targets = batch.Targets.data<long>().ToArray();
        Assert.Equal(targets.Select(t => t == Gpt.IgnoreIndex ? 0f : 1f).Count(w => w > 0), weights.Count(w => w > 0));   // every counted target has a weight
        Assert.Contains(0.1f, weights);
        Assert.True(weights.Count(w => w == 0.1f) > weights.Count(w => w == 1f), "the prompt's tokens outnumber the answer's");
        Assert.All(data.ValidationSets.Values.SelectMany(v => v), v => Assert.Null(v.Weights));

        Assert.Contains("prompt_loss_weight must be in [0, 1]", Assert.Throws<UserError>(() =>
            new FinetuningBatches(formats, DataRoot, Mixture.Parse("sst2=1"), null, options with { PromptWeight = 2 })).Message);
    }

    [SkippableFact]
    public void Packed_by_passage_squad_trains_fewer_rows_with_every_question_and_validation_stays_unpacked()
    {
        var formats = new TaskFormats(TextTokenizer.Gpt2(), 512);
        var options = new BatchOptions(BatchSize: 4, Accumulation: 1, ValidationBatches: 1, Seed: 1, MaxExamplesPerTask: 400);
        using var plain = new FinetuningBatches(formats, DataRoot, Mixture.Parse("squad=1"), pretrainTokens: null, options);
        using var packed = new FinetuningBatches(formats, DataRoot, Mixture.Parse("squad=1"), pretrainTokens: null, options with { Pack = true });

        int questions = plain.Stats[0].Train, rows = packed.Stats[0].Train;
        Assert.InRange(rows, questions / 8, questions / 2);   // SQuAD has about 4.6 questions per passage
        using var batch = packed.TrainBatch(0, 0);
        Assert.NotNull(batch.Segments);
        Assert.True(batch.Segments!.max().item<long>() > 1, "a row holds several questions");
        Assert.All(packed.ValidationSets["squad"], v => Assert.Null(v.Segments));
        Assert.All(packed.HeldOut["squad"], e => Assert.Null(e.FollowUps));
    }
}
