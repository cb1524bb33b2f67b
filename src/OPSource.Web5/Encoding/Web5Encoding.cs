using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OPSource.Web5.Encoding;

/// <summary>Base64url without padding (RFC 4648 section 5, as JOSE requires: RFC 7515 section 2).</summary>
public static class B64Url
{
    /// <summary>Encodes without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data) => Base64Url.EncodeToString(data);

    /// <summary>Encodes the UTF-8 bytes of a string.</summary>
    public static string EncodeUtf8(string text) => Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Decodes base64url (padding and whitespace refused: JOSE forbids both).</summary>
    public static bool TryDecode(string? text, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        if (text is null)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_'))
            {
                return false;
            }
        }

        // A length of 1 mod 4 cannot come from any byte string.
        if (text.Length % 4 == 1)
        {
            return false;
        }

        try
        {
            data = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Decodes or throws <see cref="FormatException"/> naming <paramref name="field"/>.</summary>
    public static byte[] Decode(string? text, string field) =>
        TryDecode(text, out var data) ? data : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidBase64Url, $"{field}: not base64url");
}

/// <summary>
/// RFC 4648 base32 in lower case without padding (multibase prefix 'b', used by CIDv1 strings), and
/// z-base-32 (did:dht identifiers: "https://did-dht.com/#did-suffix", alphabet from
/// http://philzimmermann.com/docs/human-oriented-base-32-encoding.txt).
/// </summary>
public static class Base32
{
    private const string Rfc4648Lower = "abcdefghijklmnopqrstuvwxyz234567";
    private const string ZBase32Alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";

    /// <summary>RFC 4648 base32, lower case, no padding.</summary>
    public static string EncodeLower(ReadOnlySpan<byte> data) => Encode(data, Rfc4648Lower);

    /// <summary>z-base-32.</summary>
    public static string EncodeZ(ReadOnlySpan<byte> data) => Encode(data, ZBase32Alphabet);

    /// <summary>Decodes RFC 4648 base32 (either case, no padding).</summary>
    public static bool TryDecodeLower(string text, [NotNullWhen(true)] out byte[]? data) => TryDecode(text.ToLowerInvariant(), Rfc4648Lower, out data);

    /// <summary>Decodes z-base-32 (lower case only, as did:dht writes it).</summary>
    public static bool TryDecodeZ(string text, [NotNullWhen(true)] out byte[]? data) => TryDecode(text, ZBase32Alphabet, out data);

    private static string Encode(ReadOnlySpan<byte> data, string alphabet)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            sb.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }

    private static bool TryDecode(string text, string alphabet, [NotNullWhen(true)] out byte[]? data)
    {
        data = null;
        var output = new byte[text.Length * 5 / 8];
        int buffer = 0, bits = 0, n = 0;
        foreach (var c in text)
        {
            var v = alphabet.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                output[n++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }

            buffer &= 0xff;
        }

        // Leftover bits must be zero padding, fewer than 5 of them (canonical encoding).
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0)
        {
            return false;
        }

        data = output;
        return true;
    }
}

/// <summary>Unsigned LEB128 varints as multiformats uses them (https://github.com/multiformats/unsigned-varint).</summary>
public static class Varint
{
    /// <summary>Appends the varint of <paramref name="value"/>.</summary>
    public static void Write(List<byte> output, ulong value)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    /// <summary>Encodes a varint.</summary>
    public static byte[] Encode(ulong value)
    {
        var list = new List<byte>(10);
        Write(list, value);
        return [.. list];
    }

    /// <summary>Reads a minimal varint of at most 9 bytes (the spec's limit); false on truncation or non-minimal form.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out ulong value, out int length)
    {
        value = 0;
        length = 0;
        for (var i = 0; i < input.Length && i < 9; i++)
        {
            var b = input[i];
            value |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                // unsigned-varint: no trailing zero groups (minimal encoding), except the value 0 itself.
                if (b == 0 && i > 0)
                {
                    return false;
                }

                length = i + 1;
                return true;
            }
        }

        return false;
    }
}
