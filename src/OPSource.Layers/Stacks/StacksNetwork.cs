namespace OPSource.Layers.Stacks;

/// <summary>
/// A Stacks network: transaction version byte, chain id and c32 address versions (SIP-005:
/// mainnet 0x00 / chain 0x00000001, addresses 22 single-sig, 20 multi-sig; testnet 0x80 /
/// chain 0x80000000, addresses 26 single-sig, 21 multi-sig).
/// </summary>
public sealed class StacksNetwork
{
    private StacksNetwork(string name, byte transactionVersion, uint chainId, byte singleSig, byte multiSig)
    {
        Name = name;
        TransactionVersion = transactionVersion;
        ChainId = chainId;
        SingleSigVersion = singleSig;
        MultiSigVersion = multiSig;
    }

    /// <summary>Mainnet.</summary>
    public static StacksNetwork Mainnet { get; } = new("mainnet", 0x00, 0x00000001, 22, 20);

    /// <summary>Testnet (also devnet and simnet, which share its versions and chain id).</summary>
    public static StacksNetwork Testnet { get; } = new("testnet", 0x80, 0x80000000, 26, 21);

    /// <summary>The network's name.</summary>
    public string Name { get; }

    /// <summary>The transaction version byte.</summary>
    public byte TransactionVersion { get; }

    /// <summary>The chain id of transactions and SIP-018 domains.</summary>
    public uint ChainId { get; }

    /// <summary>Address version of single-sig (P2PKH) addresses.</summary>
    public byte SingleSigVersion { get; }

    /// <summary>Address version of multi-sig and P2SH-wrapped segwit addresses.</summary>
    public byte MultiSigVersion { get; }

    /// <summary>True when <paramref name="version"/> is an address version of this network.</summary>
    public bool OwnsAddressVersion(byte version) => version == SingleSigVersion || version == MultiSigVersion;

    /// <summary>The network of a transaction version byte.</summary>
    public static StacksNetwork FromTransactionVersion(byte version) => version switch
    {
        0x00 => Mainnet,
        0x80 => Testnet,
        _ => throw new StacksException("stacks_tx_version", $"stacks tx: unknown transaction version 0x{version:x2}"),
    };

    /// <summary>The network of an address version (22/20 mainnet, 26/21 testnet), or null.</summary>
    public static StacksNetwork? FromAddressVersion(byte version) =>
        Mainnet.OwnsAddressVersion(version) ? Mainnet : Testnet.OwnsAddressVersion(version) ? Testnet : null;

    /// <summary>Parses <c>mainnet</c>, <c>testnet</c> (or <c>devnet</c>/<c>simnet</c>, the same versions).</summary>
    public static StacksNetwork Parse(string name) => name.ToLowerInvariant() switch
    {
        "mainnet" => Mainnet,
        "testnet" or "devnet" or "simnet" or "mocknet" => Testnet,
        _ => throw new StacksException("stacks_network", $"stacks: unknown network '{name}' (mainnet, testnet)"),
    };

    /// <inheritdoc />
    public override string ToString() => Name;
}
