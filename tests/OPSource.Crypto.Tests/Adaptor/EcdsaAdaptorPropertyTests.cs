using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;

namespace OPSource.Crypto.Tests.Adaptor;

/// <summary>encrypt → verify → decrypt → ECDSA verify → recover round trips on random inputs.</summary>
public class EcdsaAdaptorPropertyTests
{
    private static readonly Gen<SecretKey> GenSecretKey =
        Gen.Byte.Array[32].Where(b => SecretKey.TryCreate(b, out _)).Select(b => SecretKey.Create(b));

    [Fact]
    public void Round_trip()
    {
        Gen.Select(GenSecretKey, GenSecretKey, Gen.Byte.Array[32], Gen.Bool).Sample((signer, decryption, msg, deterministic) =>
        {
            var encryptionKey = decryption.PublicKey;
            var adaptor = deterministic
                ? EcdsaAdaptor.Encrypt(signer, encryptionKey, msg, ReadOnlySpan<byte>.Empty)
                : EcdsaAdaptor.Encrypt(signer, encryptionKey, msg);
            Assert.True(adaptor.Verify(signer.PublicKey, msg, encryptionKey));

            // Serialization round-trips.
            Assert.Equal(adaptor, AdaptorSignature.Parse(adaptor.ToArray()));

            var signature = adaptor.Decrypt(decryption);
            Assert.True(signature.IsLowS);
            Assert.True(Ecdsa.Verify(signature, msg, signer.PublicKey));

            Assert.True(adaptor.TryRecover(signature, encryptionKey, out var recovered));
            Assert.Equal(decryption.PublicKey, recovered.PublicKey);

            // Wrong message, signer or encryption key: verification fails.
            var otherMsg = (byte[])msg.Clone();
            otherMsg[0] ^= 1;
            Assert.False(adaptor.Verify(signer.PublicKey, otherMsg, encryptionKey));
            Assert.False(adaptor.Verify(decryption.PublicKey, msg, encryptionKey));
            Assert.False(adaptor.Verify(signer.PublicKey, msg, signer.PublicKey));
        }, iter: 30);
    }

    [Fact]
    public void Deterministic_without_aux()
    {
        var signer = SecretKey.Create(Enumerable.Repeat((byte)1, 32).ToArray());
        var enc = SecretKey.Create(Enumerable.Repeat((byte)2, 32).ToArray()).PublicKey;
        var msg = new byte[32];
        var a = EcdsaAdaptor.Encrypt(signer, enc, msg, ReadOnlySpan<byte>.Empty);
        var b = EcdsaAdaptor.Encrypt(signer, enc, msg, ReadOnlySpan<byte>.Empty);
        var c = EcdsaAdaptor.Encrypt(signer, enc, msg);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(c.Verify(signer.PublicKey, msg, enc));
    }

    [Fact]
    public void Recover_rejects_an_unrelated_signature()
    {
        var signer = SecretKey.Create(Enumerable.Repeat((byte)1, 32).ToArray());
        var dec = SecretKey.Create(Enumerable.Repeat((byte)2, 32).ToArray());
        var msg = new byte[32];
        var adaptor = EcdsaAdaptor.Encrypt(signer, dec.PublicKey, msg);
        var plain = Ecdsa.Sign(signer, msg);
        Assert.False(adaptor.TryRecover(plain, dec.PublicKey, out _));
    }

    [Fact]
    public void Parser_never_crashes_on_random_bytes()
    {
        Gen.Byte.Array[AdaptorSignature.Size].Sample(bytes =>
        {
            if (!AdaptorSignature.TryParse(bytes, out _))
            {
                var ex = Assert.Throws<FormatException>(() => AdaptorSignature.Parse(bytes));
                Assert.StartsWith("adaptor signature: ", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 2000);
        Assert.False(AdaptorSignature.TryParse(new byte[10], out _));
    }
}
