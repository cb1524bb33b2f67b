using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Chain;
using OPSource.Chain.Rpc;
using OPSource.Storage;
using OPSource.TestSupport.Peers;
using OPSource.Wallet;
using OPSource.Wallet.Keys;
using OPSource.Wallet.Persistence;
using OPSource.Wallet.Service;

namespace OPSource.Benchmarks;

/// <summary>
/// Wallet sync speed against Bitcoin Core's own rescan, side by side in one run on one private regtest node:
/// a chain of <c>--blocks</c> (default 2,000) blocks with wallet activity (Core pays a new BIP84 receive address of
/// the wallet every 10 blocks, every 50th block pays its coinbase to the wallet), then, alternating for
/// <c>--rounds</c> rounds: OPSource syncs a fresh watch-only wallet of the same descriptors from genesis
/// (<c>WalletService.SyncAsync</c> over JSON-RPC, each block saved atomically in a fresh SQLite database), and Core
/// rescans the chain for a fresh watch-only descriptor wallet of the same descriptors (<c>rescanblockchain 0</c>).
/// Both must find the same transactions and balance. Reports blocks/s of each and the ratio (medians).
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- wallet-sync [--blocks N] [--rounds N]
/// </summary>
public static class WalletSyncComparison
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var blocks = 2000;
        var rounds = 3;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--blocks":
                    blocks = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--rounds":
                    rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
            }
        }

        if (BitcoinCoreNode.LocateBitcoind() is null)
        {
            output.WriteLine("wallet-sync: bitcoind not found (BITCOIND, PATH or ../shared/bitcoin-core/bin)");
            return 1;
        }

        await using var node = new BitcoinCoreNode();
        await node.StartAsync();
        using var master = ExtKey.CreateMaster(SHA256.HashData("wallet sync benchmark"u8));
        var descriptor = DescriptorTemplates.AccountDescriptor(master, WalletTemplate.Bip84, Network.Regtest);
        var (external, @internal) = DescriptorTemplates.Account(master, WalletTemplate.Bip84, Network.Regtest);

        // The chain: Core's wallet funds the activity.
        await node.CreateWalletAsync("core");
        var coreAddress = (string)(await node.WalletRpc("core", "getnewaddress"))!;
        await node.MineAsync(101, coreAddress);
        var next = 0u;
        string WalletAddress() => Address.TryFromScriptPubKey(external.GetScriptPubKeys(next++)[0].ToBytes(), Network.Regtest, out var a) ? a.ToString() : throw new InvalidOperationException("address");
        var height = 101;
        var payments = 0;
        while (height < blocks)
        {
            await node.WalletRpc("core", "sendtoaddress", WalletAddress(), 0.01m + (payments % 7 / 100m));
            payments++;
            var batch = Math.Min(10, blocks - height);
            if (height % 50 < 10)
            {
                await node.MineAsync(1, WalletAddress());
                batch--;
                height++;
            }

            if (batch > 0)
            {
                await node.MineAsync(batch, coreAddress);
                height += batch;
            }
        }

        height = (int)(await node.Rpc("getblockcount"))!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chain: {height} blocks, {payments} payments to the wallet, coinbases every 50 blocks; {Environment.ProcessorCount} cores, load {LoadAverage()}"));

        var ours = new List<double>();
        var core = new List<double>();
        using var rpc = new BitcoinRpcClient(new BitcoinRpcClientOptions(node.RpcUrl, RpcCredentials.FromCookieFile(node.CookieFile)));
        for (var round = 0; round < rounds; round++)
        {
            // OPSource: a fresh database and a watch-only wallet of the same descriptors, synced from genesis.
            var dir = Directory.CreateTempSubdirectory("opsource-bench-sync.").FullName;
            long ourTxs;
            long ourBalance;
            double ourSeconds;
            try
            {
                await using var database = Database.Create(new StorageOptions { Provider = "sqlite" }, dir);
                await new Migrator(database, [new WalletMigrations()]).ApplyAsync(CancellationToken.None);
                using var service = new WalletService(new WalletStore(database), new WalletOptions { KdfCost = KdfCost.Minimum }, Network.Regtest, TimeProvider.System, () => rpc);
                await service.ImportAsync(new ImportWalletRequest { Name = "w", Descriptor = descriptor, BirthdayHeight = 0 }, ReadOnlyMemory<char>.Empty, CancellationToken.None);
                var sw = Stopwatch.StartNew();
                var progress = await service.SyncAsync("w", mempool: false, CancellationToken.None);
                ourSeconds = sw.Elapsed.TotalSeconds;
                if (progress.Tip.Height != height)
                {
                    throw new InvalidOperationException($"wallet-sync: OPSource stopped at {progress.Tip.Height}, not {height}");
                }

                ourTxs = (await service.ListTransactionsAsync("w", CancellationToken.None)).Count;
                ourBalance = (await service.GetBalanceAsync("w", CancellationToken.None)).Total.Satoshis;
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
            }

            // Core: a fresh watch-only descriptor wallet (imported without a rescan), then rescanblockchain from genesis.
            var name = "watch" + round.ToString(CultureInfo.InvariantCulture);
            await node.Rpc("createwallet", name, true, true);
            var import = new JsonArray(
                new JsonObject { ["desc"] = external.ToString(), ["timestamp"] = "now", ["active"] = true, ["internal"] = false, ["range"] = new JsonArray(0, 1000) },
                new JsonObject { ["desc"] = @internal.ToString(), ["timestamp"] = "now", ["active"] = true, ["internal"] = true, ["range"] = new JsonArray(0, 1000) });
            var imported = (await node.WalletRpc(name, "importdescriptors", import))!.AsArray();
            if (!imported.All(r => (bool)r!["success"]!))
            {
                throw new InvalidOperationException("wallet-sync: Core refused the descriptors: " + imported.ToJsonString());
            }

            var coreWatch = Stopwatch.StartNew();
            await node.WalletRpc(name, "rescanblockchain", 0);
            var coreSeconds = coreWatch.Elapsed.TotalSeconds;
            var coreTxs = (await node.WalletRpc(name, "listtransactions", "*", 100_000, 0, true))!.AsArray().Select(t => (string)t!["txid"]!).Distinct().Count();
            var coreBalance = (long)decimal.Round((await node.WalletRpc(name, "getbalances"))!["mine"]!.AsObject().Sum(kv => (decimal)kv.Value!) * 100_000_000m);
            await node.Rpc("unloadwallet", name);
            if (coreTxs != ourTxs || coreBalance != ourBalance)
            {
                throw new InvalidOperationException($"wallet-sync: Core found {coreTxs} transactions / {coreBalance} sat, OPSource {ourTxs} / {ourBalance}");
            }

            ours.Add(height / ourSeconds);
            core.Add(height / coreSeconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: OPSource {ourSeconds:F2} s ({height / ourSeconds:F0} blocks/s), Core rescanblockchain {coreSeconds:F2} s ({height / coreSeconds:F0} blocks/s); {ourTxs} transactions, {ourBalance} sat in both"));
        }

        var o = Median(ours);
        var c = Median(core);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: OPSource {o:F0} blocks/s, Core {c:F0} blocks/s, ratio OPSource/Core {o / c:F2}"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
