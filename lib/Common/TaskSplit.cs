namespace LlmNotebooks;

/// <summary>The splits of a task's data: what it trains on, what it is scored on, and the held-back test set.</summary>
public enum TaskSplit { Train, Validation, Test }
