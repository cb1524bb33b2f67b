using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OPSource.Node;
using OPSource.Platform.Leadership;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Platform.SelfTest;
using OPSource.Server.Modules;
using OPSource.Storage;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;

namespace OPSource.Server.Tests;

/// <summary>
/// One chain follower per database: server instances on one PostgreSQL database elect a leader with an advisory lock;
/// only the leader follows the node, and when it stops another instance takes over from the stored checkpoint.
/// </summary>
public sealed class LeadershipTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_instance_follows_the_chain_and_another_takes_over_from_the_checkpoint_when_it_stops()
    {
        await using var database = await TestPostgres.CreateAsync("opsource_lead_", Ct);
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(Ct);
        await node.CreateWalletAsync("miner");
        var address = (string)(await node.WalletRpc("miner", "getnewaddress"))!;
        await node.MineAsync(1, address);

        var shared = Directory.CreateTempSubdirectory("opsource-lead-").FullName;
        try
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Auth:SigningKeyFile"] = Path.Combine(shared, "jwt.key"),
                ["Node:RpcUrl"] = node.RpcUrl.ToString(),
                ["Node:CookieFile"] = node.CookieFile,
                ["Node:PollIntervalSeconds"] = "0.2",
                ["Leadership:RetrySeconds"] = "0.2",
                ["Leadership:HeartbeatSeconds"] = "0.2",
            }).Build();
            IReadOnlyList<ServerModule> modules = [new(new NodeModule())];
            var a = await TestHost.StartAsync(modules, storage: database.Storage, configuration: config);
            var aRunning = true;
            TestHost? b = null;
            try
            {
                await WaitForAsync(() => a.Get<ILeadership>().IsLeader, "instance A to lead");
                Assert.Equal(1, await LeaderGaugeAsync(a));
                b = await TestHost.StartAsync(modules, storage: database.Storage, configuration: config);
                Assert.Equal("postgres-advisory-lock", b.Get<ILeadership>().Mode);

                // A follows from the tip it found (height 1): blocks 2 and 3 are published once, by A only.
                await node.MineAsync(2, address);
                await WaitForAsync(async () => (await ConnectedHeightsAsync(database.Storage)).Count == 2, "blocks 2 and 3 to be published");
                Assert.True(a.Get<ILeadership>().IsLeader);
                Assert.False(b.Get<ILeadership>().IsLeader);
                Assert.Equal("leader", await RoleAsync(a));
                Assert.Equal("standby", await RoleAsync(b));
                Assert.Equal(0, await LeaderGaugeAsync(b));

                // The leader stops; blocks are mined before anyone follows again.
                aRunning = false;
                await a.DisposeAsync();
                var stopped = System.Diagnostics.Stopwatch.StartNew();
                await node.MineAsync(3, address);
                await WaitForAsync(() => b.Get<ILeadership>().IsLeader, "instance B to take over");
                Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(10), $"takeover took {stopped.Elapsed}");
                Assert.Equal("leader", await RoleAsync(b));
                Assert.Equal(1, await LeaderGaugeAsync(b));

                // B continues from A's checkpoint: 4, 5, 6 follow 2, 3 with none repeated and none skipped.
                await WaitForAsync(async () => (await ConnectedHeightsAsync(database.Storage)).Count >= 5, "blocks 4 to 6 to be published");
                await node.MineAsync(1, address);
                await WaitForAsync(async () => (await ConnectedHeightsAsync(database.Storage)).Count >= 6, "block 7 to be published");
                Assert.Equal(new[] { 2, 3, 4, 5, 6, 7 }, await ConnectedHeightsAsync(database.Storage));
                var settings = b.Get<SettingsRepository>();
                var (found, checkpoint) = await settings.TryGetAsync(ChainFollower.CheckpointKey, Ct);
                Assert.True(found);
                Assert.Equal(7, checkpoint.Height);
                Assert.Equal((string)(await node.Rpc("getbestblockhash"))!, checkpoint.Hash.ToString());
            }
            finally
            {
                if (b is not null)
                {
                    await b.DisposeAsync();
                }

                if (aRunning)
                {
                    await a.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task A_leader_whose_lock_session_is_terminated_steps_down_and_leads_again()
    {
        await using var database = await TestPostgres.CreateAsync("opsource_lead_", Ct);
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Leadership:RetrySeconds"] = "0.2",
            ["Leadership:HeartbeatSeconds"] = "0.2",
        }).Build();
        // The self-test as the CLI runs it (services without the server's hosted services): nobody leads yet.
        var cliDataDir = Directory.CreateTempSubdirectory("opsource-lead-cli-").FullName;
        await using var cli = OpsourceServer.AddPlatformServices(new ServiceCollection().AddLogging(), TestHost.Options(cliDataDir, database.Storage), config, []).BuildServiceProvider();
        var check = cli.GetServices<ISelfTestCheck>().Single(c => c.Component == "platform" && c.Name == "leadership");
        Assert.Equal(SelfTestStatus.Warn, (await check.RunAsync(new SelfTestContext(), Ct)).Status);

        await using var host = await TestHost.StartAsync(storage: database.Storage, configuration: config);
        var leadership = (PostgresLeadership)host.Get<ILeadership>();
        await WaitForAsync(() => leadership.IsLeader, "the instance to lead");
        var passed = await check.RunAsync(new SelfTestContext(), Ct);
        Assert.Equal(SelfTestStatus.Pass, passed.Status);
        Assert.Contains("another instance", passed.Detail, StringComparison.Ordinal);
        Directory.Delete(cliDataDir, recursive: true);
        var firstTerm = await leadership.AcquireAsync(Ct);

        // The database ends the lock's session (an administrator, a failover, a network cut noticed by the server).
        await using (var admin = new NpgsqlConnection(database.Storage.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                + "AND ((classid::bigint << 32) | objid::bigint) = @key",
                admin);
            kill.Parameters.AddWithValue("key", PostgresLeadership.ChainFollowerLockKey);
            Assert.Equal(true, await kill.ExecuteScalarAsync(Ct));
        }

        await WaitForAsync(() => firstTerm.IsCancellationRequested, "the first term to end");
        await WaitForAsync(() => leadership.IsLeader && leadership.Terms == 2, "a second term");
        Assert.False((await leadership.AcquireAsync(Ct)).IsCancellationRequested);
    }

    private static async Task<List<int>> ConnectedHeightsAsync(StorageOptions storage)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT type, data FROM platform_events WHERE topic = 'blocks' ORDER BY sequence", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var heights = new List<int>();
        while (await reader.ReadAsync(Ct))
        {
            Assert.Equal("block.connected", reader.GetString(0));
            heights.Add((int)JsonNode.Parse(reader.GetString(1))!["height"]!);
        }

        return heights;
    }

    private static async Task<string> RoleAsync(TestHost host)
    {
        var health = await host.Http.GetFromJsonAsync<JsonObject>("/api/v1/health", Ct);
        return (string)health!["chain_follower"]!["role"]!;
    }

    // The gauge of this host: /metrics must export it, and its value is read from this host's own meter (in-process
    // hosts of other tests export gauges under the same names).
    private static async Task<int> LeaderGaugeAsync(TestHost host)
    {
        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var client = host.Client(key);
        var text = await client.GetStringAsync("/metrics", Ct);
        // (Which host's series /metrics shows is not decided here: the exporter merges same-named instruments of the
        // in-process hosts that other tests run in parallel; a real server has one.)
        Assert.Matches(new Regex(@"^opsource_leadership_leader\w*\{[^}]*mode=""[a-z-]+""[^}]*\} [01]", RegexOptions.Multiline), text);

        var meter = host.Get<LeadershipMetrics>().Meter;
        int? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "opsource.leadership.leader")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.NotNull(value);
        return value.Value;
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100, Ct);
        }
    }
}
