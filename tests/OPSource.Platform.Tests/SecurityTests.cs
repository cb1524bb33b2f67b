using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using OPSource.Bitcoin;
using OPSource.Platform.Errors;
using OPSource.Platform.Modules;
using OPSource.Platform.Security;
using OPSource.Storage;

namespace OPSource.Platform.Tests;

internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed class SecurityTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-security-").FullName;
    private Database _database = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = Database.Create(new StorageOptions(), _dataDir);
        await new Migrator(_database, [SettingsRepository.Migrations, ApiKeyStore.Migrations]).ApplyAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static readonly ResourceKind[] Kinds = [new("wallet", "auth", "w"), new("dao", "auth", "d")];

    private ApiKeyStore Store(TimeProvider? time = null) => new(_database, time ?? TimeProvider.System, Kinds);

    private JwtAccessTokenService Tokens(AuthOptions? options = null, TimeProvider? time = null) =>
        new(options ?? new AuthOptions(), new PlatformContext(Network.Regtest, _dataDir), time ?? TimeProvider.System);

    [Theory]
    [InlineData("wallet:treasury", "wallet", "treasury")]
    [InlineData("dao:7f3a-01", "dao", "7f3a-01")]
    [InlineData("dlc:a.b_c", "dlc", "a.b_c")]
    public void Scopes_parse(string text, string kind, string id)
    {
        var scope = ResourceScope.Parse(text);
        Assert.Equal((kind, id), (scope.Kind, scope.Id));
        Assert.Equal(text, scope.ToString());
    }

    [Theory]
    [InlineData("wallet")]
    [InlineData("wallet:")]
    [InlineData(":x")]
    [InlineData("Wallet:x")]
    [InlineData("wallet:a b")]
    [InlineData("wallet:a/b")]
    public void Malformed_scopes_are_refused(string text)
    {
        Assert.False(ResourceScope.TryParse(text, out _, out var error));
        Assert.Contains("scope", error.Message, StringComparison.Ordinal);
        Assert.Equal(AuthErrorKind.InvalidScope, error.Kind);

        // The throwing forms carry the same typed error, which the hosts map to a user error by type.
        var thrown = Assert.Throws<BitcoinFormatException>(() => ResourceScope.Parse(text));
        Assert.Equal("auth.invalid_scope", thrown.Error.Code);
        Assert.Equal(error.Message, thrown.Message);
        var set = Assert.Throws<BitcoinFormatException>(() => ScopeSet.Parse("wallet:ok " + text));
        Assert.Equal("auth.invalid_scope", set.Error.Code);
        var mapped = new DomainErrorMapper([]).TryMap(thrown);
        Assert.NotNull(mapped);
        Assert.Equal((ErrorCategory.InvalidInput, "auth.invalid_scope"), (mapped.Category, mapped.Code));
    }

    [Theory]
    [InlineData("Wallet:x", 0)]
    [InlineData("wallet:a b", 7)]
    [InlineData("dao:a/b", 4)]
    public void A_malformed_scope_part_is_located(string text, int position)
    {
        Assert.False(ResourceScope.TryParse(text, out _, out var error));
        Assert.Equal(position, error.Position);
    }

    [Fact]
    public void A_malformed_scope_kind_is_a_typed_error_at_creation()
    {
        var thrown = Assert.Throws<BitcoinFormatException>(() => ResourceScope.Create("Bad", "x"));
        Assert.Equal("auth.invalid_scope", thrown.Error.Code);
        Assert.Equal("x", ResourceScope.Create("wallet", "x").Id);
    }

    [Fact]
    public void A_scoped_set_allows_only_its_resources()
    {
        var set = ScopeSet.Parse("wallet:a dao:1");
        Assert.True(set.Allows("wallet", "a"));
        Assert.False(set.Allows("wallet", "b"));
        Assert.False(set.Allows("dlc", "a"));
        Assert.False(set.Allows("wallet", "bad id"));
        Assert.True(ScopeSet.Unrestricted.Allows("wallet", "anything"));
        Assert.Equal("dao:1 wallet:a", set.ToString());
    }

    [Fact]
    public void Roles_are_ordered()
    {
        Assert.True(ApiRole.Admin.Satisfies(ApiRole.Operator));
        Assert.True(ApiRole.Operator.Satisfies(ApiRole.Viewer));
        Assert.False(ApiRole.Viewer.Satisfies(ApiRole.Operator));
        Assert.Equal(ApiRole.Operator, ApiRoles.Parse("operator"));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("Admin")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_role_is_a_typed_error(string? text)
    {
        Assert.False(ApiRoles.TryParse(text, out _));
        var thrown = Assert.Throws<BitcoinFormatException>(() => ApiRoles.Parse(text));
        var error = Assert.IsType<AuthError>(thrown.Error);
        Assert.Equal((AuthErrorKind.InvalidRole, "auth.invalid_role"), (error.Kind, error.Code));
        Assert.Equal($"role '{text}' is not one of admin, operator, viewer", thrown.Message);
        var mapped = new DomainErrorMapper([]).TryMap(thrown);
        Assert.NotNull(mapped);
        Assert.Equal((ErrorCategory.InvalidInput, "auth.invalid_role"), (mapped.Category, mapped.Code));
    }

    [Fact]
    public async Task Keys_are_stored_hashed_and_verified_in_constant_time()
    {
        var store = Store();
        var created = await store.CreateAsync("ci", ApiRole.Operator, store.ParseScopes(["wallet:a"]), Ct);
        Assert.Matches("^opsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", created.Key);
        Assert.StartsWith("opsk_" + created.Info.Id + "_", created.Key, StringComparison.Ordinal);

        // The secret is nowhere in the database file.
        // (The base64url secret may itself contain '_', so it is everything after "opsk_<id>_".)
        var secret = created.Key[("opsk_" + created.Info.Id + "_").Length..];
        await using (var connection = await _database.OpenConnectionAsync(Ct))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT secret_hash FROM api_keys";
            var hash = (string)(await command.ExecuteScalarAsync(Ct))!;
            Assert.DoesNotContain(secret, hash, StringComparison.Ordinal);
            Assert.Equal(64, hash.Length);
        }

        var verified = await store.VerifyAsync(created.Key, Ct);
        Assert.NotNull(verified);
        Assert.Equal(ApiRole.Operator, verified.Role);
        Assert.Equal("wallet:a", verified.Scopes.ToString());
        Assert.NotNull(verified.LastUsedAt);

        var wrongSecret = created.Key[..^1] + (created.Key[^1] == 'A' ? 'B' : 'A');
        Assert.Null(await store.VerifyAsync(wrongSecret, Ct));
        Assert.Null(await store.VerifyAsync("opsk_000000000000_" + secret, Ct));
        Assert.Null(await store.VerifyAsync("not a key", Ct));
    }

    [Fact]
    public async Task Revoked_keys_stop_verifying_and_listing_hides_them()
    {
        var store = Store();
        var keep = await store.CreateAsync(null, ApiRole.Viewer, ScopeSet.Unrestricted, Ct);
        var gone = await store.CreateAsync("old", ApiRole.Admin, ScopeSet.Unrestricted, Ct);
        var revoked = await store.RevokeAsync(gone.Info.Id, Ct);
        Assert.False(revoked.Active);
        Assert.Null(await store.VerifyAsync(gone.Key, Ct));
        Assert.False(await ((ICredentialStatus)store).IsActiveAsync(gone.Info.Id, Ct));
        Assert.True(await ((ICredentialStatus)store).IsActiveAsync(keep.Info.Id, Ct));
        Assert.Equal([keep.Info.Id], (await store.ListAsync(false, Ct)).Select(k => k.Id));
        Assert.Equal(2, (await store.ListAsync(true, Ct)).Count);
        var missing = await Assert.ThrowsAsync<OpsourceException>(() => store.RevokeAsync("ffffffffffff", Ct));
        Assert.Equal(ErrorCategory.NotFound, missing.Error.Category);
    }

    [Fact]
    public void Unknown_scope_kinds_and_bad_names_are_refused()
    {
        var store = Store();
        var ex = Assert.Throws<OpsourceException>(() => store.ParseScopes(["moon:1"]));
        Assert.Equal("invalid_scope", ex.Error.Code);
        Assert.Contains("known: dao, wallet", ex.Message, StringComparison.Ordinal);
        Assert.Equal("invalid_scope", Assert.Throws<OpsourceException>(() => store.ParseScopes(["wallet"])).Error.Code);
    }

    [Fact]
    public async Task Tokens_carry_role_scopes_and_key_id_and_validate()
    {
        var tokens = Tokens();
        var issued = await tokens.IssueAsync(new AccessTokenRequest("apikey:abc", ApiRole.Viewer, ScopeSet.Parse("wallet:a"), "abc", AuthMethods.ApiKey), Ct);
        Assert.Equal(3, issued.Token.Split('.').Length);
        var principal = await tokens.ValidateAsync(issued.Token, Ct);
        Assert.NotNull(principal);
        Assert.Equal(("apikey:abc", ApiRole.Viewer, "wallet:a", "abc", "api_key"), (principal.Subject, principal.Role, principal.Scopes.ToString(), principal.CredentialId, principal.Method));
        Assert.InRange((issued.ExpiresAt - DateTimeOffset.UtcNow).TotalMinutes, 14, 15.01);

        // The signing key file is private to its owner.
        var keyFile = new AuthOptions().ResolveSigningKeyFile(_dataDir);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task Expired_tampered_and_foreign_tokens_are_refused()
    {
        var request = new AccessTokenRequest("apikey:abc", ApiRole.Admin, ScopeSet.Unrestricted, "abc", AuthMethods.ApiKey);
        var tokens = Tokens();
        var past = new FixedTime(DateTimeOffset.UtcNow.AddHours(-1));
        var expired = await Tokens(time: past).IssueAsync(request, Ct);
        Assert.Null(await tokens.ValidateAsync(expired.Token, Ct));

        var good = (await tokens.IssueAsync(request, Ct)).Token;
        var parts = good.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("\"admin\"", "\"admin \"", StringComparison.Ordinal);
        var tampered = parts[0] + "." + Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
        Assert.Null(await tokens.ValidateAsync(tampered, Ct));

        var otherAudience = await Tokens(new AuthOptions { Audience = "elsewhere" }).IssueAsync(request, Ct);
        Assert.Null(await tokens.ValidateAsync(otherAudience.Token, Ct));
        var otherIssuer = await Tokens(new AuthOptions { Issuer = "mallory" }).IssueAsync(request, Ct);
        Assert.Null(await tokens.ValidateAsync(otherIssuer.Token, Ct));

        // A token signed with another key (another installation) is refused.
        var otherDir = Directory.CreateTempSubdirectory("opsource-otherkey-").FullName;
        try
        {
            var foreign = await new JwtAccessTokenService(new AuthOptions(), new PlatformContext(Network.Regtest, otherDir), TimeProvider.System).IssueAsync(request, Ct);
            Assert.Null(await tokens.ValidateAsync(foreign.Token, Ct));
        }
        finally
        {
            Directory.Delete(otherDir, recursive: true);
        }

        // alg=none is never accepted.
        var none = Base64UrlEncode("{\"alg\":\"none\",\"typ\":\"at+jwt\"}"u8.ToArray()) + "." + parts[1] + ".";
        Assert.Null(await tokens.ValidateAsync(none, Ct));
    }

    [Fact]
    public async Task Exchange_issues_the_keys_role_and_refuses_revoked_keys()
    {
        var store = Store();
        var exchange = new ApiKeyTokenExchange(store, Tokens());
        var created = await store.CreateAsync(null, ApiRole.Operator, store.ParseScopes(["dao:9"]), Ct);
        var token = await exchange.ExchangeAsync(created.Key, Ct);
        Assert.Equal(ApiRole.Operator, token.Grant.Role);
        Assert.Equal("dao:9", token.Grant.Scopes.ToString());
        Assert.Equal(created.Info.Id, token.Grant.CredentialId);
        await store.RevokeAsync(created.Info.Id, Ct);
        var ex = await Assert.ThrowsAsync<OpsourceException>(() => exchange.ExchangeAsync(created.Key, Ct));
        Assert.Equal((ErrorCategory.Unauthenticated, "invalid_api_key"), (ex.Error.Category, ex.Error.Code));
    }

    [Fact]
    public void A_world_readable_signing_key_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var path = Path.Combine(_dataDir, "loose.key");
        SigningKeyFile.LoadOrCreate(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var ex = Assert.Throws<InvalidOperationException>(() => SigningKeyFile.LoadOrCreate(path));
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TokenLifetimeMinutes", "0", "Auth:TokenLifetimeMinutes '0'")]
    [InlineData("TokenLifetimeMinutes", "soon", "Auth:TokenLifetimeMinutes 'soon'")]
    [InlineData("Audience", "", "Auth:Audience must not be empty")]
    public void Auth_settings_are_validated(string key, string value, string expected)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build();
        var ex = Assert.Throws<ModuleConfigurationException>(() => AuthOptions.FromConfiguration(section));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Base64UrlDecode(string s)
    {
        s = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private static string Base64UrlEncode(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
