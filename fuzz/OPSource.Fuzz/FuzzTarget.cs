using System.Text;

namespace OPSource.Fuzz;

/// <summary>
/// One fuzz target: a harness that feeds bytes to a public parser and checks its oracles, and the
/// seed corpus it starts from. The crash condition is any exception escaping <see cref="Run"/>: a
/// parser may only refuse input through its documented typed error (Try* returning false, or the one
/// exception type its documentation names, which the harness catches), and every oracle that fails
/// throws <see cref="FuzzOracleException"/>.
/// </summary>
/// <param name="Name">Command-line name (scripts/fuzz.sh TARGET).</param>
/// <param name="Description">What is parsed and which oracles are checked.</param>
/// <param name="Run">The harness.</param>
/// <param name="Seeds">Seed inputs built from the vectors directory (../shared/vectors), read in place.</param>
internal sealed record FuzzTarget(string Name, string Description, Action<ReadOnlyMemory<byte>> Run, Func<string, IEnumerable<byte[]>> Seeds);

/// <summary>An oracle (round trip, differential, invariant) does not hold: a bug, reported as a crash.</summary>
internal sealed class FuzzOracleException : Exception
{
    public FuzzOracleException(string message) : base(message) { }

    public FuzzOracleException() { }

    public FuzzOracleException(string message, Exception inner) : base(message, inner) { }

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzOracleException(message);
        }
    }

    public static void Equal(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
        {
            throw new FuzzOracleException($"{what}: expected {Convert.ToHexStringLower(expected)}, got {Convert.ToHexStringLower(actual)}");
        }
    }

    public static void Equal(string? expected, string? actual, string what)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new FuzzOracleException($"{what}: expected '{expected}', got '{actual}'");
        }
    }
}

/// <summary>Turns fuzz bytes into the text that text parsers take.</summary>
internal static class FuzzText
{
    /// <summary>
    /// UTF-8 by default; a leading 0xFF byte switches to UTF-16LE for the rest, so the fuzzer can
    /// reach what UTF-8 cannot carry (lone surrogates, U+FFFE), which .NET strings can hold.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > 0 && data[0] == 0xFF)
        {
            var rest = data[1..];
            var chars = new char[rest.Length / 2];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)(rest[2 * i] | (rest[(2 * i) + 1] << 8));
            }

            return new string(chars);
        }

        return Encoding.UTF8.GetString(data);
    }

    /// <summary>The seed form of a text: plain UTF-8 unless it needs UTF-16 (a lone surrogate).</summary>
    public static byte[] Encode(string text)
    {
        if (OPSource.Bitcoin.Encoding.UnicodeText.FindInvalid(text) < 0)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        var bytes = new byte[1 + (2 * text.Length)];
        bytes[0] = 0xFF;
        for (var i = 0; i < text.Length; i++)
        {
            bytes[1 + (2 * i)] = (byte)text[i];
            bytes[2 + (2 * i)] = (byte)(text[i] >> 8);
        }

        return bytes;
    }
}

/// <summary>A cursor over fuzz bytes for structured inputs (selectors, lengths, parts).</summary>
internal ref struct FuzzReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        var b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    public ReadOnlySpan<byte> Bytes(int count)
    {
        count = Math.Min(count, _rest.Length);
        var result = _rest[..count];
        _rest = _rest[count..];
        return result;
    }

    public ReadOnlySpan<byte> Rest()
    {
        var result = _rest;
        _rest = [];
        return result;
    }
}
