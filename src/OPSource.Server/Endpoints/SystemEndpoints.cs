using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OPSource.Platform.Leadership;
using OPSource.Storage;

namespace OPSource.Server.Endpoints;

/// <summary>
/// <c>/health</c> and <c>/info</c>. Each module adds its endpoints the same way: one static class
/// with a <c>Map…Endpoints(this IEndpointRouteBuilder api)</c> extension, called from
/// <see cref="OpsourceServer.MapApi"/> on the <c>/api/v1</c> group.
/// </summary>
public static class SystemEndpoints
{
    /// <summary>Maps the system endpoints on <paramref name="api"/> (the <c>/api/v1</c> group).</summary>
    public static IEndpointRouteBuilder MapSystemEndpoints(this IEndpointRouteBuilder api)
    {
        // The only endpoints anyone may call without a token (monitors and load balancers poll them).
        api.MapGet("/health", HealthAsync).WithName("health").WithTags("system").AllowAnonymous().DisableRateLimiting()
            .WithSummary("200 when the database answers, 503 otherwise");
        api.MapGet("/info", Info).WithName("info").WithTags("system").AllowAnonymous().DisableRateLimiting()
            .WithSummary("Version, network, storage, instance id and uptime");
        return api;
    }

    /// <summary>200 when the database answers, 503 otherwise (for load balancers and monitors; one check serves concurrent callers, see <see cref="HealthProbe"/>).</summary>
    internal static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> HealthAsync(HealthProbe probe, Database database, ILeadership leadership, CancellationToken cancellationToken)
    {
        var check = await probe.CheckAsync(cancellationToken).ConfigureAwait(false);
        var provider = database.Provider.ToString().ToLowerInvariant();
        var body = new HealthResponse(
            check.Ok ? "ok" : "unavailable",
            new DatabaseHealth(check.Ok ? "ok" : "error", provider, Math.Round(check.Elapsed.TotalMilliseconds, 3), check.Error),
            new LeadershipHealth(leadership.IsLeader ? "leader" : "standby", leadership.Mode));
        return check.Ok
            ? TypedResults.Ok(body)
            : TypedResults.Json(body, ServerJsonContext.Default.HealthResponse, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>What this service is: version, network, where its data lives, since when it runs.</summary>
    internal static Ok<InfoResponse> Info(OpsourceOptions options, Database database, ServerRuntime runtime) =>
        TypedResults.Ok(new InfoResponse(
            Name: "opsource",
            Version: ServerRuntime.Version,
            Network: options.Network,
            DataDir: options.DataDir,
            Storage: new StorageInfo(database.Provider.ToString().ToLowerInvariant(), database.Description),
            InstanceId: runtime.InstanceId,
            StartedAt: runtime.StartedAt,
            UptimeSeconds: Math.Round(runtime.Uptime.TotalSeconds, 3)));
}

/// <summary>Body of <c>GET /api/v1/health</c>.</summary>
public sealed record HealthResponse(string Status, DatabaseHealth Database, LeadershipHealth ChainFollower);

/// <summary>
/// Whether this instance runs the once-per-database work (chain follower, wallet sync, DLC watch): <c>leader</c> or
/// <c>standby</c> (another instance on the same PostgreSQL database leads); mode <c>single-instance</c> (SQLite) or
/// <c>postgres-advisory-lock</c>.
/// </summary>
public sealed record LeadershipHealth(string Role, string Mode);

/// <summary>The database part of the health report (errors are redacted).</summary>
public sealed record DatabaseHealth(string Status, string Provider, double LatencyMs, string? Error);

/// <summary>Body of <c>GET /api/v1/info</c>.</summary>
public sealed record InfoResponse(
    string Name,
    string Version,
    string Network,
    string DataDir,
    StorageInfo Storage,
    Guid InstanceId,
    DateTimeOffset StartedAt,
    [property: System.Text.Json.Serialization.JsonPropertyName("uptime_s")] double UptimeSeconds);

/// <summary>Which database the service uses (description has secrets redacted).</summary>
public sealed record StorageInfo(string Provider, string Target);
