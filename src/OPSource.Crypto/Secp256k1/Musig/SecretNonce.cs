using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// A signer's BIP327 secret nonce (k1, k2, pk). Signing twice with the same nonce reveals the
/// secret key, so this object is one-shot: <see cref="Session.Sign"/> consumes it (zeroing the
/// scalars) and any further use throws. Dispose an unused nonce to wipe it. Never serialize or
/// persist it: BIP327 forbids reusing a secnonce across sessions.
/// </summary>
public sealed class SecretNonce : IDisposable
{
    /// <summary>Size of the BIP327 secnonce encoding: k1 (32) || k2 (32) || pk (33).</summary>
    public const int Size = 97;

    private readonly byte[] _secret = new byte[64];
    private readonly byte[] _publicKey = new byte[33];
    private int _state; // 0 = fresh, 1 = consumed or disposed

    private SecretNonce(ReadOnlySpan<byte> k1k2, ReadOnlySpan<byte> publicKey33)
    {
        k1k2.CopyTo(_secret);
        publicKey33.CopyTo(_publicKey);
    }

    /// <summary>True once the nonce has been used for signing or disposed.</summary>
    public bool IsConsumed => Volatile.Read(ref _state) != 0;

    /// <summary>
    /// Imports a 97-byte BIP327 secnonce (as produced by another implementation on the same
    /// device). The scalars are range-checked when signing, as BIP327 Sign specifies.
    /// </summary>
    /// <exception cref="FormatException">Not 97 bytes.</exception>
    public static SecretNonce Import(ReadOnlySpan<byte> secnonce97)
    {
        if (secnonce97.Length != Size)
        {
            throw new FormatException("musig: a secret nonce is 97 bytes");
        }

        return new SecretNonce(secnonce97[..64], secnonce97[64..]);
    }

    internal static SecretNonce FromScalars(in Scalar k1, in Scalar k2, ReadOnlySpan<byte> publicKey33, PublicNonce publicNonce)
    {
        Span<byte> buffer = stackalloc byte[64];
        k1.WriteTo(buffer[..32]);
        k2.WriteTo(buffer[32..]);
        var nonce = new SecretNonce(buffer, publicKey33) { PublicNonce = publicNonce };
        CryptographicOperations.ZeroMemory(buffer);
        return nonce;
    }

    /// <summary>The matching public nonce when generated here (public data; saves two multiplications in Sign).</summary>
    internal PublicNonce? PublicNonce { get; private init; }

    /// <summary>The public key this nonce was generated for (BIP327 secnonce[64:97]).</summary>
    internal ReadOnlySpan<byte> PublicKeyBytes => _publicKey;

    /// <summary>
    /// Hands out k1||k2 exactly once and wipes the stored copy (BIP327 Sign overwrites the
    /// secnonce before anything can fail, so even a failed attempt burns it).
    /// </summary>
    internal void Consume(Span<byte> k1k2Destination)
    {
        if (Interlocked.Exchange(ref _state, 1) != 0)
        {
            throw new MusigException("musig: secret nonce already used or disposed; a nonce must never sign twice");
        }

        _secret.CopyTo(k1k2Destination);
        CryptographicOperations.ZeroMemory(_secret);
    }

    /// <summary>Test hook: the BIP327 encoding, only while unconsumed.</summary>
    internal void WriteTo(Span<byte> destination97)
    {
        if (IsConsumed)
        {
            throw new MusigException("musig: secret nonce already used or disposed");
        }

        _secret.CopyTo(destination97);
        _publicKey.CopyTo(destination97[64..]);
    }

    /// <summary>Wipes the nonce; it can no longer be used.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _state, 1);
        CryptographicOperations.ZeroMemory(_secret);
    }

    /// <summary>Never shows the secret.</summary>
    public override string ToString() => IsConsumed ? "SecretNonce(consumed)" : "SecretNonce(<secret>)";
}
