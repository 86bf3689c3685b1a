namespace LlmNotebooks.Tokenization;

/// <summary>
/// The special tokens of the pretraining and finetuning formats. They are never produced from text (a document that
/// contains the string "&lt;|endoftext|&gt;" is encoded as ordinary text); the formats insert them by id. Both
/// tokenizers give them ids after their ordinary vocabulary (GPT-2 keeps its own id 50256 for end of text).
/// </summary>
public static class SpecialTokens
{
    /// <summary>Ends every document and every finetuning example; generation stops on it.</summary>
    public const string EndOfText = "<|endoftext|>";
    /// <summary>Opens a finetuning example; the task's name follows.</summary>
    public const string Task = "<|task|>";
    /// <summary>Separates the task name from the input (article, context and question, sentence).</summary>
    public const string Input = "<|input|>";
    /// <summary>Ends the prompt: the loss is computed only on the tokens after it.</summary>
    public const string Response = "<|response|>";

    public static readonly IReadOnlyList<string> All = [EndOfText, Task, Input, Response];
}
