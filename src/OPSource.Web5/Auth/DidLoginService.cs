using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Platform.Errors;
using OPSource.Platform.Security;
using OPSource.Storage;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Auth;

/// <summary>A login challenge for a DID.</summary>
/// <param name="Challenge">The one-time nonce (base64url of 32 random bytes).</param>
/// <param name="Did">The DID it was issued to.</param>
/// <param name="ExpiresAt">After this it is refused.</param>
public sealed record DidChallenge(string Challenge, string Did, DateTimeOffset ExpiresAt);

/// <summary>A DID-to-role binding.</summary>
/// <param name="Did">The DID.</param>
/// <param name="Role">Its API role.</param>
/// <param name="CreatedAt">When it was bound.</param>
public sealed record DidRoleBinding(string Did, ApiRole Role, DateTimeOffset CreatedAt);

/// <summary>
/// DID login: the client asks for a challenge for its DID, signs <c>{"challenge": ..., "did": ...}</c> as a
/// compact JWS whose <c>kid</c> is a verification method listed under the DID's <c>authentication</c>
/// relationship, and gets the same access token the API-key flow returns (the platform's
/// <see cref="IAccessTokenIssuer"/>), with the role bound to the DID. Challenges are single-use, expire after
/// <see cref="ChallengeLifetime"/> and are kept in the database (so several instances share them). Removing a
/// binding ends the DID's tokens through <see cref="ICredentialStatus"/>.
/// </summary>
public sealed class DidLoginService : ICredentialStatus
{
    /// <summary>How long a challenge is valid.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Migration 2 of the web5 module: challenges and bindings.</summary>
    internal static Migration Migration { get; } = new(
        Web5Module.ModuleName,
        2,
        "DID login challenges and DID-to-role bindings",
        """
        CREATE TABLE web5_login_challenges (
            challenge  TEXT PRIMARY KEY,
            did        TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used       INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE web5_did_roles (
            did        TEXT PRIMARY KEY,
            role       TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE web5_login_challenges (
            challenge  TEXT PRIMARY KEY,
            did        TEXT NOT NULL,
            expires_at TIMESTAMPTZ NOT NULL,
            used       INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE web5_did_roles (
            did        TEXT PRIMARY KEY,
            role       TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL
        )
        """);

    private readonly Database _database;
    private readonly DidResolver _resolver;
    private readonly IAccessTokenIssuer _issuer;
    private readonly TimeProvider _time;

    /// <summary>Creates the service.</summary>
    public DidLoginService(Database database, DidResolver resolver, IAccessTokenIssuer issuer, TimeProvider time)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        _issuer = issuer ?? throw new ArgumentNullException(nameof(issuer));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <inheritdoc />
    public string Method => AuthMethods.Did;

    /// <summary>Binds (or rebinds) a DID to a role.</summary>
    public async Task BindAsync(string did, ApiRole role, CancellationToken cancellationToken)
    {
        if (!Did.TryParse(did, out var parsed) || parsed.Uri != did)
        {
            throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_did", $"'{did}' is not a DID (no path, query or fragment)");
        }

        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO web5_did_roles (did, role, created_at) VALUES (@did, @role, @now) ON CONFLICT (did) DO UPDATE SET role = excluded.role";
        command.WithParameter("did", did).WithParameter("role", role.ToName()).WithParameter("now", _time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a binding; false when there was none.</summary>
    public async Task<bool> UnbindAsync(string did, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM web5_did_roles WHERE did = @did";
        command.WithParameter("did", did);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>The role bound to a DID, or null.</summary>
    public async Task<ApiRole?> RoleOfAsync(string did, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT role FROM web5_did_roles WHERE did = @did";
        command.WithParameter("did", did);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string text && ApiRoles.TryParse(text, out var role) ? role : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> IsActiveAsync(string credentialId, CancellationToken cancellationToken) =>
        await RoleOfAsync(credentialId, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Issues a challenge for a DID (any syntactically valid DID: whether it is bound is only told at verify).</summary>
    public async Task<DidChallenge> CreateChallengeAsync(string did, CancellationToken cancellationToken)
    {
        if (!Did.TryParse(did, out var parsed) || parsed.Uri != did)
        {
            throw new OpsourceException(ErrorCategory.InvalidInput, "invalid_did", "body must be {\"did\": \"did:method:id\"}");
        }

        var challenge = new DidChallenge(B64Url.Encode(RandomNumberGenerator.GetBytes(32)), did, _time.GetUtcNow() + ChallengeLifetime);
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var cleanup = connection.CreateCommand())
        {
            cleanup.CommandText = "DELETE FROM web5_login_challenges WHERE expires_at < @now";
            cleanup.WithParameter("now", _time.GetUtcNow());
            await cleanup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO web5_login_challenges (challenge, did, expires_at, used) VALUES (@c, @did, @exp, 0)";
        command.WithParameter("c", challenge.Challenge).WithParameter("did", did).WithParameter("exp", challenge.ExpiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return challenge;
    }

    /// <summary>
    /// Verifies a signed challenge and returns the access token. Every failure is the same 401
    /// (<c>did_login_failed</c>) with a reason that reveals nothing about other DIDs.
    /// </summary>
    public async Task<AccessToken> VerifyAsync(string signedChallenge, CancellationToken cancellationToken)
    {
        Jws jws;
        JsonObject payload;
        try
        {
            jws = Jws.ParseCompact(signedChallenge);
            payload = jws.PayloadJson();
        }
        catch (JoseException e)
        {
            throw Failed("the signed challenge is not a compact JWS with a JSON payload: " + e.Message);
        }

        var challenge = payload.GetString("challenge") ?? throw Failed("the payload has no 'challenge'");
        var kid = jws.Signatures[0].Kid ?? throw Failed("the JWS header has no 'kid'");
        if (!Did.TryParse(kid, out var kidUrl) || kidUrl.Fragment is null)
        {
            throw Failed("kid must be a DID URL with a fragment (did:...#key)");
        }

        var did = kidUrl.Uri;
        if (payload.GetString("did") is { } claimed && claimed != did)
        {
            throw Failed("the payload's did differs from the kid's DID");
        }

        var resolution = await _resolver.ResolveAsync(did, cancellationToken).ConfigureAwait(false);
        if (!resolution.Ok)
        {
            throw Failed($"the DID does not resolve ({resolution.Error})");
        }

        // DID Core 5.3.1: only authentication methods may log the subject in.
        var vm = resolution.Document!.MethodsFor(VerificationRelationships.Authentication).FirstOrDefault(v => v.Id == did + "#" + kidUrl.Fragment);
        if (vm?.PublicKeyJwk is null)
        {
            throw Failed("kid is not an authentication method of the DID");
        }

        bool valid;
        try
        {
            valid = jws.Verify(vm.PublicKeyJwk);
        }
        catch (JoseException e)
        {
            throw Failed(e.Message);
        }

        if (!valid)
        {
            throw Failed("the signature does not verify");
        }

        // Single use: exactly one row flips from unused to used, and only before expiry, only for this DID.
        await using (var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE web5_login_challenges SET used = 1 WHERE challenge = @c AND did = @did AND used = 0 AND expires_at >= @now";
            command.WithParameter("c", challenge).WithParameter("did", did).WithParameter("now", _time.GetUtcNow());
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw Failed("the challenge is unknown, expired, already used or issued to another DID");
            }
        }

        var role = await RoleOfAsync(did, cancellationToken).ConfigureAwait(false) ?? throw Failed("the DID is not bound to a role");
        return await _issuer.IssueAsync(new AccessTokenRequest(did, role, ScopeSet.Unrestricted, did, AuthMethods.Did), cancellationToken).ConfigureAwait(false);
    }

    private static OpsourceException Failed(string reason) => new(ErrorCategory.Unauthenticated, "did_login_failed", "did login: " + reason);

    /// <summary>The bindings, for listing.</summary>
    public async Task<IReadOnlyList<DidRoleBinding>> ListBindingsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT did, role, created_at FROM web5_did_roles ORDER BY did";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<DidRoleBinding>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (ApiRoles.TryParse(reader.GetString(1), out var role))
            {
                var created = reader.GetValue(2) switch
                {
                    DateTimeOffset d => d,
                    DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
                    var other => DateTimeOffset.Parse(Convert.ToString(other, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
                };
                list.Add(new DidRoleBinding(reader.GetString(0), role.Value, created));
            }
        }

        return list;
    }
}
