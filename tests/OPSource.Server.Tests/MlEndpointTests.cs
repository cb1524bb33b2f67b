using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.ML.Fees;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.TestSupport.Peers;

namespace OPSource.Server.Tests;

/// <summary>
/// The ML module over HTTP on the real host: <c>GET /api/v1/ml/fees</c> (auth, problem+json without a model,
/// predictions next to the node's estimate), the <c>opsource.ml.fee_rate</c> gauge on <c>/metrics</c>, and the
/// wallet's REST send taking its rate from the fee model (and from the node's path once the model is gone).
/// </summary>
/// <remarks>In the metrics collection: a host's meter provider listens to every <c>OPSource.ML</c> meter in the process.</remarks>
[Collection(nameof(DomainMetricsTests))]
public sealed class MlEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One tree per target: 3 sat/vB when the lowest histogram bin is (nearly) empty, else 9 (the probe's way to see the model answer).</summary>
    private static void SaveModel(string dir)
    {
        var trees = FeeLabels.Targets.ToDictionary(t => t, _ => new TreeEnsemble(FeeFeatures.Count, 0, [new RegressionTreeData([0], [0.5f], [~0], [~1], [Math.Log(3), Math.Log(9)])]));
        var offsets = FeeLabels.Targets.ToDictionary(t => t.ToString(CultureInfo.InvariantCulture), _ => 1e-6);
        new FeeModel(trees, new FeeModelReport("fee", FeeFeatures.SchemaId, FeeFeatures.Names, new FeeTrainOptions(), offsets, [], 0, 0, "hand-made")).Save(dir);
    }

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static StringContent Body(JsonObject json) => new(json.ToJsonString(), Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_fees_endpoint_requires_a_token_and_answers_problem_json_without_a_model()
    {
        await using var host = await TestHost.StartAsync([.. OpsourceModules.All]);
        using var anonymous = host.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/ml/fees", Ct)).StatusCode);
        using var tampered = host.Client(await host.TokenAsync(ApiRole.Viewer) + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await tampered.GetAsync("/api/v1/ml/fees", Ct)).StatusCode);

        using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));
        var response = await viewer.GetAsync("/api/v1/ml/fees", Ct);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ExpectAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("fee_model_unavailable", (string)problem["code"]!);
        Assert.Contains("opsource ml train fee", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_model_and_a_node_the_endpoint_the_gauge_and_the_wallets_send_use_the_bounded_model_rate()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(Ct);
        var modelDir = Directory.CreateTempSubdirectory("opsource-ml-model-").FullName;
        try
        {
            SaveModel(modelDir);
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Node:RpcUrl"] = node.RpcUrl.ToString(),
                ["Node:CookieFile"] = node.CookieFile,
                ["Node:PollIntervalSeconds"] = "0.2",
                ["Wallet:KdfMemoryKiB"] = "8192",
                ["Wallet:KdfPasses"] = "1",
                ["Wallet:SyncIntervalSeconds"] = "0.2",
                ["Wallet:FallbackFeeRate"] = "2",
                ["Ml:FeeModel:Path"] = modelDir,
                ["Ml:FeeModel:Enabled"] = "true",
            }).Build();
            await using var host = await TestHost.StartAsync([.. OpsourceModules.All], configuration: configuration, telemetry: t => t.MetricsRefreshSeconds = 1);
            using var admin = host.Client(await host.TokenAsync(ApiRole.Admin));
            using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));

            await node.CreateWalletAsync("core");
            var coreAddress = (string)(await node.WalletRpc("core", "getnewaddress"))!;
            await node.MineAsync(101, coreAddress);

            // The endpoint: every target, the model's rate next to the node's estimate (regtest has none) and the bounds.
            var fees = await ExpectAsync(await viewer.GetAsync("/api/v1/ml/fees", Ct), HttpStatusCode.OK);
            Assert.Equal(FeeFeatures.SchemaId, (string)fees["schema_id"]!);
            Assert.Equal(101, (int)fees["height"]!);
            var predictions = fees["predictions"]!.AsArray();
            Assert.Equal([1, 3, 6, 144], predictions.Select(p => (int)p!["target"]!));
            Assert.All(predictions, p =>
            {
                Assert.Equal(3, (double)p!["model_sat_vb"]!);
                Assert.Null(p["node_estimate_sat_vb"]);
                Assert.InRange((decimal)p["mempool_min_sat_vb"]!, 0.001m, 1m); // the test node's -minrelaytxfee
                Assert.Equal(3m, (decimal)p["bounded_sat_vb"]!);
            });

            // The gauge, in sat/kvB, per target and source (no node estimate: no "node" sample).
            string metrics = "";
            for (var i = 0; i < 300 && !metrics.Contains("opsource_ml_fee_rate", StringComparison.Ordinal); i++)
            {
                metrics = await viewer.GetStringAsync("/metrics", Ct);
                await Task.Delay(100, Ct);
            }

            var samples = metrics.Split('\n').Where(l => l.StartsWith("opsource_ml_fee_rate", StringComparison.Ordinal)).ToList();
            Assert.Contains(samples, l => l.Contains("source=\"model\"", StringComparison.Ordinal) && l.Contains("target=\"6\"", StringComparison.Ordinal) && l.Split(' ')[1] == "3000");
            Assert.Contains(samples, l => l.Contains("source=\"bounded\"", StringComparison.Ordinal) && l.Contains("target=\"144\"", StringComparison.Ordinal) && l.Split(' ')[1] == "3000");
            Assert.DoesNotContain(samples, l => l.Contains("source=\"node\"", StringComparison.Ordinal));

            // The wallet's send without a rate: the model's (bounded) rate for the target, reported as such.
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/api/v1/wallets", Body(new JsonObject { ["name"] = "w", ["passphrase"] = "pw" }), Ct)).StatusCode);
            var address = (string)(await ExpectAsync(await admin.PostAsync("/api/v1/wallets/w/addresses", Body([]), Ct), HttpStatusCode.OK))["address"]!;
            await node.WalletRpc("core", "sendtoaddress", address, 1m);
            await node.MineAsync(1, coreAddress);
            for (var i = 0; i < 300 && (long)(await ExpectAsync(await admin.GetAsync("/api/v1/wallets/w/balance", Ct), HttpStatusCode.OK))["confirmed_sat"]! == 0; i++)
            {
                await Task.Delay(100, Ct);
            }

            JsonObject Send(int target) => new()
            {
                ["payments"] = new JsonArray(new JsonObject { ["address"] = coreAddress, ["amount_sat"] = 100_000 }),
                ["conf_target"] = target,
                ["passphrase"] = "pw",
            };
            var sent = await ExpectAsync(await admin.PostAsync("/api/v1/wallets/w/send", Body(Send(10)), Ct), HttpStatusCode.OK);
            Assert.Equal("model", (string)sent["fee_rate_source"]!);
            Assert.Contains("fee model (target 6)", (string)sent["fee_rate_detail"]!, StringComparison.Ordinal);
            Assert.InRange((decimal)sent["fee_rate_sat_vb"]!, 3m, 3.1m);
            Assert.Contains((await node.Rpc("getrawmempool"))!.AsArray(), t => (string)t! == (string)sent["txid"]!);

            // The model removed: the wallet uses the node's path (regtest has no estimate: the configured fallback).
            Directory.Delete(modelDir, true);
            var fallback = await ExpectAsync(await admin.PostAsync("/api/v1/wallets/w/send", Body(Send(3)), Ct), HttpStatusCode.OK);
            Assert.Equal("fallback", (string)fallback["fee_rate_source"]!);
            Assert.InRange((decimal)fallback["fee_rate_sat_vb"]!, 2m, 2.1m);
        }
        finally
        {
            if (Directory.Exists(modelDir))
            {
                Directory.Delete(modelDir, true);
            }
        }
    }
}
