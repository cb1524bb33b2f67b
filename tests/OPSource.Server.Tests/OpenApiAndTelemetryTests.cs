using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.Server.Security;

namespace OPSource.Server.Tests;

public sealed class OpenApiAndTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class GaugeModule : IOpsourceModule
    {
        public static readonly System.Diagnostics.Metrics.Meter Meter = new("OPSource.TestGauges");

        public static readonly System.Diagnostics.Metrics.Counter<long> Things = Meter.CreateCounter<long>("opsource.test.things");

        public string Name => "gauges";

        public void Register(ModuleRegistration registration) => registration.AddMeter("OPSource.TestGauges");
    }

    private static void MapSample(IEndpointRouteBuilder api)
    {
        var w = api.MapGroup("/sample/wallets/{name}").RequireScope(ResourceScope.WalletKind, "name");
        w.MapGet("/balance", (string name) => TypedResults.Ok(name));
        w.MapPost("/send", (string name) => TypedResults.Ok(name)).RequireRole(ApiRole.Operator);
    }

    /// <summary>
    /// The OpenAPI document lists every endpoint under /api/v1 (of the full module list plus a sample),
    /// with the auth requirement the endpoint really enforces. JSON metadata comes only from the
    /// source-generated contexts, as in the Native AOT binary (a parameter type without one fails the document).
    /// </summary>
    [Fact]
    public async Task OpenApi_document_lists_every_endpoint_with_its_auth_requirement()
    {
        await using var host = await TestHost.StartAsync([new ServerModule(new GaugeModule(), MapSample), .. OpsourceModules.All], services: SourceGeneratedJson.Only);
        var response = await host.Http.GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.StartsWith("3.1", (string)document["openapi"]!, StringComparison.Ordinal);
        Assert.Equal("http", (string?)document["components"]!["securitySchemes"]!["bearer"]!["type"]);
        var paths = document["paths"]!.AsObject();

        var endpoints = EndpointInventory.List(host.App);
        var api = endpoints.Where(e => e.Path.StartsWith("/api/v1/", StringComparison.Ordinal)).ToList();
        Assert.True(api.Count >= 10, $"only {api.Count} API endpoints");
        // Every module that has an HTTP surface is in the document.
        foreach (var prefix in new[] { "/api/v1/auth/", "/api/v1/events", "/api/v1/wallets", "/api/v1/daos", "/api/v1/dlcs", "/api/v1/oracle", "/api/v1/web5/", "/api/v1/rsk/", "/api/v1/stacks/", "/api/v1/ml/", "/api/v1/node" })
        {
            Assert.True(paths.Any(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)), $"no path under {prefix} in the OpenAPI document");
        }

        foreach (var endpoint in api)
        {
            var label = endpoint.Method + " " + endpoint.Path;
            Assert.True(paths.ContainsKey(endpoint.Path), $"{label} is missing from the OpenAPI document");
            var operation = paths[endpoint.Path]![endpoint.Method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{label} has no operation in the document");
            var security = operation!["security"]?.AsArray();
            if (endpoint.Anonymous)
            {
                Assert.True(security is { Count: 0 }, $"{label} is anonymous but the document requires auth");
            }
            else
            {
                Assert.True(security is { Count: 1 } && security[0]!.AsObject().ContainsKey("bearer"), $"{label} requires a token but the document does not say so");
                Assert.Equal(endpoint.MinimumRole.ToName(), (string?)operation["x-opsource-role"]);
            }
        }

        // Nothing in the document that is not mapped.
        var mapped = api.Select(e => (e.Path, e.Method.ToLowerInvariant())).ToHashSet();
        foreach (var (path, item) in paths)
        {
            foreach (var (method, _) in item!.AsObject().Where(p => p.Key is "get" or "post" or "put" or "patch" or "delete"))
            {
                Assert.Contains((path, method), mapped);
            }
        }

        // Non-API endpoints: only the document, its UI and the metrics.
        Assert.All(endpoints.Where(e => !e.Path.StartsWith("/api/v1/", StringComparison.Ordinal)), e =>
            Assert.True(e.Path.StartsWith("/openapi", StringComparison.Ordinal) || e.Path.StartsWith("/scalar", StringComparison.Ordinal) || e.Path == "/metrics", e.Path));

        var send = paths["/api/v1/sample/wallets/{name}/send"]!["post"]!;
        Assert.Equal("operator", (string?)send["x-opsource-role"]);
        Assert.Equal("wallet:{name}", (string?)send["x-opsource-scope"]![0]);
        Assert.Empty(paths["/api/v1/health"]!["get"]!["security"]!.AsArray());
        Assert.Equal(true, (bool?)paths["/api/v1/auth/keys"]!["get"]!["x-opsource-unrestricted"]);

        var ui = await host.Http.GetAsync("/scalar", Ct);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("openapi/v1.json", await ui.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_need_a_viewer_and_export_request_latency_and_module_meters()
    {
        await using var host = await TestHost.StartAsync([new ServerModule(new GaugeModule(), MapSample)]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.GetAsync("/metrics", Ct)).StatusCode);
        var (key, token) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var viewer = host.Client(token);
        (await viewer.GetAsync("/api/v1/sample/wallets/a/balance", Ct)).EnsureSuccessStatusCode();
        GaugeModule.Things.Add(3);

        using var scraper = host.Client(key);
        string text = "";
        for (var i = 0; i < 50 && !(text.Contains("http_server_request_duration_seconds_bucket", StringComparison.Ordinal) && text.Contains("opsource_test_things", StringComparison.Ordinal)); i++)
        {
            var response = await scraper.GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(Ct);
            if (!text.Contains("opsource_test_things", StringComparison.Ordinal))
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/api/v1/sample/wallets/{name}/balance\"", text, StringComparison.Ordinal);
        Assert.Matches("opsource_test_things_total\\{[^}]*otel_scope_name=\"OPSource.TestGauges\"[^}]*\\} 3", text);
        Assert.Contains("opsource_auth_token_exchanges_total", text, StringComparison.Ordinal);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_carry_the_callers_trace_id()
    {
        await using var host = await TestHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/whoami");
        request.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        var problem = JsonNode.Parse(await (await host.Http.SendAsync(request, Ct)).Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", (string?)problem["trace_id"]);
    }

    /// <summary>Traces reach an OTLP/HTTP collector (a loopback listener standing in for one).</summary>
    [Fact]
    public async Task Traces_are_exported_over_otlp_http()
    {
        using var collector = new TcpListener(IPAddress.Loopback, 0);
        collector.Start();
        var port = ((IPEndPoint)collector.LocalEndpoint).Port;
        var received = CollectAsync(collector);
        var host = await TestHost.StartAsync(telemetry: t => { t.OtlpEndpoint = $"http://127.0.0.1:{port}"; t.OtlpProtocol = "http/protobuf"; });
        try
        {
            (await host.Http.GetAsync("/api/v1/health", Ct)).EnsureSuccessStatusCode();
        }
        finally
        {
            // Stopping the host flushes the batch exporter.
            await host.DisposeAsync();
        }

        var paths = await received.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Contains("/v1/traces", paths);
    }

    private static async Task<List<string>> CollectAsync(TcpListener listener)
    {
        var paths = new List<string>();
        while (!paths.Contains("/v1/traces"))
        {
            using var client = await listener.AcceptTcpClientAsync(Ct);
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, leaveOpen: true);
            // The request line names the signal; the protobuf body is not needed.
            var line = await reader.ReadLineAsync(Ct);
            paths.Add(line!.Split(' ')[1]);
            var ok = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();
            await stream.WriteAsync(ok, Ct);
        }

        return paths;
    }
}
