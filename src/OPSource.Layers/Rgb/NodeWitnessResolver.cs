using OPSource.Chain;
using OPSource.Chain.Rpc;

namespace OPSource.Layers.Rgb;

/// <summary>
/// Resolves witness transactions from a Bitcoin Core node (<c>getrawtransaction</c> verbose; confirmed witnesses
/// need <c>-txindex</c>) with their position (mined at the block's height from <c>getblockheader</c>, else
/// tentative), and checks the node's chain against the validation network (<c>getblockchaininfo</c>).
/// </summary>
public sealed class NodeWitnessResolver(IBitcoinNode node) : IWitnessResolver
{
    private readonly IBitcoinNode _node = node ?? throw new ArgumentNullException(nameof(node));

    public async ValueTask<WitnessResolution> ResolveAsync(Bytes32 txid, CancellationToken cancellationToken)
    {
        try
        {
            var info = await _node.GetRawTransactionInfoAsync(OPSource.Bitcoin.Transactions.TxId.FromBytes(txid.Span), null, cancellationToken).ConfigureAwait(false);
            var ord = WitnessOrd.Tentative;
            if (info.BlockHash is { } block && info.Confirmations > 0)
            {
                // Mined: the witness position is its block's height (rgb-consensus WitnessOrd::Mined).
                var header = await _node.GetBlockHeaderAsync(block, cancellationToken).ConfigureAwait(false);
                ord = WitnessOrd.Mined((uint)header.Height);
            }

            return WitnessResolution.Resolved(FromBitcoin(info.Transaction), ord);
        }
        catch (RpcInvalidAddressOrKeyException)
        {
            // -5: no such mempool or blockchain transaction (rgb-consensus WitnessStatus::Unresolved).
            return WitnessResolution.Unresolved;
        }
        catch (BitcoinRpcException e)
        {
            return WitnessResolution.Failed(new ResolverError(ResolverErrorKind.ResolverIssue, $"{txid.ToReversedHex()}: {e.Message}"));
        }
    }

    public async ValueTask<ResolverError?> CheckChainNetAsync(ChainNet chainNet, CancellationToken cancellationToken)
    {
        try
        {
            var info = await _node.GetBlockchainInfoAsync(cancellationToken).ConfigureAwait(false);
            string? expected = chainNet switch
            {
                ChainNet.BitcoinMainnet => "main",
                ChainNet.BitcoinTestnet3 => "test",
                ChainNet.BitcoinTestnet4 => "testnet4",
                ChainNet.BitcoinSignet => "signet",
                ChainNet.BitcoinRegtest => "regtest",
                _ => null,
            };
            return expected == info.Chain ? null : new ResolverError(ResolverErrorKind.WrongChainNet, $"node chain '{info.Chain}' is not {RgbJson.ChainNetName(chainNet)}");
        }
        catch (BitcoinRpcException e)
        {
            return new ResolverError(ResolverErrorKind.ResolverIssue, e.Message);
        }
    }

    /// <summary>Converts a consensus-decoded transaction into RGB's strict transaction model.</summary>
    public static RgbTx FromBitcoin(OPSource.Bitcoin.Transactions.Transaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return new RgbTx(
            tx.Version,
            [.. tx.Inputs.Select(i => new RgbTxIn(new Bytes32(i.PrevOut.TxId.ToBytes()), i.PrevOut.Index, i.ScriptSig.ToBytes(), i.Sequence.Value, [.. i.Witness.Items.Select(w => w.ToArray())]))],
            [.. tx.Outputs.Select(o => new RgbTxOut(unchecked((ulong)o.RawValue), o.ScriptPubKey.ToBytes()))],
            tx.LockTime.Value);
    }
}
