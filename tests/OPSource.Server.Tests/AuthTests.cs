using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OPSource.Bitcoin;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Server.Modules;
using OPSource.Server.Security;

namespace OPSource.Server.Tests;

/// <summary>Authentication and authorization over real HTTP: every protected endpoint, every bad token.</summary>
public sealed class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class VaultModule : IOpsourceModule
    {
        public string Name => "vault";

        public void Register(ModuleRegistration registration)
        {
        }
    }

    /// <summary>A module adapter that uses the public authorization API exactly as real modules do.</summary>
    private static void MapVault(IEndpointRouteBuilder api)
    {
        var wallets = api.MapGroup("/vault/wallets/{name}").RequireScope(ResourceScope.WalletKind, "name");
        wallets.MapGet("/balance", (string name) => TypedResults.Ok(new JsonObject { ["wallet"] = name }.ToJsonString()));
        wallets.MapPost("/send", (string name) => TypedResults.Ok("sent")).RequireRole(ApiRole.Operator);
        wallets.MapPost("/export", (string name) => TypedResults.Ok("secret")).RequireRole(ApiRole.Admin);
        api.MapGet("/vault/wallets", (HttpContext context) =>
            TypedResults.Ok(string.Join(",", new[] { "a", "b", "c" }.Where(w => context.GetApiPrincipal()!.CanAccess(ResourceScope.WalletKind, w)))));
    }

    private static ServerModule Vault => new(new VaultModule(), MapVault);

    private static async Task<HttpResponseMessage> Send(HttpClient client, string method, string path) =>
        await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" || method == "DELETE" ? null : JsonContent.Create(new JsonObject()) }, Ct);

    private static async Task<JsonObject> Problem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
        Assert.Equal((int)status, (int?)problem["status"]);
        Assert.Equal(code, (string?)problem["code"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["request_id"]));
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem;
    }

    /// <summary>
    /// Enumerates every endpoint the host maps (system, auth and modules), and proves that each one that
    /// is not anonymous refuses a missing, expired, tampered, wrong-audience, wrong-issuer and foreign-key
    /// token with 401, and a token below its role with 403.
    /// </summary>
    [Fact]
    public async Task Every_protected_endpoint_refuses_bad_tokens()
    {
        await using var host = await TestHost.StartAsync([Vault, .. OpsourceModules.All], server: s => s.AnonymousRateLimitPerSecond = 0);
        var tokens = host.Get<JwtAccessTokenService>();
        var context = host.Get<PlatformContext>();
        var admin = new AccessTokenRequest("apikey:x", ApiRole.Admin, ScopeSet.Unrestricted, "x", AuthMethods.ApiKey);
        var (adminKey, _) = await host.KeyAndTokenAsync(ApiRole.Admin);
        ApiKeyStore.TrySplit(adminKey, out var adminId, out _);
        var valid = admin with { Subject = "apikey:" + adminId, CredentialId = adminId };
        var expired = (await new JwtAccessTokenService(tokens.Options, context, new FixedTime(DateTimeOffset.UtcNow.AddHours(-2))).IssueAsync(valid, Ct)).Token;
        var wrongAudience = (await new JwtAccessTokenService(new AuthOptions { Audience = "other-api" }, context, TimeProvider.System).IssueAsync(valid, Ct)).Token;
        var wrongIssuer = (await new JwtAccessTokenService(new AuthOptions { Issuer = "mallory" }, context, TimeProvider.System).IssueAsync(valid, Ct)).Token;
        var good = (await tokens.IssueAsync(valid, Ct)).Token;
        var parts = good.Split('.');
        var tampered = parts[0] + "." + parts[1][..^2] + (parts[1][^2] == 'A' ? "B" : "A") + parts[1][^1] + "." + parts[2];
        var foreignDir = Directory.CreateTempSubdirectory("opsource-foreign-").FullName;
        string foreign;
        try
        {
            foreign = (await new JwtAccessTokenService(new AuthOptions(), new PlatformContext(Network.Regtest, foreignDir), TimeProvider.System).IssueAsync(valid, Ct)).Token;
        }
        finally
        {
            Directory.Delete(foreignDir, recursive: true);
        }

        var endpoints = EndpointInventory.List(host.App);
        Assert.Contains(endpoints, e => e.Path == "/api/v1/vault/wallets/{name}/send");
        var checkedCount = 0;
        foreach (var endpoint in endpoints.Where(e => !e.Anonymous))
        {
            var path = endpoint.Path.Replace("{name}", "a", StringComparison.Ordinal).Replace("{id}", "000000000000", StringComparison.Ordinal);
            var label = endpoint.Method + " " + endpoint.Path;
            using (var none = host.Client(null))
            {
                var problem = await Problem(await Send(none, endpoint.Method, path), HttpStatusCode.Unauthorized, "unauthenticated");
                Assert.NotNull(problem);
            }

            foreach (var (name, bad, code) in new[]
            {
                ("expired", expired, "token_expired"), ("tampered", tampered, "invalid_token"), ("wrong audience", wrongAudience, "invalid_token"),
                ("wrong issuer", wrongIssuer, "invalid_token"), ("foreign key", foreign, "invalid_token"), ("garbage", "not.a.jwt", "invalid_token"),
                ("raw api key", adminKey, "invalid_token"),
            })
            {
                if (name == "raw api key" && endpoint.AcceptsApiKey)
                {
                    continue;
                }

                using var client = host.Client(bad);
                var response = await Send(client, endpoint.Method, path);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{label} with a {name} token: {(int)response.StatusCode}");
                await Problem(response, HttpStatusCode.Unauthorized, code);
            }

            if (endpoint.MinimumRole > ApiRole.Viewer)
            {
                using var low = host.Client(await host.TokenAsync(endpoint.MinimumRole - 1));
                await Problem(await Send(low, endpoint.Method, path), HttpStatusCode.Forbidden, "insufficient_role");
            }

            using (var ok = host.Client(good))
            {
                var response = await Send(ok, endpoint.Method, path);
                Assert.True(response.StatusCode is not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden, $"{label} refused a valid admin token: {(int)response.StatusCode}");
            }

            checkedCount++;
        }

        Assert.True(checkedCount >= 8, $"only {checkedCount} protected endpoints found");
    }

    /// <summary>
    /// The host remembers a token it validated (by its hash) and answers the next request with it from memory, but
    /// never past the token's expiry plus the clock skew, and never for another string (a tampered copy).
    /// </summary>
    [Fact]
    public async Task A_remembered_token_still_expires_and_a_tampered_copy_is_validated_in_full()
    {
        await using var host = await TestHost.StartAsync();
        var tokens = host.Get<JwtAccessTokenService>();
        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        ApiKeyStore.TrySplit(key, out var keyId, out _);
        var grant = new AccessTokenRequest("apikey:" + keyId, ApiRole.Viewer, ScopeSet.Unrestricted, keyId, AuthMethods.ApiKey);
        // Issued so that its expiry plus the 30 s skew is 2-3 s away (issue times are whole seconds).
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow - tokens.Options.TokenLifetime - TimeSpan.FromSeconds(27)).ToUnixTimeSeconds());
        var shortLived = (await new JwtAccessTokenService(tokens.Options, host.Get<PlatformContext>(), new FixedTime(issuedAt)).IssueAsync(grant, Ct)).Token;
        var refusedAfter = issuedAt + tokens.Options.TokenLifetime + TimeSpan.FromSeconds(30);
        var cache = host.Get<ValidatedTokenCache>();

        using var client = host.Client(shortLived);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/auth/whoami", Ct)).StatusCode);
        var hits = cache.Hits;
        var whoami = await HttpAsserts.ExpectAsync(await client.GetAsync("/api/v1/auth/whoami", Ct), HttpStatusCode.OK);
        Assert.Equal("apikey:" + keyId, (string)whoami["subject"]!);
        Assert.True(cache.Hits > hits, "the second request was not answered from memory");

        var parts = shortLived.Split('.');
        var tampered = parts[0] + "." + parts[1][..^2] + (parts[1][^2] == 'A' ? "B" : "A") + parts[1][^1] + "." + parts[2];
        using (var forged = host.Client(tampered))
        {
            await HttpAsserts.AssertProblemAsync(await forged.GetAsync("/api/v1/auth/whoami", Ct), HttpStatusCode.Unauthorized, "invalid_token", "");
        }

        var wait = refusedAfter - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        Assert.True(wait < TimeSpan.FromSeconds(5), $"the token expires too late for this test ({wait})");
        await Task.Delay(wait, Ct);
        await HttpAsserts.AssertProblemAsync(await client.GetAsync("/api/v1/auth/whoami", Ct), HttpStatusCode.Unauthorized, "token_expired", "expired");
    }

    [Fact]
    public async Task Roles_and_scopes_decide_what_a_token_reaches()
    {
        await using var host = await TestHost.StartAsync([Vault]);
        using var viewer = host.Client(await host.TokenAsync(ApiRole.Viewer));
        using var operatorA = host.Client(await host.TokenAsync(ApiRole.Operator, "wallet:a"));
        using var adminAll = host.Client(await host.TokenAsync(ApiRole.Admin));

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/vault/wallets/b/balance", Ct)).StatusCode);
        var refused = await Problem(await Send(viewer, "POST", "/api/v1/vault/wallets/b/send"), HttpStatusCode.Forbidden, "insufficient_role");
        Assert.Contains("operator", (string?)refused["detail"], StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Send(operatorA, "POST", "/api/v1/vault/wallets/a/send")).StatusCode);
        await Problem(await Send(operatorA, "POST", "/api/v1/vault/wallets/b/send"), HttpStatusCode.Forbidden, "scope_denied");
        await Problem(await operatorA.GetAsync("/api/v1/vault/wallets/b/balance", Ct), HttpStatusCode.Forbidden, "scope_denied");
        await Problem(await Send(operatorA, "POST", "/api/v1/vault/wallets/a/export"), HttpStatusCode.Forbidden, "insufficient_role");
        Assert.Equal("\"a\"", await operatorA.GetStringAsync("/api/v1/vault/wallets", Ct));
        Assert.Equal("\"a,b,c\"", await adminAll.GetStringAsync("/api/v1/vault/wallets", Ct));
        Assert.Equal(HttpStatusCode.OK, (await Send(adminAll, "POST", "/api/v1/vault/wallets/c/export")).StatusCode);
    }

    [Fact]
    public async Task Key_management_over_http_shows_the_key_once_and_revocation_is_immediate()
    {
        await using var host = await TestHost.StartAsync([Vault]);
        using var admin = host.Client(await host.TokenAsync(ApiRole.Admin));
        var created = await admin.PostAsJsonAsync("/api/v1/auth/keys", new JsonObject { ["role"] = "viewer", ["name"] = "dash", ["scopes"] = new JsonArray("wallet:a") }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!;
        var key = (string)body["key"]!;
        var id = (string)body["api_key"]!["id"]!;
        Assert.Equal(["wallet:a"], body["api_key"]!["scopes"]!.AsArray().Select(n => (string)n!));

        var listed = await admin.GetStringAsync("/api/v1/auth/keys", Ct);
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        // The secret is base64url and may itself contain '_': split it the way the server does.
        Assert.True(OPSource.Platform.Security.ApiKeyStore.TrySplit(key, out _, out var secret));
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        var exchanged = await host.Http.PostAsJsonAsync("/api/v1/auth/token", new JsonObject { ["api_key"] = key }, Ct);
        var token = JsonNode.Parse(await exchanged.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("Bearer", (string?)token["token_type"]);
        Assert.Equal("viewer", (string?)token["role"]);
        Assert.InRange((long)token["expires_in"]!, 890, 900);
        using var dash = host.Client((string)token["access_token"]!);
        var me = JsonNode.Parse(await dash.GetStringAsync("/api/v1/auth/whoami", Ct))!;
        Assert.Equal((id, "viewer", "api_key"), ((string)me["key_id"]!, (string)me["role"]!, (string)me["auth_method"]!));

        // A scoped or non-admin token cannot manage keys.
        await Problem(await dash.GetAsync("/api/v1/auth/keys", Ct), HttpStatusCode.Forbidden, "insufficient_role");
        using var scopedAdmin = host.Client(await host.TokenAsync(ApiRole.Admin, "wallet:a"));
        await Problem(await scopedAdmin.GetAsync("/api/v1/auth/keys", Ct), HttpStatusCode.Forbidden, "scope_denied");

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/api/v1/auth/keys/" + id, Ct)).StatusCode);
        await Problem(await dash.GetAsync("/api/v1/auth/whoami", Ct), HttpStatusCode.Unauthorized, "invalid_token");
        var again = await host.Http.PostAsJsonAsync("/api/v1/auth/token", new JsonObject { ["api_key"] = key }, Ct);
        await Problem(again, HttpStatusCode.Unauthorized, "invalid_api_key");
        await Problem(await admin.DeleteAsync("/api/v1/auth/keys/ffffffffffff", Ct), HttpStatusCode.NotFound, "api_key_not_found");
    }

    [Theory]
    [InlineData("{\"role\":\"root\"}", "invalid_role")]
    [InlineData("{\"role\":\"viewer\",\"scopes\":[\"moon:1\"]}", "invalid_scope")]
    [InlineData("{\"role\":\"viewer\",\"name\":\"a/b\"}", "invalid_name")]
    [InlineData("{\"role\":", "invalid_request")]
    public async Task Malformed_key_requests_are_400_problems(string json, string code)
    {
        await using var host = await TestHost.StartAsync();
        using var admin = host.Client(await host.TokenAsync(ApiRole.Admin));
        var response = await admin.PostAsync("/api/v1/auth/keys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);
        await Problem(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Api_keys_are_not_bearer_tokens_except_where_an_endpoint_accepts_them()
    {
        await using var host = await TestHost.StartAsync([new ServerModule(new VaultModule(), api =>
        {
            api.MapGet("/vault/scrape", () => "metrics").AcceptApiKey();
            MapVault(api);
        })]);
        var (key, _) = await host.KeyAndTokenAsync(ApiRole.Viewer);
        using var raw = host.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await raw.GetAsync("/api/v1/vault/scrape", Ct)).StatusCode);
        await Problem(await raw.GetAsync("/api/v1/vault/wallets", Ct), HttpStatusCode.Unauthorized, "invalid_token");
        using var wrong = host.Client(key[..^1] + (key[^1] == 'x' ? "y" : "x"));
        await Problem(await wrong.GetAsync("/api/v1/vault/scrape", Ct), HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Web_sockets_may_pass_the_token_in_the_query_but_plain_requests_may_not()
    {
        await using var host = await TestHost.StartAsync([Vault]);
        var token = await host.TokenAsync(ApiRole.Viewer);
        var response = await host.Http.GetAsync("/api/v1/auth/whoami?access_token=" + token, Ct);
        await Problem(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
