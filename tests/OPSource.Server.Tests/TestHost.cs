using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Events;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.Storage;

namespace OPSource.Server.Tests;

/// <summary>A real server on a free loopback port with its own data dir, plus helpers to get tokens.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly bool _ownsDataDir;

    private TestHost(WebApplication app, string dataDir, bool ownsDataDir)
    {
        App = app;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string DataDir { get; }

    public HttpClient Http { get; }

    public Uri BaseAddress => Http.BaseAddress!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static OpsourceOptions Options(string dataDir, StorageOptions? storage = null, Action<ServerOptions>? server = null, Action<TelemetryOptions>? telemetry = null)
    {
        var s = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 };
        server?.Invoke(s);
        var t = new TelemetryOptions();
        telemetry?.Invoke(t);
        return new OpsourceOptions { Network = "regtest", DataDir = dataDir, Storage = storage ?? new StorageOptions(), Server = s, Telemetry = t };
    }

    public static async Task<TestHost> StartAsync(
        IReadOnlyList<ServerModule>? modules = null,
        Action<ServerOptions>? server = null,
        Action<IServiceCollection>? services = null,
        StorageOptions? storage = null,
        string? dataDir = null,
        Microsoft.Extensions.Configuration.IConfiguration? configuration = null,
        Action<WebApplication>? beforeStart = null,
        Action<TelemetryOptions>? telemetry = null)
    {
        var owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("opsource-host-").FullName;
        var app = OpsourceServer.Build(Options(dataDir, storage, server, telemetry), configuration, services, modules: modules ?? []);
        await OpsourceServer.PrepareAsync(app, Ct);
        beforeStart?.Invoke(app);
        await app.StartAsync(Ct);
        return new TestHost(app, dataDir, owns);
    }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Creates a key directly in the store and exchanges it over HTTP.</summary>
    public async Task<(string Key, string Token)> KeyAndTokenAsync(ApiRole role, params string[] scopes)
    {
        var store = Get<ApiKeyStore>();
        var created = await store.CreateAsync(null, role, store.ParseScopes(scopes), Ct);
        var response = await Http.PostAsJsonAsync("/api/v1/auth/token", new JsonObject { ["api_key"] = created.Key }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"token exchange: {(int)response.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        return (created.Key, (string)body["access_token"]!);
    }

    public async Task<string> TokenAsync(ApiRole role, params string[] scopes) => (await KeyAndTokenAsync(role, scopes)).Token;

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_ownsDataDir)
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}

/// <summary>A fixed clock for issuing already-expired tokens.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Assertions on responses and events shared by the endpoint tests.</summary>
internal static class HttpAsserts
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The response has <paramref name="status"/>; its body as JSON.</summary>
    public static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>An RFC 9457 problem with this status and code, a one-line detail containing the text, and no stack trace.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string detailContains)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await ExpectAsync(response, status);
        Assert.Equal(code, (string)problem["code"]!);
        Assert.Equal((int)status, (int)problem["status"]!);
        var detail = (string?)problem["detail"] ?? "";
        Assert.Contains(detailContains, detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', detail);
        Assert.DoesNotContain("   at ", problem.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>A JSON request body.</summary>
    public static StringContent Body(JsonObject json) => new(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>Reads a subscription until an event of <paramref name="type"/> matching <paramref name="match"/> arrives (60 s at most).</summary>
    public static async Task<PlatformEvent> NextAsync(EventSubscription subscription, string type, Func<JsonObject, bool>? match = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var e = await subscription.Reader.ReadAsync(timeout.Token);
            if (e.Type == type && (match is null || match(e.Data)))
            {
                return e;
            }
        }
    }
}
