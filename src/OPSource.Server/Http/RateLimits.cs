using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Server.Security;

namespace OPSource.Server.Http;

/// <summary>
/// Per-credential rate limiting: a token bucket per API key / DID binding (<c>Server:RateLimitPerSecond</c>,
/// <c>Server:RateLimitBurst</c>), and one per client address for callers without a token
/// (<c>Server:AnonymousRateLimitPerSecond</c>). Refusals are 429 problems with <c>Retry-After</c>.
/// Health and info are not limited (load balancers poll them).
/// </summary>
internal static class RateLimits
{
    public static IServiceCollection AddApiRateLimits(this IServiceCollection services, ServerOptions options)
    {
        // Per request: no strings or delegates are allocated to pick the bucket (the partition key is a struct over
        // the credential's existing strings or the peer address; the bucket factories are created once here, where
        // RateLimitPartition.GetTokenBucketLimiter would wrap its factory in a new delegate on every call).
        Func<RateLimitKey, RateLimiter> keyBucket = _ => new TokenBucketRateLimiter(Bucket(options.RateLimitPerSecond, options.RateLimitBurst));
        Func<RateLimitKey, RateLimiter> addressBucket = _ => new TokenBucketRateLimiter(Bucket(options.AnonymousRateLimitPerSecond, options.AnonymousRateLimitPerSecond * 2));
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, RateLimitKey>(context =>
            {
                var principal = context.GetApiPrincipal();
                if (principal is not null)
                {
                    return options.RateLimitPerSecond == 0
                        ? RateLimitPartition.GetNoLimiter(RateLimitKey.NoKeyLimit)
                        : new RateLimitPartition<RateLimitKey>(new RateLimitKey(principal.Method, principal.CredentialId, null), keyBucket);
                }

                return options.AnonymousRateLimitPerSecond == 0
                    ? RateLimitPartition.GetNoLimiter(RateLimitKey.NoAnonymousLimit)
                    : new RateLimitPartition<RateLimitKey>(new RateLimitKey(null, null, context.Connection.RemoteIpAddress), addressBucket);
            });
            o.OnRejected = async (context, _) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await ProblemResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited", $"too many requests for this credential; retry after {retry} s").ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary>A rate limit partition: a credential (method and id) or, without one, the peer address.</summary>
    internal readonly record struct RateLimitKey(string? Method, string? CredentialId, System.Net.IPAddress? Address)
    {
        public static readonly RateLimitKey NoKeyLimit = new("none", "key", null);

        public static readonly RateLimitKey NoAnonymousLimit = new("none", "anonymous", null);
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
