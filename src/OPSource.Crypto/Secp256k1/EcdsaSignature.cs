namespace OPSource.Crypto.Secp256k1;

/// <summary>
/// An ECDSA signature (r, s). As in libsecp256k1, a DER signature whose integers overflow parses
/// successfully as (0, 0), which no verification accepts.
/// </summary>
public readonly struct EcdsaSignature : IEquatable<EcdsaSignature>
{
    internal EcdsaSignature(in Scalar r, in Scalar s)
    {
        R = r;
        S = s;
    }

    internal Scalar R { get; }

    internal Scalar S { get; }

    /// <summary>Compact (r || s) size.</summary>
    public const int CompactSize = 64;

    /// <summary>Largest DER encoding.</summary>
    public const int MaxDerSize = 72;

    /// <summary>True when s &lt;= n/2 (BIP146 LOW_S; libsecp verification requires it).</summary>
    public bool IsLowS => !S.IsHigh;

    /// <summary>The equivalent signature with s replaced by n - s when s is high.</summary>
    public EcdsaSignature NormalizeS() => new(R, S.IsHigh ? S.Negate() : S);

    /// <summary>Strict DER exactly as libsecp256k1's ecdsa_signature_parse_der.</summary>
    public static bool TryParseDer(ReadOnlySpan<byte> der, out EcdsaSignature signature)
    {
        signature = default;
        int pos = 0;
        // libsecp secp256k1_ecdsa_sig_parse: SEQUENCE tag, DER length covering exactly the rest.
        if (pos == der.Length || der[pos++] != 0x30)
        {
            return false;
        }

        if (!DerReadLength(der, ref pos, out int seqLen) || seqLen != der.Length - pos)
        {
            return false;
        }

        if (!DerParseInteger(der, ref pos, out Scalar r) || !DerParseInteger(der, ref pos, out Scalar s))
        {
            return false;
        }

        if (pos != der.Length)
        {
            return false;
        }

        signature = new EcdsaSignature(r, s);
        return true;
    }

    // libsecp secp256k1_der_read_len.
    private static bool DerReadLength(ReadOnlySpan<byte> der, ref int pos, out int length)
    {
        length = 0;
        if (pos >= der.Length)
        {
            return false;
        }

        int b1 = der[pos++];
        if (b1 == 0xFF)
        {
            return false; // X.690-0207 8.1.3.5.4
        }

        if ((b1 & 0x80) == 0)
        {
            length = b1;
            return true;
        }

        if (b1 == 0x80)
        {
            return false; // indefinite length is not DER
        }

        int lenLeft = b1 & 0x7F;
        if (lenLeft > der.Length - pos)
        {
            return false;
        }

        if (der[pos] == 0)
        {
            return false; // not the shortest encoding
        }

        if (lenLeft > sizeof(ulong))
        {
            return false;
        }

        ulong ret = 0;
        while (lenLeft > 0)
        {
            ret = (ret << 8) | der[pos];
            pos++;
            lenLeft--;
        }

        if (ret > (ulong)(der.Length - pos))
        {
            return false; // longer than the input
        }

        if (ret < 128)
        {
            return false; // not the shortest encoding
        }

        length = (int)ret;
        return true;
    }

    // libsecp secp256k1_der_parse_integer: out-of-range values parse as zero.
    private static bool DerParseInteger(ReadOnlySpan<byte> der, ref int pos, out Scalar value)
    {
        value = Scalar.Zero;
        if (pos == der.Length || der[pos] != 0x02)
        {
            return false;
        }

        pos++;
        if (!DerReadLength(der, ref pos, out int len))
        {
            return false;
        }

        if (len == 0 || len > der.Length - pos)
        {
            return false; // X.690-0207 8.3.1
        }

        if (der[pos] == 0x00 && len > 1 && (der[pos + 1] & 0x80) == 0)
        {
            return false; // excessive 0x00 padding
        }

        if (der[pos] == 0xFF && len > 1 && (der[pos + 1] & 0x80) == 0x80)
        {
            return false; // excessive 0xFF padding
        }

        bool overflow = (der[pos] & 0x80) != 0; // negative
        if (der[pos] == 0)
        {
            len--;
            pos++;
        }

        if (len > 32)
        {
            overflow = true;
        }

        if (!overflow)
        {
            Span<byte> ra = stackalloc byte[32];
            ra.Clear();
            der.Slice(pos, len).CopyTo(ra[(32 - len)..]);
            overflow = !Scalar.TryCreate(ra, out value);
        }

        if (overflow)
        {
            value = Scalar.Zero;
        }

        pos += len;
        return true;
    }

    /// <summary>
    /// Lax DER as Bitcoin Core's ecdsa_signature_parse_der_lax (pubkey.cpp), for pre-BIP66 signatures:
    /// tolerates bad lengths and padding; out-of-range values give the invalid signature (0, 0).
    /// </summary>
    public static bool TryParseDerLax(ReadOnlySpan<byte> input, out EcdsaSignature signature)
    {
        signature = default;
        int inputLen = input.Length;
        int pos = 0;

        // Sequence tag byte.
        if (pos == inputLen || input[pos] != 0x30)
        {
            return false;
        }

        pos++;

        // Sequence length bytes (skipped, not checked).
        if (pos == inputLen)
        {
            return false;
        }

        int lenByte = input[pos++];
        if ((lenByte & 0x80) != 0)
        {
            lenByte -= 0x80;
            if (lenByte > inputLen - pos)
            {
                return false;
            }

            pos += lenByte;
        }

        if (!LaxInteger(input, ref pos, out int rPos, out int rLen) || !LaxInteger(input, ref pos, out int sPos, out int sLen))
        {
            return false;
        }

        Span<byte> tmp = stackalloc byte[64];
        tmp.Clear();
        bool overflow = false;

        // Ignore leading zeroes.
        while (rLen > 0 && input[rPos] == 0)
        {
            rLen--;
            rPos++;
        }

        if (rLen > 32)
        {
            overflow = true;
        }
        else
        {
            input.Slice(rPos, rLen).CopyTo(tmp[(32 - rLen)..32]);
        }

        while (sLen > 0 && input[sPos] == 0)
        {
            sLen--;
            sPos++;
        }

        if (sLen > 32)
        {
            overflow = true;
        }
        else
        {
            input.Slice(sPos, sLen).CopyTo(tmp[(64 - sLen)..]);
        }

        if (!overflow && TryParseCompact(tmp, out EcdsaSignature parsed))
        {
            signature = parsed;
        }
        else
        {
            signature = new EcdsaSignature(Scalar.Zero, Scalar.Zero);
        }

        return true;
    }

    // Core pubkey.cpp: integer tag, then a length that may be long-form with leading zero bytes.
    private static bool LaxInteger(ReadOnlySpan<byte> input, ref int pos, out int valuePos, out int valueLen)
    {
        valuePos = 0;
        valueLen = 0;
        int inputLen = input.Length;
        if (pos == inputLen || input[pos] != 0x02)
        {
            return false;
        }

        pos++;
        if (pos == inputLen)
        {
            return false;
        }

        int lenByte = input[pos++];
        long len;
        if ((lenByte & 0x80) != 0)
        {
            lenByte -= 0x80;
            if (lenByte > inputLen - pos)
            {
                return false;
            }

            while (lenByte > 0 && input[pos] == 0)
            {
                pos++;
                lenByte--;
            }

            if (lenByte >= 4)
            {
                return false;
            }

            len = 0;
            while (lenByte > 0)
            {
                len = (len << 8) + input[pos];
                pos++;
                lenByte--;
            }
        }
        else
        {
            len = lenByte;
        }

        if (len > inputLen - pos)
        {
            return false;
        }

        valuePos = pos;
        valueLen = (int)len;
        pos += valueLen;
        return true;
    }

    /// <summary>64-byte r || s; false if r or s &gt;= n (libsecp ecdsa_signature_parse_compact; zero is accepted).</summary>
    public static bool TryParseCompact(ReadOnlySpan<byte> sig64, out EcdsaSignature signature)
    {
        signature = default;
        if (sig64.Length != CompactSize || !Scalar.TryCreate(sig64[..32], out Scalar r) || !Scalar.TryCreate(sig64[32..], out Scalar s))
        {
            return false;
        }

        signature = new EcdsaSignature(r, s);
        return true;
    }

    /// <summary>Writes strict DER (libsecp ecdsa_signature_serialize_der); returns its length (at most 72).</summary>
    public int WriteDer(Span<byte> destination72)
    {
        Span<byte> r = stackalloc byte[33];
        Span<byte> s = stackalloc byte[33];
        r[0] = 0;
        s[0] = 0;
        R.WriteTo(r[1..]);
        S.WriteTo(s[1..]);
        int rp = 0, sp = 0;
        // Minimal encoding: drop leading zeros unless the next byte's high bit would make it negative.
        while (rp < 32 && r[rp] == 0 && r[rp + 1] < 0x80)
        {
            rp++;
        }

        while (sp < 32 && s[sp] == 0 && s[sp + 1] < 0x80)
        {
            sp++;
        }

        int lenR = 33 - rp;
        int lenS = 33 - sp;
        int total = 6 + lenR + lenS;
        if (destination72.Length < total)
        {
            throw new ArgumentException($"ecdsa signature: DER needs {total} bytes", nameof(destination72));
        }

        destination72[0] = 0x30;
        destination72[1] = (byte)(4 + lenR + lenS);
        destination72[2] = 0x02;
        destination72[3] = (byte)lenR;
        r[rp..].CopyTo(destination72[4..]);
        destination72[4 + lenR] = 0x02;
        destination72[5 + lenR] = (byte)lenS;
        s[sp..].CopyTo(destination72[(6 + lenR)..]);
        return total;
    }

    /// <summary>Strict DER bytes.</summary>
    public byte[] ToDer()
    {
        Span<byte> buf = stackalloc byte[MaxDerSize];
        int n = WriteDer(buf);
        return buf[..n].ToArray();
    }

    /// <summary>Writes r || s.</summary>
    public void WriteCompact(Span<byte> destination64)
    {
        R.WriteTo(destination64[..32]);
        S.WriteTo(destination64.Slice(32, 32));
    }

    /// <summary>r || s.</summary>
    public byte[] ToCompact()
    {
        var b = new byte[CompactSize];
        WriteCompact(b);
        return b;
    }

    public bool Equals(EcdsaSignature other) => R == other.R && S == other.S;

    public override bool Equals(object? obj) => obj is EcdsaSignature other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(R.D0, S.D0);

    public static bool operator ==(EcdsaSignature left, EcdsaSignature right) => left.Equals(right);

    public static bool operator !=(EcdsaSignature left, EcdsaSignature right) => !left.Equals(right);

    /// <summary>DER hex.</summary>
    public override string ToString() => Convert.ToHexStringLower(ToDer());
}
