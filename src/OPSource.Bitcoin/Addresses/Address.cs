using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OPSource.Bitcoin.Encoding;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Addresses;

/// <summary>The kinds of address Bitcoin Core encodes (key_io.cpp DestinationEncoder).</summary>
public enum AddressType
{
    /// <summary>Pay to public key hash (Base58Check, version byte 0 / 111).</summary>
    P2pkh,
    /// <summary>Pay to script hash (BIP16; Base58Check, version byte 5 / 196).</summary>
    P2sh,
    /// <summary>Segwit v0 with a 20-byte key hash (BIP141/173).</summary>
    P2wpkh,
    /// <summary>Segwit v0 with a 32-byte script hash (BIP141/173).</summary>
    P2wsh,
    /// <summary>Segwit v1 with a 32-byte output key (BIP341/350).</summary>
    P2tr,
    /// <summary>Any other witness program: v1 of another length, or v2..v16 (BIP350 future versions).</summary>
    WitnessUnknown,
}

/// <summary>
/// A Bitcoin address: a network-specific string for a standard scriptPubKey. Immutable; the
/// network it was created for decides the prefix or human-readable part. Test networks share
/// Base58 prefixes (and testnet/testnet4/signet share <c>tb</c>), so the same string is valid on
/// several networks; <see cref="IsValidOn"/> tells which.
/// </summary>
public abstract partial class Address : IEquatable<Address>
{
    private string? _text;

    private protected Address(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
    }

    /// <summary>The network this address was created or parsed for.</summary>
    public Network Network { get; }

    /// <summary>The address kind.</summary>
    public abstract AddressType Type { get; }

    /// <summary>The scriptPubKey bytes this address pays to.</summary>
    public abstract ReadOnlySpan<byte> ScriptPubKeyBytes { get; }

    /// <summary>The encoded string (Base58Check, or lower-case Bech32/Bech32m).</summary>
    public override string ToString() => _text ??= Encode();

    /// <summary>True when the same string is a valid address on <paramref name="network"/>.</summary>
    public bool IsValidOn(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return TryParse(ToString(), network, out _, out _);
    }

    /// <summary>This address re-targeted at another network (same script, that network's encoding).</summary>
    public Address ForNetwork(Network network) =>
        TryFromScriptPubKey(ScriptPubKeyBytes, network, out var address)
            ? address
            : throw new InvalidOperationException("address: cannot re-encode");

    private protected abstract string Encode();

    /// <summary>Parses an address that must belong to <paramref name="network"/>.</summary>
    public static bool TryParse(string? text, Network network, [NotNullWhen(true)] out Address? address, [NotNullWhen(false)] out AddressError? error)
    {
        ArgumentNullException.ThrowIfNull(network);
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = new AddressError(AddressErrorKind.Empty, "address: is empty");
            return false;
        }

        if (text.Trim().Length != text.Length)
        {
            error = new AddressError(AddressErrorKind.Whitespace, "address: has leading or trailing whitespace", char.IsWhiteSpace(text[0]) ? 0 : text.Length - 1);
            return false;
        }

        // Core key_io.cpp DecodeDestination: "is_bech32 = (ToLower(str.substr(0, hrp.size())) == hrp)";
        // Base58Check is tried first unless the string starts with the network's bech32 HRP.
        var looksBech32 = text.StartsWith(network.Bech32Hrp, StringComparison.OrdinalIgnoreCase);
        if (!looksBech32 && Base58.TryDecodeCheck(text, out var data, out _))
        {
            if (data.Length == 21 && data[0] == network.PubKeyAddressPrefix)
            {
                address = new P2pkhAddress(data.AsSpan(1), network);
            }
            else if (data.Length == 21 && data[0] == network.ScriptAddressPrefix)
            {
                address = new P2shAddress(data.AsSpan(1), network);
            }

            if (address is not null)
            {
                error = null;
                return true;
            }

            error = data.Length == 21
                ? new AddressError(AddressErrorKind.WrongNetwork, string.Create(CultureInfo.InvariantCulture, $"address: base58 version byte {data[0]} is not a {network.Name} P2PKH ({network.PubKeyAddressPrefix}) or P2SH ({network.ScriptAddressPrefix}) prefix"), 0)
                : new AddressError(AddressErrorKind.InvalidLength, string.Create(CultureInfo.InvariantCulture, $"address: base58 payload is {data.Length} bytes; must be 21"));
            return false;
        }

        if (!Bech32.TryDecodeSegwit(network.Bech32Hrp, text, out var version, out var program, out var segwitError))
        {
            if (looksBech32 || segwitError!.Kind != SegwitAddressErrorKind.Bech32)
            {
                error = AddressError.FromSegwit(segwitError!);
                return false;
            }

            // Neither valid Base58Check nor Bech32: report the more likely intent.
            error = Bech32.TryDecode(text, out var hrp, out _, out _, out _)
                ? new AddressError(AddressErrorKind.WrongNetwork, $"address: human-readable part '{hrp}' is not {network.Name}'s '{network.Bech32Hrp}'", 0)
                : new AddressError(AddressErrorKind.InvalidEncoding, "address: not a valid Base58Check or Bech32/Bech32m address");
            return false;
        }

        address = WitnessAddress.Create(version, program, network);
        error = null;
        return true;
    }

    /// <summary>
    /// Parses an address on any known network, detecting which. Strings shared by several
    /// networks resolve to the first in <see cref="Network.All"/> order (testnet before testnet4,
    /// signet and, for Base58, regtest).
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Address? address, [NotNullWhen(false)] out AddressError? error)
    {
        address = null;
        foreach (var network in Network.All)
        {
            if (TryParse(text, network, out address, out _))
            {
                error = null;
                return true;
            }
        }

        // Report the error against the network the string most looks like.
        var guess = text is null ? null : Network.All.FirstOrDefault(n => text.StartsWith(n.Bech32Hrp + "1", StringComparison.OrdinalIgnoreCase));
        if (guess is null && Base58.TryDecodeCheck(text, out var data, out _) && data.Length > 0)
        {
            guess = Network.All.FirstOrDefault(n => n.PubKeyAddressPrefix == data[0] || n.ScriptAddressPrefix == data[0]);
        }

        _ = TryParse(text, guess ?? Network.Mainnet, out _, out error);
        error ??= new AddressError(AddressErrorKind.InvalidEncoding, "address: not a valid address");
        return false;
    }

    /// <summary>Parses an address for a network; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static Address Parse(string text, Network network) =>
        TryParse(text, network, out var address, out var error) ? address : throw error.ToException();

    /// <summary>Parses an address on any network; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static Address Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw error.ToException();

    /// <summary>
    /// The address of a standard scriptPubKey (Core script/solver.cpp Solver + ExtractDestination):
    /// P2PKH, P2SH and witness programs. Returns false for anything else (P2PK, multisig, OP_RETURN...).
    /// </summary>
    public static bool TryFromScriptPubKey(ReadOnlySpan<byte> script, Network network, [NotNullWhen(true)] out Address? address)
    {
        ArgumentNullException.ThrowIfNull(network);
        address = null;
        // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
        if (script.Length == 25 && script[0] == 0x76 && script[1] == 0xa9 && script[2] == 20 && script[23] == 0x88 && script[24] == 0xac)
        {
            address = new P2pkhAddress(script.Slice(3, 20), network);
            return true;
        }

        // BIP16: OP_HASH160 <20> OP_EQUAL
        if (script.Length == 23 && script[0] == 0xa9 && script[1] == 20 && script[22] == 0x87)
        {
            address = new P2shAddress(script.Slice(2, 20), network);
            return true;
        }

        // BIP141: a witness program is a 1-byte push opcode (OP_0, OP_1..OP_16) followed by a direct
        // push of 2..40 bytes, and nothing else (Core CScript::IsWitnessProgram).
        if (script.Length is >= 4 and <= 42 && (script[0] == 0x00 || script[0] is >= 0x51 and <= 0x60) && script[1] + 2 == script.Length)
        {
            var version = script[0] == 0 ? 0 : script[0] - 0x50;
            var program = script[2..];
            // Core Solver: v0 programs other than 20 or 32 bytes are non-standard, not addresses.
            if (version == 0 && program.Length is not 20 and not 32)
            {
                return false;
            }

            address = WitnessAddress.Create(version, program, network);
            return true;
        }

        return false;
    }

    /// <summary>P2PKH address of a public key (compressed or uncompressed serialization).</summary>
    public static P2pkhAddress P2pkh(PublicKey key, Network network, bool compressed = true)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(compressed ? key.ToCompressed() : key.ToUncompressed(), hash);
        return new P2pkhAddress(hash, network);
    }

    /// <summary>BIP141 P2WPKH address of a (compressed) public key.</summary>
    public static WitnessAddress P2wpkh(PublicKey key, Network network)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(key.ToCompressed(), hash);
        return WitnessAddress.Create(0, hash, network);
    }

    /// <summary>BIP49 P2SH-P2WPKH address of a public key: P2SH of <c>OP_0 &lt;HASH160(pubkey)&gt;</c>.</summary>
    public static P2shAddress P2shP2wpkh(PublicKey key, Network network)
    {
        Span<byte> redeem = stackalloc byte[22];
        redeem[0] = 0x00;
        redeem[1] = 20;
        Hashes.Hash160(key.ToCompressed(), redeem[2..]);
        return P2sh(redeem, network);
    }

    /// <summary>BIP16 P2SH address of a redeem script.</summary>
    public static P2shAddress P2sh(ReadOnlySpan<byte> redeemScript, Network network)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(redeemScript, hash);
        return new P2shAddress(hash, network);
    }

    /// <summary>BIP141 P2WSH address of a witness script.</summary>
    public static WitnessAddress P2wsh(ReadOnlySpan<byte> witnessScript, Network network)
    {
        Span<byte> hash = stackalloc byte[32];
        Hashes.Sha256(witnessScript, hash);
        return WitnessAddress.Create(0, hash, network);
    }

    /// <summary>BIP341 P2TR address paying to an (already tweaked) output key.</summary>
    public static WitnessAddress P2tr(XOnlyPublicKey outputKey, Network network)
    {
        return WitnessAddress.Create(1, outputKey.ToBytes(), network);
    }

    /// <inheritdoc />
    public bool Equals(Address? other) =>
        other is not null && Type == other.Type && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Address);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());
}

/// <summary>Pay-to-public-key-hash: <c>OP_DUP OP_HASH160 &lt;hash&gt; OP_EQUALVERIFY OP_CHECKSIG</c>.</summary>
public sealed class P2pkhAddress : Address
{
    private readonly byte[] _script;

    /// <summary>Builds the address of a 20-byte HASH160 of a public key.</summary>
    public P2pkhAddress(ReadOnlySpan<byte> pubKeyHash, Network network) : base(network)
    {
        if (pubKeyHash.Length != 20)
        {
            throw new ArgumentException("address: P2PKH hash must be 20 bytes", nameof(pubKeyHash));
        }

        _script = [0x76, 0xa9, 20, .. pubKeyHash, 0x88, 0xac];
    }

    /// <inheritdoc />
    public override AddressType Type => AddressType.P2pkh;

    /// <summary>HASH160 of the public key.</summary>
    public ReadOnlySpan<byte> PubKeyHash => _script.AsSpan(3, 20);

    /// <inheritdoc />
    public override ReadOnlySpan<byte> ScriptPubKeyBytes => _script;

    private protected override string Encode() => Base58.EncodeCheck([Network.PubKeyAddressPrefix, .. PubKeyHash]);
}

/// <summary>Pay-to-script-hash (BIP16): <c>OP_HASH160 &lt;hash&gt; OP_EQUAL</c>.</summary>
public sealed class P2shAddress : Address
{
    private readonly byte[] _script;

    /// <summary>Builds the address of a 20-byte HASH160 of a redeem script.</summary>
    public P2shAddress(ReadOnlySpan<byte> scriptHash, Network network) : base(network)
    {
        if (scriptHash.Length != 20)
        {
            throw new ArgumentException("address: P2SH hash must be 20 bytes", nameof(scriptHash));
        }

        _script = [0xa9, 20, .. scriptHash, 0x87];
    }

    /// <inheritdoc />
    public override AddressType Type => AddressType.P2sh;

    /// <summary>HASH160 of the redeem script.</summary>
    public ReadOnlySpan<byte> ScriptHash => _script.AsSpan(2, 20);

    /// <inheritdoc />
    public override ReadOnlySpan<byte> ScriptPubKeyBytes => _script;

    private protected override string Encode() => Base58.EncodeCheck([Network.ScriptAddressPrefix, .. ScriptHash]);
}

/// <summary>
/// A segwit address (BIP173 Bech32 for v0, BIP350 Bech32m for v1..v16): P2WPKH, P2WSH, P2TR and
/// future witness versions, distinguished by <see cref="Address.Type"/>.
/// </summary>
public sealed class WitnessAddress : Address
{
    private readonly byte[] _script;

    private WitnessAddress(int version, ReadOnlySpan<byte> program, Network network, AddressType type) : base(network)
    {
        WitnessVersion = version;
        Type = type;
        // BIP141: scriptPubKey = OP_n (OP_0 or OP_1..OP_16) followed by a direct push of the program.
        _script = [(byte)(version == 0 ? 0x00 : 0x50 + version), (byte)program.Length, .. program];
    }

    /// <summary>Builds a witness address, validating the version (0..16) and program length (BIP141).</summary>
    public static WitnessAddress Create(int version, ReadOnlySpan<byte> program, Network network)
    {
        if (version is < 0 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(version), "address: witness version must be 0..16");
        }

        // BIP141: programs are 2..40 bytes; v0 programs are 20 or 32 bytes.
        if (program.Length is < 2 or > 40 || (version == 0 && program.Length is not 20 and not 32))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"address: witness v{version} program of {program.Length} bytes is invalid"), nameof(program));
        }

        var type = (version, program.Length) switch
        {
            (0, 20) => AddressType.P2wpkh,
            (0, 32) => AddressType.P2wsh,
            // BIP341: a v1 program of 32 bytes is a taproot output key.
            (1, 32) => AddressType.P2tr,
            _ => AddressType.WitnessUnknown,
        };
        return new WitnessAddress(version, program, network, type);
    }

    /// <inheritdoc />
    public override AddressType Type { get; }

    /// <summary>The witness version (0..16).</summary>
    public int WitnessVersion { get; }

    /// <summary>The witness program (2..40 bytes).</summary>
    public ReadOnlySpan<byte> Program => _script.AsSpan(2);

    /// <inheritdoc />
    public override ReadOnlySpan<byte> ScriptPubKeyBytes => _script;

    private protected override string Encode() => Bech32.EncodeSegwit(Network.Bech32Hrp, WitnessVersion, Program);
}
