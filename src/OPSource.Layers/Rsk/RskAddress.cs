using System.Diagnostics.CodeAnalysis;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Layers.Rsk;

/// <summary>
/// A 20-byte Rootstock/EVM account address: the last 20 bytes of Keccak-256 of the uncompressed public key
/// without its 0x04 prefix (Yellow Paper eq. 284). Text forms carry a mixed-case checksum: EIP-1191 with the
/// chain id (RSK's RSKIP-60: hash of <c>"{chainId}0x{address}"</c>) or EIP-55 (hash of the lower-case address).
/// </summary>
public sealed class RskAddress : IEquatable<RskAddress>
{
    /// <summary>Address length in bytes.</summary>
    public const int Size = 20;

    private readonly byte[] _bytes;

    private RskAddress(byte[] bytes) => _bytes = bytes;

    /// <summary>The zero address (contract creation has no recipient; this is not it).</summary>
    public static RskAddress Zero { get; } = new(new byte[Size]);

    /// <summary>The RSK Bridge precompile, 0x0000000000000000000000000000000001000006 (rskj <c>PrecompiledContracts.BRIDGE_ADDR</c>).</summary>
    public static RskAddress Bridge { get; } = FromBytes(Convert.FromHexString("0000000000000000000000000000000001000006"));

    /// <summary>The 20 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Wraps 20 bytes.</summary>
    public static RskAddress FromBytes(ReadOnlySpan<byte> bytes20)
    {
        if (bytes20.Length != Size)
        {
            throw new RskException(RskErrorKind.InvalidAddress, $"rsk address: must be 20 bytes, got {bytes20.Length}");
        }

        return new RskAddress(bytes20.ToArray());
    }

    /// <summary>The address of a public key.</summary>
    public static RskAddress FromPublicKey(in PublicKey key)
    {
        Span<byte> uncompressed = stackalloc byte[PublicKey.UncompressedSize];
        key.WriteUncompressed(uncompressed);
        Span<byte> hash = stackalloc byte[Keccak.Size];
        Keccak.Hash256(uncompressed[1..], hash);
        return new RskAddress(hash[12..].ToArray());
    }

    /// <summary>
    /// The checksummed text: EIP-1191 for <paramref name="chainId"/> when given, EIP-55 when null.
    /// </summary>
    public string ToChecksumString(long? chainId)
    {
        Span<char> lower = stackalloc char[2 * Size];
        Convert.TryToHexStringLower(_bytes, lower, out _);
        return "0x" + ApplyChecksum(lower, chainId);
    }

    /// <summary>Lower-case <c>0x</c> hex (no checksum).</summary>
    public override string ToString() => "0x" + Convert.ToHexStringLower(_bytes);

    /// <summary>
    /// Parses <c>0x</c> + 40 hex digits. All-lower or all-upper text carries no checksum and is accepted; mixed case
    /// must match the EIP-1191 checksum of <paramref name="chainId"/> or, as a fallback, EIP-55 (what Ethereum tools
    /// print). A checksum valid for another RSK chain is reported as such.
    /// </summary>
    public static bool TryParse(string? text, long? chainId, [NotNullWhen(true)] out RskAddress? address, [NotNullWhen(false)] out RskException? error)
    {
        address = null;
        error = null;
        var body = text?.Trim() ?? "";
        if (body.StartsWith("0x", StringComparison.Ordinal) || body.StartsWith("0X", StringComparison.Ordinal))
        {
            body = body[2..];
        }

        if (body.Length != 2 * Size || !body.All(char.IsAsciiHexDigit))
        {
            error = new RskException(RskErrorKind.InvalidAddress, $"rsk address: '{Shorten(text)}' is not 0x followed by 40 hex digits");
            return false;
        }

        var hasLower = body.Any(char.IsAsciiLetterLower);
        var hasUpper = body.Any(char.IsAsciiLetterUpper);
        if (hasLower && hasUpper)
        {
            var lower = body.ToLowerInvariant();
            var matches = (chainId is { } id && ApplyChecksum(lower, id) == body) || ApplyChecksum(lower, null) == body;
            if (!matches)
            {
                var other = RskChain.Known.FirstOrDefault(c => c.ChainId != chainId && ApplyChecksum(lower, c.ChainId) == body);
                error = other is not null
                    ? new RskException(RskErrorKind.WrongChain, $"rsk address: {text} carries the EIP-1191 checksum of chain {other.ChainId} ({other.Name}), not of chain {chainId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}")
                    : new RskException(RskErrorKind.BadChecksum, $"rsk address: {text} has a wrong checksum (neither EIP-1191 for chain {chainId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} nor EIP-55)");
                return false;
            }
        }

        address = new RskAddress(Convert.FromHexString(body));
        return true;
    }

    /// <summary>Parses or throws <see cref="RskException"/> (see <see cref="TryParse"/>).</summary>
    public static RskAddress Parse(string text, long? chainId) =>
        TryParse(text, chainId, out var address, out var error) ? address : throw error;

    /// <summary>True when <paramref name="text"/> is mixed-case and its checksum is valid for <paramref name="chainId"/> (EIP-1191) or EIP-55 when null.</summary>
    public static bool IsValidChecksum(string text, long? chainId)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return body.Length == 2 * Size && body.All(char.IsAsciiHexDigit) && ApplyChecksum(body.ToLowerInvariant(), chainId) == body;
    }

    // EIP-55 / EIP-1191: upper-case the i-th hex letter when the i-th nibble of the hash is >= 8.
    private static string ApplyChecksum(ReadOnlySpan<char> lowerHex, long? chainId)
    {
        var prefix = chainId is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "0x" : "";
        Span<byte> input = stackalloc byte[prefix.Length + lowerHex.Length];
        for (var i = 0; i < prefix.Length; i++)
        {
            input[i] = (byte)prefix[i];
        }

        for (var i = 0; i < lowerHex.Length; i++)
        {
            input[prefix.Length + i] = (byte)lowerHex[i];
        }

        Span<byte> hash = stackalloc byte[Keccak.Size];
        Keccak.Hash256(input, hash);
        Span<char> result = stackalloc char[lowerHex.Length];
        for (var i = 0; i < lowerHex.Length; i++)
        {
            var nibble = (i & 1) == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0xF;
            result[i] = nibble >= 8 ? char.ToUpperInvariant(lowerHex[i]) : lowerHex[i];
        }

        return new string(result);
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "..." : text;

    /// <inheritdoc />
    public bool Equals(RskAddress? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RskAddress);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 16);

    /// <summary>Equality.</summary>
    public static bool operator ==(RskAddress? left, RskAddress? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(RskAddress? left, RskAddress? right) => !(left == right);
}
