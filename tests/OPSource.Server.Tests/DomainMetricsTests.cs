using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Dao.Service;
using OPSource.Platform.Funding;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.TestSupport.Peers;
using OPSource.Wallet.Service;

namespace OPSource.Server.Tests;

/// <summary>
/// The domain gauges each module contributes through <c>AddMeter&lt;TRefresher&gt;</c>, scraped from <c>/metrics</c>
/// of the real host with every module and a regtest node: chain height and sync lag (node), wallet balances
/// (wallet), DLCs by state and active (dlc).
/// </summary>
/// <remarks>
/// Runs alone: each host creates its own <c>OPSource.Node</c>/<c>OPSource.Wallet</c>/<c>OPSource.Dlc</c> meters, and a
/// host's meter provider listens to every meter of that name in the process, so hosts of other test classes running
/// at the same time (one host per process in production) would mix their gauges into these scrapes.
/// </remarks>
[Collection(nameof(DomainMetricsTests))]
public sealed partial class DomainMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_report_chain_height_sync_lag_wallet_balances_and_dlc_counts()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = node.RpcUrl.ToString(),
            ["Node:CookieFile"] = node.CookieFile,
            ["Wallet:SyncIntervalSeconds"] = "0.2",
        }).Build();
        await using var host = await TestHost.StartAsync([.. OpsourceModules.All], configuration: configuration, telemetry: t => t.MetricsRefreshSeconds = 1);
        var wallets = host.Get<WalletService>();
        var (_, mnemonic) = await wallets.CreateAsync(new CreateWalletRequest { Name = "hot", WordCount = 12, BirthdayHeight = 0 }, "pw".AsMemory(), ReadOnlyMemory<char>.Empty, Ct);
        mnemonic.Dispose();
        var address = (await wallets.GetNewAddressAsync("hot", WalletKeychain.External, Ct)).Address!.ToString();
        // Two coinbases of 50 BTC to the wallet, immature until 100 confirmations (Core's COINBASE_MATURITY).
        await node.MineAsync(2, address);

        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var scraper = host.Client(key);
        IReadOnlyList<Sample> samples = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            samples = Parse(await scraper.GetStringAsync("/metrics", Ct));
            if (Value(samples, "opsource_node_chain_height") == 2 && Value(samples, "opsource_wallet_balance", ("wallet", "hot"), ("state", "immature")) == 10_000_000_000)
            {
                break;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Equal(2, Value(samples, "opsource_node_chain_height"));
        Assert.Equal(0, Value(samples, "opsource_node_sync_lag"));
        Assert.Equal(10_000_000_000, Value(samples, "opsource_wallet_balance", ("wallet", "hot"), ("state", "immature")));
        Assert.Equal(0, Value(samples, "opsource_wallet_balance", ("wallet", "hot"), ("state", "confirmed")));
        Assert.Equal(1, Value(samples, "opsource_wallet_count"));
        Assert.Equal(0, Value(samples, "opsource_dlc_active"));
        foreach (var state in new[] { "offered", "accepted", "signed", "confirmed", "closed", "refunded" })
        {
            Assert.Equal(0, Value(samples, "opsource_dlc_contracts", ("state", state)));
        }

        // The names docs/api.md lists.
        var names = samples.Select(s => s.Name).Where(n => n.StartsWith("opsource_", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in new[] { "opsource_node_chain_height", "opsource_node_headers_height", "opsource_node_sync_lag", "opsource_node_tip_age_seconds", "opsource_node_mempool_size", "opsource_wallet_balance_sat", "opsource_wallet_count", "opsource_dlc_contracts", "opsource_dlc_active" })
        {
            Assert.Contains(name, names);
        }

        // Each module's gauges come from its own meter.
        Assert.Contains(samples, s => s.Name.StartsWith("opsource_wallet_balance", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("otel_scope_name") == "OPSource.Wallet");
        Assert.Contains(samples, s => s.Name.StartsWith("opsource_dlc_active", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("otel_scope_name") == "OPSource.Dlc");
        Assert.Contains(samples, s => s.Name.StartsWith("opsource_node_chain_height", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("otel_scope_name") == "OPSource.Node");
    }

    [Fact]
    public async Task Without_a_node_or_wallets_the_gauges_are_absent_or_zero_not_invented()
    {
        await using var host = await TestHost.StartAsync([.. OpsourceModules.All], telemetry: t => t.MetricsRefreshSeconds = 1);
        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var scraper = host.Client(key);
        IReadOnlyList<Sample> samples = [];
        // Each domain refresher runs on its own schedule: wait (up to 30 s on a loaded CI machine) until both have reported.
        for (var i = 0; i < 300 && (Value(samples, "opsource_wallet_count") is null || Value(samples, "opsource_dlc_active") is null); i++)
        {
            samples = Parse(await scraper.GetStringAsync("/metrics", Ct));
            await Task.Delay(100, Ct);
        }

        Assert.Equal(0, Value(samples, "opsource_wallet_count"));
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("opsource_wallet_balance", StringComparison.Ordinal));
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("opsource_node_chain_height", StringComparison.Ordinal));
        Assert.Equal(0, Value(samples, "opsource_dlc_active"));
    }

    [Fact]
    public async Task Metrics_report_open_dao_proposals_per_dao()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = node.RpcUrl.ToString(),
            ["Node:CookieFile"] = node.CookieFile,
            ["Wallet:Sync"] = "false",
            ["Dlc:Watch"] = "false",
        }).Build();
        await using var host = await TestHost.StartAsync([.. OpsourceModules.All], configuration: configuration, telemetry: t => t.MetricsRefreshSeconds = 1);
        var daos = host.Get<DaoService>();
        var keys = new[] { SecretKey.Generate(), SecretKey.Generate() };
        var parameters = new DaoParameters(0, 0, 5000, 0, 10, 0);
        var members = keys.Select(k => new DaoMember(Convert.ToHexStringLower(k.XOnlyPublicKey.ToBytes()), 1)).ToList();
        var busy = (await daos.CreateAsync(new CreateDaoRequest("busy", GovernanceType.Token, members, parameters, 1, false, false), Ct)).DaoId;
        var quiet = (await daos.CreateAsync(new CreateDaoRequest("quiet", GovernanceType.Token, members, parameters with { Timelock = 1 }, 1, false, false), Ct)).DaoId;
        var ids = new List<string>();
        for (ulong nonce = 1; nonce <= 2; nonce++)
        {
            var proposal = DaoSigner.Proposal(keys[0], busy, nonce, "proposal " + nonce, "", new TextAction());
            await daos.SubmitAsync(busy, proposal, Ct);
            ids.Add(DaoSigner.ProposalId(proposal.Body));
        }

        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var scraper = host.Client(key);
        async Task<IReadOnlyList<Sample>> ScrapeUntilAsync(double busyOpen)
        {
            IReadOnlyList<Sample> samples = [];
            for (var i = 0; i < 300; i++)
            {
                samples = Parse(await scraper.GetStringAsync("/metrics", Ct));
                if (Value(samples, "opsource_dao_open_proposals", ("dao", busy)) == busyOpen && Value(samples, "opsource_dao_open_proposals", ("dao", quiet)) is not null)
                {
                    break;
                }

                await Task.Delay(100, Ct);
            }

            return samples;
        }

        var before = await ScrapeUntilAsync(2);
        Assert.Equal(2, Value(before, "opsource_dao_open_proposals", ("dao", busy)));
        Assert.Equal(0, Value(before, "opsource_dao_open_proposals", ("dao", quiet)));
        Assert.Contains(before, s => s.Name.StartsWith("opsource_dao_open_proposals", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("otel_scope_name") == "OPSource.Dao");

        // A canceled proposal is no longer open.
        await daos.CancelAsync(busy, ids[0], "withdrawn", Ct);
        var after = await ScrapeUntilAsync(1);
        Assert.Equal(1, Value(after, "opsource_dao_open_proposals", ("dao", busy)));
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    /// <summary>Value of the one sample named <paramref name="prefix"/> (optionally with a unit suffix) carrying the labels; null if none.</summary>
    private static double? Value(IReadOnlyList<Sample> samples, string prefix, params (string Key, string Value)[] labels)
    {
        var matching = samples.Where(s => (s.Name == prefix || (s.Name.StartsWith(prefix + "_", StringComparison.Ordinal) && !s.Name[(prefix.Length + 1)..].Contains('_', StringComparison.Ordinal)))
            && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
        Assert.True(matching.Count <= 1, $"{prefix}: {matching.Count} samples");
        return matching.Count == 0 ? null : matching[0].Value;
    }

    /// <summary>Parses the Prometheus text exposition format (samples only; comments skipped).</summary>
    private static List<Sample> Parse(string text)
    {
        var result = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            var match = SampleLine().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                continue;
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            result.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return result;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ ]+)( \d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();
}

/// <summary>The collection that keeps <see cref="DomainMetricsTests"/> from running beside other hosts.</summary>
[CollectionDefinition(nameof(DomainMetricsTests), DisableParallelization = true)]
public sealed class DomainMetricsCollection;
