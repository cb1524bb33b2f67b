using System.Security.Cryptography;
using System.Text;

namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// BIP340 tagged hashes with the SHA256(tag)||SHA256(tag) prefix computed once per tag, so the
/// per-call cost is one SHA-256 over a stack buffer (no allocation for small inputs).
/// </summary>
internal static class TaggedHashes
{
    // BIP327: tags used by KeyAgg, NonceGen, GetSessionValues and DeterministicSign.
    internal static readonly byte[] KeyAggList = Prefix("KeyAgg list");
    internal static readonly byte[] KeyAggCoefficient = Prefix("KeyAgg coefficient");
    internal static readonly byte[] MusigAux = Prefix("MuSig/aux");
    internal static readonly byte[] MusigNonce = Prefix("MuSig/nonce");
    internal static readonly byte[] MusigNonceCoef = Prefix("MuSig/noncecoef");
    internal static readonly byte[] MusigDeterministicNonce = Prefix("MuSig/deterministic/nonce");

    // BIP340: the challenge hash a MuSig2 signature must satisfy.
    internal static readonly byte[] Bip340Challenge = Prefix("BIP0340/challenge");

    // secp256k1-zkp ecdsa_adaptor: nonce derivation and DLEQ proof tags.
    internal static readonly byte[] EcdsaAdaptorNonce = Prefix("ECDSAadaptor/non");
    internal static readonly byte[] EcdsaAdaptorAux = Prefix("ECDSAadaptor/aux");
    internal static readonly byte[] Dleq = Prefix("DLEQ");

    private const int StackLimit = 448;

    /// <summary>tagged_hash(tag, data) where <paramref name="prefix64"/> is one of the fields above.</summary>
    internal static void Hash(ReadOnlySpan<byte> prefix64, ReadOnlySpan<byte> data, Span<byte> output32)
    {
        if (data.Length <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[64 + StackLimit];
            var used = buffer[..(64 + data.Length)];
            prefix64.CopyTo(used);
            data.CopyTo(used[64..]);
            SHA256.HashData(used, output32);
            CryptographicOperations.ZeroMemory(used);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(prefix64);
        hash.AppendData(data);
        hash.GetHashAndReset(output32);
    }

    /// <summary>tagged_hash(tag, data) reduced modulo the group order.</summary>
    internal static Scalar HashToScalar(ReadOnlySpan<byte> prefix64, ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[32];
        Hash(prefix64, data, digest);
        var result = Scalar.CreateReduced(digest);
        CryptographicOperations.ZeroMemory(digest);
        return result;
    }

    private static byte[] Prefix(string tag)
    {
        var tagHash = SHA256.HashData(Encoding.ASCII.GetBytes(tag));
        return [.. tagHash, .. tagHash];
    }
}
