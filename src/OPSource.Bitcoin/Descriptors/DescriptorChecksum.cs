using System.Diagnostics.CodeAnalysis;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>
/// The BIP380 descriptor checksum: an 8-character BCH code over the descriptor text that catches
/// copy errors (up to 4 errors in descriptors up to 501 characters are guaranteed to be detected).
/// </summary>
public static class DescriptorChecksum
{
    // BIP380: the input character set, in groups of 32; position & 31 is fed as a symbol and
    // position >> 5 as a group number, three group numbers per extra symbol.
    private const string InputCharset =
        "0123456789()[],'/*abcdefgh@:$%{}" +
        "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~" +
        "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";

    private const string ChecksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    /// <summary>Number of checksum characters after the '#'.</summary>
    public const int Length = 8;

    private static ulong PolyMod(ulong c, int val)
    {
        // BIP380 DescriptorChecksum: generator of the degree-8 BCH code over GF(32).
        var c0 = (byte)(c >> 35);
        c = ((c & 0x7ffffffffUL) << 5) ^ (ulong)val;
        if ((c0 & 1) != 0) c ^= 0xf5dee51989UL;
        if ((c0 & 2) != 0) c ^= 0xa9fdca3312UL;
        if ((c0 & 4) != 0) c ^= 0x1bab10e32dUL;
        if ((c0 & 8) != 0) c ^= 0x3706b1677aUL;
        if ((c0 & 16) != 0) c ^= 0x644d626ffdUL;
        return c;
    }

    /// <summary>Computes the checksum of a descriptor without its '#' suffix; false when a character is outside the BIP380 input set.</summary>
    public static bool TryCompute(ReadOnlySpan<char> descriptor, [NotNullWhen(true)] out string? checksum)
    {
        checksum = null;
        ulong c = 1;
        int cls = 0, clsCount = 0;
        foreach (var ch in descriptor)
        {
            var pos = InputCharset.IndexOf(ch, StringComparison.Ordinal);
            if (pos < 0)
            {
                return false;
            }

            c = PolyMod(c, pos & 31);
            cls = (cls * 3) + (pos >> 5);
            if (++clsCount == 3)
            {
                c = PolyMod(c, cls);
                cls = 0;
                clsCount = 0;
            }
        }

        if (clsCount > 0)
        {
            c = PolyMod(c, cls);
        }

        for (var j = 0; j < Length; j++)
        {
            c = PolyMod(c, 0);
        }

        c ^= 1;
        Span<char> result = stackalloc char[Length];
        for (var j = 0; j < Length; j++)
        {
            result[j] = ChecksumCharset[(int)((c >> (5 * (7 - j))) & 31)];
        }

        checksum = new string(result);
        return true;
    }

    /// <summary>Computes the checksum; throws <see cref="BitcoinFormatException"/> for characters outside the BIP380 set.</summary>
    public static string Compute(string descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var body = StripChecksum(descriptor);
        return TryCompute(body, out var checksum)
            ? checksum
            : throw new DescriptorError(DescriptorErrorKind.InvalidCharacter, $"descriptor: character at position {FirstInvalid(body)} is not in the descriptor character set (BIP380)", FirstInvalid(body)).ToException();
    }

    /// <summary>Returns the descriptor with its checksum appended (replacing any existing one).</summary>
    public static string Add(string descriptor) => StripChecksum(descriptor) + "#" + Compute(descriptor);

    /// <summary>
    /// Splits "body#checksum" and checks the checksum when present (BIP380: it is optional).
    /// On success <paramref name="body"/> is the descriptor without the checksum.
    /// </summary>
    public static bool TryVerify(string? descriptor, [NotNullWhen(true)] out string? body, [NotNullWhen(false)] out DescriptorError? error)
    {
        body = null;
        if (descriptor is null)
        {
            error = new DescriptorError(DescriptorErrorKind.Empty, "descriptor: is empty");
            return false;
        }

        var hash = descriptor.IndexOf('#', StringComparison.Ordinal);
        var payload = hash < 0 ? descriptor : descriptor[..hash];
        if (!TryCompute(payload, out var expected))
        {
            error = new DescriptorError(DescriptorErrorKind.InvalidCharacter, $"descriptor: character at position {FirstInvalid(payload)} is not in the descriptor character set (BIP380)", FirstInvalid(payload));
            return false;
        }

        if (hash >= 0)
        {
            var given = descriptor.AsSpan(hash + 1);
            if (given.Length != Length)
            {
                error = new DescriptorError(DescriptorErrorKind.Checksum, $"descriptor: checksum must be {Length} characters, got {given.Length} (BIP380)", hash + 1);
                return false;
            }

            if (!given.SequenceEqual(expected))
            {
                error = new DescriptorError(DescriptorErrorKind.Checksum, "descriptor: checksum mismatch, the descriptor or its checksum has a typo (BIP380)", hash + 1);
                return false;
            }
        }

        body = payload;
        error = null;
        return true;
    }

    /// <summary>True when the descriptor's checksum is present and correct.</summary>
    public static bool HasValidChecksum(string descriptor) =>
        descriptor is not null && descriptor.Contains('#', StringComparison.Ordinal) && TryVerify(descriptor, out _, out _);

    private static string StripChecksum(string descriptor)
    {
        var hash = descriptor.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? descriptor : descriptor[..hash];
    }

    private static int FirstInvalid(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (InputCharset.IndexOf(text[i], StringComparison.Ordinal) < 0)
            {
                return i;
            }
        }

        return -1;
    }
}
