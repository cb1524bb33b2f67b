using System.Text.Json.Nodes;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Musig;
using OPSource.TestSupport;

namespace OPSource.Crypto.Tests.Musig;

/// <summary>Every case of every BIP327 vector file (bitcoin/bips bip-0327/vectors), one test case each.</summary>
public class Bip327VectorTests
{
    private static readonly Dictionary<string, JsonNode> Cache = [];

    private static JsonNode Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var node))
            {
                node = JsonNode.Parse(Vectors.ReadText("bips", "bip-0327", name))!;
                Cache[name] = node;
            }

            return node;
        }
    }

    private static TheoryData<int> Indices(string file, string array)
    {
        var data = new TheoryData<int>();
        var count = JsonNode.Parse(File.ReadAllText(Vectors.Path("bips", "bip-0327", file)))![array]!.AsArray().Count;
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static byte[] Hex(JsonNode? node) => Convert.FromHexString(node!.GetValue<string>());

    private static string HexOf(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    private static int[] Ints(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<int>())];

    private static ReadOnlyMemory<byte>[] Pick(JsonNode root, string array, JsonNode? indices) =>
        [.. Ints(indices).Select(i => (ReadOnlyMemory<byte>)Hex(root[array]![i]))];

    private static SecretKey Sk(JsonNode root) => SecretKey.Create(Hex(root["sk"]));

    /// <summary>Builds KeyAgg + tweaks exactly as the reference key_agg_and_tweak does.</summary>
    private static KeyAggContext KeyAggAndTweak(ReadOnlyMemory<byte>[] keys, IReadOnlyList<byte[]> tweaks, IReadOnlyList<bool> isXOnly)
    {
        var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(keys));
        for (var i = 0; i < tweaks.Count; i++)
        {
            ctx = ctx.ApplyTweak(tweaks[i], isXOnly[i]);
        }

        return ctx;
    }

    private static bool[] Bools(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<bool>())];

    /// <summary>Asserts the BIP327 error object: invalid_contribution (signer, contrib) or value.</summary>
    private static void AssertError(JsonNode error, Action action)
    {
        var type = error["type"]!.GetValue<string>();
        var ex = Assert.ThrowsAny<MusigException>(action);
        if (type == "invalid_contribution")
        {
            var contribution = Assert.IsType<InvalidContributionException>(ex);
            var signer = error["signer"];
            Assert.Equal(signer is null ? null : signer.GetValue<int>(), contribution.Signer);
            var expected = error["contrib"]!.GetValue<string>() switch
            {
                "pubkey" => MusigContribution.PublicKey,
                "pubnonce" => MusigContribution.PublicNonce,
                "aggnonce" => MusigContribution.AggregateNonce,
                "aggothernonce" => MusigContribution.AggregateOtherNonce,
                "psig" => MusigContribution.PartialSignature,
                var other => throw new InvalidOperationException("unknown contrib " + other),
            };
            Assert.Equal(expected, contribution.Contribution);
        }
        else
        {
            Assert.Equal("value", type);
            Assert.IsNotType<InvalidContributionException>(ex);
        }
    }

    // ---- key_sort ----

    [Fact]
    public void KeySort_sorts_like_the_reference()
    {
        var root = Load("key_sort_vectors.json");
        var keys = root["pubkeys"]!.AsArray().Select(n => PublicKey.Parse(Hex(n))).ToArray();
        var sorted = Musig2.SortKeys(keys);
        var expected = root["sorted_pubkeys"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(expected, sorted.Select(k => HexOf(k.ToCompressed())).ToArray());
    }

    // ---- key_agg ----

    public static TheoryData<int> KeyAggValid => Indices("key_agg_vectors.json", "valid_test_cases");

    public static TheoryData<int> KeyAggErrors => Indices("key_agg_vectors.json", "error_test_cases");

    [Theory]
    [MemberData(nameof(KeyAggValid))]
    public void KeyAgg_valid(int index)
    {
        var root = Load("key_agg_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(Pick(root, "pubkeys", test["key_indices"])));
        Assert.Equal(test["expected"]!.GetValue<string>(), HexOf(ctx.XOnlyPublicKey.ToBytes()));
    }

    [Theory]
    [MemberData(nameof(KeyAggErrors))]
    public void KeyAgg_error(int index)
    {
        var root = Load("key_agg_vectors.json");
        var test = root["error_test_cases"]![index]!;
        var tweaks = Ints(test["tweak_indices"]).Select(i => Hex(root["tweaks"]![i])).ToArray();
        AssertError(test["error"]!, () => KeyAggAndTweak(Pick(root, "pubkeys", test["key_indices"]), tweaks, Bools(test["is_xonly"])));
    }

    // ---- nonce_gen ----

    public static TheoryData<int> NonceGenCases => Indices("nonce_gen_vectors.json", "test_cases");

    [Theory]
    [MemberData(nameof(NonceGenCases))]
    public void NonceGen_matches(int index)
    {
        var test = Load("nonce_gen_vectors.json")["test_cases"]![index]!;
        var sk = test["sk"] is null ? null : SecretKey.Create(Hex(test["sk"]));
        var pk = PublicKey.Parse(Hex(test["pk"]));
        XOnlyPublicKey? aggpk = test["aggpk"] is null ? null : XOnlyPublicKey.Parse(Hex(test["aggpk"]));
        byte[]? msg = test["msg"] is null ? null : Hex(test["msg"]);
        byte[]? extra = test["extra_in"] is null ? null : Hex(test["extra_in"]);

        var (secnonce, pubnonce) = Musig2.GenerateNonce(Hex(test["rand_"]), pk, sk, aggpk, msg, extra);
        var secBytes = new byte[SecretNonce.Size];
        secnonce.WriteTo(secBytes);
        Assert.Equal(test["expected_secnonce"]!.GetValue<string>(), HexOf(secBytes));
        Assert.Equal(test["expected_pubnonce"]!.GetValue<string>(), HexOf(pubnonce.ToArray()));
    }

    // ---- nonce_agg ----

    public static TheoryData<int> NonceAggValid => Indices("nonce_agg_vectors.json", "valid_test_cases");

    public static TheoryData<int> NonceAggErrors => Indices("nonce_agg_vectors.json", "error_test_cases");

    [Theory]
    [MemberData(nameof(NonceAggValid))]
    public void NonceAgg_valid(int index)
    {
        var root = Load("nonce_agg_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var agg = AggregateNonce.Aggregate(Pick(root, "pnonces", test["pnonce_indices"]));
        Assert.Equal(test["expected"]!.GetValue<string>(), HexOf(agg.ToArray()));
        // The encoding round-trips, including halves at infinity.
        Assert.Equal(agg, AggregateNonce.Parse(agg.ToArray()));
    }

    [Theory]
    [MemberData(nameof(NonceAggErrors))]
    public void NonceAgg_error(int index)
    {
        var root = Load("nonce_agg_vectors.json");
        var test = root["error_test_cases"]![index]!;
        AssertError(test["error"]!, () => AggregateNonce.Aggregate(Pick(root, "pnonces", test["pnonce_indices"])));
    }

    // ---- sign_verify ----

    public static TheoryData<int> SignValid => Indices("sign_verify_vectors.json", "valid_test_cases");

    public static TheoryData<int> SignErrors => Indices("sign_verify_vectors.json", "sign_error_test_cases");

    public static TheoryData<int> VerifyFails => Indices("sign_verify_vectors.json", "verify_fail_test_cases");

    public static TheoryData<int> VerifyErrors => Indices("sign_verify_vectors.json", "verify_error_test_cases");

    [Theory]
    [MemberData(nameof(SignValid))]
    public void Sign_valid_and_verifies(int index)
    {
        var root = Load("sign_verify_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(Pick(root, "pubkeys", test["key_indices"])));
        var pnonces = Pick(root, "pnonces", test["nonce_indices"]).Select((n, i) => PublicNonce.Parse(n.Span, i)).ToArray();
        var aggnonce = AggregateNonce.Parse(Hex(root["aggnonces"]![test["aggnonce_index"]!.GetValue<int>()]));
        Assert.Equal(aggnonce, AggregateNonce.Aggregate(pnonces));
        var msg = Hex(root["msgs"]![test["msg_index"]!.GetValue<int>()]);
        var signer = test["signer_index"]!.GetValue<int>();

        var session = new Session(ctx, aggnonce, msg);
        using var secnonce = SecretNonce.Import(Hex(root["secnonces"]![0]));
        var psig = session.Sign(secnonce, Sk(root));
        Assert.Equal(test["expected"]!.GetValue<string>(), HexOf(psig.ToArray()));
        Assert.True(Musig2.VerifyPartialSignature(psig, pnonces, ctx, msg, signer));

        // BIP327: the secnonce is consumed; a second signing attempt must fail.
        Assert.True(secnonce.IsConsumed);
        Assert.Throws<MusigException>(() => session.Sign(secnonce, Sk(root)));
    }

    [Theory]
    [MemberData(nameof(SignErrors))]
    public void Sign_error(int index)
    {
        var root = Load("sign_verify_vectors.json");
        var test = root["sign_error_test_cases"]![index]!;
        AssertError(test["error"]!, () =>
        {
            var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(Pick(root, "pubkeys", test["key_indices"])));
            var aggnonce = AggregateNonce.Parse(Hex(root["aggnonces"]![test["aggnonce_index"]!.GetValue<int>()]));
            var msg = Hex(root["msgs"]![test["msg_index"]!.GetValue<int>()]);
            using var secnonce = SecretNonce.Import(Hex(root["secnonces"]![test["secnonce_index"]!.GetValue<int>()]));
            new Session(ctx, aggnonce, msg).Sign(secnonce, Sk(root));
        });
    }

    [Theory]
    [MemberData(nameof(VerifyFails))]
    public void Verify_fails(int index)
    {
        var root = Load("sign_verify_vectors.json");
        var test = root["verify_fail_test_cases"]![index]!;
        var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(Pick(root, "pubkeys", test["key_indices"])));
        var pnonces = Pick(root, "pnonces", test["nonce_indices"]).Select((n, i) => PublicNonce.Parse(n.Span, i)).ToArray();
        var msg = Hex(root["msgs"]![test["msg_index"]!.GetValue<int>()]);
        var sig = Hex(test["sig"]);
        // BIP327 PartialSigVerifyInternal: s >= n fails verification (here: cannot even be parsed).
        var verified = PartialSignature.TryParse(sig, out var psig)
            && Musig2.VerifyPartialSignature(psig, pnonces, ctx, msg, test["signer_index"]!.GetValue<int>());
        Assert.False(verified);
    }

    [Theory]
    [MemberData(nameof(VerifyErrors))]
    public void Verify_error(int index)
    {
        var root = Load("sign_verify_vectors.json");
        var test = root["verify_error_test_cases"]![index]!;
        AssertError(test["error"]!, () =>
        {
            // Reference order: NonceAgg first, then KeyAgg inside GetSessionValues.
            var aggnonce = AggregateNonce.Aggregate(Pick(root, "pnonces", test["nonce_indices"]));
            var ctx = KeyAggContext.Create(Musig2.ParsePublicKeys(Pick(root, "pubkeys", test["key_indices"])));
            var msg = Hex(root["msgs"]![test["msg_index"]!.GetValue<int>()]);
            var session = new Session(ctx, aggnonce, msg);
            var signer = test["signer_index"]!.GetValue<int>();
            session.Verify(PartialSignature.Parse(Hex(test["sig"])), PublicNonce.Parse(Hex(root["pnonces"]![Ints(test["nonce_indices"])[signer]])), ctx.PublicKeys[signer]);
        });
    }

    // ---- tweak ----

    public static TheoryData<int> TweakValid => Indices("tweak_vectors.json", "valid_test_cases");

    public static TheoryData<int> TweakErrors => Indices("tweak_vectors.json", "error_test_cases");

    private static (KeyAggContext Ctx, PublicNonce[] Nonces) TweakSetup(JsonNode root, JsonNode test)
    {
        var tweaks = Ints(test["tweak_indices"]).Select(i => Hex(root["tweaks"]![i])).ToArray();
        var ctx = KeyAggAndTweak(Pick(root, "pubkeys", test["key_indices"]), tweaks, Bools(test["is_xonly"]));
        var pnonces = Pick(root, "pnonces", test["nonce_indices"]).Select((n, i) => PublicNonce.Parse(n.Span, i)).ToArray();
        return (ctx, pnonces);
    }

    [Theory]
    [MemberData(nameof(TweakValid))]
    public void Tweak_valid_sign_and_verify(int index)
    {
        var root = Load("tweak_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var (ctx, pnonces) = TweakSetup(root, test);
        var aggnonce = AggregateNonce.Parse(Hex(root["aggnonce"]));
        Assert.Equal(aggnonce, AggregateNonce.Aggregate(pnonces));
        var msg = Hex(root["msg"]);
        using var secnonce = SecretNonce.Import(Hex(root["secnonce"]));
        var psig = new Session(ctx, aggnonce, msg).Sign(secnonce, Sk(root));
        Assert.Equal(test["expected"]!.GetValue<string>(), HexOf(psig.ToArray()));
        Assert.True(Musig2.VerifyPartialSignature(psig, pnonces, ctx, msg, test["signer_index"]!.GetValue<int>()));
    }

    [Theory]
    [MemberData(nameof(TweakErrors))]
    public void Tweak_error(int index)
    {
        var root = Load("tweak_vectors.json");
        var test = root["error_test_cases"]![index]!;
        AssertError(test["error"]!, () => TweakSetup(root, test));
    }

    // ---- sig_agg ----

    public static TheoryData<int> SigAggValid => Indices("sig_agg_vectors.json", "valid_test_cases");

    public static TheoryData<int> SigAggErrors => Indices("sig_agg_vectors.json", "error_test_cases");

    private static Session SigAggSession(JsonNode root, JsonNode test)
    {
        var tweaks = Ints(test["tweak_indices"]).Select(i => Hex(root["tweaks"]![i])).ToArray();
        var ctx = KeyAggAndTweak(Pick(root, "pubkeys", test["key_indices"]), tweaks, Bools(test["is_xonly"]));
        var aggnonce = AggregateNonce.Parse(Hex(test["aggnonce"]));
        Assert.Equal(aggnonce, AggregateNonce.Aggregate(Pick(root, "pnonces", test["nonce_indices"])));
        return new Session(ctx, aggnonce, Hex(root["msg"]));
    }

    [Theory]
    [MemberData(nameof(SigAggValid))]
    public void SigAgg_valid_and_bip340_verifies(int index)
    {
        var root = Load("sig_agg_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var session = SigAggSession(root, test);
        var sig = session.Aggregate(Pick(root, "psigs", test["psig_indices"]));
        Assert.Equal(test["expected"]!.GetValue<string>(), HexOf(sig));
        Assert.True(Schnorr.Verify(sig, Hex(root["msg"]), session.KeyAggContext.XOnlyPublicKey));
    }

    [Theory]
    [MemberData(nameof(SigAggErrors))]
    public void SigAgg_error(int index)
    {
        var root = Load("sig_agg_vectors.json");
        var test = root["error_test_cases"]![index]!;
        var session = SigAggSession(root, test);
        AssertError(test["error"]!, () => session.Aggregate(Pick(root, "psigs", test["psig_indices"])));
    }

    // ---- det_sign ----

    public static TheoryData<int> DetSignValid => Indices("det_sign_vectors.json", "valid_test_cases");

    public static TheoryData<int> DetSignErrors => Indices("det_sign_vectors.json", "error_test_cases");

    private static (PublicNonce PublicNonce, PartialSignature PartialSignature) RunDetSign(JsonNode root, JsonNode test, out KeyAggContext ctx, out byte[] msg)
    {
        var tweaks = test["tweaks"]!.AsArray().Select(Hex).ToArray();
        ctx = KeyAggAndTweak(Pick(root, "pubkeys", test["key_indices"]), tweaks, Bools(test["is_xonly"]));
        msg = Hex(root["msgs"]![test["msg_index"]!.GetValue<int>()]);
        var rand = test["rand"] is null ? [] : Hex(test["rand"]);
        return Musig2.DeterministicSign(Sk(root), Hex(test["aggothernonce"]), ctx, msg, rand);
    }

    [Theory]
    [MemberData(nameof(DetSignValid))]
    public void DeterministicSign_valid_and_verifies(int index)
    {
        var root = Load("det_sign_vectors.json");
        var test = root["valid_test_cases"]![index]!;
        var (pubnonce, psig) = RunDetSign(root, test, out var ctx, out var msg);
        Assert.Equal(test["expected"]![0]!.GetValue<string>(), HexOf(pubnonce.ToArray()));
        Assert.Equal(test["expected"]![1]!.GetValue<string>(), HexOf(psig.ToArray()));

        var aggnonce = AggregateNonce.Aggregate([pubnonce, PublicNonce.Parse(Hex(test["aggothernonce"]))]);
        var session = new Session(ctx, aggnonce, msg);
        Assert.True(session.Verify(psig, pubnonce, ctx.PublicKeys[test["signer_index"]!.GetValue<int>()]));
    }

    [Theory]
    [MemberData(nameof(DetSignErrors))]
    public void DeterministicSign_error(int index)
    {
        var root = Load("det_sign_vectors.json");
        var test = root["error_test_cases"]![index]!;
        AssertError(test["error"]!, () => RunDetSign(root, test, out _, out _));
    }
}
