using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Layers.Stacks;

/// <summary>
/// A Stacks standard principal: address version (below 32) and HASH160 (SIP-005 "Addresses":
/// <c>S</c> + c32check(version, hash160)). Immutable.
/// </summary>
public sealed class StacksAddress : IEquatable<StacksAddress>
{
    private readonly byte[] _hash160;

    /// <summary>Creates an address from its parts.</summary>
    public StacksAddress(byte version, ReadOnlySpan<byte> hash160)
    {
        if (version >= 32)
        {
            throw new StacksException("stacks_address_version", $"stacks address: version {version} is not below 32");
        }

        if (hash160.Length != 20)
        {
            throw new StacksException("stacks_address_length", $"stacks address: hash is {hash160.Length} bytes, expected 20");
        }

        Version = version;
        _hash160 = hash160.ToArray();
    }

    /// <summary>The address version (22/20 mainnet, 26/21 testnet; others are valid on the wire).</summary>
    public byte Version { get; }

    /// <summary>The 20-byte hash.</summary>
    public ReadOnlySpan<byte> Hash160 => _hash160;

    /// <summary>The network this version belongs to, or null for a non-standard version.</summary>
    public StacksNetwork? Network => StacksNetwork.FromAddressVersion(Version);

    /// <summary>Parses an address; <paramref name="network"/> (when given) must own its version.</summary>
    public static bool TryParse(string? text, StacksNetwork? network, [NotNullWhen(true)] out StacksAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text[0] is not ('S' or 's'))
        {
            error = $"stacks address '{text}': must start with 'S'";
            return false;
        }

        if (!C32.TryCheckDecode(text[1..], out byte version, out byte[] data, out string? why))
        {
            error = $"stacks address '{text}': {why}";
            return false;
        }

        if (data.Length != 20)
        {
            error = $"stacks address '{text}': hash is {data.Length} bytes, expected 20";
            return false;
        }

        if (network is not null && !network.OwnsAddressVersion(version))
        {
            var actual = StacksNetwork.FromAddressVersion(version);
            error = actual is null
                ? $"stacks address '{text}': version {version} is not a {network.Name} version ({network.SingleSigVersion} or {network.MultiSigVersion})"
                : $"stacks address '{text}': a {actual.Name} address (version {version}), expected {network.Name}";
            return false;
        }

        address = new StacksAddress(version, data);
        error = null;
        return true;
    }

    /// <summary>Parses an address or throws <see cref="StacksException"/> naming the problem.</summary>
    public static StacksAddress Parse(string text, StacksNetwork? network = null) =>
        TryParse(text, network, out var address, out string? error)
            ? address
            : throw new StacksException(error.Contains("expected mainnet", StringComparison.Ordinal) || error.Contains("expected testnet", StringComparison.Ordinal) || error.Contains("is not a ", StringComparison.Ordinal) ? "stacks_address_network" : "stacks_address_invalid", error);

    /// <inheritdoc />
    public override string ToString() => "S" + C32.CheckEncode(Version, _hash160);

    /// <summary>Hex of the hash, for JSON.</summary>
    public string Hash160Hex => Hex.Encode(_hash160);

    /// <inheritdoc />
    public bool Equals(StacksAddress? other) => other is not null && Version == other.Version && _hash160.AsSpan().SequenceEqual(other._hash160);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as StacksAddress);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Version, BitConverter.ToInt32(_hash160, 0));
}
