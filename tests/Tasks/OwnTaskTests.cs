using System.Text.Json;
using LlmNotebooks.Data;
using LlmNotebooks.Evaluation;
using LlmNotebooks.Finetune;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Training;
using Xunit;

namespace LlmNotebooks.Tests.Tasks;

/// <summary>
/// A task of a student's own, the way README's "Adding your own task" writes it: one class, its own data, registered,
/// and then finetuned, evaluated and reported by the same code as the assignment's three tasks.
/// </summary>
[Collection(LlmNotebooks.Tests.Training.TrainerCollection.Name)]
public class OwnTaskTests
{
    /// <summary>Is a number even or odd? One number per line in parity/train.txt and parity/validation.txt.</summary>
    sealed class ParityTask : FinetuningTask
    {
        public override string Name => "parity";
        public override string Title => "Parity";
        public override ResponseKind Response => ResponseKind.Label;
        public override string Instruction => "Is the number even or odd?";
        public override IReadOnlyList<string> LabelWords => ["even", "odd"];
        public override DatasetEntry Dataset => new(Name, Name, "parity (a task of our own)", ["*.txt"]);

        protected override IReadOnlyDictionary<TaskSplit, string[][]> Layouts { get; } = new Dictionary<TaskSplit, string[][]>
        {
            [TaskSplit.Train] = [["parity/train.txt"]],
            [TaskSplit.Validation] = [["parity/validation.txt"]],
        };

        protected override IEnumerable<TaskExample> Read(IReadOnlyList<string> files, TaskSplit split, DataIssues issues) =>
            files.SelectMany(File.ReadLines).Select((line, i) =>
            {
                var label = int.Parse(line) % 2 == 0 ? "even" : "odd";
                return new TaskExample($"{split}-{i}", line, [label], line, null, line,
                    (formats, withResponse) => formats.Whole(Name, $"{split}-{i}", Instruction, line, withResponse ? label : null, MaxResponseTokens));
            });

        public override IReadOnlyList<TaskBaseline> Baselines(string dataFolder) => [new("always even", _ => "even")];
    }

    static string WriteData()
    {
        var data = TestEnvironment.TempFolder().FullName;
        Directory.CreateDirectory(Path.Combine(data, "c4"));
        var words = new[] { "the", "river", "runs", "past", "an", "old", "mill", "and", "every", "morning", "birds", "sing", "over", "quiet", "fields" };
        var random = new Random(3);
        File.WriteAllLines(Path.Combine(data, "c4", "c4-en-sample1000.jsonl"), Enumerable.Range(0, 3000).Select(i =>
            JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Range(0, 60).Select(_ => words[random.Next(words.Length)])) + $" {i}." })));
        Directory.CreateDirectory(Path.Combine(data, "parity"));
        File.WriteAllLines(Path.Combine(data, "parity", "train.txt"), Enumerable.Range(0, 600).Select(_ => random.Next(1000).ToString()));
        File.WriteAllLines(Path.Combine(data, "parity", "validation.txt"), Enumerable.Range(0, 30).Select(_ => random.Next(1000).ToString()));
        return data;
    }

    [Fact]
    public void A_registered_task_is_finetuned_evaluated_and_reported_like_the_assignments_tasks()
    {
        var task = new ParityTask();
        using var registration = TaskRegistry.Register(task);
        var data = WriteData();
        var folders = new PipelineFolders(Path.Combine(TestEnvironment.TempFolder().FullName, "run"));

        Pretraining.Run(PretrainingConfig.Preset("smoke"), new(data, folders.Pretrain), resume: false);
        var config = FinetuningConfig.Preset("smoke").With(["mixture=parity=0.9,pretrain=0.1"]);
        Finetuning.Run(config, new(data, folders.Finetune, From: folders.Pretrain), resume: false);
        var (model, tokenizer) = Finetuning.LoadModel(folders.Finetune);
        using (model)
            Evaluator.Save(folders.EvalTask(task.Name), Evaluator.Evaluate(model, tokenizer, task, data, TaskSplit.Validation, new EvaluationOptions()));
        var report = File.ReadAllText(ReportBuilder.Build(folders, Path.Combine(folders.Root, "report")).MarkdownPath);

        Assert.Contains(task.ScoreKey, MetricsLog.Read(folders.Finetune).First(r => r.Kind == MetricsRecord.TaskKind).TaskScores!.Keys);   // scored while training
        Assert.Contains("parity", MetricsLog.Read(folders.Finetune).Last(r => r.Kind == MetricsRecord.EvalKind).Validation!.Keys);
        var scores = LlmNotebooks.Scoring.ScoreTable.Load(folders.EvalTask(task.Name));
        Assert.Equal(30, scores.First(s => s.System == LlmNotebooks.Scoring.ScoreRow.OurModel).Examples);
        Assert.Contains(scores, s => s.System == LlmNotebooks.Scoring.ScoreRow.CalibratedLikelihood);   // a label task is read from its label words too
        Assert.Contains("#### parity", report);
        Assert.Contains("always even", report);
        Assert.Contains("Best and worst examples by accuracy", report);
    }

    [Fact]
    public void A_task_name_is_taken_once_and_the_registration_ends_with_its_handle()
    {
        using (TaskRegistry.Register(new ParityTask()))
        {
            Assert.Contains("parity", Mixture.Sources);
            Assert.Contains("already registered", Assert.Throws<UserError>(() => TaskRegistry.Register(new ParityTask())).Message);
        }
        Assert.DoesNotContain("parity", TaskRegistry.Names);
        Assert.Contains("unknown task 'parity'; tasks are squad, cnn_dailymail, sst2", Assert.Throws<UserError>(() => TaskRegistry.Named("parity")).Message);
    }
}
