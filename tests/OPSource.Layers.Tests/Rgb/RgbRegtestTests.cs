using OPSource.Chain.Rpc;
using OPSource.Layers.Rgb;
using OPSource.TestSupport.Peers;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>
/// Against a real Bitcoin Core regtest node: a contract is issued on a wallet UTXO, transferred in a witness
/// transaction the wallet signs and the node mines, and validated with witnesses resolved from the node.
/// </summary>
public sealed class RgbRegtestTests : IAsyncLifetime
{
    private readonly BitcoinCoreNode _node = new("-txindex");
    private BitcoinRpcClient? _client;

    public async ValueTask InitializeAsync()
    {
        BitcoinCoreNode.RequireBitcoind();
        await _node.StartAsync(TestContext.Current.CancellationToken);
        _client = new BitcoinRpcClient(new BitcoinRpcClientOptions(_node.RpcUrl, RpcCredentials.FromCookieFile(_node.CookieFile)));
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Issue_transfer_on_regtest_and_validate_with_node_witnesses()
    {
        var ct = TestContext.Current.CancellationToken;
        await _node.CreateWalletAsync("rgb");
        string address = (string)(await _node.WalletRpc("rgb", "getnewaddress", "", "bech32"))!;
        await _node.MineAsync(101, address);
        var utxo = (await _node.WalletRpc("rgb", "listunspent"))!.AsArray()[0]!;
        var utxoTxid = Bytes32.FromReversedHex((string)utxo["txid"]!);
        uint utxoVout = (uint)utxo["vout"]!;
        ulong utxoSat = (ulong)Math.Round((decimal)utxo["amount"]! * 100_000_000m);

        // Issue: consignment A's NIA contract re-issued on the wallet's UTXO (a new contract id).
        var template = RgbSyntheticHistory.ContractOnly(RgbFixtures.Json("consignment_A"));
        var genesis = template.Genesis with
        {
            Timestamp = 1_765_000_000,
            Assignments = [new AssignmentEntry(4000, new TypedAssigns(StateType.Fungible, [new Assign(new BlindSeal(utxoTxid, utxoVout, 42), null, 666, null)]))],
        };
        var contract = template with { Genesis = genesis };
        var contractId = RgbIds.OpId(genesis);

        // Transfer everything to output 1 of the witness transaction.
        var input = new Opout(contractId, 4000, 0);
        var t = new Transition(0, contractId, ulong.MaxValue, 10000, [], [], [input],
            [new AssignmentEntry(4000, new TypedAssigns(StateType.Fungible, [new Assign(new BlindSeal(null, 1, 7), null, 666, null)]))], null);
        var opid = RgbIds.OpId(t);
        var bundle = new TransitionBundle([new InputMapEntry(input, opid)], [new KnownTransition(opid, t)]);
        var proof = new MpcProof(0, 0, []);
        var commitment = Commitments.Convolve(proof, contractId, RgbIds.BundleId(bundle), out _)!.Value;
        string change = (string)(await _node.WalletRpc("rgb", "getnewaddress", "", "bech32"))!;
        var changeSpk = Convert.FromHexString((string)(await _node.WalletRpc("rgb", "getaddressinfo", change))!["scriptPubKey"]!);
        var unsigned = new RgbTx(2, [new RgbTxIn(utxoTxid, utxoVout, [], 0xFFFFFFFD, [])],
            [new RgbTxOut(0, [0x6a, 0x20, .. commitment.Span]), new RgbTxOut(utxoSat - 1_000, changeSpk)], 0);
        var signedHex = (string)(await _node.WalletRpc("rgb", "signrawtransactionwithwallet", RgbIds.ToBitcoin(unsigned).ToHex()))!["hex"]!;
        string sent = (string)(await _node.Rpc("sendrawtransaction", signedHex))!;
        await _node.MineAsync(1, address);
        var witnessId = RgbIds.Txid(unsigned);
        Assert.Equal(witnessId.ToReversedHex(), sent);

        // The consignment names its witness by txid only: the node supplies the transaction.
        var consignment = contract with
        {
            Transfer = true,
            Bundles = [new WitnessBundle(new PubWitness(null, witnessId), new Anchor(proof, new OpretProof()), bundle)],
        };
        var resolver = new NodeWitnessResolver(_client!);
        var report = await RgbValidator.ValidateAsync(consignment, resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, RgbFixtures.TrustedTypes()), ct);
        Assert.True(report.Validity == RgbValidity.Valid, $"{report.Failure}{report.ResolverError}");
        var allocation = Assert.Single(report.State!.Allocations);
        Assert.Equal($"{sent}:1", allocation.Outpoint);
        Assert.Equal(666UL, allocation.Amount);

        // The node reports the witness mined at height 102 (101 + 1 blocks): UnsafeHistory above a safe height of
        // 101, nothing at 102.
        var mined = await resolver.ResolveAsync(witnessId, ct);
        Assert.Equal(WitnessOrd.Mined(102), mined.Ord);
        report = await RgbValidator.ValidateAsync(consignment, resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, RgbFixtures.TrustedTypes()) { SafeHeight = 101 }, ct);
        var warning = Assert.Single(report.Warnings);
        Assert.Equal(RgbWarningKind.UnsafeHistory, warning.Kind);
        Assert.Equal([witnessId], warning.UnsafeHistory![102]);
        report = await RgbValidator.ValidateAsync(consignment, resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, RgbFixtures.TrustedTypes()) { SafeHeight = 102 }, ct);
        Assert.Empty(report.Warnings);

        // Round trip through the binary form, then through a node that does not know a witness.
        var decoded = RgbBinary.DecodeConsignment(RgbBinary.Encode(consignment));
        var unknown = decoded with { Bundles = [decoded.Bundles[0] with { PubWitness = new PubWitness(null, new Bytes32(Enumerable.Repeat((byte)9, 32).ToArray())) }] };
        report = await RgbValidator.ValidateAsync(unknown, resolver, new RgbValidationConfig(ChainNet.BitcoinRegtest, RgbFixtures.TrustedTypes()), ct);
        Assert.Equal(RgbFailureKind.SealNoPubWitness, report.Failure!.Kind);

        // The node's chain is checked against the validation network.
        var wrong = await resolver.CheckChainNetAsync(ChainNet.BitcoinMainnet, ct);
        Assert.Equal(ResolverErrorKind.WrongChainNet, wrong!.Kind);
        Assert.Null(await resolver.CheckChainNetAsync(ChainNet.BitcoinRegtest, ct));
    }
}
