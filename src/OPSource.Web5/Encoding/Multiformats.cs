using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Web5.Encoding;

/// <summary>
/// Multicodec codes this module uses (the multiformats table,
/// https://github.com/multiformats/multicodec/blob/master/table.csv).
/// </summary>
public enum Multicodec : ulong
{
    /// <summary>sha2-256 multihash.</summary>
    Sha2_256 = 0x12,

    /// <summary>raw bytes (DWN data CIDs).</summary>
    Raw = 0x55,

    /// <summary>dag-pb (UnixFS nodes of multi-chunk DWN data CIDs).</summary>
    DagPb = 0x70,

    /// <summary>dag-cbor (DWN message CIDs).</summary>
    DagCbor = 0x71,

    /// <summary>secp256k1 compressed public key.</summary>
    Secp256k1Pub = 0xe7,

    /// <summary>BLS12-381 G1 public key.</summary>
    Bls12381G1Pub = 0xea,

    /// <summary>BLS12-381 G2 public key.</summary>
    Bls12381G2Pub = 0xeb,

    /// <summary>X25519 public key.</summary>
    X25519Pub = 0xec,

    /// <summary>Ed25519 public key.</summary>
    Ed25519Pub = 0xed,

    /// <summary>BLS12-381 G1 and G2 public keys concatenated.</summary>
    Bls12381G1G2Pub = 0xee,

    /// <summary>P-256 compressed public key.</summary>
    P256Pub = 0x1200,

    /// <summary>P-384 compressed public key.</summary>
    P384Pub = 0x1201,

    /// <summary>P-521 compressed public key.</summary>
    P521Pub = 0x1202,

    /// <summary>RSA public key (DER RSAPublicKey, PKCS#1).</summary>
    RsaPub = 0x1205,

    /// <summary>Ed25519 private key.</summary>
    Ed25519Priv = 0x1300,

    /// <summary>secp256k1 private key.</summary>
    Secp256k1Priv = 0x1301,

    /// <summary>X25519 private key.</summary>
    X25519Priv = 0x1302,
}

/// <summary>Multicodec-prefixed byte strings (varint code, then the bytes).</summary>
public static class MulticodecBytes
{
    /// <summary>Prefixes <paramref name="data"/> with the varint of <paramref name="code"/>.</summary>
    public static byte[] Add(Multicodec code, ReadOnlySpan<byte> data)
    {
        var prefix = Varint.Encode((ulong)code);
        var result = new byte[prefix.Length + data.Length];
        prefix.CopyTo(result, 0);
        data.CopyTo(result.AsSpan(prefix.Length));
        return result;
    }

    /// <summary>Splits a multicodec-prefixed byte string.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> input, out ulong code, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        if (!Varint.TryRead(input, out code, out var length))
        {
            return false;
        }

        data = input[length..].ToArray();
        return true;
    }
}

/// <summary>
/// Multibase strings (https://github.com/multiformats/multibase): base58btc ('z'), base32 lower ('b'),
/// base64url ('u') and base16 lower ('f').
/// </summary>
public static class Multibase
{
    /// <summary>'z' + base58btc.</summary>
    public static string EncodeBase58Btc(ReadOnlySpan<byte> data) => "z" + Base58.Encode(data);

    /// <summary>'b' + lower-case base32 without padding.</summary>
    public static string EncodeBase32(ReadOnlySpan<byte> data) => "b" + Base32.EncodeLower(data);

    /// <summary>Decodes any of the supported bases; false with a reason otherwise.</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? data, [NotNullWhen(false)] out string? error)
    {
        data = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "multibase: empty string";
            return false;
        }

        var body = text[1..];
        switch (text[0])
        {
            case 'z':
                if (Base58.TryDecode(body, out var b58, out _))
                {
                    data = b58;
                    return true;
                }

                break;
            case 'b':
                if (Base32.TryDecodeLower(body, out var b32))
                {
                    data = b32;
                    return true;
                }

                break;
            case 'u':
                if (B64Url.TryDecode(body, out var b64))
                {
                    data = b64;
                    return true;
                }

                break;
            case 'f':
                if (body.Length % 2 == 0)
                {
                    try
                    {
                        data = Convert.FromHexString(body);
                        return true;
                    }
                    catch (FormatException)
                    {
                    }
                }

                break;
            default:
                error = $"multibase: unsupported prefix '{text[0]}'";
                return false;
        }

        error = $"multibase: invalid '{text[0]}' encoding";
        return false;
    }
}
