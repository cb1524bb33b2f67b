using System.Diagnostics.CodeAnalysis;

namespace OPSource.Bitcoin.Encoding;

/// <summary>Strict lowercase/uppercase hex: even length, no prefix, no whitespace.</summary>
public static class Hex
{
    private const string Digits = "0123456789abcdef";

    /// <summary>Lowercase hex of <paramref name="data"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);

    /// <summary>Decodes hex; the error names the position of the first bad character.</summary>
    public static bool TryParse(string? hex, out byte[] bytes, [NotNullWhen(false)] out EncodingError? error)
    {
        bytes = [];
        if (hex is null)
        {
            error = new EncodingError(EncodingErrorKind.Empty, "hex: input is null");
            return false;
        }

        if ((hex.Length & 1) != 0)
        {
            error = new EncodingError(EncodingErrorKind.OddLength, $"hex: odd number of digits ({hex.Length})", hex.Length);
            return false;
        }

        var result = new byte[hex.Length / 2];
        for (var i = 0; i < hex.Length; i += 2)
        {
            var hi = Value(hex[i]);
            if (hi < 0)
            {
                error = new EncodingError(EncodingErrorKind.InvalidCharacter, $"hex: invalid character at position {i}", i);
                return false;
            }

            var lo = Value(hex[i + 1]);
            if (lo < 0)
            {
                error = new EncodingError(EncodingErrorKind.InvalidCharacter, $"hex: invalid character at position {i + 1}", i + 1);
                return false;
            }

            result[i / 2] = (byte)((hi << 4) | lo);
        }

        bytes = result;
        error = null;
        return true;
    }

    /// <summary>Decodes hex or throws <see cref="BitcoinFormatException"/> naming the bad position.</summary>
    public static byte[] Parse(string hex) =>
        TryParse(hex, out var bytes, out var error) ? bytes : throw error.ToException();

    /// <summary>True if <paramref name="c"/> is a hex digit.</summary>
    public static bool IsHexDigit(char c) => Value(c) >= 0;

    private static int Value(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    internal static char Digit(int nibble) => Digits[nibble];
}
