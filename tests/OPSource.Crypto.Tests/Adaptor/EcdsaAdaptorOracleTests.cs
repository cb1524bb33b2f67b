using CsCheck;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Crypto.Tests.Musig;
using OPSource.TestSupport.Native;

namespace OPSource.Crypto.Tests.Adaptor;

/// <summary>Decrypted adaptor signatures are ordinary ECDSA signatures for libsecp256k1 0.2.0 too.</summary>
public class EcdsaAdaptorOracleTests
{
    private static readonly Gen<byte[]> GenSecret = Gen.Byte.Array[32].Where(b => SecretKey.TryCreate(b, out _));

    [Fact]
    public void Decrypted_signatures_verify_under_libsecp256k1_and_recovery_returns_y()
    {
        MusigOracleTests.RequireOracle();
        Gen.Select(GenSecret, GenSecret, Gen.Byte.Array[32]).Sample((x, y, msg) =>
        {
            using var signer = SecretKey.Create(x);
            using var decryption = SecretKey.Create(y);
            var adaptor = EcdsaAdaptor.Encrypt(signer, decryption.PublicKey, msg);
            var signature = adaptor.Decrypt(decryption);
            var compact = signature.ToCompact();
            Assert.True(LibSecp256k1.EcdsaVerifyCompact(compact, msg, LibSecp256k1.PubKeyCreate(x)!));
            Assert.True(adaptor.TryRecover(signature, decryption.PublicKey, out var recovered));
            var recoveredBytes = new byte[32];
            recovered.WriteTo(recoveredBytes);
            Assert.Equal(y, recoveredBytes);
        }, iter: 20);
    }
}
