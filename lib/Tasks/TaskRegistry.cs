using LlmNotebooks.Data;

namespace LlmNotebooks.Tasks;

/// <summary>
/// The tasks the workbook finetunes on and evaluates, in one list; everything else asks this list. A task of your own
/// is a <see cref="FinetuningTask"/> in its own file plus a line in <see cref="Tasks"/> (or, from code that cannot edit
/// the library, a notebook or a test, <see cref="Register"/>).
/// </summary>
public static class TaskRegistry
{
    public static readonly SquadTask Squad = new();
    public static readonly CnnDailyMailTask CnnDailyMail = new();
    public static readonly Sst2Task Sst2 = new();

    /// <summary>The order is the mixture's and the report's.</summary>
    static readonly List<FinetuningTask> Tasks =
    [
        Squad,
        CnnDailyMail,
        Sst2,
        // new MyTask(),   ← a task of your own
    ];

    static readonly Lock Guard = new();

    public static IReadOnlyList<FinetuningTask> All
    {
        get { lock (Guard) return [.. Tasks]; }
    }

    public static IReadOnlyList<string> Names => [.. All.Select(t => t.Name)];

    /// <summary>The task of a name, or null (a record's row may name pretraining replay, which is no task).</summary>
    public static FinetuningTask? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>The task of a name; an error listing the names when there is none.</summary>
    public static FinetuningTask Named(string name) => Find(name)
        ?? throw new UserError($"unknown task '{name}'; tasks are {string.Join(", ", Names)}");

    /// <summary>Adds a task until the returned handle is disposed.</summary>
    public static IDisposable Register(FinetuningTask task)
    {
        lock (Guard)
        {
            if (Tasks.Any(t => t.Name == task.Name)) throw new UserError($"a task named '{task.Name}' is already registered");
            Tasks.Add(task);
        }
        return new Registration(task);
    }

    sealed class Registration(FinetuningTask task) : IDisposable
    {
        public void Dispose()
        {
            lock (Guard) Tasks.Remove(task);
        }
    }

    /// <summary>Every dataset a data folder may hold: the pretraining text and each task's.</summary>
    public static IReadOnlyList<DatasetEntry> Datasets => [.. DataFolder.Datasets, .. All.Select(t => t.Dataset)];

    /// <summary>Every dataset <c>data download</c> fetches: OpenWebText and each task's.</summary>
    public static IReadOnlyList<HubDataset> Downloads => [HubDownloader.OpenWebText, .. All.Select(t => t.Download).OfType<HubDataset>()];
}
