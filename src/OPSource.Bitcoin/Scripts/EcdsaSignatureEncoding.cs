namespace OPSource.Bitcoin.Scripts;

/// <summary>
/// ECDSA signature encoding rules for stack signatures (Core interpreter.cpp IsValidSignatureEncoding,
/// IsDefinedHashtypeSignature). One implementation shared by the interpreter's CheckSignatureEncoding
/// and by ASM display, which only decodes a sighash suffix on strictly encoded signatures.
/// </summary>
public static class EcdsaSignatureEncoding
{
    /// <summary>SIGHASH_ALL.</summary>
    private const byte SighashAll = 0x01;

    /// <summary>SIGHASH_SINGLE.</summary>
    private const byte SighashSingle = 0x03;

    /// <summary>SIGHASH_ANYONECANPAY modifier bit.</summary>
    private const byte SighashAnyoneCanPay = 0x80;

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

    /// <summary>
    /// BIP66 strict DER plus a defined hash type (Core CheckSignatureEncoding with STRICTENC), the
    /// condition under which Core's ScriptToAsmStr prints the sighash name.
    /// </summary>
    public static bool IsStrictEncodedSignature(ReadOnlySpan<byte> sig) =>
        IsValidSignatureEncoding(sig) && IsDefinedHashtypeSignature(sig);
}
