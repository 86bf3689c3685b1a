using LlmNotebooks.Model;
using LlmNotebooks.Tokenization;
using static TorchSharp.torch;

namespace LlmNotebooks.Reporting;

/// <summary>Attention weights drawn as heatmaps: rows are the tokens attending, columns the tokens attended to.</summary>
public static class AttentionFigures
{
    /// <summary>A (T, T) matrix of weights over the tokens that label its rows and columns.</summary>
    public static HeatmapFigure Heatmap(string title, IReadOnlyList<string> tokens, Tensor weights) =>
        new(title, tokens, tokens, Grid(weights), "key token", "query token");

    /// <summary>One head of one layer of a model, on the first tokens of a text.</summary>
    public static HeatmapFigure Head(Gpt model, TextTokenizer tokenizer, string text, int layer, int head, int maxTokens = 16)
    {
        var ids = tokenizer.Encode(text).Take(maxTokens).ToArray();
        using var weights = model.AttentionWeights(ids, layer);
        using var one = weights[head];
        return Heatmap($"Attention, layer {layer + 1}, head {head + 1}", ids.Select(tokenizer.TokenText).ToList(), one);
    }

    static double[,] Grid(Tensor matrix)
    {
        using var values = matrix.to(ScalarType.Float32).cpu().contiguous();
        var data = values.data<float>().ToArray();
        int rows = (int)matrix.shape[0], columns = (int)matrix.shape[1];
        var grid = new double[rows, columns];
        for (int i = 0; i < data.Length; i++) grid[i / columns, i % columns] = data[i];
        return grid;
    }
}
