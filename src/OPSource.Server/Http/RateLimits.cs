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
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var principal = context.GetApiPrincipal();
                if (principal is not null)
                {
                    return options.RateLimitPerSecond == 0
                        ? RateLimitPartition.GetNoLimiter("key")
                        : RateLimitPartition.GetTokenBucketLimiter("key:" + principal.Method + ":" + principal.CredentialId, _ => Bucket(options.RateLimitPerSecond, options.RateLimitBurst));
                }

                var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return options.AnonymousRateLimitPerSecond == 0
                    ? RateLimitPartition.GetNoLimiter("anonymous")
                    : RateLimitPartition.GetTokenBucketLimiter("ip:" + address, _ => Bucket(options.AnonymousRateLimitPerSecond, options.AnonymousRateLimitPerSecond * 2));
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

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
