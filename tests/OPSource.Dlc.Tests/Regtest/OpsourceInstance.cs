using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Security;
using OPSource.Server;
using OPSource.TestSupport;
using OPSource.TestSupport.Peers;

namespace OPSource.Dlc.Tests.Regtest;

/// <summary>
/// One OPSource instance as an operator runs it: the real server (every module) on a free loopback port, its own
/// data dir and SQLite database, its own wallet and DLC key store, talking to the shared regtest node. Tests
/// drive it only over HTTP (an admin token: wallets, contracts, oracle) and the WebSocket event stream.
/// </summary>
internal sealed class OpsourceInstance : IAsyncDisposable
{
    private OpsourceInstance(string name, WebApplication app, string dataDir, HttpClient http, string token)
    {
        Name = name;
        App = app;
        DataDir = dataDir;
        Http = http;
        Token = token;
    }

    public string Name { get; }

    public WebApplication App { get; }

    public string DataDir { get; }

    public HttpClient Http { get; }

    public string Token { get; }

    private const string WalletPassphrase = "wallet passphrase of the test";

    /// <summary>Starts an instance; <paramref name="settings"/> add to (or override) the test configuration.</summary>
    public static async Task<OpsourceInstance> StartAsync(string name, BitcoinCoreNode node, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDir = Directory.CreateTempSubdirectory($"opsource-dlc-{name}-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = node.RpcUrl.ToString(),
            ["Node:CookieFile"] = node.CookieFile,
            ["Dlc:Passphrase"] = $"dlc key store passphrase of {name}",
            ["Dlc:KdfMemoryKiB"] = "8192",
            ["Dlc:KdfPasses"] = "1",
            ["Wallet:KdfMemoryKiB"] = "8192",
            ["Wallet:KdfPasses"] = "1",
            ["Wallet:FallbackFeeRate"] = "2",
            // The test syncs the wallet and the contracts itself after each block (no background rounds racing it).
            ["Wallet:Sync"] = "false",
            ["Dlc:Watch"] = "false",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var options = new OpsourceOptions
        {
            Network = "regtest",
            DataDir = dataDir,
            Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 },
        };
        var app = OpsourceServer.Build(options, configuration);
        await OpsourceServer.PrepareAsync(app, cancellationToken);
        await app.StartAsync(cancellationToken);
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromMinutes(3) };
        var store = app.Services.GetRequiredService<ApiKeyStore>();
        var key = await store.CreateAsync(null, ApiRole.Admin, ScopeSet.Unrestricted, cancellationToken);
        using var exchange = await http.PostAsync("/api/v1/auth/token", new StringContent(new JsonObject { ["api_key"] = key.Key }.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
        var token = (string)JsonNode.Parse(await exchange.Content.ReadAsStringAsync(cancellationToken))!["access_token"]!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new OpsourceInstance(name, app, dataDir, http, token);
    }

    /// <summary>Creates the instance's wallet (POST /wallets), unlocks it for an hour and returns its name.</summary>
    public async Task<string> CreateWalletAsync(CancellationToken cancellationToken)
    {
        await PostOkAsync("/api/v1/wallets", new JsonObject { ["name"] = Name, ["passphrase"] = WalletPassphrase, ["words"] = 12 }, cancellationToken);
        await PostOkAsync($"/api/v1/wallets/{Name}/unlock", new JsonObject { ["passphrase"] = WalletPassphrase, ["duration_s"] = 3600 }, cancellationToken);
        return Name;
    }

    /// <summary>A fresh receive address of the instance's wallet.</summary>
    public async Task<string> NewAddressAsync(CancellationToken cancellationToken) =>
        (string)(await PostOkAsync($"/api/v1/wallets/{Name}/addresses", new JsonObject { ["keychain"] = "receive" }, cancellationToken))["address"]!;

    /// <summary>Brings the wallet to the node's tip (POST /wallets/{name}/sync).</summary>
    public Task SyncWalletAsync(CancellationToken cancellationToken) => PostOkAsync($"/api/v1/wallets/{Name}/sync", null, cancellationToken);

    /// <summary>The wallet's unspent outputs (GET /wallets/{name}/utxos).</summary>
    public async Task<JsonArray> UtxosAsync(CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync($"/api/v1/wallets/{Name}/utxos", cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{Name} utxos: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsArray();
    }

    /// <summary>POSTs a JSON body; returns the status and the parsed body.</summary>
    public async Task<(int Status, JsonObject Body)> PostAsync(string path, JsonObject? body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body?.ToJsonString() ?? "{}", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(path, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>POSTs and requires a 2xx answer (the failure message carries the problem).</summary>
    public async Task<JsonObject> PostOkAsync(string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var (status, json) = await PostAsync(path, body, cancellationToken);
        Assert.True(status is >= 200 and < 300, $"{Name} POST {path}: {status} {json.ToJsonString()}");
        return json;
    }

    public async Task<JsonObject> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{Name} GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Opens the WebSocket event stream and subscribes to <paramref name="topic"/> from its first event.</summary>
    public async Task<ClientWebSocket> SubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Token);
        await socket.ConnectAsync(new Uri(Http.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "api/v1/events"), cancellationToken);
        await socket.SendAsync(Encoding.UTF8.GetBytes(new JsonObject { ["op"] = "subscribe", ["topic"] = topic, ["after"] = 0 }.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
        var subscribed = await ReceiveAsync(socket, cancellationToken);
        Assert.Equal("subscribed", (string?)subscribed?["kind"]);
        return socket;
    }

    /// <summary>The next message of the stream (null when closed); fails after 30 s.</summary>
    public static Task<JsonObject?> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        return EventSockets.ReceiveJsonAsync(socket, TimeSpan.FromSeconds(30), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: leave the temp dir to the OS.
        }
    }
}
