using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Dao.Service;
using OPSource.Platform.Funding;
using OPSource.Server;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Dao.Tests.Regtest;

/// <summary>
/// The issue's end-to-end run on a Bitcoin Core regtest node: a 2-of-3 DAO with a Taproot treasury, funded;
/// a spend proposal voted, closed (anchored from the operator's wallet), unlocked by mining, co-signed by two
/// members with the CLI from two separate data dirs, finalized, checked, broadcast and confirmed; anchored
/// again; exported; verified by the CLI binary in a fresh process; and four tampered bundles refused naming
/// the broken event. Without bitcoind the test skips locally and fails under CI=true.
/// </summary>
public sealed class DaoRegtestTests
{
    private const string Passphrase = "operator wallet passphrase of the test";

    /// <summary>Starts the node (skipping locally and failing under CI without bitcoind) and matures 101 blocks to a Core "miner" wallet; returns its address.</summary>
    private static async Task<string> StartMinerAsync(BitcoinCoreNode node, CancellationToken ct)
    {
        await node.StartAsync(ct);
        await node.CreateWalletAsync("miner");
        var miner = (string)(await node.WalletRpc("miner", "getnewaddress"))!;
        await node.MineAsync(101, miner);
        return miner;
    }

    [Fact]
    public async Task Two_of_three_treasury_spend_from_proposal_to_verified_bundle()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var node = new BitcoinCoreNode();
        var miner = await StartMinerAsync(node, ct);

        var operatorDir = Directory.CreateTempSubdirectory("opsource-dao-operator-").FullName;
        var memberDirs = new[] { Directory.CreateTempSubdirectory("opsource-dao-b-").FullName, Directory.CreateTempSubdirectory("opsource-dao-c-").FullName };
        var app = await StartHostAsync(node, operatorDir, ct);
        try
        {
            var services = app.Services;
            var wallets = services.GetRequiredService<WalletService>();
            var dao = services.GetRequiredService<DaoService>();
            var chain = services.GetRequiredService<IBitcoinNode>();

            await CreateOperatorWalletAsync(node, services, ct);

            // Three members; B and C keep their keys in their own data dirs.
            var keys = Enumerable.Range(0, 3).Select(_ => SecretKey.Generate()).ToArray();
            var keyFiles = new string[3];
            for (var i = 0; i < 3; i++)
            {
                var dir = i == 0 ? operatorDir : memberDirs[i - 1];
                keyFiles[i] = Path.Combine(dir, "member.key");
                var secret = new byte[32];
                keys[i].WriteTo(secret);
                await File.WriteAllTextAsync(keyFiles[i], Convert.ToHexStringLower(secret), ct);
            }

            var members = keys.Select(k => new DaoMember(DaoLog.Hex(k), 1)).ToList();
            var created = await dao.CreateAsync(new CreateDaoRequest("council", GovernanceType.Multisig, members, new DaoParameters(0, 5000, 5000, 0, 3, 2), 2, false, true), ct);
            var daoId = created.DaoId;
            var treasuryAddress = Treasury.Parse(created.Definition!.TreasuryDescriptor!, Network.Regtest).GetAddresses(0, Network.Regtest)[0].ToString();
            // Core v29 has no musig() in descriptors, so it cannot derive the address itself; Core accepting the
            // script-path spend below (testmempoolaccept, then a block) is what proves the output is the treasury's.
            await node.WalletRpc("miner", "sendtoaddress", treasuryAddress, 0.5m);
            await MineAsync(1);

            // Propose paying 0.1 BTC back to the miner; two members vote yes, one no.
            var pay = (string)(await node.WalletRpc("miner", "getnewaddress"))!;
            var proposal = DaoSigner.Proposal(keys[0], daoId, 1, "pay the auditor", "", new SpendAction([new SpendOutput(pay, 10_000_000)], 2));
            await dao.SubmitAsync(daoId, proposal, ct);
            var proposalId = DaoSigner.ProposalId(proposal.Body);
            await dao.SubmitAsync(daoId, DaoSigner.Vote(keys[0], daoId, proposalId, VoteChoice.Yes, 1), ct);
            await dao.SubmitAsync(daoId, DaoSigner.Vote(keys[1], daoId, proposalId, VoteChoice.Yes, 1), ct);
            await dao.SubmitAsync(daoId, DaoSigner.Vote(keys[2], daoId, proposalId, VoteChoice.No, 1), ct);

            await MineAsync(3);
            var late = await Assert.ThrowsAsync<DaoEventException>(() => dao.SubmitAsync(daoId, DaoSigner.Vote(keys[2], daoId, proposalId, VoteChoice.Yes, 2), ct));
            Assert.Contains("voting closed", late.Message, StringComparison.Ordinal);
            var (close, anchor) = await dao.CloseAsync(daoId, proposalId, ct);
            Assert.Contains("\"passed\"", close.Body, StringComparison.Ordinal);
            Assert.NotNull(anchor);
            await Assert.ThrowsAsync<DaoException>(() => dao.ExecuteAsync(daoId, proposalId, [], ct)); // timelock
            await MineAsync(2);

            // The operator builds the PSBT; B and C sign it with the CLI, each from its own data dir.
            var pending = await dao.ExecuteAsync(daoId, proposalId, [], ct);
            Assert.False(pending.Executed);
            Assert.Equal(2, pending.Required);
            var psbtFile = Path.Combine(operatorDir, "spend.psbt");
            await File.WriteAllTextAsync(psbtFile, pending.Psbt, ct);
            var signed = new List<PartiallySignedTransaction>();
            for (var i = 1; i < 3; i++)
            {
                var (code, stdout, stderr) = await RunCliAsync(["dao", "sign-psbt", "@" + psbtFile, "--key-file", keyFiles[i], "--data-dir", memberDirs[i - 1], "--network", "regtest"], ct);
                Assert.True(code == 0, stderr);
                signed.Add(PartiallySignedTransaction.Parse(stdout.Trim()));
            }

            var executed = await dao.ExecuteAsync(daoId, proposalId, signed, ct);
            Assert.True(executed.Executed);
            await MineAsync(1);
            var confirmations = (await node.WalletRpc("miner", "gettransaction", executed.Txid!))!["confirmations"]!.GetValue<int>();
            Assert.Equal(1, confirmations);

            // Anchor the log including the execution, confirm, export.
            await dao.AnchorAsync(daoId, proposalId, "ops", ct);
            await MineAsync(1);
            var bundle = await dao.ExportAsync(daoId, ct);
            Assert.Equal(2, bundle.Anchors.Count);
            Assert.All(bundle.Anchors, a => Assert.NotNull(a.TxOutProof));
            var withNode = await DaoVerifier.VerifyAsync(bundle, chain, null, ct);
            Assert.True(withNode.Ok, withNode.Error);
            Assert.All(withNode.Anchors, a => Assert.True(a.CheckedWithNode));

            // A third party: the CLI binary in a fresh process with nothing but the file.
            var bundleFile = Path.Combine(memberDirs[0], "bundle.json");
            await File.WriteAllTextAsync(bundleFile, bundle.ToJson(), ct);
            var (ok, okOut, okErr) = await RunCliAsync(["dao", "verify", bundleFile, "--json"], ct);
            Assert.True(ok == 0, okErr);
            var report = JsonNode.Parse(okOut)!;
            Assert.True(report["valid"]!.GetValue<bool>());
            Assert.Equal(executed.Txid, report["proposals"]![0]!["txid"]!.GetValue<string>());

            // Tampered bundles fail naming the broken event.
            var voteSeq = bundle.Events.First(e => e.Body.Contains("\"no\"", StringComparison.Ordinal)).Seq;
            var flipped = bundle.Events.ToList();
            flipped[(int)voteSeq] = flipped[(int)voteSeq] with { Body = flipped[(int)voteSeq].Body.Replace("\"no\"", "\"yes\"", StringComparison.Ordinal) };
            await ExpectBrokenAsync(bundle with { Events = flipped }, $"event {voteSeq} (vote)");
            await ExpectBrokenAsync(bundle with { Events = bundle.Events.Where(e => e.Seq != voteSeq).ToList() }, $"event {voteSeq + 1}");
            var reordered = bundle.Events.ToList();
            (reordered[2], reordered[3]) = (reordered[3], reordered[2]);
            await ExpectBrokenAsync(bundle with { Events = reordered }, "event 3");
            var swapped = bundle with { Anchors = [bundle.Anchors[0] with { Seq = bundle.Anchors[1].Seq }, bundle.Anchors[1] with { Seq = bundle.Anchors[0].Seq }] };
            await ExpectBrokenAsync(swapped, $"event {bundle.Anchors[0].Seq} (anchor)");

            async Task ExpectBrokenAsync(DaoBundle tampered, string names)
            {
                var file = Path.Combine(memberDirs[1], "tampered.json");
                await File.WriteAllTextAsync(file, tampered.ToJson(), ct);
                var (code, _, stderr) = await RunCliAsync(["dao", "verify", file], ct);
                Assert.Equal(1, code);
                Assert.Contains("error: " + names, stderr, StringComparison.Ordinal);
            }

            async Task MineAsync(int blocks)
            {
                await node.MineAsync(blocks, miner);
                foreach (var w in new[] { "ops", "dao-" + daoId[..16] })
                {
                    await wallets.SyncAsync(w, true, ct);
                }
            }
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            foreach (var dir in memberDirs.Append(operatorDir))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // A file still held open: leave the temp dir to the OS.
                }
            }
        }
    }

    /// <summary>
    /// The treasury follows membership on a real node: a 2-of-3 DAO, funded; a fourth member added by proposal; the
    /// treasury rotated (the sweep to the 2-of-4 descriptor co-signed by two OLD members, broadcast, confirmed); a spend
    /// from the NEW treasury co-signed by the new member and an old one; the exported bundle verifies offline (in a
    /// fresh CLI process) and covers the rotation; a bundle whose rotation names the wrong transaction fails naming it.
    /// </summary>
    [Fact]
    public async Task Adding_a_member_rotates_the_treasury_and_the_new_treasury_spends()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var node = new BitcoinCoreNode();
        var miner = await StartMinerAsync(node, ct);
        var operatorDir = Directory.CreateTempSubdirectory("opsource-dao-rotate-").FullName;
        var memberDir = Directory.CreateTempSubdirectory("opsource-dao-rotate-c-").FullName;
        var app = await StartHostAsync(node, operatorDir, ct);
        try
        {
            var services = app.Services;
            var wallets = services.GetRequiredService<WalletService>();
            var dao = services.GetRequiredService<DaoService>();
            await CreateOperatorWalletAsync(node, services, ct);

            // A, B, C found the DAO (2-of-3); D joins by proposal.
            var keys = Enumerable.Range(0, 4).Select(_ => SecretKey.Generate()).ToArray();
            var created = await dao.CreateAsync(new CreateDaoRequest("council", GovernanceType.Multisig, keys[..3].Select(k => new DaoMember(DaoLog.Hex(k), 1)).ToList(), new DaoParameters(0, 5000, 5000, 0, 3, 0), 2, false, true), ct);
            var daoId = created.DaoId;
            var oldDescriptor = created.TreasuryDescriptor!;
            await node.WalletRpc("miner", "sendtoaddress", AddressOf(oldDescriptor), 0.5m);
            await MineAsync(1);

            var add = await PassAsync(new MemberAddAction(new DaoMember(DaoLog.Hex(keys[3]), 1)), 1, [0, 1]);
            Assert.True((await dao.ExecuteAsync(daoId, add, [], ct)).Executed);
            var (_, state, _) = await dao.LoadAsync(daoId, ct);
            Assert.True(state.RotationPending);
            var newDescriptor = state.RequiredTreasuryDescriptor!;
            Assert.Equal(Treasury.Descriptor(keys.Select(DaoLog.Hex).ToList(), 2, Network.Regtest), newDescriptor);

            // A spend cannot execute while the treasury lags the membership.
            var early = await PassAsync(new SpendAction([new SpendOutput(miner, 1_000_000)], 2), 2, [0, 3]);
            Assert.Contains("rotate the treasury first", (await Assert.ThrowsAsync<DaoException>(() => dao.ExecuteAsync(daoId, early, [], ct))).Message, StringComparison.Ordinal);

            // The sweep: the operator builds it, two OLD members sign it under the old 2-of-3 leaf; the new member cannot.
            var sweep = await dao.RotateAsync(daoId, [], null, false, ct);
            Assert.False(sweep.Executed);
            Assert.Equal(2, sweep.Required);
            var unsigned = PartiallySignedTransaction.Parse(sweep.Psbt!);
            Assert.DoesNotContain(Sign(unsigned, keys[3]).Inputs, i => i.TapScriptSignatures.Count > 0);
            // C signs with the CLI, as docs/dao.md shows (`dao sign-psbt @sweep.psbt --key-file ...`).
            var sweepFile = Path.Combine(memberDir, "sweep.psbt");
            var keyFile = Path.Combine(memberDir, "carol.key");
            await File.WriteAllTextAsync(sweepFile, sweep.Psbt, ct);
            var secret = new byte[32];
            keys[2].WriteTo(secret);
            await File.WriteAllTextAsync(keyFile, Convert.ToHexStringLower(secret), ct);
            var (signCode, signOut, signErr) = await RunCliAsync(["dao", "sign-psbt", "@" + sweepFile, "--key-file", keyFile, "--data-dir", memberDir, "--network", "regtest"], ct);
            Assert.True(signCode == 0, signErr);
            var rotated = await dao.RotateAsync(daoId, [Sign(unsigned, keys[1]), PartiallySignedTransaction.Parse(signOut.Trim())], null, false, ct);
            Assert.True(rotated.Executed);
            var sweepTxid = rotated.Txid!;
            await MineAsync(1);
            Assert.Equal(1, (await node.Rpc("getrawtransaction", sweepTxid, true))!["confirmations"]!.GetValue<int>());
            (_, state, _) = await dao.LoadAsync(daoId, ct);
            Assert.False(state.RotationPending);
            Assert.Equal(newDescriptor, state.TreasuryDescriptor);
            Assert.Equal(DaoService.TreasuryWallet(state), (await dao.LoadAsync(daoId, ct)).Record.TreasuryWallet);
            var sweepTx = Transaction.Parse((string)(await node.Rpc("getrawtransaction", sweepTxid))!);
            var paid = Assert.Single(sweepTx.Outputs);
            Assert.True(Address.TryFromScriptPubKey(paid.ScriptPubKey.Span, Network.Regtest, out var paidAddress));
            Assert.Equal(AddressOf(newDescriptor), paidAddress.ToString());

            // The early spend (voted before the rotation) now executes from the NEW treasury: D (new) and A sign.
            var pending = await dao.ExecuteAsync(daoId, early, [], ct);
            Assert.False(pending.Executed);
            var spendPsbt = PartiallySignedTransaction.Parse(pending.Psbt!);
            var executed = await dao.ExecuteAsync(daoId, early, [Sign(spendPsbt, keys[3]), Sign(spendPsbt, keys[0])], ct);
            Assert.True(executed.Executed);
            var spendTx = Transaction.Parse((string)(await node.Rpc("getrawtransaction", executed.Txid!))!);
            Assert.All(spendTx.Inputs, i => Assert.Equal(sweepTxid, i.PrevOut.TxId.ToString()));
            await MineAsync(1);

            await dao.AnchorAsync(daoId, null, "ops", ct);
            await MineAsync(1);
            var bundle = await dao.ExportAsync(daoId, ct);
            var carried = Assert.Single(bundle.Transactions, t => t.Txid == sweepTxid);
            Assert.NotNull(carried.TxOutProof);
            Assert.Contains(bundle.Events, e => e.Body.StartsWith("{\"type\":\"treasury.rotate\"", StringComparison.Ordinal));
            var offline = await DaoVerifier.VerifyAsync(DaoBundle.Parse(bundle.ToJson()), null, null, ct);
            Assert.True(offline.Ok, offline.Error);

            var bundleFile = Path.Combine(operatorDir, "bundle.json");
            await File.WriteAllTextAsync(bundleFile, bundle.ToJson(), ct);
            var (code, stdout, stderr) = await RunCliAsync(["dao", "verify", bundleFile, "--json"], ct);
            Assert.True(code == 0, stderr);
            Assert.True(JsonNode.Parse(stdout)!["valid"]!.GetValue<bool>());

            // The rotation's sweep swapped for the spend transaction: refused naming the rotation event.
            var rotationSeq = bundle.Events.First(e => e.Body.Contains("treasury.rotate", StringComparison.Ordinal)).Seq;
            var spendEntry = bundle.Transactions.First(t => t.Txid == executed.Txid);
            var swapped = bundle with { Transactions = [.. bundle.Transactions.Where(t => t.Txid != sweepTxid), spendEntry with { Txid = sweepTxid }] };
            var broken = await DaoVerifier.VerifyAsync(swapped, null, null, ct);
            Assert.False(broken.Ok);
            Assert.StartsWith($"event {rotationSeq} (treasury.rotate)", broken.Error, StringComparison.Ordinal);

            async Task<string> PassAsync(ProposalAction action, ulong nonce, int[] yes)
            {
                var signed = DaoSigner.Proposal(keys[0], daoId, nonce, "proposal " + nonce, "", action);
                await dao.SubmitAsync(daoId, signed, ct);
                var id = DaoSigner.ProposalId(signed.Body);
                foreach (var voter in yes)
                {
                    await dao.SubmitAsync(daoId, DaoSigner.Vote(keys[voter], daoId, id, VoteChoice.Yes, 1), ct);
                }

                await MineAsync(3);
                var (close, _) = await dao.CloseAsync(daoId, id, ct);
                Assert.Contains("\"passed\"", close.Body, StringComparison.Ordinal);
                return id;
            }

            async Task MineAsync(int blocks)
            {
                await node.MineAsync(blocks, miner);
                foreach (var w in new[] { "ops", "dao-" + daoId[..16], "dao-" + daoId[..16] + "-1" })
                {
                    if (await wallets.ExistsAsync(w, ct))
                    {
                        await wallets.SyncAsync(w, true, ct);
                    }
                }
            }
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            foreach (var dir in new[] { operatorDir, memberDir })
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // A file still held open: leave the temp dir to the OS.
                }
            }
        }
    }

    private static string AddressOf(string descriptor)
    {
        using var parsed = Treasury.Parse(descriptor, Network.Regtest);
        return parsed.GetAddresses(0, Network.Regtest)[0].ToString();
    }

    /// <summary>What <c>opsource dao sign-psbt</c> does: the member's multi_a signature on every input it can sign.</summary>
    private static PartiallySignedTransaction Sign(PartiallySignedTransaction psbt, SecretKey key)
    {
        psbt.TrySign([key], out var signed, out _);
        return signed;
    }

    /// <summary>The operator's wallet that pays for anchors (Dao:AnchorWallet = ops): created, unlocked, funded with 0.2 BTC.</summary>
    private static async Task CreateOperatorWalletAsync(BitcoinCoreNode node, IServiceProvider services, CancellationToken ct)
    {
        var wallets = services.GetRequiredService<WalletService>();
        await wallets.CreateAsync(new CreateWalletRequest { Name = "ops", WordCount = 12 }, Passphrase.AsMemory(), ReadOnlyMemory<char>.Empty, ct);
        await wallets.UnlockAsync("ops", Passphrase.AsMemory(), TimeSpan.FromHours(1), ct);
        var opsScript = await services.GetRequiredService<IWalletFunding>().GetNewScriptAsync("ops", WalletKeychain.External, ct);
        Assert.True(Address.TryFromScriptPubKey(opsScript, Network.Regtest, out var opsAddress));
        await node.WalletRpc("miner", "sendtoaddress", opsAddress.ToString(), 0.2m);
    }

    private static async Task<WebApplication> StartHostAsync(BitcoinCoreNode node, string dataDir, CancellationToken ct)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = node.RpcUrl.ToString(),
            ["Node:CookieFile"] = node.CookieFile,
            ["Wallet:KdfMemoryKiB"] = "8192",
            ["Wallet:KdfPasses"] = "1",
            ["Wallet:FallbackFeeRate"] = "2",
            ["Wallet:Sync"] = "false",
            ["Dlc:Watch"] = "false",
            ["Dao:AnchorWallet"] = "ops",
        }).Build();
        var options = new OpsourceOptions { Network = "regtest", DataDir = dataDir, Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 } };
        var app = OpsourceServer.Build(options, configuration);
        await OpsourceServer.PrepareAsync(app, ct);
        return app;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(IEnumerable<string> args, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "opsource.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }
}
