using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Musig;
using OPSource.TestSupport;
using OPSource.TestSupport.Native;

namespace OPSource.Crypto.Tests.Musig;

/// <summary>
/// Cross-checks against libsecp256k1 0.2.0 (no MuSig module there, but BIP340 verification and
/// tweaking are): aggregate signatures must verify and tweaked aggregate keys must match.
/// </summary>
public class MusigOracleTests
{
    private static readonly Gen<byte[]> GenSecret = Gen.Byte.Array[32].Where(b => SecretKey.TryCreate(b, out _));

    internal static void RequireOracle()
    {
        if (!LibSecp256k1.IsAvailable)
        {
            if (Vectors.IsCi)
            {
                Assert.Fail("libsecp256k1.so.1 is required under CI");
            }

            Assert.Skip("libsecp256k1.so.1 not installed (apt-get install -y libsecp256k1-dev)");
        }
    }

    [Fact]
    public void Aggregate_signatures_verify_under_libsecp256k1()
    {
        RequireOracle();
        Gen.Select(GenSecret.Array[2, 4], Gen.Byte.Array[0, 100]).Sample((secrets, msg) =>
        {
            var keys = secrets.Select(s => SecretKey.Create(s)).ToArray();
            var ctx = KeyAggContext.Create([.. keys.Select(k => k.PublicKey)]);
            var nonces = keys.Select(k => Musig2.GenerateNonce(k.PublicKey, k, ctx.XOnlyPublicKey, msg, null)).ToArray();
            var session = new Session(ctx, AggregateNonce.Aggregate([.. nonces.Select(n => n.PublicNonce)]), msg);
            var psigs = keys.Select((k, i) => session.Sign(nonces[i].SecretNonce, k)).ToArray();
            var signature = session.Aggregate(psigs);
            return LibSecp256k1.SchnorrVerify(signature, msg, ctx.XOnlyPublicKey.ToBytes());
        }, iter: 15);
    }

    [Fact]
    public void Tweaks_match_libsecp256k1_tweak_add()
    {
        RequireOracle();
        Gen.Select(GenSecret.Array[1, 3], Gen.Byte.Array[32], Gen.Bool).Sample((secrets, tweak, xonly) =>
        {
            tweak[0] &= 0x7f;
            var ctx = KeyAggContext.Create([.. secrets.Select(s => SecretKey.Create(s).PublicKey)]);
            var tweaked = ctx.ApplyTweak(tweak, xonly);
            if (xonly)
            {
                // BIP341-style x-only tweak: libsecp xonly_pubkey_tweak_add on x(Q).
                var expected = LibSecp256k1.XOnlyTweakAdd(ctx.XOnlyPublicKey.ToBytes(), tweak);
                Assert.NotNull(expected);
                Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(tweaked.PublicKey.ToCompressed()));
            }
            else
            {
                // BIP32-style plain tweak: libsecp ec_pubkey_tweak_add on Q.
                var expected = LibSecp256k1.PubKeyTweakAdd(ctx.PublicKey.ToCompressed(), tweak);
                Assert.NotNull(expected);
                Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(tweaked.PublicKey.ToCompressed()));
            }
        }, iter: 40);
    }
}
