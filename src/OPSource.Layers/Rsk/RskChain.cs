using OPSource.Bitcoin;

namespace OPSource.Layers.Rsk;

/// <summary>
/// A Rootstock network: its EIP-155 chain id (30 mainnet, 31 testnet, 33 regtest; rskj
/// <c>Constants.getChainId</c>) and the SLIP-44 coin type of its BIP44 account path (137 mainnet, 37310
/// testnet/regtest, as RSK's wallets derive; 60 when the Ethereum path is asked for).
/// </summary>
public sealed record RskChain
{
    private RskChain(int chainId, string name, uint coinType)
    {
        ChainId = chainId;
        Name = name;
        CoinType = coinType;
    }

    /// <summary>RSK mainnet (chain id 30).</summary>
    public static RskChain Mainnet { get; } = new(30, "mainnet", 137);

    /// <summary>RSK testnet (chain id 31).</summary>
    public static RskChain Testnet { get; } = new(31, "testnet", 37310);

    /// <summary>RSK regtest (chain id 33).</summary>
    public static RskChain Regtest { get; } = new(33, "regtest", 37310);

    /// <summary>The three RSK networks.</summary>
    public static IReadOnlyList<RskChain> Known { get; } = [Mainnet, Testnet, Regtest];

    /// <summary>EIP-155 chain id.</summary>
    public int ChainId { get; }

    /// <summary>Network name.</summary>
    public string Name { get; }

    /// <summary>SLIP-44 coin type of the RSK derivation path.</summary>
    public uint CoinType { get; }

    /// <summary>The RSK network of a chain id, or null when it is none of 30/31/33.</summary>
    public static RskChain? FromChainId(long chainId) => Known.FirstOrDefault(c => c.ChainId == chainId);

    /// <summary>The RSK network paired with a Bitcoin network (mainnet 30; testnet, testnet4, signet 31; regtest 33).</summary>
    public static RskChain ForBitcoin(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network == Network.Mainnet ? Mainnet : network == Network.Regtest ? Regtest : Testnet;
    }

    /// <summary>
    /// rskj carries the chain id in one byte of <c>v</c> (v = chainId*2 + 35 + parity must fit in a byte; rskj
    /// <c>Transaction</c>), so chain ids above 109 cannot be signed for.
    /// </summary>
    public static bool IsSignableChainId(long chainId) => chainId is >= 1 and <= 109;
}
