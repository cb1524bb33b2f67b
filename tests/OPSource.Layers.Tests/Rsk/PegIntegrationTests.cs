using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Rsk.Rpc;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using Psbt = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>Both chains for the peg tests: a Bitcoin Core regtest node and anvil with the Bridge TEST DOUBLE at the precompile address.</summary>
public sealed class PegPeers : IAsyncLifetime
{
    public BitcoinCoreNode Bitcoin { get; } = new();

    public AnvilNode Anvil { get; } = new();

    public async ValueTask InitializeAsync()
    {
        BitcoinCoreNode.RequireBitcoind();
        await Anvil.InitializeAsync();
        await Bitcoin.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Anvil.DisposeAsync();
        await Bitcoin.DisposeAsync();
    }
}

/// <summary>
/// The 2-way peg end to end on real nodes: the Bridge's public ABI read through <c>eth_call</c> from a Bridge TEST
/// DOUBLE (tests/OPSource.Layers.Tests/Rsk/Contracts/BridgeTestDouble.sol, installed with anvil_setCode; not RSK
/// consensus), a peg-in transaction built through <see cref="IWalletFunding"/> against Bitcoin Core regtest and accepted
/// by testmempoolaccept, and peg-out status followed through the Bridge's events.
/// </summary>
public sealed class PegIntegrationTests(PegPeers peers) : IClassFixture<PegPeers>
{
    private static readonly BigInteger Rbtc = BigInteger.Pow(10, 18);

    private static readonly AbiFunction Configure = AbiFunction.Parse("testDoubleConfigure(string,int256,int256,uint256,int256)");

    private static readonly AbiFunction RegisterPegin = AbiFunction.Parse("testDoubleRegisterPegin(string,bytes32,address,int256)");

    private static readonly AbiFunction ReleaseRequested = AbiFunction.Parse("testDoubleReleaseRequested(bytes32,bytes32,uint256)");

    private static readonly AbiFunction PegoutConfirmed = AbiFunction.Parse("testDoublePegoutConfirmed(bytes32,uint256)");

    private RskService Service() => new(peers.Anvil.Rpc, new RskOptions { NodeUrl = peers.Anvil.Url, ChainId = 31 }, Network.Regtest);

    private async Task InstallBridgeTestDoubleAsync(string federation, CancellationToken ct)
    {
        var compiled = await RskPeers.CompileAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", "BridgeTestDouble.sol"), ct);
        await peers.Anvil.Rpc.RawCallAsync("anvil_setCode", [RskAddress.Bridge.ToString(), (string)compiled["BridgeTestDouble"]!["deployed"]!], ct);
        await DevSendAsync(Configure.EncodeCall([federation, new BigInteger(500_000), new BigInteger(2_000_000_000_000), new BigInteger(12_345), new BigInteger(200)]), ct);
    }

    private async Task<RskReceipt> DevSendAsync(byte[] data, CancellationToken ct)
    {
        var hash = await peers.Anvil.Rpc.RawCallAsync("eth_sendTransaction", [new JsonObject { ["from"] = AnvilNode.DevAccount, ["to"] = RskAddress.Bridge.ToString(), ["data"] = "0x" + Convert.ToHexStringLower(data) }], ct);
        var receipt = await peers.Anvil.Rpc.WaitForReceiptAsync((string)hash!, TimeSpan.FromMilliseconds(50), ct);
        Assert.True(receipt.Succeeded);
        return receipt;
    }

    [Fact]
    public async Task Pegin_is_built_from_the_wallet_to_the_federation_accepted_by_core_and_followed_through_pegin_btc()
    {
        var ct = TestContext.Current.CancellationToken;
        var core = peers.Bitcoin;
        var wallet = await core.CreateWalletAsync("pegin");
        var mine = (string)(await core.WalletRpc(wallet, "getnewaddress"))!;
        await core.MineAsync(101, mine);

        // A 2-of-3 P2SH federation (rskj federations are P2SH multisig).
        var keys = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            var info = await core.WalletRpc(wallet, "getaddressinfo", (string)(await core.WalletRpc(wallet, "getnewaddress", "", "legacy"))!);
            keys.Add((string)info!["pubkey"]!);
        }

        var federation = (string)(await core.Rpc("createmultisig", 2, keys, "legacy"))!["address"]!;
        await InstallBridgeTestDoubleAsync(federation, ct);

        var service = Service();
        var bridge = await service.Bridge.GetInfoAsync(ct);
        Assert.Equal(federation, bridge.FederationAddress.ToString());
        Assert.Equal(500_000, bridge.MinimumPegin.Satoshis);
        Assert.Equal(12_345, bridge.EstimatedPegoutFees.Satoshis);
        Assert.Equal(200, bridge.BtcBestHeight);

        using var seed = Mnemonic.Parse("legal winner thank year wave sausage worth useful legal winner thank yellow").DeriveSeed();
        using var receiver = RskAccount.FromSeed(seed.Span, RskChain.Regtest, 0);
        var refund = Address.Parse((string)(await core.WalletRpc(wallet, "getnewaddress", "", "legacy"))!, Network.Regtest);
        var instructions = new PeginInstructions(receiver.Address, refund);
        var funding = new CoreWalletFunding(core, Network.Regtest);
        var builder = new PeginBuilder(funding);

        // Below the Bridge's minimum: refused before any coin is chosen.
        var low = await Assert.ThrowsAsync<RskException>(() => builder.BuildAsync(wallet, bridge, Amount.FromSatoshis(499_999), FeeRate.FromSatoshisPerVByte(2), instructions, ct));
        Assert.Contains("minimum", low.Message, StringComparison.Ordinal);

        var plan = await builder.BuildAsync(wallet, bridge, Amount.FromSatoshis(1_000_000), FeeRate.FromSatoshisPerVByte(2), instructions, ct);
        var signed = await core.WalletRpc(wallet, "walletprocesspsbt", plan.Psbt.ToBase64());
        Assert.True((bool)signed!["complete"]!);
        var tx = Transaction.Parse((string)signed["hex"]!);
        var accept = (await core.Rpc("testmempoolaccept", new JsonArray(tx.ToHex())))!.AsArray()[0]!;
        Assert.True((bool)accept["allowed"]!, accept.ToJsonString());
        var parsed = PeginInstructions.FromTransaction(tx, Network.Regtest)!;
        Assert.Equal(receiver.Address, parsed.Destination);
        Assert.Equal(refund.ToString(), parsed.RefundAddress!.ToString());
        Assert.Contains(tx.Outputs, o => o.Value.Satoshis == 1_000_000 && o.ScriptPubKey.Span.SequenceEqual(bridge.FederationAddress.ScriptPubKeyBytes));
        var txid = (string)(await core.Rpc("sendrawtransaction", tx.ToHex()))!;
        await core.MineAsync(1, mine);

        // The federation's side, played by the test double: register the peg-in, then read its status.
        var tracker = service.Peg;
        Assert.Equal(PeginStage.NotRegistered, (await tracker.GetPeginStatusAsync(txid, ct)).Stage);
        Assert.Null(await service.Bridge.GetProcessedHeightAsync(txid, ct));
        await DevSendAsync(RegisterPegin.EncodeCall([txid, Convert.FromHexString(txid), receiver.Address, new BigInteger(1_000_000)]), ct);
        var status = await tracker.GetPeginStatusAsync(txid, ct);
        Assert.Equal(PeginStage.Registered, status.Stage);
        Assert.Equal(receiver.Address, status.Receiver);
        Assert.Equal(1_000_000, status.AmountSatoshis);
        Assert.NotNull(await service.Bridge.GetProcessedHeightAsync(txid, ct));
    }

    [Fact]
    public async Task Pegout_sends_rbtc_to_the_bridge_and_its_status_follows_the_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await InstallBridgeTestDoubleAsync("2N5muMepJizJE1gR7FbHJU6CD18V3BpNF9p", ct);
        var service = Service();
        using var account = RskAccount.FromSecretKey(RskDifferentialTests.RandomKey(new Random(42)));
        await peers.Anvil.FundAsync(account.Address, Rbtc, ct);

        var sent = await service.PegoutAsync(account, Amount.FromSatoshis(1_000_000), waitForReceipt: true, ct);
        Assert.Equal(RskAddress.Bridge, sent.Transaction.To);
        Assert.Equal(RbtcUnits.ToWei(Amount.FromSatoshis(1_000_000)), sent.Transaction.Value);
        var tracker = service.Peg;
        var status = await tracker.GetPegoutStatusAsync(sent.Hash, ct);
        Assert.Equal(PegoutStage.Received, status.Stage);
        Assert.Equal(1_000_000, status.AmountSatoshis);

        var btcHash = RskDifferentialTests.RandomBytes(new Random(7), 32);
        await DevSendAsync(ReleaseRequested.EncodeCall([Convert.FromHexString(sent.Hash[2..]), btcHash, new BigInteger(1_000_000)]), ct);
        status = await tracker.GetPegoutStatusAsync(sent.Hash, ct);
        Assert.Equal(PegoutStage.Requested, status.Stage);
        Assert.Equal(Convert.ToHexStringLower(btcHash), status.BtcTxId);

        await DevSendAsync(PegoutConfirmed.EncodeCall([btcHash, new BigInteger(1)]), ct);
        Assert.Equal(PegoutStage.Confirmed, (await tracker.GetPegoutStatusAsync(sent.Hash, ct)).Stage);

        // Below the minimum the (test double) Bridge rejects and refunds.
        var small = await service.PegoutAsync(account, Amount.FromSatoshis(1_000), waitForReceipt: true, ct);
        var rejected = await tracker.GetPegoutStatusAsync(small.Hash, ct);
        Assert.Equal(PegoutStage.Rejected, rejected.Stage);
        Assert.Equal(1, rejected.Reason);
    }
}

/// <summary>
/// <see cref="IWalletFunding"/> backed by a Bitcoin Core wallet (walletcreatefundedpsbt / lockunspent), so the peg-in
/// builder runs against real coins and a real node without the OPSource wallet's storage. Test adapter only.
/// </summary>
internal sealed class CoreWalletFunding(BitcoinCoreNode core, Network network) : IWalletFunding
{
    public async Task<Psbt> CreatePsbtAsync(PsbtRequest request, CancellationToken cancellationToken)
    {
        var outputs = new JsonArray();
        foreach (var output in request.Outputs)
        {
            if (output.ScriptPubKey.Span is [(byte)OpcodeType.OP_RETURN, ..])
            {
                var pc = 1;
                Assert.True(Script.TryGetOp(output.ScriptPubKey.Span, ref pc, out _, out var push));
                outputs.Add(new JsonObject { ["data"] = Convert.ToHexStringLower(push) });
            }
            else
            {
                Assert.True(Address.TryFromScriptPubKey(output.ScriptPubKey.Span, network, out var address));
                outputs.Add(new JsonObject { [address.ToString()] = (output.Value.Satoshis / 100_000_000m).ToString("0.00000000", CultureInfo.InvariantCulture) });
            }
        }

        var options = new JsonObject { ["fee_rate"] = request.FeeRate.SatoshisPerVByte, ["lockUnspents"] = true, ["replaceable"] = request.EnableRbf };
        var result = await core.CallAsync("walletcreatefundedpsbt", [new JsonArray(), outputs, 0, options], request.Wallet, cancellationToken);
        return Psbt.Parse((string)result!["psbt"]!);
    }

    public async Task ReleaseAsync(string wallet, IReadOnlyCollection<OutPoint> outPoints, CancellationToken cancellationToken)
    {
        var list = new JsonArray([.. outPoints.Select(o => (JsonNode)new JsonObject { ["txid"] = o.TxId.ToString(), ["vout"] = o.Index })]);
        await core.CallAsync("lockunspent", [true, list], wallet, cancellationToken);
    }

    public Task<FundingSelection> SelectFundingAsync(FundingRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the peg-in builder funds through CreatePsbtAsync");

    public Task<Script> GetNewScriptAsync(string wallet, WalletKeychain keychain, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the peg-in builder does not ask for scripts");
}
