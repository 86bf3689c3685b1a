using LlmNotebooks.Evaluation;
using Xunit;

namespace LlmNotebooks.Tests.Evaluation;

public class ScoreTrendTests
{
    [Fact]
    public void A_score_that_gains_two_points_per_doubling_reaches_a_floor_eight_points_up_at_sixteen_times_its_last_tokens()
    {
        var trend = ScoreTrend.Fit([(1000, 10), (2000, 12), (4000, 14)])!;
        Assert.Equal(2, trend.PointsPerDoubling, 9);
        Assert.Equal(64_000, trend.TokensFor(22, fromScore: 14, fromTokens: 4000)!.Value, 6);
    }

    [Fact]
    public void The_rate_read_from_another_level_starts_there_not_at_the_fitted_points()
    {
        // A sample scoring 14 at the end while the full set scores 10: the full set needs two more doublings for 14.
        var trend = ScoreTrend.Fit([(1000, 10), (2000, 12), (4000, 14)])!;
        Assert.Equal(16_000, trend.TokensFor(14, fromScore: 10, fromTokens: 4000)!.Value, 6);
    }

    [Fact]
    public void A_floor_beyond_a_hundred_times_the_last_tokens_or_a_falling_score_gives_no_budget()
    {
        // 0.01 points per doubling: the floor would need 2^1000 times the tokens, which no straight line can promise.
        Assert.Null(ScoreTrend.Fit([(1000, 0.00), (2000, 0.01), (4000, 0.02)])!.TokensFor(10, fromScore: 0.02, fromTokens: 4000));
        Assert.Null(ScoreTrend.Fit([(1000, 3), (2000, 2), (4000, 1)])!.TokensFor(10, fromScore: 1, fromTokens: 4000));
        Assert.Null(ScoreTrend.Fit([(1000, 3), (2000, 2)]));
    }
}
