using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Platform.Funding;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;
using OPSource.Wallet.Tests.Service;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Tests.Regtest;

/// <summary>
/// PSBTs between OPSource and Bitcoin Core v29.2 (regtest, SQLite): a 2-of-2 <c>wsh(sortedmulti)</c> whose keys are
/// one in an OPSource wallet and one in a Core wallet. OPSource's watch-only treasury builds the PSBT; either side
/// signs first (Core's <c>walletprocesspsbt</c>, OPSource's signer), the other adds its signature; OPSource finalizes
/// and broadcasts one, Core's <c>finalizepsbt</c> finalizes the other. And a single-sig OPSource PSBT signed by
/// OPSource is finalized by Core.
/// </summary>
public sealed class RegtestPsbtInteropTests(RegtestNodeFixture fixture) : IClassFixture<RegtestNodeFixture>
{
    private static readonly ReadOnlyMemory<char> Pass = "interop passphrase".ToCharArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private BitcoinCoreNode Node => fixture.Node;

    private async Task<string> CoreAddressAsync()
    {
        if (!(await Node.Rpc("listwallets"))!.AsArray().Any(w => (string)w! == "core"))
        {
            await Node.CreateWalletAsync("core");
            await Node.MineAsync(101, (string)(await Node.WalletRpc("core", "getnewaddress"))!);
        }

        return (string)(await Node.WalletRpc("core", "getnewaddress"))!;
    }

    private static string Origin(ExtKey master) => $"[{master.Fingerprint}/48h/1h/0h/2h]";

    [Fact]
    public async Task A_two_of_two_between_opsource_and_core_is_signed_in_either_order()
    {
        using var rpc = new BitcoinRpcClient(new BitcoinRpcClientOptions(Node.RpcUrl, RpcCredentials.FromCookieFile(Node.CookieFile)));
        await using var h = await ServiceHarness.CreateAsync("sqlite", () => rpc);
        var s = h.Service;
        var coreAddress = await CoreAddressAsync();

        // Key A: an OPSource wallet's seed (the wallet signs for any path under its master). Key B: Core's.
        using var mnemonic = Mnemonic.FromEntropy(Enumerable.Repeat((byte)77, 16).ToArray());
        await s.RestoreAsync(new CreateWalletRequest { Name = "member", Template = WalletTemplate.Bip84 }, mnemonic, Pass, default, Ct);
        using var seedA = mnemonic.DeriveSeed();
        using var masterA = ExtKey.CreateMaster(seedA);
        using var accountA = masterA.Derive(KeyPath.Parse("m/48h/1h/0h/2h"));
        using var masterB = ExtKey.CreateMaster(Enumerable.Repeat((byte)88, 32).ToArray());
        using var accountB = masterB.Derive(KeyPath.Parse("m/48h/1h/0h/2h"));
        var a = Origin(masterA) + accountA.Neuter().ToString(Network.Regtest);
        var bPublic = Origin(masterB) + accountB.Neuter().ToString(Network.Regtest);
        var bPrivate = Origin(masterB) + accountB.ToBase58(Network.Regtest);

        // OPSource watches the multisig; Core holds key B for both keychains.
        var treasury = DescriptorChecksum.Add($"wsh(sortedmulti(2,{a}/<0;1>/*,{bPublic}/<0;1>/*))");
        IWalletProvisioning provisioning = s;
        await provisioning.CreateWatchOnlyWalletAsync(new WatchOnlyWalletRequest("treasury", treasury, BirthdayHeight: 0), Ct);
        await Node.Rpc("createwallet", "cosigner", false, true);
        var import = new JsonArray();
        foreach (var chain in new[] { 0, 1 })
        {
            var d = (string)(await Node.Rpc("getdescriptorinfo", $"wsh(sortedmulti(2,{a}/{chain}/*,{bPrivate}/{chain}/*))"))!["checksum"]!;
            import.Add((JsonNode)new JsonObject { ["desc"] = $"wsh(sortedmulti(2,{a}/{chain}/*,{bPrivate}/{chain}/*))#{d}", ["timestamp"] = "now", ["range"] = new JsonArray(0, 50) });
        }

        var imported = (await Node.WalletRpc("cosigner", "importdescriptors", import))!.AsArray();
        Assert.All(imported, r => Assert.True((bool)r!["success"]!, r!.ToJsonString()));

        // Fund the treasury twice from Core and confirm.
        IWalletFunding funding = s;
        foreach (var amount in new[] { 1.2m, 0.8m })
        {
            var script = await funding.GetNewScriptAsync("treasury", WalletKeychain.External, Ct);
            var address = Bitcoin.Addresses.Address.TryFromScriptPubKey(script.ToBytes(), Network.Regtest, out var x) ? x.ToString() : throw new InvalidOperationException();
            await Node.WalletRpc("core", "sendtoaddress", address, amount);
        }

        await Node.MineAsync(1, coreAddress);
        await s.SyncAsync("treasury", mempool: true, Ct);
        Assert.Equal(Amount.FromBtc(2m), (await s.GetBalanceAsync("treasury", Ct)).Confirmed);

        // 1) OPSource signs first, Core second (walletprocesspsbt, not finalized), OPSource finalizes and broadcasts.
        var first = await funding.CreatePsbtAsync(new PsbtRequest("treasury", [new PaymentOutput(s.ParseAddress(coreAddress), Amount.FromBtc(0.5m))], FeeRate.FromSatoshisPerVByte(3)), Ct);
        var ours = await s.SignPsbtAsync("member", first, Pass, Ct);
        Assert.NotEmpty(ours.SignedInputs);
        Assert.False(ours.Complete);
        var processed = (await Node.WalletRpc("cosigner", "walletprocesspsbt", ours.Psbt.ToBase64(), true, "ALL", true, false))!;
        Assert.True(PsbtDocument.TryParse((string)processed["psbt"]!, out var fromCore, out var error), error?.Message);
        Assert.All(fromCore.Inputs, i => Assert.Equal(2, i.PartialSignatures.Count));
        var (tx1, sent1) = await s.FinalizePsbtAsync("treasury", fromCore, broadcast: true, Ct);
        Assert.NotNull(sent1);
        Assert.Contains((await Node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == tx1.GetTxId().ToString());

        // 2) Core signs first, OPSource second; Core's finalizepsbt extracts a transaction its mempool accepts.
        await Node.MineAsync(1, coreAddress);
        await s.SyncAsync("treasury", mempool: true, Ct);
        var second = await funding.CreatePsbtAsync(new PsbtRequest("treasury", [new PaymentOutput(s.ParseAddress(coreAddress), Amount.FromBtc(0.3m))], FeeRate.FromSatoshisPerVByte(2)), Ct);
        var coreFirst = (await Node.WalletRpc("cosigner", "walletprocesspsbt", second.ToBase64(), true, "ALL", true, false))!;
        Assert.False((bool)coreFirst["complete"]!);
        Assert.True(PsbtDocument.TryParse((string)coreFirst["psbt"]!, out var partial, out error), error?.Message);
        var both = await s.SignPsbtAsync("member", partial, Pass, Ct);
        Assert.True(both.Complete);
        var finalized = (await Node.Rpc("finalizepsbt", both.Psbt.ToBase64()))!;
        Assert.True((bool)finalized["complete"]!, finalized.ToJsonString());
        var accept = (await Node.Rpc("testmempoolaccept", new JsonArray((string)finalized["hex"]!)))![0]!;
        Assert.True((bool)accept["allowed"]!, accept.ToJsonString());

        // 3) A single-sig OPSource PSBT, signed by OPSource, finalized by Core.
        await s.SyncAsync("member", mempool: true, Ct);
        var script2 = await funding.GetNewScriptAsync("member", WalletKeychain.External, Ct);
        await Node.WalletRpc("core", "sendtoaddress", Bitcoin.Addresses.Address.TryFromScriptPubKey(script2.ToBytes(), Network.Regtest, out var m) ? m.ToString() : "", 0.4m);
        await Node.MineAsync(1, coreAddress);
        await s.SyncAsync("member", mempool: true, Ct);
        var single = await funding.CreatePsbtAsync(new PsbtRequest("member", [new PaymentOutput(s.ParseAddress(coreAddress), Amount.FromBtc(0.1m))], FeeRate.FromSatoshisPerVByte(2)), Ct);
        var signedSingle = await s.SignPsbtAsync("member", single, Pass, Ct);
        var coreFinal = (await Node.Rpc("finalizepsbt", signedSingle.Psbt.ToBase64()))!;
        Assert.True((bool)coreFinal["complete"]!, coreFinal.ToJsonString());
        var accept2 = (await Node.Rpc("testmempoolaccept", new JsonArray((string)coreFinal["hex"]!)))![0]!;
        Assert.True((bool)accept2["allowed"]!, accept2.ToJsonString());
    }
}
