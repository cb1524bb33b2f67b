using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin;

/// <summary>
/// Chain parameters that make strings and messages network-specific (addresses, WIF, xpubs, P2P magic).
/// Values from Bitcoin Core's kernel/chainparams.cpp and BIP32/BIP44/SLIP-44.
/// </summary>
public sealed class Network
{
    private readonly byte[] _magicBytes;

    private Network(
        string name,
        byte[] magicBytes,
        string bech32Hrp,
        byte pubKeyAddressPrefix,
        byte scriptAddressPrefix,
        byte secretKeyPrefix,
        uint extPubKeyVersion,
        uint extSecretKeyVersion,
        string genesisHash,
        int coinType,
        int defaultPort,
        int defaultRpcPort,
        string powLimit)
    {
        Name = name;
        _magicBytes = magicBytes;
        Bech32Hrp = bech32Hrp;
        PubKeyAddressPrefix = pubKeyAddressPrefix;
        ScriptAddressPrefix = scriptAddressPrefix;
        SecretKeyPrefix = secretKeyPrefix;
        ExtPubKeyVersion = extPubKeyVersion;
        ExtSecretKeyVersion = extSecretKeyVersion;
        GenesisBlockHash = Blocks.BlockHash.Parse(genesisHash);
        CoinType = coinType;
        DefaultPort = defaultPort;
        DefaultRpcPort = defaultRpcPort;
        PowLimit = UInt256.Parse(powLimit);
    }

    /// <summary>Bitcoin mainnet.</summary>
    public static Network Mainnet { get; } = new(
        "mainnet", [0xf9, 0xbe, 0xb4, 0xd9], "bc", 0, 5, 128, 0x0488B21E, 0x0488ADE4,
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 0, 8333, 8332,
        "00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

    /// <summary>testnet3.</summary>
    public static Network Testnet { get; } = new(
        "testnet", [0x0b, 0x11, 0x09, 0x07], "tb", 111, 196, 239, 0x043587CF, 0x04358394,
        "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943", 1, 18333, 18332,
        "00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

    /// <summary>testnet4 (BIP94).</summary>
    public static Network Testnet4 { get; } = new(
        "testnet4", [0x1c, 0x16, 0x3f, 0x28], "tb", 111, 196, 239, 0x043587CF, 0x04358394,
        "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043", 1, 48333, 48332,
        "00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

    /// <summary>The default signet (BIP325) operated with the well-known challenge.</summary>
    public static Network Signet { get; } = new(
        "signet", [0x0a, 0x03, 0xcf, 0x40], "tb", 111, 196, 239, 0x043587CF, 0x04358394,
        "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6", 1, 38333, 38332,
        "00000377ae000000000000000000000000000000000000000000000000000000");

    /// <summary>Local regression-test chain.</summary>
    public static Network Regtest { get; } = new(
        "regtest", [0xfa, 0xbf, 0xb5, 0xda], "bcrt", 111, 196, 239, 0x043587CF, 0x04358394,
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", 1, 18444, 18443,
        "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

    /// <summary>All known networks.</summary>
    public static IReadOnlyList<Network> All { get; } = [Mainnet, Testnet, Testnet4, Signet, Regtest];

    /// <summary>Canonical name: mainnet, testnet, testnet4, signet, regtest.</summary>
    public string Name { get; }

    /// <summary>P2P message start as the four bytes sent on the wire (Core's pchMessageStart).</summary>
    public ReadOnlySpan<byte> MagicBytes => _magicBytes;

    /// <summary>P2P message start read as a little-endian uint (mainnet 0xD9B4BEF9).</summary>
    public uint Magic => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_magicBytes);

    /// <summary>BIP173 human-readable part for segwit addresses.</summary>
    public string Bech32Hrp { get; }

    /// <summary>Base58Check version byte of P2PKH addresses.</summary>
    public byte PubKeyAddressPrefix { get; }

    /// <summary>Base58Check version byte of P2SH addresses.</summary>
    public byte ScriptAddressPrefix { get; }

    /// <summary>Base58Check version byte of WIF secret keys.</summary>
    public byte SecretKeyPrefix { get; }

    /// <summary>BIP32 version bytes of extended public keys (xpub / tpub).</summary>
    public uint ExtPubKeyVersion { get; }

    /// <summary>BIP32 version bytes of extended private keys (xprv / tprv).</summary>
    public uint ExtSecretKeyVersion { get; }

    /// <summary>Hash of the genesis block, identifying the chain.</summary>
    public Blocks.BlockHash GenesisBlockHash { get; }

    /// <summary>BIP44 coin type (SLIP-44): 0 on mainnet, 1 on every test network.</summary>
    public int CoinType { get; }

    /// <summary>Default P2P port.</summary>
    public int DefaultPort { get; }

    /// <summary>Default JSON-RPC port of Bitcoin Core.</summary>
    public int DefaultRpcPort { get; }

    /// <summary>Highest allowed proof-of-work target (Core consensus.powLimit).</summary>
    public UInt256 PowLimit { get; }

    /// <summary>True for every network except mainnet.</summary>
    public bool IsTest => !ReferenceEquals(this, Mainnet);

    /// <summary>
    /// Looks a network up by name (case-insensitive): mainnet|main|bitcoin, testnet|test|testnet3,
    /// testnet4, signet, regtest.
    /// </summary>
    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Network? network)
    {
        network = name?.Trim().ToUpperInvariant() switch
        {
            "MAINNET" or "MAIN" or "BITCOIN" => Mainnet,
            "TESTNET" or "TEST" or "TESTNET3" => Testnet,
            "TESTNET4" => Testnet4,
            "SIGNET" => Signet,
            "REGTEST" => Regtest,
            _ => null,
        };
        return network is not null;
    }

    /// <summary>Looks a network up by name or throws <see cref="FormatException"/>.</summary>
    public static Network Get(string name) =>
        TryGet(name, out var network) ? network : throw new FormatException($"network: unknown network name '{name}' (expected mainnet, testnet, testnet4, signet or regtest)");

    /// <inheritdoc/>
    public override string ToString() => Name;
}
