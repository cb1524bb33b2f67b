using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// A secp256k1 secret key (0 &lt; k &lt; n). A class so the secret lives in one place that
/// <see cref="Dispose"/> can wipe; it never appears in <see cref="ToString"/> or exception messages.
/// </summary>
public sealed class SecretKey : IDisposable, IEquatable<SecretKey>
{
    private Scalar _scalar;
    private PublicKey? _publicKey;
    private bool _disposed;

    private SecretKey(in Scalar scalar)
    {
        _scalar = scalar;
    }

    /// <summary>Size of a serialized secret key.</summary>
    public const int Size = 32;

    internal Scalar Scalar
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _scalar;
        }
    }

    /// <summary>Creates a key from 32 big-endian bytes; false unless 0 &lt; value &lt; n (libsecp ec_seckey_verify).</summary>
    public static bool TryCreate(ReadOnlySpan<byte> bytes32, [NotNullWhen(true)] out SecretKey? key)
    {
        if (bytes32.Length != Size || !Scalar.TryCreate(bytes32, out Scalar s) || s.IsZero)
        {
            key = null;
            return false;
        }

        key = new SecretKey(s);
        return true;
    }

    /// <summary>Creates a key from 32 big-endian bytes or throws <see cref="ArgumentException"/> (the bytes are not echoed).</summary>
    public static SecretKey Create(ReadOnlySpan<byte> bytes32)
    {
        if (!TryCreate(bytes32, out SecretKey? key))
        {
            throw new ArgumentException("secp256k1: secret key must be 32 bytes encoding a value in [1, n-1]", nameof(bytes32));
        }

        return key;
    }

    /// <summary>A fresh key from the operating system's CSPRNG.</summary>
    public static SecretKey Generate()
    {
        Span<byte> buf = stackalloc byte[Size];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(buf);
                if (TryCreate(buf, out SecretKey? key))
                {
                    return key;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buf);
        }
    }

    internal static SecretKey FromScalar(in Scalar s) => new(s);

    /// <summary>The public key k*G (computed once and cached).</summary>
    public PublicKey PublicKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_publicKey is { } cached)
            {
                return cached;
            }

            var pk = new PublicKey(EcMult.MultiplyGenerator(_scalar).ToAffine());
            _publicKey = pk;
            return pk;
        }
    }

    /// <summary>The BIP340 x-only public key.</summary>
    public XOnlyPublicKey XOnlyPublicKey => PublicKey.ToXOnly(out _);

    /// <summary>Writes the 32-byte big-endian secret.</summary>
    public void WriteTo(Span<byte> destination32)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination32.Length < Size)
        {
            throw new ArgumentException("secp256k1: destination must hold 32 bytes", nameof(destination32));
        }

        _scalar.WriteTo(destination32[..Size]);
    }

    /// <summary>n - k (libsecp ec_seckey_negate).</summary>
    public SecretKey Negate() => new(Scalar.Negate());

    /// <summary>k + t (libsecp ec_seckey_tweak_add): false if t &gt;= n or the sum is zero.</summary>
    public bool TryAddTweak(ReadOnlySpan<byte> tweak32, [NotNullWhen(true)] out SecretKey? result)
    {
        result = null;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t))
        {
            return false;
        }

        Scalar sum = Scalar.Add(t);
        if (sum.IsZero)
        {
            return false;
        }

        result = new SecretKey(sum);
        return true;
    }

    /// <summary>k * t (libsecp ec_seckey_tweak_mul): false if t is zero or &gt;= n.</summary>
    public bool TryMultiplyTweak(ReadOnlySpan<byte> tweak32, [NotNullWhen(true)] out SecretKey? result)
    {
        result = null;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t) || t.IsZero)
        {
            return false;
        }

        result = new SecretKey(Scalar.Multiply(t));
        return true;
    }

    /// <summary>
    /// libsecp keypair_xonly_tweak_add: negate k if k*G has odd Y, then add t. This is the BIP341
    /// key-path signing key for output key Q = P + tG (BIP341: "taproot_tweak_seckey").
    /// </summary>
    public bool TryAddXOnlyTweak(ReadOnlySpan<byte> tweak32, [NotNullWhen(true)] out SecretKey? result)
    {
        result = null;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t))
        {
            return false;
        }

        bool odd = !PublicKey.Point.HasEvenY;
        Scalar sum = _scalar.ConditionalNegate(odd).Add(t);
        if (sum.IsZero)
        {
            return false;
        }

        result = new SecretKey(sum);
        return true;
    }

    /// <summary>Constant-time comparison of the secrets.</summary>
    public bool Equals(SecretKey? other)
    {
        if (other is null)
        {
            return false;
        }

        return Scalar.Equals(other.Scalar);
    }

    public override bool Equals(object? obj) => obj is SecretKey other && Equals(other);

    /// <summary>Derived from the public key so the hash reveals nothing about the secret.</summary>
    public override int GetHashCode() => PublicKey.GetHashCode();

    /// <summary>Never shows the key.</summary>
    public override string ToString() => "SecretKey(***)";

    /// <summary>Wipes the secret.</summary>
    public void Dispose()
    {
        _scalar = default;
        _disposed = true;
    }
}
