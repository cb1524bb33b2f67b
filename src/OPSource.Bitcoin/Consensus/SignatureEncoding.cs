using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Encoding rules for signatures and public keys found on the stack (Core interpreter.cpp
/// IsLowDERSignature, CheckSignatureEncoding, CheckPubKeyEncoding); the DER and hashtype rules live in
/// <see cref="EcdsaSignatureEncoding"/>, shared with ASM display.
/// </summary>
public static class SignatureEncoding
{
    /// <summary>Core IsCompressedOrUncompressedPubKey: 0x02/0x03 + 32 bytes or 0x04 + 64 bytes.</summary>
    public static bool IsCompressedOrUncompressedPubKey(ReadOnlySpan<byte> pubKey)
    {
        if (pubKey.Length < 33)
        {
            return false;
        }

        return pubKey[0] switch
        {
            0x04 => pubKey.Length == 65,
            0x02 or 0x03 => pubKey.Length == 33,
            _ => false,
        };
    }

    /// <summary>Core IsCompressedPubKey: 33 bytes starting 0x02 or 0x03.</summary>
    public static bool IsCompressedPubKey(ReadOnlySpan<byte> pubKey) =>
        pubKey.Length == 33 && (pubKey[0] == 0x02 || pubKey[0] == 0x03);

    /// <summary>
    /// Core CheckSignatureEncoding: empty signatures pass (a compact "false"); otherwise DER
    /// (DERSIG/LOW_S/STRICTENC), low S (LOW_S) and a defined hashtype (STRICTENC).
    /// </summary>
    public static bool CheckSignatureEncoding(ReadOnlySpan<byte> sig, ScriptVerifyFlags flags, out ScriptError error)
    {
        error = ScriptError.OK;
        if (sig.Length == 0)
        {
            return true;
        }

        if ((flags & (ScriptVerifyFlags.DERSIG | ScriptVerifyFlags.LOW_S | ScriptVerifyFlags.STRICTENC)) != 0 && !EcdsaSignatureEncoding.IsValidSignatureEncoding(sig))
        {
            error = ScriptError.SIG_DER;
            return false;
        }

        if ((flags & ScriptVerifyFlags.LOW_S) != 0 && !IsLowDerSignature(sig, out error))
        {
            return false;
        }

        if ((flags & ScriptVerifyFlags.STRICTENC) != 0 && !EcdsaSignatureEncoding.IsDefinedHashtypeSignature(sig))
        {
            error = ScriptError.SIG_HASHTYPE;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Core CheckPubKeyEncoding: STRICTENC wants a compressed or uncompressed key; BIP143's
    /// WITNESS_PUBKEYTYPE wants a compressed key in witness v0.
    /// </summary>
    public static bool CheckPubKeyEncoding(ReadOnlySpan<byte> pubKey, ScriptVerifyFlags flags, SigVersion sigVersion, out ScriptError error)
    {
        error = ScriptError.OK;
        if ((flags & ScriptVerifyFlags.STRICTENC) != 0 && !IsCompressedOrUncompressedPubKey(pubKey))
        {
            error = ScriptError.PUBKEYTYPE;
            return false;
        }

        if ((flags & ScriptVerifyFlags.WITNESS_PUBKEYTYPE) != 0 && sigVersion == SigVersion.WitnessV0 && !IsCompressedPubKey(pubKey))
        {
            error = ScriptError.WITNESS_PUBKEYTYPE;
            return false;
        }

        return true;
    }

    /// <summary>
    /// BIP146 low S: S at most n/2. // Core IsLowDERSignature: strict DER first (SIG_DER), then the
    /// lax-parsed S compared with the half order (SIG_HIGH_S).
    /// </summary>
    public static bool IsLowDerSignature(ReadOnlySpan<byte> sig, out ScriptError error)
    {
        error = ScriptError.OK;
        if (!EcdsaSignatureEncoding.IsValidSignatureEncoding(sig))
        {
            error = ScriptError.SIG_DER;
            return false;
        }

        // The strict DER layout is known here: S sits after R.
        int lenR = sig[3];
        int lenS = sig[5 + lenR];
        var r = sig.Slice(4, lenR);
        var s = sig.Slice(6 + lenR, lenS);
        // Core CPubKey::CheckLowS parses laxly: if R or S overflows the order both become 0, which is low.
        if (!Overflows(r) && !Overflows(s) && !IsAtMostHalfOrder(s))
        {
            error = ScriptError.SIG_HIGH_S;
            return false;
        }

        return true;
    }

    // secp256k1 group order n / 2, big-endian.
    private static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
    ];

    // secp256k1 group order n, big-endian.
    private static ReadOnlySpan<byte> Order =>
    [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    ];

    private static bool Overflows(ReadOnlySpan<byte> value)
    {
        value = StripZeros(value);
        if (value.Length > 32)
        {
            return true;
        }

        Span<byte> padded = stackalloc byte[32];
        padded.Clear();
        value.CopyTo(padded[(32 - value.Length)..]);
        return padded.SequenceCompareTo(Order) >= 0;
    }

    private static bool IsAtMostHalfOrder(ReadOnlySpan<byte> value)
    {
        value = StripZeros(value);
        Span<byte> padded = stackalloc byte[32];
        padded.Clear();
        value.CopyTo(padded[(32 - value.Length)..]);
        return padded.SequenceCompareTo(HalfOrder) <= 0;
    }

    private static ReadOnlySpan<byte> StripZeros(ReadOnlySpan<byte> value)
    {
        var i = 0;
        while (i < value.Length && value[i] == 0)
        {
            i++;
        }

        return value[i..];
    }
}
