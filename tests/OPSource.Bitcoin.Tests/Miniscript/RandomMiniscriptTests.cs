using OPSource.Bitcoin.Miniscript;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>
/// Random well-typed miniscripts (sane and insane) through Core's checks: text and script round trips,
/// and Core's TestSatisfy (satisfactions for growing random sets of available conditions, each
/// verified by our consensus interpreter).
/// </summary>
public class RandomMiniscriptTests(ITestOutputHelper output)
{
    private static readonly int Seed = Environment.GetEnvironmentVariable("OPSOURCE_TEST_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();

    private sealed class TestKeys : IMiniscriptKeyFormatter<string>
    {
        public string? Format(string key, MiniscriptContext context) =>
            MiniscriptPublicKeys.Default.Format(CoreTestData.Instance.Value.PubKeys[int.Parse(key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)], context);
    }

    [Theory]
    [InlineData(MiniscriptContext.P2Wsh)]
    [InlineData(MiniscriptContext.Tapscript)]
    public void Random_miniscripts_satisfy_and_round_trip(MiniscriptContext context)
    {
        output.WriteLine($"seed {Seed}");
        var rng = new Random(Seed ^ (int)context);

        // Preimages are Core's test data (31 zero bytes and 1..255), so the harness can reveal them.
        var generator = new MiniscriptGenerator(rng, context, maxKeys: 10, timeLocks: true,
            preimages: r => [.. new byte[31], (byte)r.Next(1, 256)]);
        var keys = new MiniscriptPublicKeys(CoreTestData.Instance.Value.PubKeys);
        for (var i = 0; i < 60; i++)
        {
            var named = i % 3 == 2 ? generator.NextValid() : generator.NextSane();
            var text = named.ToString(new TestKeys())!;
            var node = Miniscripts.Parse(text, context, MiniscriptChecks.Valid);
            Assert.Equal(text, node.ToString(keys));
            Assert.Equal(named.IsSane, node.IsSane);
            var script = node.ToScript(keys);
            Assert.Equal(node.ScriptSize, script.Length);
            var decoded = Miniscripts.FromScript(script, context, CoreTestData.Instance.Value.PubKeys);
            Assert.Equal(script, decoded.ToScript(keys));
            CoreMiniscriptHarness.TestSatisfy(node, context, script, rng);
        }
    }
}
