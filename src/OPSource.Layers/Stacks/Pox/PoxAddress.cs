using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Stacks.Pox;

/// <summary>
/// A PoX reward address as pox-4 takes it: <c>{version: (buff 1), hashbytes: (buff 32)}</c> with versions
/// 0x00 P2PKH, 0x01 P2SH, 0x04 P2WPKH, 0x05 P2WSH, 0x06 P2TR (pox-4.clar; 0x02/0x03 P2SH-wrapped segwit
/// are indistinguishable from P2SH on Bitcoin and are not produced here).
/// </summary>
public sealed record PoxAddress(byte Version, byte[] HashBytes)
{
    /// <summary>Maps a Bitcoin address of the platform's wallet to its PoX address.</summary>
    public static PoxAddress FromBitcoin(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        ReadOnlySpan<byte> spk = address.ScriptPubKeyBytes;
        return address.Type switch
        {
            AddressType.P2pkh => new(0x00, spk.Slice(3, 20).ToArray()),   // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
            AddressType.P2sh => new(0x01, spk.Slice(2, 20).ToArray()),    // OP_HASH160 <20> OP_EQUAL
            AddressType.P2wpkh => new(0x04, spk.Slice(2, 20).ToArray()),  // OP_0 <20>
            AddressType.P2wsh => new(0x05, spk.Slice(2, 32).ToArray()),   // OP_0 <32>
            AddressType.P2tr => new(0x06, spk.Slice(2, 32).ToArray()),    // OP_1 <32>
            _ => throw new StacksException("pox_address", $"pox: {address} ({address.Type}) cannot receive PoX rewards (P2PKH, P2SH, P2WPKH, P2WSH, P2TR)"),
        };
    }

    /// <summary>Parses a Bitcoin address text (network checked when given) and maps it.</summary>
    public static PoxAddress Parse(string text, Network? network = null)
    {
        bool ok = network is null
            ? Address.TryParse(text, out var address, out OPSource.Bitcoin.Addresses.AddressError? error)
            : Address.TryParse(text, network, out address, out error);
        return ok ? FromBitcoin(address!) : throw new StacksException("pox_address", $"pox: {error}");
    }

    /// <summary>The Bitcoin network matching a Stacks network (testnet for testnet/devnet/simnet).</summary>
    public static Network BitcoinNetworkFor(StacksNetwork network) =>
        network == StacksNetwork.Mainnet ? Network.Mainnet : Network.Testnet;

    /// <summary>The Clarity tuple.</summary>
    public ClarityValue ToClarity() => Cv.Tuple(("version", Cv.Buffer([Version])), ("hashbytes", Cv.Buffer(HashBytes)));
}
