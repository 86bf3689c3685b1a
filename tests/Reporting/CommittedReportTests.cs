using System.Text.RegularExpressions;
using LlmNotebooks.Reporting;
using LlmNotebooks.Tests.TestSupport;
using Xunit;

namespace LlmNotebooks.Tests.Reporting;

/// <summary>The committed reports: a person's discussion cites only numbers its report shows, and the report holds the discussion as it is now.</summary>
public class CommittedReportTests
{
    static IEnumerable<string> Discussed() =>
        Directory.GetDirectories(Path.Combine(TestEnvironment.Root, "reports"))
            .Where(folder => File.Exists(Path.Combine(folder, ReportBuilder.DiscussionFile)) && File.Exists(Path.Combine(folder, "report.md")));

    [SkippableFact]
    public void Every_number_a_discussion_cites_is_one_its_report_shows()
    {
        var folders = Discussed().ToList();
        Skip.If(folders.Count == 0, "no committed report has a discussion.md yet");
        foreach (var folder in folders)
        {
            var discussion = File.ReadAllText(Path.Combine(folder, ReportBuilder.DiscussionFile)).Trim();
            var report = File.ReadAllText(Path.Combine(folder, "report.md"));
            Assert.True(report.Contains(discussion), $"{folder}/report.md does not hold its discussion.md as it is now: run `report` again");
            var rest = report.Replace(discussion, "");
            var shown = Numbers(rest).ToHashSet();
            var unknown = Numbers(discussion).Where(n => !shown.Contains(n)).Distinct().ToList();
            Assert.True(unknown.Count == 0, $"{folder}/{ReportBuilder.DiscussionFile} cites numbers its report does not show: {string.Join(", ", unknown)}");
        }
    }

    /// <summary>Numbers as the report writes them (1,234.56), leaving out words with digits (R-1, bf16, GPT-2).</summary>
    static IEnumerable<string> Numbers(string text) =>
        Regex.Matches(text, @"(?<![\w.\-/])\d[\d,]*(\.\d+)?(?![\w-])").Select(m => m.Value.TrimEnd(','));
}
