using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using OPSource.TestSupport.Peers;

namespace OPSource.Server.Tests;

/// <summary><c>GET /api/v1/node</c> on the real host: 503 problem without a node, the status with a regtest node.</summary>
public sealed class NodeEndpointTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-server-node-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task<JsonNode> GetAsync(IConfiguration configuration, HttpStatusCode expected)
    {
        var options = new OpsourceOptions
        {
            Network = "regtest",
            DataDir = _dataDir,
            Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
        };
        var app = OpsourceServer.Build(options, configuration);
        await OpsourceServer.PrepareAsync(app, Ct);
        await app.StartAsync(Ct);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            // Every endpoint but health/info needs a token: a viewer's.
            var store = (OPSource.Platform.Security.ApiKeyStore)app.Services.GetService(typeof(OPSource.Platform.Security.ApiKeyStore))!;
            var key = await store.CreateAsync(null, OPSource.Platform.Security.ApiRole.Viewer, OPSource.Platform.Security.ScopeSet.Unrestricted, Ct);
            using var exchange = await http.PostAsync("/api/v1/auth/token", new StringContent($"{{\"api_key\":\"{key.Key}\"}}", System.Text.Encoding.UTF8, "application/json"), Ct);
            var token = (string)JsonNode.Parse(await exchange.Content.ReadAsStringAsync(Ct))!["access_token"]!;
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.GetAsync("/api/v1/node", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(expected == response.StatusCode, body);
            return JsonNode.Parse(body)!;
        }
        finally
        {
            await app.StopAsync(Ct);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_a_node_the_endpoint_answers_a_problem_naming_the_setting()
    {
        var problem = await GetAsync(new ConfigurationBuilder().AddInMemoryCollection().Build(), HttpStatusCode.ServiceUnavailable);
        Assert.Equal("node_not_configured", (string)problem["code"]!);
        Assert.Contains("Node:RpcUrl", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_regtest_node_the_endpoint_reports_its_status()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = node.RpcUrl.ToString(),
            ["Node:CookieFile"] = node.CookieFile,
        }).Build();
        var status = await GetAsync(configuration, HttpStatusCode.OK);
        Assert.Equal("regtest", (string)status["chain"]!);
        Assert.Equal(0, (int)status["blocks"]!);
        Assert.True((bool)status["network_matches"]!);
        Assert.Equal("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", (string)status["best_block_hash"]!);
    }
}
