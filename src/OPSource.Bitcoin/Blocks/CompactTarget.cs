using System.Numerics;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Blocks;

/// <summary>
/// The "bits" compact encoding of proof-of-work targets, as Core's arith_uint256
/// SetCompact/GetCompact (a base-256 float: 1-byte exponent, 23-bit mantissa, sign bit).
/// </summary>
public static class CompactTarget
{
    private static readonly BigInteger Mask256 = (BigInteger.One << 256) - 1;

    /// <summary>Core SetCompact: the target, with its negative and overflow flags.</summary>
    public static UInt256 Decode(uint compact, out bool negative, out bool overflow)
    {
        var size = (int)(compact >> 24);
        var word = compact & 0x007fffff;
        BigInteger value;
        if (size <= 3)
        {
            word >>= 8 * (3 - size);
            value = word;
        }
        else
        {
            // arith_uint256 <<= drops bits beyond 256.
            value = ((BigInteger)word << (8 * (size - 3))) & Mask256;
        }

        negative = word != 0 && (compact & 0x00800000) != 0;
        overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
        return FromBigInteger(value);
    }

    /// <summary>Core GetCompact: the shortest compact form of <paramref name="target"/>.</summary>
    public static uint Encode(UInt256 target, bool negative = false)
    {
        var value = ToBigInteger(target);
        var size = (int)((value.GetBitLength() + 7) / 8);
        uint compact = size <= 3
            ? (uint)(value << (8 * (3 - size)))
            : (uint)(value >> (8 * (size - 3)));

        // The 0x00800000 bit is the sign: if set, move one byte into the exponent.
        if ((compact & 0x00800000) != 0)
        {
            compact >>= 8;
            size++;
        }

        compact |= (uint)size << 24;
        compact |= negative && (compact & 0x007fffff) != 0 ? 0x00800000u : 0;
        return compact;
    }

    /// <summary>The target as a non-negative integer.</summary>
    public static BigInteger ToBigInteger(UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteTo(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>An integer below 2^256 as a <see cref="UInt256"/>.</summary>
    public static UInt256 FromBigInteger(BigInteger value)
    {
        if (value.Sign < 0 || value > Mask256)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "uint256: value outside 0..2^256-1");
        }

        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return new UInt256(bytes);
    }

    /// <summary>
    /// Core CheckProofOfWork: the target from <paramref name="bits"/> must be positive, not
    /// overflowing, at most <paramref name="powLimit"/>, and the hash must not exceed it.
    /// </summary>
    public static bool CheckProofOfWork(BlockHash hash, uint bits, UInt256 powLimit)
    {
        var target = Decode(bits, out var negative, out var overflow);
        if (negative || target.IsZero || overflow || target > powLimit)
        {
            return false;
        }

        return hash.Value <= target;
    }
}
