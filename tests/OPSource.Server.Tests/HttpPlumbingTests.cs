using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OPSource.Platform.Errors;
using OPSource.Platform.Funding;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Server.Modules;

namespace OPSource.Server.Tests;

/// <summary>Problem details, request ids, body limits, rate limits, CORS and structured request logs.</summary>
public sealed class HttpPlumbingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class QuorumException(string message) : Exception(message);

    private sealed class FailingModule : IOpsourceModule
    {
        public string Name => "failing";

        public void Register(ModuleRegistration registration) =>
            registration.AddErrorMapping<QuorumException>(ex => new DomainError(ErrorCategory.Refused, "quorum_not_met", ex.Message));
    }

    private static void MapFailing(IEndpointRouteBuilder api)
    {
        api.MapGet("/fail/funds", string () => throw new WalletOperationException(WalletErrorKind.InsufficientFunds, "wallet 'a': needs 5000 sat more"));
        api.MapGet("/fail/missing", string () => throw new WalletOperationException(WalletErrorKind.NotFound, "no wallet 'zz'"));
        api.MapGet("/fail/exists", string () => throw new WalletOperationException(WalletErrorKind.AlreadyExists, "wallet 'a' exists"));
        api.MapGet("/fail/quorum", string () => throw new QuorumException("2 of 3 signatures needed"));
        api.MapGet("/fail/bug", string () => throw new InvalidOperationException("connection string Password=hunter2"));
        api.MapPost("/echo", (JsonObject body) => TypedResults.Ok(body.ToJsonString()));
    }

    private static ServerModule Failing => new(new FailingModule(), MapFailing);

    [Theory]
    [InlineData("/api/v1/fail/funds", 422, "insufficient_funds", "wallet 'a': needs 5000 sat more")]
    [InlineData("/api/v1/fail/missing", 404, "wallet_not_found", "no wallet 'zz'")]
    [InlineData("/api/v1/fail/exists", 409, "wallet_exists", "wallet 'a' exists")]
    [InlineData("/api/v1/fail/quorum", 422, "quorum_not_met", "2 of 3 signatures needed")]
    [InlineData("/api/v1/fail/bug", 500, "internal_error", null)]
    public async Task Domain_exceptions_become_problems_with_their_code(string path, int status, string code, string? detail)
    {
        await using var host = await TestHost.StartAsync([Failing]);
        using var client = host.Client(await host.TokenAsync(ApiRole.Viewer));
        var response = await client.GetAsync(path, Ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(code, (string?)problem["code"]);
        Assert.Equal(status, (int?)problem["status"]);
        Assert.Equal("urn:opsource:error:" + code, (string?)problem["type"]);
        if (detail is not null)
        {
            Assert.Equal(detail, (string?)problem["detail"]);
        }

        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ids_are_kept_when_sane_and_replaced_otherwise()
    {
        await using var host = await TestHost.StartAsync();
        using var good = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        good.Headers.Add("X-Request-Id", "lb-1234.abc");
        Assert.Equal("lb-1234.abc", (await host.Http.SendAsync(good, Ct)).Headers.GetValues("X-Request-Id").Single());

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        bad.Headers.TryAddWithoutValidation("X-Request-Id", "evil\"value with spaces");
        var replaced = (await host.Http.SendAsync(bad, Ct)).Headers.GetValues("X-Request-Id").Single();
        Assert.Matches("^[0-9a-f]{32}$", replaced);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413_and_malformed_json_is_400()
    {
        await using var host = await TestHost.StartAsync([Failing], server: s => s.MaxRequestBodyBytes = 2048);
        using var client = host.Client(await host.TokenAsync(ApiRole.Viewer));
        var small = await client.PostAsync("/api/v1/echo", new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        var big = await client.PostAsync("/api/v1/echo", new StringContent("{\"a\":\"" + new string('x', 4096) + "\"}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal("payload_too_large", (string?)JsonNode.Parse(await big.Content.ReadAsStringAsync(Ct))!["code"]);
        var malformed = await client.PostAsync("/api/v1/echo", new StringContent("{\"a\":", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Each_credential_has_its_own_rate_limit()
    {
        await using var host = await TestHost.StartAsync(server: s => { s.RateLimitPerSecond = 1; s.RateLimitBurst = 3; s.AnonymousRateLimitPerSecond = 1000; });
        using var first = host.Client(await host.TokenAsync(ApiRole.Viewer));
        using var second = host.Client(await host.TokenAsync(ApiRole.Viewer));
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await first.GetAsync("/api/v1/auth/whoami", Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.NotNull(limited);
        Assert.Equal("rate_limited", (string?)JsonNode.Parse(await limited.Content.ReadAsStringAsync(Ct))!["code"]);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/auth/whoami", Ct)).StatusCode);
        // Health stays reachable for monitors.
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/v1/health", Ct)).StatusCode);
    }

    [Fact]
    public async Task Anonymous_callers_are_limited_per_address()
    {
        await using var host = await TestHost.StartAsync(server: s => s.AnonymousRateLimitPerSecond = 1);
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            codes.Add((await host.Http.PostAsync("/api/v1/auth/token", new StringContent("{\"api_key\":\"opsk_bad\"}", System.Text.Encoding.UTF8, "application/json"), Ct)).StatusCode);
        }

        Assert.Contains(HttpStatusCode.Unauthorized, codes);
        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
    }

    [Fact]
    public async Task Cors_allows_only_listed_origins()
    {
        await using var host = await TestHost.StartAsync(server: s => s.CorsOrigins = "https://ops.example.org");
        foreach (var (origin, allowed) in new[] { ("https://ops.example.org", true), ("https://evil.example.com", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/auth/whoami");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            var response = await host.Http.SendAsync(preflight, Ct);
            Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
    }

    [Fact]
    public async Task The_request_log_line_has_the_status_the_client_got()
    {
        var capture = new ScopeCapturingLoggerProvider();
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(capture));
        var token = await host.TokenAsync(ApiRole.Viewer);
        using var anonymous = host.Client(null);
        using var viewer = host.Client(token);
        var sent = new List<(string Path, HttpStatusCode Status)>
        {
            ("/api/v1/auth/whoami", (await anonymous.GetAsync("/api/v1/auth/whoami", Ct)).StatusCode),
            ("/api/v1/auth/keys", (await viewer.GetAsync("/api/v1/auth/keys", Ct)).StatusCode),
            ("/api/v1/no-such-route", (await viewer.GetAsync("/api/v1/no-such-route?x=1", Ct)).StatusCode),
            ("/api/v1/health", (await anonymous.GetAsync("/api/v1/health", Ct)).StatusCode),
        };
        await host.App.StopAsync(Ct);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.OK], sent.Select(s => s.Status));
        foreach (var (path, status) in sent)
        {
            var line = Assert.Single(capture.Entries, e => e.Category == "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware" && e.Message.Contains(" " + path + " ", StringComparison.Ordinal));
            Assert.StartsWith("GET " + path + " " + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", line.Message, StringComparison.Ordinal);
            Assert.EndsWith(" ms", line.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("x=1", line.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Request_logs_carry_request_id_and_key_id_but_never_the_token()
    {
        var capture = new ScopeCapturingLoggerProvider();
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(capture));
        var (key, token) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        ApiKeyStore.TrySplit(key, out var keyId, out var secret);
        using var client = host.Client(token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/whoami");
        request.Headers.Add("X-Request-Id", "req-42");
        (await client.SendAsync(request, Ct)).EnsureSuccessStatusCode();
        await host.App.StopAsync(Ct);

        var line = Assert.Single(capture.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.HttpLogging", StringComparison.Ordinal) && e.Message.Contains("/api/v1/auth/whoami", StringComparison.Ordinal));
        Assert.Equal("req-42", line.Scope["RequestId"]);
        Assert.Equal(keyId, line.Scope["KeyId"]);
        foreach (var entry in capture.Entries)
        {
            var text = entry.Message + " " + string.Join(" ", entry.Scope.Values);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}

/// <summary>Captures log messages with the structured properties of their scopes.</summary>
internal sealed class ScopeCapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<(string Category, string Message, Dictionary<string, object?> Scope)> Queue { get; } = new();

    public IReadOnlyList<(string Category, string Message, Dictionary<string, object?> Scope)> Entries => [.. Queue];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ScopeCapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            owner._scopes.ForEachScope(
                (s, d) =>
                {
                    if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (k, v) in pairs)
                        {
                            d[k] = v;
                        }
                    }
                },
                scope);
            owner.Queue.Enqueue((category, formatter(state, exception), scope));
        }
    }
}
