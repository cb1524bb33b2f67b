using OPSource.Fuzz;
using OPSource.Fuzz.Targets;
using OPSource.TestSupport;

namespace OPSource.Fuzz.Tests;

/// <summary>
/// The bounded fuzz smoke run of the test suite: every target of fuzz/OPSource.Fuzz runs its seed
/// corpus (built from ../shared/vectors) and then in-process mutations for a few seconds. A crash
/// prints the input in hex; reproduce it with <c>scripts/fuzz.sh TARGET --repro FILE</c> after saving
/// it, or run the long campaigns in docs/fuzzing.md.
/// </summary>
public class FuzzSmokeTests
{
    private const int Runs = 4_000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_survives_its_seeds_and_a_bounded_mutation_run(string name)
    {
        var vectors = Vectors.Path();
        var target = FuzzTargets.Find(name)!;
        var seeds = target.Seeds(vectors).ToList();
        Assert.NotEmpty(seeds);
        // A fixed seed per target: the run is reproducible and still differs between targets. (string.GetHashCode
        // is randomized per process, so the seed is a stable FNV-1a hash of the name.)
        var result = InProcessFuzzer.Run(target, seeds, Runs, Budget, seed: StableSeed(name));
        Assert.True(result.Crash is null,
            result.Crash is { } crash ? $"{name} crashed on {Convert.ToHexStringLower(crash.Input)}: {crash.Error}" : null);
        Assert.True(result.Executions >= seeds.Count);
    }

    private static int StableSeed(string name)
    {
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7fff_ffff);
    }

    // descriptor (CI smoke run): a hardened step below an xpub in one key of a multi() parsed, and deriving
    // threw an untyped InvalidOperationException; now CanDeriveWithoutPrivateKeys says so and Derive throws
    // descriptor.needs_private_key.
    [Fact]
    public void Descriptor_with_a_hardened_step_below_an_xpub_is_not_a_crash()
    {
        var text = "multi(2,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/2/*,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/4/0h/*)";
        byte[] input = [0, .. System.Text.Encoding.ASCII.GetBytes(text)];
        Assert.Null(InProcessFuzzer.Execute(FuzzTargets.Find("descriptor")!, input));
    }

    [Fact]
    public void Every_issue_9_target_is_registered()
    {
        string[] expected = ["transaction", "block", "psbt-v0", "psbt-v2", "script-asm", "descriptor", "miniscript", "address", "extkey", "bip39", "bip322", "consensus", "signature", "pubkey"];
        Assert.Equal(expected.Order(), FuzzTargets.All.Select(t => t.Name).Order());
        Assert.All(FuzzTargets.All, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
    }

    // signature (AFL++ campaign): selector 2 with fewer than 64 bytes made the compact oracle pass the
    // short buffer to secp256k1_ecdsa_signature_parse_compact, which reads 64 bytes: a read past the
    // end that segfaulted inside libsecp256k1 when the buffer ended at a page boundary.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(65)]
    public void Signature_compact_oracle_refuses_other_lengths_without_reading_past_them(int length)
    {
        Assert.True(OPSource.TestSupport.Native.LibSecp256k1.IsAvailable, "libsecp256k1.so.1 not loadable: apt-get install -y libsecp256k1-dev");
        var data = new byte[length];
        data.AsSpan().Fill(0x01);
        Assert.Null(OPSource.TestSupport.Native.LibSecp256k1.EcdsaCompactToDer(data));
        var input = new byte[length + 1];
        input[0] = 2; // the target's compact selector
        data.CopyTo(input, 1);
        Assert.Null(InProcessFuzzer.Execute(FuzzTargets.Find("signature")!, input));
    }

    [Fact]
    public void Text_inputs_reach_lone_surrogates()
    {
        // 0xFF switches FuzzText to UTF-16LE: the only way bytes become a .NET string with a lone surrogate.
        Assert.Equal("\ud800", FuzzText.Decode([0xFF, 0x00, 0xD8]));
        Assert.Equal([0xFF, 0x00, 0xD8], FuzzText.Encode("\ud800"));
        Assert.Equal("abc", FuzzText.Decode(FuzzText.Encode("abc")));
    }
}
