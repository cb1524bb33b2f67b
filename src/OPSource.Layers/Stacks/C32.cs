using System.Numerics;
using OPSource.Crypto;

namespace OPSource.Layers.Stacks;

/// <summary>
/// Crockford base-32 as Stacks uses it (c32, SIP-005 "Addresses"): big-endian base-32 of the number with
/// one '0' per leading zero byte, and c32check (version character + c32 of data ‖ first 4 bytes of
/// double SHA-256 over version ‖ data).
/// </summary>
public static class C32
{
    /// <summary>The c32 alphabet (Crockford: no I, L, O, U).</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Encodes bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        int zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        var value = new BigInteger(data[zeros..], isUnsigned: true, isBigEndian: true);
        var digits = new List<char>();
        while (!value.IsZero)
        {
            digits.Add(Alphabet[(int)(value & 31)]);
            value >>= 5;
        }

        digits.Reverse();
        return new string('0', zeros) + new string([.. digits]);
    }

    /// <summary>Decodes c32 text (case-insensitive; O reads as 0, I and L as 1, as c32normalize does).</summary>
    public static bool TryDecode(string text, out byte[] data)
    {
        data = [];
        int zeros = 0;
        var value = BigInteger.Zero;
        bool leading = true;
        foreach (char raw in text)
        {
            int digit = Digit(raw);
            if (digit < 0)
            {
                return false;
            }

            if (leading && digit == 0)
            {
                zeros++;
                continue;
            }

            leading = false;
            value = (value << 5) | digit;
        }

        byte[] tail = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        data = new byte[zeros + tail.Length];
        tail.CopyTo(data, zeros);
        return true;
    }

    /// <summary>The value of one c32 character, or -1.</summary>
    public static int Digit(char c)
    {
        c = char.ToUpperInvariant(c);
        c = c switch { 'O' => '0', 'I' or 'L' => '1', _ => c };
        return Alphabet.IndexOf(c, StringComparison.Ordinal);
    }

    /// <summary>c32check: version character then c32(data ‖ checksum).</summary>
    public static string CheckEncode(byte version, ReadOnlySpan<byte> data)
    {
        if (version >= 32)
        {
            throw new ArgumentOutOfRangeException(nameof(version), "c32check: version must be below 32");
        }

        var payload = new byte[data.Length + 4];
        data.CopyTo(payload);
        Checksum(version, data, payload.AsSpan(data.Length));
        return Alphabet[version] + Encode(payload);
    }

    /// <summary>Decodes c32check text; the error names what is wrong.</summary>
    public static bool TryCheckDecode(string text, out byte version, out byte[] data, out string? error)
    {
        version = 0;
        data = [];
        if (text.Length < 2)
        {
            error = "too short";
            return false;
        }

        int v = Digit(text[0]);
        if (v < 0 || !TryDecode(text[1..], out byte[] payload))
        {
            error = "not c32 (alphabet 0-9 A-Z without I L O U)";
            return false;
        }

        if (payload.Length < 4)
        {
            error = "too short for a checksum";
            return false;
        }

        Span<byte> expected = stackalloc byte[4];
        Checksum((byte)v, payload.AsSpan(0, payload.Length - 4), expected);
        if (!expected.SequenceEqual(payload.AsSpan(payload.Length - 4)))
        {
            error = "bad checksum";
            return false;
        }

        version = (byte)v;
        data = payload[..^4];
        error = null;
        return true;
    }

    private static void Checksum(byte version, ReadOnlySpan<byte> data, Span<byte> output4)
    {
        var buffer = new byte[data.Length + 1];
        buffer[0] = version;
        data.CopyTo(buffer.AsSpan(1));
        Span<byte> hash = stackalloc byte[32];
        Hashes.Hash256(buffer, hash);
        hash[..4].CopyTo(output4);
    }
}
