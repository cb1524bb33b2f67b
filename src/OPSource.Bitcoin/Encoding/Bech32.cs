namespace OPSource.Bitcoin.Encoding;

/// <summary>Which checksum constant a Bech32 string uses.</summary>
public enum Bech32Variant
{
    /// <summary>BIP173 Bech32 (constant 1): segwit v0 addresses.</summary>
    Bech32,

    /// <summary>BIP350 Bech32m (constant 0x2bc830a3): segwit v1+ addresses.</summary>
    Bech32m,
}

/// <summary>Why a string is not valid Bech32/Bech32m.</summary>
public enum Bech32ErrorKind
{
    /// <summary>Longer than the limit (90 characters for BIP173).</summary>
    TooLong,

    /// <summary>A character outside US-ASCII 33..126.</summary>
    InvalidCharacter,

    /// <summary>Both upper- and lower-case letters.</summary>
    MixedCase,

    /// <summary>No '1' separator.</summary>
    MissingSeparator,

    /// <summary>The separator is the first character.</summary>
    EmptyHrp,

    /// <summary>Fewer than 6 characters after the separator.</summary>
    TooShortChecksum,

    /// <summary>A data-part character outside the Bech32 alphabet.</summary>
    InvalidDataCharacter,

    /// <summary>The checksum matches neither Bech32 nor Bech32m.</summary>
    InvalidChecksum,
}

/// <summary>
/// A Bech32 decoding failure. <see cref="Positions"/> holds string indices of the offending
/// characters; for checksum failures it holds up to two located substitution errors (empty when
/// the checksum cannot locate them).
/// </summary>
public sealed record Bech32Error(Bech32ErrorKind Kind, string Message, IReadOnlyList<int> Positions)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}

/// <summary>Why a string is not a valid segwit address for an expected HRP.</summary>
public enum SegwitAddressErrorKind
{
    /// <summary>Not valid Bech32/Bech32m; see <see cref="SegwitAddressError.Bech32Error"/>.</summary>
    Bech32,

    /// <summary>The human-readable part is not the expected one.</summary>
    HrpMismatch,

    /// <summary>No witness version in the data part.</summary>
    EmptyData,

    /// <summary>v0 encoded with Bech32m, or v1+ encoded with Bech32 (BIP350).</summary>
    WrongVariant,

    /// <summary>Witness version above 16.</summary>
    InvalidWitnessVersion,

    /// <summary>More than 4 bits of padding in the 5-to-8 bit conversion.</summary>
    ExcessPadding,

    /// <summary>Non-zero padding bits in the 5-to-8 bit conversion.</summary>
    NonZeroPadding,

    /// <summary>Program shorter than 2 or longer than 40 bytes (BIP141).</summary>
    InvalidProgramLength,

    /// <summary>A v0 program that is neither 20 nor 32 bytes (BIP141).</summary>
    InvalidProgramLengthV0,
}

/// <summary>A segwit address decoding failure.</summary>
public sealed record SegwitAddressError(SegwitAddressErrorKind Kind, string Message, Bech32Error? Bech32Error = null)
{
    /// <inheritdoc/>
    public override string ToString() => Message;
}

/// <summary>
/// Bech32 (BIP173) and Bech32m (BIP350) encoding, with error location like Bitcoin Core's
/// bech32.cpp, and the segwit address layer on top.
/// </summary>
public static class Bech32
{
    /// <summary>BIP173: maximum length of a Bech32 string.</summary>
    public const int MaxLength = 90;

    private const string Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    private const uint Bech32Constant = 1;
    private const uint Bech32mConstant = 0x2bc830a3;

    private static readonly sbyte[] CharsetRev = BuildRev();

    /// <summary>Encodes 5-bit <paramref name="data"/> under a lowercase <paramref name="hrp"/>.</summary>
    public static string Encode(string hrp, ReadOnlySpan<byte> data, Bech32Variant variant)
    {
        ArgumentNullException.ThrowIfNull(hrp);
        if (hrp.Length == 0)
        {
            throw new ArgumentException("bech32: empty hrp", nameof(hrp));
        }

        foreach (var c in hrp)
        {
            if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            {
                throw new ArgumentException("bech32: hrp must be lowercase US-ASCII 33..126", nameof(hrp));
            }
        }

        foreach (var d in data)
        {
            if (d > 31)
            {
                throw new ArgumentException("bech32: data values must be 5-bit", nameof(data));
            }
        }

        var checksum = CreateChecksum(hrp, data, variant);
        var sb = new System.Text.StringBuilder(hrp.Length + 1 + data.Length + 6);
        sb.Append(hrp).Append('1');
        foreach (var d in data)
        {
            sb.Append(Charset[d]);
        }

        foreach (var d in checksum)
        {
            sb.Append(Charset[d]);
        }

        return sb.ToString();
    }

    /// <summary>
    /// Decodes a Bech32 or Bech32m string into its lowercase HRP and 5-bit data (checksum removed).
    /// </summary>
    public static bool TryDecode(string? text, out string hrp, out byte[] data, out Bech32Variant variant, out Bech32Error? error, int maxLength = MaxLength)
    {
        hrp = string.Empty;
        data = [];
        variant = default;
        if (text is null)
        {
            error = new Bech32Error(Bech32ErrorKind.InvalidCharacter, "bech32: input is null", []);
            return false;
        }

        // Core bech32.cpp LocateErrors: the length limit is checked first.
        if (text.Length > maxLength)
        {
            error = new Bech32Error(Bech32ErrorKind.TooLong, $"bech32: string too long ({text.Length} > {maxLength})", [maxLength]);
            return false;
        }

        bool lower = false, upper = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 33 || c > 126)
            {
                error = new Bech32Error(Bech32ErrorKind.InvalidCharacter, $"bech32: invalid character at position {i}", [i]);
                return false;
            }

            if (c >= 'a' && c <= 'z')
            {
                lower = true;
            }
            else if (c >= 'A' && c <= 'Z')
            {
                upper = true;
            }

            if (lower && upper)
            {
                error = new Bech32Error(Bech32ErrorKind.MixedCase, $"bech32: mixed case at position {i}", [i]);
                return false;
            }
        }

        var sep = text.LastIndexOf('1');
        if (sep < 0)
        {
            error = new Bech32Error(Bech32ErrorKind.MissingSeparator, "bech32: missing separator '1'", []);
            return false;
        }

        if (sep == 0)
        {
            error = new Bech32Error(Bech32ErrorKind.EmptyHrp, "bech32: empty human-readable part", [0]);
            return false;
        }

        if (sep + 7 > text.Length)
        {
            error = new Bech32Error(Bech32ErrorKind.TooShortChecksum, $"bech32: checksum too short ({text.Length - sep - 1} < 6 characters)", [sep]);
            return false;
        }

        var lowered = text.ToLowerInvariant();
        var values = new byte[text.Length - sep - 1];
        for (var i = 0; i < values.Length; i++)
        {
            var c = lowered[sep + 1 + i];
            var v = c < 128 ? CharsetRev[c] : -1;
            if (v < 0)
            {
                error = new Bech32Error(Bech32ErrorKind.InvalidDataCharacter, $"bech32: invalid data character at position {sep + 1 + i}", [sep + 1 + i]);
                return false;
            }

            values[i] = (byte)v;
        }

        var hrpPart = lowered[..sep];
        var check = PolyMod(hrpPart, values);
        if (check == Bech32Constant)
        {
            variant = Bech32Variant.Bech32;
        }
        else if (check == Bech32mConstant)
        {
            variant = Bech32Variant.Bech32m;
        }
        else
        {
            // Core bech32.cpp: try both constants and report the one explaining the fewest errors.
            var a = LocateErrors(check ^ Bech32Constant, values.Length, sep);
            var b = LocateErrors(check ^ Bech32mConstant, values.Length, sep);
            var best = (a.Length, b.Length) switch
            {
                (0, _) => b,
                (_, 0) => a,
                _ => a.Length <= b.Length ? a : b,
            };
            var where = best.Length == 0 ? string.Empty : " (error at position " + string.Join(", ", best) + ")";
            error = new Bech32Error(Bech32ErrorKind.InvalidChecksum, "bech32: invalid checksum" + where, best);
            return false;
        }

        hrp = hrpPart;
        data = values[..^6];
        error = null;
        return true;
    }

    /// <summary>
    /// Regroups bits (e.g. 8→5 to encode, 5→8 to decode). With <paramref name="pad"/> false,
    /// leftover bits must be fewer than <paramref name="fromBits"/> and zero (BIP173).
    /// </summary>
    public static bool ConvertBits(ReadOnlySpan<byte> input, int fromBits, int toBits, bool pad, out byte[] output) =>
        ConvertBits(input, fromBits, toBits, pad, out output, out _);

    /// <summary>Encodes a segwit address (BIP173 for v0, BIP350 Bech32m for v1..16).</summary>
    public static string EncodeSegwit(string hrp, int witnessVersion, ReadOnlySpan<byte> program)
    {
        ArgumentNullException.ThrowIfNull(hrp);
        if (witnessVersion is < 0 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(witnessVersion), "segwit: witness version must be 0..16");
        }

        // BIP141: programs are 2..40 bytes; v0 programs are 20 (P2WPKH) or 32 (P2WSH) bytes.
        if (program.Length is < 2 or > 40 || (witnessVersion == 0 && program.Length is not 20 and not 32))
        {
            throw new ArgumentException($"segwit: invalid program length {program.Length} for version {witnessVersion}", nameof(program));
        }

        ConvertBits(program, 8, 5, true, out var five);
        var data = new byte[five.Length + 1];
        data[0] = (byte)witnessVersion;
        five.CopyTo(data, 1);
        return Encode(hrp.ToLowerInvariant(), data, witnessVersion == 0 ? Bech32Variant.Bech32 : Bech32Variant.Bech32m);
    }

    /// <summary>Decodes a segwit address whose HRP must equal <paramref name="hrp"/> (case-insensitive).</summary>
    public static bool TryDecodeSegwit(string hrp, string? address, out int witnessVersion, out byte[] program, out SegwitAddressError? error)
    {
        ArgumentNullException.ThrowIfNull(hrp);
        witnessVersion = -1;
        program = [];
        if (!TryDecode(address, out var decodedHrp, out var data, out var variant, out var bechError))
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.Bech32, bechError!.Message, bechError);
            return false;
        }

        if (!string.Equals(decodedHrp, hrp, StringComparison.OrdinalIgnoreCase))
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.HrpMismatch, $"segwit: human-readable part '{decodedHrp}' is not '{hrp.ToLowerInvariant()}'");
            return false;
        }

        if (data.Length == 0)
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.EmptyData, "segwit: empty data section (no witness version)");
            return false;
        }

        var version = data[0];
        if (version > 16)
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.InvalidWitnessVersion, $"segwit: invalid witness version {version}");
            return false;
        }

        // BIP350: version 0 uses Bech32, versions 1..16 use Bech32m.
        var expected = version == 0 ? Bech32Variant.Bech32 : Bech32Variant.Bech32m;
        if (variant != expected)
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.WrongVariant, $"segwit: version {version} address must use {expected} checksum, not {variant}");
            return false;
        }

        if (!ConvertBits(data.AsSpan(1), 5, 8, false, out var prog, out var padError))
        {
            error = padError == SegwitAddressErrorKind.ExcessPadding
                ? new SegwitAddressError(SegwitAddressErrorKind.ExcessPadding, "segwit: more than 4 bits of padding")
                : new SegwitAddressError(SegwitAddressErrorKind.NonZeroPadding, "segwit: non-zero padding bits");
            return false;
        }

        // BIP141: witness programs are 2..40 bytes.
        if (prog.Length is < 2 or > 40)
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.InvalidProgramLength, $"segwit: invalid program length {prog.Length} (must be 2..40)");
            return false;
        }

        // BIP141: v0 programs are 20 bytes (P2WPKH) or 32 bytes (P2WSH).
        if (version == 0 && prog.Length is not 20 and not 32)
        {
            error = new SegwitAddressError(SegwitAddressErrorKind.InvalidProgramLengthV0, $"segwit: invalid v0 program length {prog.Length} (must be 20 or 32)");
            return false;
        }

        witnessVersion = version;
        program = prog;
        error = null;
        return true;
    }

    private static bool ConvertBits(ReadOnlySpan<byte> input, int fromBits, int toBits, bool pad, out byte[] output, out SegwitAddressErrorKind failure)
    {
        if (fromBits is < 1 or > 8 || toBits is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(fromBits), "bech32: bit groups must be 1..8 bits");
        }

        var result = new List<byte>((input.Length * fromBits / toBits) + 1);
        var acc = 0;
        var bits = 0;
        var maxv = (1 << toBits) - 1;
        var maxAcc = (1 << (fromBits + toBits - 1)) - 1;
        foreach (var value in input)
        {
            if ((value >> fromBits) != 0)
            {
                output = [];
                failure = SegwitAddressErrorKind.NonZeroPadding;
                return false;
            }

            acc = ((acc << fromBits) | value) & maxAcc;
            bits += fromBits;
            while (bits >= toBits)
            {
                bits -= toBits;
                result.Add((byte)((acc >> bits) & maxv));
            }
        }

        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((acc << (toBits - bits)) & maxv));
            }
        }
        else if (bits >= fromBits)
        {
            output = [];
            failure = SegwitAddressErrorKind.ExcessPadding;
            return false;
        }
        else if (((acc << (toBits - bits)) & maxv) != 0)
        {
            output = [];
            failure = SegwitAddressErrorKind.NonZeroPadding;
            return false;
        }

        output = [.. result];
        failure = default;
        return true;
    }

    private static uint PolyModStep(uint chk)
    {
        var top = chk >> 25;
        chk = (chk & 0x1ffffff) << 5;
        if ((top & 1) != 0)
        {
            chk ^= 0x3b6a57b2;
        }

        if ((top & 2) != 0)
        {
            chk ^= 0x26508e6d;
        }

        if ((top & 4) != 0)
        {
            chk ^= 0x1ea119fa;
        }

        if ((top & 8) != 0)
        {
            chk ^= 0x3d4233dd;
        }

        if ((top & 16) != 0)
        {
            chk ^= 0x2a1462b3;
        }

        return chk;
    }

    private static uint PolyMod(string hrp, ReadOnlySpan<byte> values)
    {
        uint chk = 1;
        foreach (var c in hrp)
        {
            chk = PolyModStep(chk) ^ (uint)(c >> 5);
        }

        chk = PolyModStep(chk);
        foreach (var c in hrp)
        {
            chk = PolyModStep(chk) ^ (uint)(c & 31);
        }

        foreach (var v in values)
        {
            chk = PolyModStep(chk) ^ v;
        }

        return chk;
    }

    private static byte[] CreateChecksum(string hrp, ReadOnlySpan<byte> data, Bech32Variant variant)
    {
        var values = new byte[data.Length + 6];
        data.CopyTo(values);
        var mod = PolyMod(hrp, values) ^ (variant == Bech32Variant.Bech32 ? Bech32Constant : Bech32mConstant);
        var result = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            result[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        }

        return result;
    }

    /// <summary>
    /// Finds up to two substituted data characters explaining <paramref name="residue"/>. The checksum
    /// is a BCH code of distance 5 over these lengths, so at most one such explanation exists.
    /// PolyMod is affine over GF(2); an error e at k symbols before the end adds step^k(e).
    /// </summary>
    private static int[] LocateErrors(uint residue, int dataLength, int separator)
    {
        var contributions = new Dictionary<uint, int>(dataLength * 31);
        var table = new uint[dataLength * 31];
        for (var e = 1; e < 32; e++)
        {
            var v = (uint)e;
            for (var k = 0; k < dataLength; k++)
            {
                var index = dataLength - 1 - k;
                table[(index * 31) + e - 1] = v;
                contributions.TryAdd(v, index);
                v = PolyModStep(v);
            }
        }

        if (contributions.TryGetValue(residue, out var single))
        {
            return [separator + 1 + single];
        }

        for (var i = 0; i < table.Length; i++)
        {
            if (contributions.TryGetValue(residue ^ table[i], out var other) && other != i / 31)
            {
                var p1 = Math.Min(other, i / 31);
                var p2 = Math.Max(other, i / 31);
                return [separator + 1 + p1, separator + 1 + p2];
            }
        }

        return [];
    }

    private static sbyte[] BuildRev()
    {
        var rev = new sbyte[128];
        Array.Fill(rev, (sbyte)-1);
        for (var i = 0; i < Charset.Length; i++)
        {
            rev[Charset[i]] = (sbyte)i;
        }

        return rev;
    }
}
