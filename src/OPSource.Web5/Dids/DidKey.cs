using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dids;

/// <summary>How did:key documents write their keys (did:key spec, "Signature Method Creation Algorithm").</summary>
public enum DidKeyFormat
{
    /// <summary>JsonWebKey2020 with publicKeyJwk (the @web5/dids default).</summary>
    JsonWebKey2020,

    /// <summary>
    /// The key type's own suite with publicKeyBase58 (Ed25519VerificationKey2018,
    /// X25519KeyAgreementKey2019, EcdsaSecp256k1VerificationKey2019, Bls12381G1Key2020/G2Key2020,
    /// P256Key2021...), as the 2022 did:key test vectors write them.
    /// </summary>
    Base58Suite,
}

/// <summary>Options of the did:key document creation algorithm.</summary>
public sealed record DidKeyOptions
{
    /// <summary>The verification method format.</summary>
    public DidKeyFormat Format { get; init; } = DidKeyFormat.JsonWebKey2020;

    /// <summary>Derive an X25519 key-agreement key from an Ed25519 key (did:key "enableEncryptionKeyDerivation").</summary>
    public bool EnableEncryptionKeyDerivation { get; init; }

    /// <summary>List a signature key under keyAgreement too (the 2022 vectors do for secp256k1, NIST and RSA keys).</summary>
    public bool SignatureKeyAgreement { get; init; }
}

/// <summary>
/// did:key (https://w3c-ccg.github.io/did-method-key/): the DID is 'z' + base58btc(multicodec ||
/// public key). Ed25519, X25519 and secp256k1 keys are created here; those and the NIST curves, RSA
/// and BLS12-381 resolve.
/// </summary>
public sealed class DidKeyMethod : IDidMethodResolver
{
    /// <summary>The resolver with @web5/dids' defaults.</summary>
    public DidKeyMethod()
        : this(new DidKeyOptions())
    {
    }

    /// <summary>A resolver with the given document options.</summary>
    public DidKeyMethod(DidKeyOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>The document options.</summary>
    public DidKeyOptions Options { get; }

    /// <inheritdoc />
    public string Method => "key";

    /// <summary>The did:key of a public key (Ed25519, X25519 or secp256k1 JWK).</summary>
    public static string FromJwk(Jwk key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] prefixed = (key.Kty, key.Crv) switch
        {
            ("OKP", "Ed25519") => MulticodecBytes.Add(Multicodec.Ed25519Pub, key.XBytes()),
            ("OKP", "X25519") => MulticodecBytes.Add(Multicodec.X25519Pub, key.XBytes()),
            ("EC", "secp256k1") => MulticodecBytes.Add(Multicodec.Secp256k1Pub, key.ToSecp256k1().ToCompressed()),
            _ => throw new JoseException(JoseErrorKind.InvalidKey, $"did:key: unsupported key {key.Kty}/{key.Crv}"),
        };
        return "did:key:" + Multibase.EncodeBase58Btc(prefixed);
    }

    /// <inheritdoc />
    public Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        return Task.FromResult(Resolve(did));
    }

    /// <summary>Resolves synchronously (no I/O).</summary>
    public DidResolutionResult Resolve(Did did)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (did.Method != "key")
        {
            return DidResolutionResult.Failure(DidErrorCodes.MethodNotSupported, $"method '{did.Method}' is not key");
        }

        if (!did.Id.StartsWith('z') || !Base58.TryDecode(did.Id[1..], out var bytes, out _) || !MulticodecBytes.TrySplit(bytes, out var code, out var key))
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDid, "did:key identifier must be 'z' + base58btc(multicodec key)");
        }

        try
        {
            return DidResolutionResult.Success(CreateDocument(did.Uri, did.Id, (Multicodec)code, key));
        }
        catch (DidKeyException e)
        {
            return DidResolutionResult.Failure(e.Code, e.Message);
        }
    }

    private DidDocument CreateDocument(string didUri, string multibase, Multicodec code, byte[] key)
    {
        var expected = code switch
        {
            Multicodec.Ed25519Pub or Multicodec.X25519Pub => 32,
            Multicodec.Secp256k1Pub => 33,
            Multicodec.P256Pub => 33,
            Multicodec.P384Pub => 49,
            Multicodec.P521Pub => 67,
            Multicodec.Bls12381G1Pub => 48,
            Multicodec.Bls12381G2Pub => 96,
            Multicodec.Bls12381G1G2Pub => 144,
            Multicodec.RsaPub => -1,
            _ => throw new DidKeyException(DidErrorCodes.UnsupportedPublicKeyType, $"did:key: unsupported multicodec 0x{(ulong)code:x}"),
        };
        if (expected > 0 && key.Length != expected)
        {
            throw new DidKeyException(DidErrorCodes.InvalidPublicKeyLength, $"did:key: expected {expected} key bytes, got {key.Length}");
        }

        var vms = new List<VerificationMethod>();
        var contexts = new List<string> { "https://www.w3.org/ns/did/v1" };
        var rel = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

        if (code == Multicodec.Bls12381G1G2Pub)
        {
            // G1 || G2 in one identifier: the 2022 did:key vectors expose the G1 key as the verification method.
            var g1 = MulticodecBytes.Add(Multicodec.Bls12381G1Pub, key.AsSpan(0, 48));
            vms.Add(MakeMethod(didUri, Multibase.EncodeBase58Btc(g1), Multicodec.Bls12381G1Pub, key[..48]));
        }
        else
        {
            vms.Add(MakeMethod(didUri, multibase, code, key));
        }

        var ids = vms.Select(v => v.Id).ToList();
        if (code == Multicodec.X25519Pub)
        {
            rel[VerificationRelationships.KeyAgreement] = ids;
        }
        else
        {
            rel[VerificationRelationships.Authentication] = ids;
            rel[VerificationRelationships.AssertionMethod] = ids;
            rel[VerificationRelationships.CapabilityInvocation] = ids;
            rel[VerificationRelationships.CapabilityDelegation] = ids;
            if (code == Multicodec.Ed25519Pub && Options.EnableEncryptionKeyDerivation)
            {
                var x = Ed25519ToX25519(key);
                var xMultibase = Multibase.EncodeBase58Btc(MulticodecBytes.Add(Multicodec.X25519Pub, x));
                var kem = MakeMethod(didUri, xMultibase, Multicodec.X25519Pub, x);
                vms.Add(kem);
                rel[VerificationRelationships.KeyAgreement] = [kem.Id];
            }
            else if (Options.SignatureKeyAgreement && code is not (Multicodec.Bls12381G1Pub or Multicodec.Bls12381G2Pub or Multicodec.Bls12381G1G2Pub or Multicodec.Ed25519Pub))
            {
                rel[VerificationRelationships.KeyAgreement] = ids;
            }
        }

        foreach (var type in vms.Select(v => v.Type).Distinct())
        {
            contexts.Add(ContextFor(type));
        }

        return new DidDocument
        {
            Id = didUri,
            Context = contexts,
            VerificationMethods = vms,
            Relationships = rel,
        };
    }

    private VerificationMethod MakeMethod(string didUri, string multibase, Multicodec code, byte[] key)
    {
        var id = didUri + "#" + multibase;
        if (Options.Format == DidKeyFormat.Base58Suite)
        {
            var type = code switch
            {
                Multicodec.Ed25519Pub => "Ed25519VerificationKey2018",
                Multicodec.X25519Pub => "X25519KeyAgreementKey2019",
                Multicodec.Secp256k1Pub => "EcdsaSecp256k1VerificationKey2019",
                Multicodec.Bls12381G1Pub => "Bls12381G1Key2020",
                Multicodec.Bls12381G2Pub => "Bls12381G2Key2020",
                Multicodec.P256Pub => "P256Key2021",
                Multicodec.P384Pub => "P384Key2021",
                Multicodec.P521Pub => "P521Key2021",
                _ => null,
            };
            if (type is not null)
            {
                Validate(code, key);
                return new VerificationMethod(id, type, didUri, null, PublicKeyBase58: Base58.Encode(key));
            }
        }

        return new VerificationMethod(id, "JsonWebKey2020", didUri, ToJwk(code, key));
    }

    private static string ContextFor(string type) => type switch
    {
        "Ed25519VerificationKey2018" => "https://w3id.org/security/suites/ed25519-2018/v1",
        "X25519KeyAgreementKey2019" => "https://w3id.org/security/suites/x25519-2019/v1",
        "EcdsaSecp256k1VerificationKey2019" => "https://w3id.org/security/suites/secp256k1-2019/v1",
        "Bls12381G1Key2020" or "Bls12381G2Key2020" => "https://w3id.org/security/suites/bls12381-2020/v1",
        "P256Key2021" or "P384Key2021" or "P521Key2021" => "https://w3id.org/security/suites/multikey-2021/v1",
        _ => "https://w3id.org/security/suites/jws-2020/v1",
    };

    private static void Validate(Multicodec code, byte[] key)
    {
        switch (code)
        {
            case Multicodec.Secp256k1Pub:
                if (!OPSource.Crypto.Secp256k1.PublicKey.TryParse(key, out _))
                {
                    throw new DidKeyException(DidErrorCodes.InvalidPublicKey, "did:key: not a secp256k1 point");
                }

                break;
            case Multicodec.Ed25519Pub:
                if (!NSec.Cryptography.PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, key, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out _))
                {
                    throw new DidKeyException(DidErrorCodes.InvalidPublicKey, "did:key: not an Ed25519 point");
                }

                break;
            case Multicodec.P256Pub or Multicodec.P384Pub or Multicodec.P521Pub:
                _ = NistCurves.Decompress(code, key);
                break;
            default:
                break;
        }
    }

    /// <summary>The JWK of a multicodec public key.</summary>
    internal static Jwk ToJwk(Multicodec code, byte[] key)
    {
        Validate(code, key);
        switch (code)
        {
            case Multicodec.Ed25519Pub:
                return Jwk.FromOkp("Ed25519", key, alg: null);
            case Multicodec.X25519Pub:
                return Jwk.FromOkp("X25519", key, alg: null);
            case Multicodec.Secp256k1Pub:
                return Jwk.FromSecp256k1(OPSource.Crypto.Secp256k1.PublicKey.Parse(key), alg: null);
            case Multicodec.P256Pub or Multicodec.P384Pub or Multicodec.P521Pub:
                {
                    var (x, y, crv) = NistCurves.Decompress(code, key);
                    return Jwk.FromJson(new JsonObject { ["kty"] = "EC", ["crv"] = crv, ["x"] = B64Url.Encode(x), ["y"] = B64Url.Encode(y) });
                }

            case Multicodec.RsaPub:
                {
                    using var rsa = RSA.Create();
                    try
                    {
                        rsa.ImportRSAPublicKey(key, out var read);
                        if (read != key.Length)
                        {
                            throw new DidKeyException(DidErrorCodes.InvalidPublicKey, "did:key: trailing bytes after the RSA key");
                        }
                    }
                    catch (CryptographicException)
                    {
                        throw new DidKeyException(DidErrorCodes.InvalidPublicKey, "did:key: not a DER RSAPublicKey");
                    }

                    var p = rsa.ExportParameters(false);
                    return Jwk.FromJson(new JsonObject { ["kty"] = "RSA", ["n"] = B64Url.Encode(p.Modulus), ["e"] = B64Url.Encode(p.Exponent) });
                }

            case Multicodec.Bls12381G1Pub or Multicodec.Bls12381G2Pub:
                // No JOSE registration exists for BLS keys; the did:key drafts write kty EC with these curve names.
                return Jwk.FromMembersUnchecked(new JsonObject { ["kty"] = "EC", ["crv"] = code == Multicodec.Bls12381G1Pub ? "BLS12381_G1" : "BLS12381_G2", ["x"] = B64Url.Encode(key) });
            default:
                throw new DidKeyException(DidErrorCodes.UnsupportedPublicKeyType, $"did:key: unsupported multicodec 0x{(ulong)code:x}");
        }
    }

    /// <summary>
    /// The X25519 key of an Ed25519 public key: u = (1 + y) / (1 - y) mod p (RFC 7748 section 4.1,
    /// the birational map between edwards25519 and curve25519).
    /// </summary>
    internal static byte[] Ed25519ToX25519(ReadOnlySpan<byte> ed)
    {
        var p = BigInteger.Pow(2, 255) - 19;
        var yBytes = ed.ToArray();
        yBytes[31] &= 0x7f;
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false);
        var u = (1 + y) * BigInteger.ModPow(((1 - y) % p + p) % p, p - 2, p) % p;
        var result = new byte[32];
        u.TryWriteBytes(result, out _, isUnsigned: true, isBigEndian: false);
        return result;
    }
}

/// <summary>A did:key creation/resolution failure with its DID error code.</summary>
internal sealed class DidKeyException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Point decompression on the NIST prime curves (SEC 1 section 2.3.4; all three have p = 3 mod 4).</summary>
internal static class NistCurves
{
    private static readonly BigInteger P256 = BigInteger.Parse("115792089210356248762697446949407573530086143415290314195533631308867097853951", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger B256 = BigInteger.Parse("41058363725152142129326129780047268409114441015993725554835256314039467401291", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger P384 = BigInteger.Pow(2, 384) - BigInteger.Pow(2, 128) - BigInteger.Pow(2, 96) + BigInteger.Pow(2, 32) - 1;
    private static readonly BigInteger B384 = Hex("b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef");
    private static readonly BigInteger P521 = BigInteger.Pow(2, 521) - 1;
    private static readonly BigInteger B521 = Hex("0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00");

    private static BigInteger Hex(string h) => new(Convert.FromHexString(h), isUnsigned: true, isBigEndian: true);

    public static (byte[] X, byte[] Y, string Crv) Decompress(Multicodec code, byte[] compressed)
    {
        var (p, b, size, crv) = code switch
        {
            Multicodec.P256Pub => (P256, B256, 32, "P-256"),
            Multicodec.P384Pub => (P384, B384, 48, "P-384"),
            _ => (P521, B521, 66, "P-521"),
        };
        if (compressed.Length != size + 1 || compressed[0] is not (2 or 3))
        {
            throw new DidKeyException(DidErrorCodes.InvalidPublicKey, $"did:key: {crv} key must be a {size + 1}-byte compressed point");
        }

        var x = new BigInteger(compressed.AsSpan(1), isUnsigned: true, isBigEndian: true);
        if (x >= p)
        {
            throw new DidKeyException(DidErrorCodes.InvalidPublicKey, $"did:key: {crv} x is not below p");
        }

        // y^2 = x^3 - 3x + b; sqrt by a^((p+1)/4) since p = 3 mod 4.
        var rhs = ((BigInteger.ModPow(x, 3, p) - 3 * x + b) % p + p) % p;
        var y = BigInteger.ModPow(rhs, (p + 1) / 4, p);
        if (y * y % p != rhs)
        {
            throw new DidKeyException(DidErrorCodes.InvalidPublicKey, $"did:key: x is not on {crv}");
        }

        if ((y.IsEven ? 2 : 3) != compressed[0])
        {
            y = p - y;
        }

        return (Fixed(x, size), Fixed(y, size), crv);
    }

    private static byte[] Fixed(BigInteger v, int size)
    {
        var result = new byte[size];
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes.CopyTo(result, size - bytes.Length);
        return result;
    }
}
