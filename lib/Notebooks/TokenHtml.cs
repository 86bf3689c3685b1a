using System.Net;
using System.Text;
using LlmNotebooks.Model;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tasks;
using LlmNotebooks.Tokenization;

namespace LlmNotebooks.Notebooks;

/// <summary>Token-by-token views of finetuning examples for the notebooks.</summary>
public static class TokenHtml
{
    /// <summary>
    /// An example as the loss sees it, read from <see cref="ResponseMask.Row"/> itself: each token is boxed, grey when
    /// its prediction is ignored (the prompt), green when the loss counts it (the response). A long prompt shows its
    /// first and last tokens around a marker of how many were left out.
    /// </summary>
    public static NotebookHtml MaskedExample(FormattedExample example, TextTokenizer tokenizer, int headTokens = 40, int tailTokens = 20)
    {
        var (inputs, targets) = ResponseMask.Row(example);
        long[] sequence = [.. inputs, targets[^1]];
        var html = new StringBuilder("<div style=\"font-family:monospace;line-height:2;word-break:break-all\">");
        int hidden = example.Prompt.Length - headTokens - tailTokens;
        for (int t = 0; t < sequence.Length; t++)
        {
            if (hidden > 0 && t == headTokens) { html.Append($"<span style=\"margin:0 0.5em;color:#888\">… {hidden:N0} prompt tokens …</span>"); t += hidden - 1; continue; }
            bool counted = t > 0 && targets[t - 1] != Gpt.IgnoreIndex;
            var text = WebUtility.HtmlEncode(tokenizer.TokenText((int)sequence[t])).Replace("\n", "↵");
            html.Append(counted
                ? $"<span style=\"background:#c8f7c5;border:1px solid #4caf50;margin:1px;padding:0 2px\">{text}</span>"
                : $"<span style=\"background:#eee;border:1px solid #ccc;color:#666;margin:1px;padding:0 2px\">{text}</span>");
        }
        int countedTokens = targets.Count(t => t != Gpt.IgnoreIndex);
        return new NotebookHtml(html.Append($"</div><p>{example.Task}: {example.Prompt.Length:N0} prompt tokens (grey, ignored by the loss), " +
                           $"{countedTokens:N0} response tokens (green, counted){(example.TruncatedTokens > 0 ? $"; {example.TruncatedTokens:N0} input tokens were cut to fit" : "")}.</p>").ToString());
    }
}
