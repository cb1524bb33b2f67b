using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Stacks.Pox;

/// <summary>
/// SIP-018 signed structured data: hash = SHA-256("SIP018" ‖ SHA-256(domain) ‖ SHA-256(message)) over the
/// Clarity serializations; signatures are r‖s‖recid, as Clarity's <c>secp256k1-recover?</c> takes them.
/// </summary>
public static class StructuredData
{
    private static ReadOnlySpan<byte> Prefix => "SIP018"u8;

    /// <summary>The SIP-018 domain tuple.</summary>
    public static ClarityValue Domain(string name, string version, uint chainId) =>
        Cv.Tuple(("name", Cv.Ascii(name)), ("version", Cv.Ascii(version)), ("chain-id", Cv.UInt(chainId)));

    /// <summary>The 32-byte message hash to sign.</summary>
    public static byte[] Hash(ClarityValue domain, ClarityValue message)
    {
        var buffer = new byte[6 + 32 + 32];
        Prefix.CopyTo(buffer);
        Hashes.Sha256(ClarityCodec.Serialize(domain), buffer.AsSpan(6, 32));
        Hashes.Sha256(ClarityCodec.Serialize(message), buffer.AsSpan(38, 32));
        return Hashes.Sha256(buffer);
    }

    /// <summary>Signs: 65 bytes r‖s‖recid.</summary>
    public static byte[] Sign(SecretKey key, ClarityValue domain, ClarityValue message)
    {
        var sig = Ecdsa.SignRecoverable(key, Hash(domain, message));
        var result = new byte[65];
        sig.WriteCompact(result, out int recid);
        result[64] = (byte)recid;
        return result;
    }
}
