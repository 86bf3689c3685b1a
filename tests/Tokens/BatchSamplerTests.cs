using LlmNotebooks.Tests.TestSupport;
using LlmNotebooks.Tokenization;
using LlmNotebooks.Tokens;
using Xunit;

namespace LlmNotebooks.Tests.Tokens;

public class BatchSamplerTests
{
    /// <summary>A prepared folder whose tokens are 0, 1, 2, … so every window's content is predictable.</summary>
    static string CountingTokens(long count, int bytesPerToken, long perShard)
    {
        var folder = TestEnvironment.TempFolder().FullName;
        var shards = new List<ShardFile>();
        for (long start = 0, index = 0; start < count; start += perShard, index++)
        {
            long n = Math.Min(perShard, count - start);
            var name = $"train-{index:D3}.bin";
            using var file = File.Create(Path.Combine(folder, name));
            for (long t = start; t < start + n; t++)
                file.Write(bytesPerToken == 2 ? BitConverter.GetBytes((ushort)(t % 65536)) : BitConverter.GetBytes((uint)t));
            shards.Add(new ShardFile(name, n));
        }
        var tokenizer = new TokenizerManifest("gpt2", null, 50256, 50260, new Dictionary<string, int> { [SpecialTokens.EndOfText] = 50256 });
        new ShardManifest(tokenizer, bytesPerToken, 0, 0,
            new Dictionary<string, SplitCounts> { [ShardManifest.Train] = new(1, count, shards) }, [], [], new Dictionary<string, int>(), 0, 0).Save(folder);
        return folder;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Targets_are_the_inputs_shifted_by_one_across_shard_boundaries(int bytesPerToken)
    {
        using var stream = new TokenStream(CountingTokens(1000, bytesPerToken, perShard: 97), ShardManifest.Train);
        var sampler = new BatchSampler(stream, batchSize: 8, contextLength: 64, seed: 7);

        using var batch = sampler.Batch(step: 3);
        var (inputs, targets) = (batch.Inputs, batch.Targets);

        Assert.Equal([8L, 64], inputs.shape);
        Assert.Equal([8L, 64], targets.shape);
        var starts = sampler.WindowStarts(3);
        var x = inputs.data<long>().ToArray();
        var y = targets.data<long>().ToArray();
        for (int row = 0; row < 8; row++)
            for (int t = 0; t < 64; t++)
            {
                Assert.Equal(starts[row] + t, x[row * 64 + t]);
                Assert.Equal(starts[row] + t + 1, y[row * 64 + t]);
            }
    }

    [Fact]
    public void Windows_depend_only_on_seed_and_step()
    {
        using var stream = new TokenStream(CountingTokens(5000, 2, perShard: 5000), ShardManifest.Train);
        var a = new BatchSampler(stream, 16, 32, seed: 1);
        var b = new BatchSampler(stream, 16, 32, seed: 1);
        Assert.Equal(a.WindowStarts(41), b.WindowStarts(41));
        Assert.NotEqual(a.WindowStarts(41), a.WindowStarts(42));
        Assert.NotEqual(a.WindowStarts(41), new BatchSampler(stream, 16, 32, seed: 2).WindowStarts(41));
        var starts = Enumerable.Range(0, 200).SelectMany(s => a.WindowStarts(s)).ToList();
        Assert.All(starts, s => Assert.InRange(s, 0, 5000 - 33));
        // 3,200 uniform draws from 4,968 starts: about 2,360 distinct are expected.
        Assert.InRange(starts.Distinct().Count(), 2200, 2520);
    }

    [Fact]
    public void A_split_shorter_than_one_window_is_a_clear_error()
    {
        using var stream = new TokenStream(CountingTokens(10, 2, perShard: 10), ShardManifest.Train);
        var error = Assert.Throws<UserError>(() => new BatchSampler(stream, 1, 32, 0).Batch(0));
        Assert.Contains("fewer than one window", error.Message);
    }

    [Fact]
    public void A_shard_whose_size_disagrees_with_the_manifest_is_rejected()
    {
        var folder = CountingTokens(100, 2, perShard: 100);
        File.AppendAllText(Path.Combine(folder, "train-000.bin"), "x");
        Assert.Contains("the manifest says 100 tokens", Assert.Throws<InvalidDataException>(() => new TokenStream(folder, ShardManifest.Train)).Message);
    }
}
