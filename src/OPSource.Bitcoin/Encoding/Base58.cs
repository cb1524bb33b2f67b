using System.Diagnostics.CodeAnalysis;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// Base58 and Base58Check as Bitcoin Core's base58.cpp (leading zero bytes become '1').
/// Unlike Core's decoder, surrounding whitespace is rejected rather than skipped.
/// </summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>
    /// Longest text the decoder accepts. Base58 decoding is quadratic; real payloads (addresses,
    /// WIF, extended keys) are under 120 characters, so this bounds the work an attacker can cause.
    /// </summary>
    public const int MaxDecodeLength = 2048;

    private static readonly sbyte[] Map = BuildMap();

    /// <summary>Encodes <paramref name="data"/> as Base58.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }

        // Core base58.cpp: log(256) / log(58), rounded up.
        var size = ((data.Length - zeros) * 138 / 100) + 1;
        var b58 = size <= 512 ? stackalloc byte[size] : new byte[size];
        b58.Clear();
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * b58[k];
                b58[k] = (byte)(carry % 58);
                carry /= 58;
            }

            length = j;
        }

        var start = size - length;
        while (start < size && b58[start] == 0)
        {
            start++;
        }

        var chars = new char[zeros + (size - start)];
        chars.AsSpan(0, zeros).Fill('1');
        for (var i = start; i < size; i++)
        {
            chars[zeros + i - start] = Alphabet[b58[i]];
        }

        return new string(chars);
    }

    /// <summary>Encodes <paramref name="data"/> followed by the first 4 bytes of its HASH256.</summary>
    public static string EncodeCheck(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[data.Length + 4];
        data.CopyTo(buffer);
        Span<byte> hash = stackalloc byte[32];
        Hashes.Hash256(data, hash);
        hash[..4].CopyTo(buffer.AsSpan(data.Length));
        return Encode(buffer);
    }

    /// <summary>Decodes Base58; the error names the position of the first bad character.</summary>
    public static bool TryDecode(string? text, out byte[] data, [NotNullWhen(false)] out EncodingError? error)
    {
        data = [];
        if (text is null)
        {
            error = new EncodingError(EncodingErrorKind.Empty, "base58: input is null");
            return false;
        }

        if (text.Length > MaxDecodeLength)
        {
            error = new EncodingError(EncodingErrorKind.TooLong, $"base58: input longer than {MaxDecodeLength} characters", MaxDecodeLength);
            return false;
        }

        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }

        // Core base58.cpp: log(58) / log(256), rounded up.
        var size = ((text.Length - zeros) * 733 / 1000) + 1;
        var b256 = new byte[size];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? Map[c] : -1;
            if (digit < 0)
            {
                error = new EncodingError(EncodingErrorKind.InvalidCharacter, $"base58: invalid character at position {i}", i);
                return false;
            }

            int carry = digit;
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 58 * b256[k];
                b256[k] = (byte)(carry % 256);
                carry /= 256;
            }

            length = j;
        }

        var start = size - length;
        while (start < size && b256[start] == 0)
        {
            start++;
        }

        data = new byte[zeros + (size - start)];
        b256.AsSpan(start).CopyTo(data.AsSpan(zeros));
        error = null;
        return true;
    }

    /// <summary>Decodes Base58Check: the payload without its verified 4-byte checksum.</summary>
    public static bool TryDecodeCheck(string? text, out byte[] payload, [NotNullWhen(false)] out EncodingError? error)
    {
        payload = [];
        if (!TryDecode(text, out var raw, out error))
        {
            return false;
        }

        if (raw.Length < 4)
        {
            error = new EncodingError(EncodingErrorKind.TooShort, "base58check: shorter than the 4-byte checksum");
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        Hashes.Hash256(raw.AsSpan(0, raw.Length - 4), hash);
        if (!hash[..4].SequenceEqual(raw.AsSpan(raw.Length - 4)))
        {
            error = new EncodingError(EncodingErrorKind.ChecksumMismatch, "base58check: checksum mismatch");
            return false;
        }

        payload = raw[..^4];
        return true;
    }

    /// <summary>Decodes Base58 or throws <see cref="BitcoinFormatException"/>.</summary>
    public static byte[] Decode(string text) =>
        TryDecode(text, out var data, out var error) ? data : throw error.ToException();

    /// <summary>Decodes Base58Check or throws <see cref="BitcoinFormatException"/>.</summary>
    public static byte[] DecodeCheck(string text) =>
        TryDecodeCheck(text, out var data, out var error) ? data : throw error.ToException();

    private static sbyte[] BuildMap()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            map[Alphabet[i]] = (sbyte)i;
        }

        return map;
    }
}
