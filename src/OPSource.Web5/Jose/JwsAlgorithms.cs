using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Jose;

/// <summary>
/// JWS signature algorithms (RFC 7518 section 3; ES256K: RFC 8812 section 3.2; EdDSA: RFC 8037
/// section 3.1, also accepted under its fully-specified name Ed25519, RFC 9864). secp256k1 runs on the
/// repository's own engine, Ed25519 on NSec; the NIST curves, RSA and HMAC (needed for the JOSE
/// cookbook, RFC 7520) on the .NET base library.
/// </summary>
public static class JwsAlgorithms
{
    /// <summary>Algorithms this implementation can verify.</summary>
    public static IReadOnlyList<string> Supported { get; } =
        ["ES256K", "EdDSA", "Ed25519", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512"];

    /// <summary>True when the algorithm's name means Ed25519 signatures.</summary>
    public static bool IsEd25519(string? alg) => alg is "EdDSA" or "Ed25519";

    /// <summary>Signs <paramref name="data"/> with <paramref name="key"/> under <paramref name="alg"/>.</summary>
    public static byte[] Sign(string alg, PrivateJwk key, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckKeyFits(alg, key.Public);
        switch (alg)
        {
            case "ES256K":
                {
                    // RFC 8812 3.2: ECDSA over SHA-256, r || s as 64 bytes; deterministic (RFC 6979) and low-S.
                    if (!SecretKey.TryCreate(key.Secret("d"), out var sk))
                    {
                        throw new JoseException(JoseErrorKind.InvalidKey, "jwk: secp256k1 d out of range");
                    }

                    using (sk)
                    {
                        Span<byte> hash = stackalloc byte[32];
                        SHA256.HashData(data, hash);
                        return Ecdsa.Sign(sk, hash).ToCompact();
                    }
                }

            case "EdDSA":
            case "Ed25519":
                {
                    using var nsKey = NSec.Cryptography.Key.Import(NSec.Cryptography.SignatureAlgorithm.Ed25519, key.Secret("d"), NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
                    return NSec.Cryptography.SignatureAlgorithm.Ed25519.Sign(nsKey, data);
                }

            case "ES256" or "ES384" or "ES512":
                {
                    using var ec = ECDsa.Create(EcParameters(key.Public, key.Secret("d").ToArray()));
                    return ec.SignData(data, HashFor(alg), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }

            case "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512":
                {
                    using var rsa = RSA.Create(RsaParameters(key.Public, key));
                    return rsa.SignData(data.ToArray(), HashFor(alg), alg[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
                }

            case "HS256" or "HS384" or "HS512":
                return Hmac(alg, key.Secret("k"), data);
            default:
                throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jws: unsupported alg '{alg}'");
        }
    }

    /// <summary>
    /// Verifies a signature. ES256K accepts high-S signatures (normalised first), as the Web5 test
    /// vectors require ("verifies high-S form signatures"); HMAC needs <paramref name="secret"/>.
    /// </summary>
    public static bool Verify(string alg, Jwk key, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, PrivateJwk? secret = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckKeyFits(alg, key);
        switch (alg)
        {
            case "ES256K":
                {
                    var pub = key.ToSecp256k1();
                    if (!EcdsaSignature.TryParseCompact(signature, out var sig))
                    {
                        return false;
                    }

                    Span<byte> hash = stackalloc byte[32];
                    SHA256.HashData(data, hash);
                    return Ecdsa.Verify(sig.NormalizeS(), hash, pub);
                }

            case "EdDSA":
            case "Ed25519":
                {
                    if (signature.Length != 64)
                    {
                        return false;
                    }

                    if (!NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, key.XBytes(), NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var pub))
                    {
                        return false;
                    }

                    return NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(pub!, data, signature);
                }

            case "ES256" or "ES384" or "ES512":
                {
                    try
                    {
                        using var ec = ECDsa.Create(EcParameters(key, null));
                        return ec.VerifyData(data, signature, HashFor(alg), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                    }
                    catch (CryptographicException)
                    {
                        return false;
                    }
                }

            case "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512":
                {
                    using var rsa = RSA.Create(RsaParameters(key, null));
                    return rsa.VerifyData(data, signature, HashFor(alg), alg[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
                }

            case "HS256" or "HS384" or "HS512":
                {
                    if (secret is null)
                    {
                        throw new JoseException(JoseErrorKind.WrongKeyType, "jws: HMAC verification needs the symmetric key");
                    }

                    var expected = Hmac(alg, secret.Secret("k"), data);
                    return CryptographicOperations.FixedTimeEquals(expected, signature);
                }

            default:
                throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jws: unsupported alg '{alg}'");
        }
    }

    private static void CheckKeyFits(string alg, Jwk key)
    {
        var fits = alg switch
        {
            "ES256K" => key.Kty == "EC" && key.Crv == "secp256k1",
            "EdDSA" or "Ed25519" => key.Kty == "OKP" && key.Crv == "Ed25519",
            "ES256" => key.Kty == "EC" && key.Crv == "P-256",
            "ES384" => key.Kty == "EC" && key.Crv == "P-384",
            "ES512" => key.Kty == "EC" && key.Crv == "P-521",
            "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" => key.Kty == "RSA",
            "HS256" or "HS384" or "HS512" => key.Kty == "oct",
            _ => throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jws: unsupported alg '{alg}'"),
        };
        if (!fits)
        {
            throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jws: alg '{alg}' does not fit a {key.Kty}/{key.Crv} key");
        }

        // RFC 7517 4.4: a key's "alg" restricts what it may be used with (EdDSA and Ed25519 are one algorithm).
        if (key.Alg is { } keyAlg && keyAlg != alg && !(IsEd25519(keyAlg) && IsEd25519(alg)))
        {
            throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jws: header alg '{alg}' differs from the key's alg '{keyAlg}'");
        }
    }

    private static HashAlgorithmName HashFor(string alg) => alg[^3..] switch
    {
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static byte[] Hmac(string alg, ReadOnlySpan<byte> k, ReadOnlySpan<byte> data) => alg switch
    {
        "HS256" => HMACSHA256.HashData(k, data),
        "HS384" => HMACSHA384.HashData(k, data),
        _ => HMACSHA512.HashData(k, data),
    };

    private static ECParameters EcParameters(Jwk key, byte[]? d) => new()
    {
        Curve = key.Crv switch
        {
            "P-256" => ECCurve.NamedCurves.nistP256,
            "P-384" => ECCurve.NamedCurves.nistP384,
            _ => ECCurve.NamedCurves.nistP521,
        },
        Q = new ECPoint { X = key.XBytes(), Y = key.YBytes() },
        D = d,
    };

    private static RSAParameters RsaParameters(Jwk key, PrivateJwk? secret)
    {
        var p = new RSAParameters { Modulus = B64Url.Decode(key.Get("n"), "jwk: n"), Exponent = B64Url.Decode(key.Get("e"), "jwk: e") };
        if (secret is not null)
        {
            p.D = secret.Secret("d").ToArray();
            p.P = secret.Secret("p").ToArray();
            p.Q = secret.Secret("q").ToArray();
            p.DP = secret.Secret("dp").ToArray();
            p.DQ = secret.Secret("dq").ToArray();
            p.InverseQ = secret.Secret("qi").ToArray();
        }

        return p;
    }
}
