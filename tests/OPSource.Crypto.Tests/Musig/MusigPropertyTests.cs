using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Musig;

namespace OPSource.Crypto.Tests.Musig;

/// <summary>Randomised n-of-n MuSig2 sessions end in BIP340 signatures that Schnorr.Verify accepts.</summary>
public class MusigPropertyTests
{
    private static readonly Gen<SecretKey> GenSecretKey =
        Gen.Byte.Array[32].Where(b => SecretKey.TryCreate(b, out _)).Select(b => SecretKey.Create(b));

    private static readonly Gen<(byte[] Tweak, bool XOnly)> GenTweak =
        Gen.Select(Gen.Byte.Array[32], Gen.Bool).Select((t, x) =>
        {
            t[0] &= 0x7f; // keep it below n
            return (t, x);
        });

    [Fact]
    public void Random_sessions_produce_valid_bip340_signatures()
    {
        Gen.Select(GenSecretKey.Array[1, 4], GenTweak.Array[0, 3], Gen.Byte.Array[32], Gen.Bool)
            .Sample((keys, tweaks, msg, sort) =>
            {
                var pubkeys = keys.Select(k => k.PublicKey).ToArray();
                var ordered = sort ? Musig2.SortKeys(pubkeys) : pubkeys;
                var signers = ordered.Select(pk => keys[Array.FindIndex(pubkeys, p => p.Equals(pk))]).ToArray();

                var ctx = KeyAggContext.Create(ordered);
                foreach (var (tweak, xonly) in tweaks)
                {
                    ctx = ctx.ApplyTweak(tweak, xonly);
                }

                var nonces = signers.Select((sk, i) => Musig2.GenerateNonce(ordered[i], sk, ctx.XOnlyPublicKey, msg, null)).ToArray();
                var pubnonces = nonces.Select(n => n.PublicNonce).ToArray();
                var session = new Session(ctx, AggregateNonce.Aggregate(pubnonces), msg);
                var psigs = new PartialSignature[signers.Length];
                for (var i = 0; i < signers.Length; i++)
                {
                    psigs[i] = session.Sign(nonces[i].SecretNonce, signers[i]);
                    Assert.True(nonces[i].SecretNonce.IsConsumed);
                    Assert.True(Musig2.VerifyPartialSignature(psigs[i], pubnonces, ctx, msg, i));
                }

                var signature = session.Aggregate(psigs);
                return Schnorr.Verify(signature, msg, ctx.XOnlyPublicKey);
            }, iter: 25);
    }

    [Fact]
    public void Deterministic_signer_completes_a_session()
    {
        Gen.Select(GenSecretKey, GenSecretKey, Gen.Byte.Array[0, 80]).Sample((a, b, msg) =>
        {
            var ctx = KeyAggContext.Create(Musig2.SortKeys([a.PublicKey, b.PublicKey]));
            var (secA, pubA) = Musig2.GenerateNonce(a.PublicKey, a, ctx.XOnlyPublicKey, msg, null);

            // b signs last and statelessly, seeing only the aggregate of the others' nonces.
            var (pubB, psigB) = Musig2.DeterministicSign(b, pubA.ToArray(), ctx, msg);
            var session = new Session(ctx, AggregateNonce.Aggregate([pubA, pubB]), msg);
            var psigA = session.Sign(secA, a);
            Assert.True(session.Verify(psigB, pubB, b.PublicKey));
            Assert.True(session.Verify(psigA, pubA, a.PublicKey));
            return VerifyBip340(session.Aggregate([psigA, psigB]), msg, ctx.XOnlyPublicKey);
        }, iter: 15);
    }

    [Fact]
    public void Secret_nonce_is_one_shot()
    {
        var sk = SecretKey.Create(Enumerable.Repeat((byte)7, 32).ToArray());
        var ctx = KeyAggContext.Create([sk.PublicKey]);
        var (sec, pub) = Musig2.GenerateNonce(sk.PublicKey);
        var session = new Session(ctx, AggregateNonce.Aggregate([pub]), new byte[32]);
        Assert.Equal("SecretNonce(<secret>)", sec.ToString());
        _ = session.Sign(sec, sk);
        var ex = Assert.Throws<MusigException>(() => session.Sign(sec, sk));
        Assert.Contains("already used", ex.Message, StringComparison.Ordinal);
        Assert.Equal("SecretNonce(consumed)", sec.ToString());

        var (disposed, pub2) = Musig2.GenerateNonce(sk.PublicKey);
        disposed.Dispose();
        var session2 = new Session(ctx, AggregateNonce.Aggregate([pub2]), new byte[32]);
        Assert.Throws<MusigException>(() => session2.Sign(disposed, sk));
    }

    [Fact]
    public void Sign_rejects_a_key_that_does_not_match_the_nonce()
    {
        var sk = SecretKey.Create(Enumerable.Repeat((byte)7, 32).ToArray());
        var other = SecretKey.Create(Enumerable.Repeat((byte)9, 32).ToArray());
        var ctx = KeyAggContext.Create([sk.PublicKey, other.PublicKey]);
        var (sec, pub) = Musig2.GenerateNonce(sk.PublicKey);
        var (_, pubOther) = Musig2.GenerateNonce(other.PublicKey);
        var session = new Session(ctx, AggregateNonce.Aggregate([pub, pubOther]), new byte[32]);
        Assert.Throws<MusigException>(() => session.Sign(sec, other));
    }

    [Fact]
    public void Parsers_never_crash_on_random_bytes()
    {
        Gen.Byte.Array[0, 140].Sample(bytes =>
        {
            _ = PublicNonce.TryParse(bytes, out _);
            _ = AggregateNonce.TryParse(bytes, out _);
            _ = PartialSignature.TryParse(bytes, out _);
            try
            {
                _ = Musig2.ParsePublicKey(bytes, 3);
            }
            catch (InvalidContributionException ex)
            {
                Assert.Equal(3, ex.Signer);
                Assert.Equal("musig: invalid public key from signer 3", ex.Message);
            }
        }, iter: 2000);
    }

    [Fact]
    public void Invalid_nonce_error_names_the_signer()
    {
        var bad = new byte[66];
        bad[0] = 4;
        var ex = Assert.Throws<InvalidContributionException>(() => PublicNonce.Parse(bad, 1));
        Assert.Equal("musig: invalid public nonce from signer 1", ex.Message);
    }

    [Fact]
    public void Api_edges()
    {
        using var a = SecretKey.Create(Enumerable.Repeat((byte)3, 32).ToArray());
        using var b = SecretKey.Create(Enumerable.Repeat((byte)4, 32).ToArray());
        using var outsider = SecretKey.Create(Enumerable.Repeat((byte)5, 32).ToArray());
        Assert.Throws<ArgumentException>(() => KeyAggContext.Create([]));

        var ctx = KeyAggContext.Create([a.PublicKey, b.PublicKey]);
        Assert.True(ctx.Contains(b.PublicKey));
        Assert.False(ctx.Contains(outsider.PublicKey));
        Assert.Equal(0, ctx.TweakCount);
        Assert.Equal(1, ctx.ApplyTweak(new byte[32], isXOnly: true).TweakCount);
        Assert.Throws<ArgumentException>(() => ctx.ApplyTweak(new byte[31], isXOnly: false));

        var msg = new byte[32];
        var (secA, pubA) = Musig2.GenerateNonce(a.PublicKey, a, ctx.XOnlyPublicKey, msg, [1, 2, 3]);
        Assert.Throws<ArgumentException>(() => Musig2.DeterministicSign(b, pubA.ToArray(), ctx, msg, new byte[31]));
        var bad = Assert.Throws<InvalidContributionException>(() => Musig2.DeterministicSign(b, new byte[66], ctx, msg));
        Assert.Null(bad.Signer);
        Assert.Equal(MusigContribution.AggregateOtherNonce, bad.Contribution);

        var (pubB, psigB) = Musig2.DeterministicSign(b, pubA.ToArray(), ctx, msg, new byte[32]);
        var session = new Session(ctx, AggregateNonce.Aggregate([pubA, pubB]), msg);
        var psigA = session.Sign(secA, a);
        Assert.Equal(psigA, PartialSignature.Parse(psigA.ToArray(), 0));
        Assert.Throws<MusigException>(() => session.Verify(psigA, pubA, outsider.PublicKey));

        var array = session.Aggregate([psigA, psigB]);
        Span<byte> span = stackalloc byte[64];
        session.Aggregate([psigA, psigB], span);
        Assert.Equal(array, span.ToArray());
        Assert.True(Schnorr.Verify(array, msg, ctx.XOnlyPublicKey));

        // The aggregate nonce from a coordinator round-trips through its encoding.
        Assert.Equal(session.AggregateNonce, AggregateNonce.Parse(session.AggregateNonce.ToString()));
        var wrongSigner = Assert.Throws<InvalidContributionException>(() => session.Aggregate([psigA.ToArray(), new byte[] { 0xff }]));
        Assert.Equal(1, wrongSigner.Signer);
    }

    private static bool VerifyBip340(byte[] signature, byte[] msg, XOnlyPublicKey key) => Schnorr.Verify(signature, msg, key);
}
