namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// Encoding rules for signatures and public keys found on the stack (Core interpreter.cpp
/// IsValidSignatureEncoding, IsLowDERSignature, IsDefinedHashtypeSignature, CheckPubKeyEncoding).
/// </summary>
public static class SignatureEncoding
{
    /// <summary>SIGHASH_ALL.</summary>
    public const byte SighashAll = 0x01;

    /// <summary>SIGHASH_SINGLE.</summary>
    public const byte SighashSingle = 0x03;

    /// <summary>SIGHASH_ANYONECANPAY modifier bit.</summary>
    public const byte SighashAnyoneCanPay = 0x80;

    /// <summary>
    /// BIP66 strict DER plus a trailing hashtype byte:
    /// 0x30 [total-len] 0x02 [R-len] [R] 0x02 [S-len] [S] [hashtype], 9 to 73 bytes, minimal positive integers.
    /// </summary>
    public static bool IsValidSignatureEncoding(ReadOnlySpan<byte> sig)
    {
        // BIP66: minimum and maximum size constraints.
        if (sig.Length < 9 || sig.Length > 73)
        {
            return false;
        }

        // BIP66: a compound structure whose length covers the whole signature minus the hashtype.
        if (sig[0] != 0x30 || sig[1] != sig.Length - 3)
        {
            return false;
        }

        int lenR = sig[3];
        if (5 + lenR >= sig.Length)
        {
            return false;
        }

        int lenS = sig[5 + lenR];
        if (lenR + lenS + 7 != sig.Length)
        {
            return false;
        }

        // BIP66: R is an INTEGER, non-empty, non-negative, without excess leading zeros.
        if (sig[2] != 0x02 || lenR == 0 || (sig[4] & 0x80) != 0)
        {
            return false;
        }

        if (lenR > 1 && sig[4] == 0x00 && (sig[5] & 0x80) == 0)
        {
            return false;
        }

        // BIP66: the same for S.
        if (sig[lenR + 4] != 0x02 || lenS == 0 || (sig[lenR + 6] & 0x80) != 0)
        {
            return false;
        }

        if (lenS > 1 && sig[lenR + 6] == 0x00 && (sig[lenR + 7] & 0x80) == 0)
        {
            return false;
        }

        return true;
    }

    /// <summary>Core IsDefinedHashtypeSignature: the hashtype without ANYONECANPAY is ALL, NONE or SINGLE.</summary>
    public static bool IsDefinedHashtypeSignature(ReadOnlySpan<byte> sig)
    {
        if (sig.Length == 0)
        {
            return false;
        }

        var hashType = sig[^1] & ~SighashAnyoneCanPay;
        return hashType >= SighashAll && hashType <= SighashSingle;
    }

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

        if ((flags & (ScriptVerifyFlags.DERSIG | ScriptVerifyFlags.LOW_S | ScriptVerifyFlags.STRICTENC)) != 0 && !IsValidSignatureEncoding(sig))
        {
            error = ScriptError.SIG_DER;
            return false;
        }

        if ((flags & ScriptVerifyFlags.LOW_S) != 0 && !IsLowDerSignature(sig, out error))
        {
            return false;
        }

        if ((flags & ScriptVerifyFlags.STRICTENC) != 0 && !IsDefinedHashtypeSignature(sig))
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
        if (!IsValidSignatureEncoding(sig))
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
