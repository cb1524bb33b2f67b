using System.Security.Cryptography;
using System.Text;

namespace OPSource.Layers.Rgb;

/// <summary>
/// Baid64 identifiers (UBIDECO baid64 0.4): an optional human-readable prefix (<c>rgb:</c>, <c>rgb:sch:</c>,
/// <c>sts:</c>, <c>alu:</c>), unpadded base64 over the alphabet <c>A-Za-z0-9_~</c>, optionally chunked
/// (8 characters, then groups of 7 joined by '-'), optionally followed by a '#' mnemonic of the checksum
/// (<see cref="Mnemonic"/>), which is checked when present.
/// </summary>
public static class Baid64
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~";

    /// <summary>Human-readable prefixes of the RGB ids.</summary>
    public const string ContractHri = "rgb";

    public const string SchemaHri = "rgb:sch";

    public const string TypeSystemHri = "sts";

    public const string LibHri = "alu";

    public const string KitHri = "rgb:kit";

    public const string ConsignmentHri = "rgb:csg";

    /// <summary>
    /// Formats a 32-byte id as <c>hri:payload</c>, with <c>#word-word-word</c> (the checksum's mnemonic) when
    /// <paramref name="mnemonic"/> is set, as baid64's <c>Display</c> does for ids declaring <c>MNEMONIC</c>.
    /// </summary>
    public static string Encode(string hri, Bytes32 payload, bool chunking, bool mnemonic = false)
    {
        var s = EncodeRaw(payload.Span);
        var sb = new StringBuilder(hri.Length + 96).Append(hri).Append(':');
        if (!chunking)
        {
            sb.Append(s);
        }
        else
        {
            sb.Append(s, 0, 8);
            for (int i = 8; i < s.Length; i += 7)
            {
                sb.Append('-').Append(s, i, Math.Min(7, s.Length - i));
            }
        }

        if (mnemonic)
        {
            sb.Append('#').Append(MnemonicOf(hri, payload));
        }

        return sb.ToString();
    }

    /// <summary>The mnemonic suffix (without '#') of an id: the three words of its checksum.</summary>
    public static string MnemonicOf(string hri, Bytes32 payload) => Mnemonic.Encode(Checksum(hri, payload));

    /// <summary>baid64 <c>check</c>: SHA256(SHA256(hri) || payload), bytes 0, 1, 1, 2.</summary>
    public static byte[] Checksum(string hri, Bytes32 payload)
    {
        var key = SHA256.HashData(Encoding.ASCII.GetBytes(hri));
        var sha = SHA256.HashData([.. key, .. payload.Span]);
        return [sha[0], sha[1], sha[1], sha[2]];
    }

    /// <summary>Parses an id with the given prefix (the prefix may be omitted; a mnemonic suffix is ignored).</summary>
    public static Bytes32 Decode(string hri, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        int colon = s.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!string.Equals(s[..colon], hri, StringComparison.Ordinal))
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': prefix '{hri}:' expected");
            }

            s = s[(colon + 1)..];
        }

        string? suffix = null;
        int hash = s.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            suffix = s[(hash + 1)..];
            s = s[..hash];
        }

        s = s.Replace("-", string.Empty, StringComparison.Ordinal);
        var data = DecodeRaw(s) ?? throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': not Baid64");
        Bytes32 result;
        if (data.Length == 36)
        {
            result = new Bytes32(data.AsSpan(0, 32));
            if (!Checksum(hri, result).AsSpan().SequenceEqual(data.AsSpan(32)))
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': checksum mismatch");
            }
        }
        else
        {
            result = data.Length == 32 ? new Bytes32(data) : throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': wrong length");
        }

        // baid64 from_baid64_str: a mnemonic suffix must decode to 4 bytes equal to the checksum.
        if (suffix is not null)
        {
            var words = Mnemonic.Decode(suffix) ?? throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': '{suffix}' is not a mnemonic of three words");
            if (!Checksum(hri, result).AsSpan().SequenceEqual(words))
            {
                throw new RgbDecodeException(RgbErrorKind.InvalidId, $"invalid id '{text}': mnemonic does not match (expected #{MnemonicOf(hri, result)})");
            }
        }

        return result;
    }

    private static string EncodeRaw(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length * 4 + 2) / 3);
        int i = 0;
        for (; i + 3 <= data.Length; i += 3)
        {
            int v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            sb.Append(Alphabet[(v >> 18) & 63]).Append(Alphabet[(v >> 12) & 63]).Append(Alphabet[(v >> 6) & 63]).Append(Alphabet[v & 63]);
        }

        int rem = data.Length - i;
        if (rem == 1)
        {
            int v = data[i] << 16;
            sb.Append(Alphabet[(v >> 18) & 63]).Append(Alphabet[(v >> 12) & 63]);
        }
        else if (rem == 2)
        {
            int v = (data[i] << 16) | (data[i + 1] << 8);
            sb.Append(Alphabet[(v >> 18) & 63]).Append(Alphabet[(v >> 12) & 63]).Append(Alphabet[(v >> 6) & 63]);
        }

        return sb.ToString();
    }

    private static byte[]? DecodeRaw(string s)
    {
        if (s.Length % 4 == 1)
        {
            return null;
        }

        var output = new List<byte>(s.Length * 3 / 4);
        int acc = 0, bits = 0;
        foreach (char c in s)
        {
            int v = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                return null;
            }

            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)(acc >> bits));
                acc &= (1 << bits) - 1;
            }
        }

        // Canonical encoding: leftover bits must be zero (base64 crate rejects non-canonical trailing bits).
        return acc != 0 ? null : [.. output];
    }
}
