using System.Net;
using OPSource.Server.Endpoints;

namespace OPSource.Server.Tests;

/// <summary>One database check serves concurrent health requests and is reused briefly; a new one follows after that.</summary>
public sealed class HealthProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_callers_share_one_check_and_a_later_caller_gets_a_fresh_one()
    {
        await using var host = await TestHost.StartAsync();
        var probe = host.Get<HealthProbe>();

        var checks = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => probe.CheckAsync(Ct)));
        Assert.All(checks, c => Assert.True(c.Ok, c.Error));
        Assert.Single(checks.Distinct(ReferenceEqualityComparer.Instance));

        var reused = await probe.CheckAsync(Ct);
        await Task.Delay(probe.Reuse + TimeSpan.FromMilliseconds(100), Ct);
        var fresh = await probe.CheckAsync(Ct);
        Assert.True(fresh.Ok, fresh.Error);
        Assert.NotSame(reused, fresh);

        // The endpoint answers from the probe.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.Http.GetAsync("/api/v1/health", Ct)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task With_no_reuse_every_caller_runs_its_own_check()
    {
        await using var host = await TestHost.StartAsync(server: s => s.HealthCheckReuseMilliseconds = 0);
        var probe = host.Get<HealthProbe>();
        Assert.Equal(TimeSpan.Zero, probe.Reuse);

        var checks = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => probe.CheckAsync(Ct)));
        Assert.All(checks, c => Assert.True(c.Ok, c.Error));
        Assert.Equal(16, checks.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.NotSame(await probe.CheckAsync(Ct), await probe.CheckAsync(Ct));
        using var response = await host.Http.GetAsync("/api/v1/health", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
