using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
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

    [Fact]
    public async Task Two_of_three_treasury_spend_from_proposal_to_verified_bundle()
    {
        BitcoinCoreNode.RequireBitcoind();
        var ct = TestContext.Current.CancellationToken;
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(ct);
        await node.CreateWalletAsync("miner");
        var miner = (string)(await node.WalletRpc("miner", "getnewaddress"))!;
        await node.MineAsync(101, miner);

        var operatorDir = Directory.CreateTempSubdirectory("opsource-dao-operator-").FullName;
        var memberDirs = new[] { Directory.CreateTempSubdirectory("opsource-dao-b-").FullName, Directory.CreateTempSubdirectory("opsource-dao-c-").FullName };
        var app = await StartHostAsync(node, operatorDir, ct);
        try
        {
            var services = app.Services;
            var wallets = services.GetRequiredService<WalletService>();
            var dao = services.GetRequiredService<DaoService>();
            var chain = services.GetRequiredService<IBitcoinNode>();

            // The operator's wallet pays for anchors (Dao:AnchorWallet = ops).
            await wallets.CreateAsync(new CreateWalletRequest { Name = "ops", WordCount = 12 }, Passphrase.AsMemory(), ReadOnlyMemory<char>.Empty, ct);
            await wallets.UnlockAsync("ops", Passphrase.AsMemory(), TimeSpan.FromHours(1), ct);
            var opsScript = await services.GetRequiredService<IWalletFunding>().GetNewScriptAsync("ops", WalletKeychain.External, ct);
            Assert.True(Address.TryFromScriptPubKey(opsScript, Network.Regtest, out var opsAddress));
            await node.WalletRpc("miner", "sendtoaddress", opsAddress.ToString(), 0.2m);

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
