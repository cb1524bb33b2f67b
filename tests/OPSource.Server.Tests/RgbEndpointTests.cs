using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Layers.Rgb;
using OPSource.Platform.Security;
using OPSource.Server.Endpoints;
using OPSource.Server.Modules;
using OPSource.TestSupport;

namespace OPSource.Server.Tests;

/// <summary>
/// <c>POST /api/v1/rgb/validate</c> on the real host with the RGB module: the rgb-tests fixtures uploaded in their
/// binary, JSON and armored forms, witnesses from the fixtures' <c>txs_X/</c> folders (the resolver the host
/// would otherwise take from the node), the rgb-schemas kits as trusted types.
/// </summary>
public sealed class RgbEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Fixture(string name) => Vectors.Path("rgb", "rgb-tests-fixtures", name);

    private static Task<TestHost> StartAsync(string scenario) => TestHost.StartAsync(
        [new ServerModule(new RgbModule(), RgbEndpoints.Map)],
        services: s => s.AddSingleton<IWitnessResolver>(TxDirectoryResolver.Load(Fixture($"txs_{scenario}"))),
        configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Rgb:KitDirectory"] = Vectors.Path("rgb", "rgb-schemas") }).Build());

    private static async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(TestHost host, byte[] body, string contentType, string query = "")
    {
        using var http = host.Client(await host.TokenAsync(ApiRole.Viewer));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await http.PostAsync(new Uri("/api/v1/rgb/validate" + query, UriKind.Relative), content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    [Fact]
    public async Task Binary_consignment_is_validated_with_its_contract_state()
    {
        await using var host = await StartAsync("A");
        var (status, body) = await PostAsync(host, File.ReadAllBytes(Fixture("consignment_A.rgb")), "application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("valid", (string?)body["validity"]);
        Assert.Equal("binary", (string?)body["format"]);
        Assert.Equal("rgb:LnXNQ7sS-FcJaBZp-wIxw9H8-h2uu31e-wHK1VI_-yGvsq5w", (string?)body["contract_id"]);
        Assert.Equal(666UL, (ulong)body["state"]!["issued_supply"]!);
        Assert.Equal(3, body["state"]!["allocations"]!.AsArray().Count);
        Assert.Empty(body["warnings"]!.AsArray());
    }

    [Fact]
    public async Task A_safe_height_reports_the_unmined_witnesses_as_UnsafeHistory()
    {
        // A folder of transactions has no chain position: every witness is reported at height 0.
        await using var host = await StartAsync("A");
        var (status, body) = await PostAsync(host, File.ReadAllBytes(Fixture("consignment_A.rgb")), "application/octet-stream", "?safe_height=100");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("valid", (string?)body["validity"]);
        var warning = Assert.Single(body["warnings"]!.AsArray())!;
        Assert.Equal("UnsafeHistory", (string?)warning["kind"]);
        Assert.Equal(3, warning["unsafe_history"]!["0"]!.AsArray().Count);
    }

    [Fact]
    public async Task Json_and_armored_uploads_are_validated_and_an_attack_is_reported_invalid()
    {
        await using var host = await StartAsync("A");
        var (status, body) = await PostAsync(host, File.ReadAllBytes(Fixture("attack_chain.json")), "application/json");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("invalid", (string?)body["validity"]);
        Assert.Equal("json", (string?)body["format"]);
        Assert.Equal("ContractChainNetMismatch", (string?)body["failure"]!["kind"]);
        Assert.Equal("bitcoinRegtest", (string?)body["failure"]!["detail"]);

        var armored = RgbArmor.WriteConsignment(RgbBinary.DecodeConsignment(File.ReadAllBytes(Fixture("consignment_A.rgb"))));
        (status, body) = await PostAsync(host, System.Text.Encoding.ASCII.GetBytes(armored), "text/plain");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("valid", (string?)body["validity"]);
        Assert.Equal("armored", (string?)body["format"]);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("not a consignment", "")]
    [InlineData("{\"version\": \"v9\"}", "")]
    public async Task Undecodable_uploads_are_problems_naming_invalid_consignment(string body, string query)
    {
        await using var host = await StartAsync("A");
        var (status, problem) = await PostAsync(host, System.Text.Encoding.UTF8.GetBytes(body), "application/octet-stream", query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("rgb.", (string?)problem["code"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
    }

    [Fact]
    public async Task Safe_height_zero_is_refused()
    {
        await using var host = await StartAsync("A");
        var (status, problem) = await PostAsync(host, File.ReadAllBytes(Fixture("consignment_A.rgb")), "application/octet-stream", "?safe_height=0");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("rgb.invalid_consignment", (string?)problem["code"]);
    }
}
