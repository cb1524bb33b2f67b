using System.Data.Common;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Server.SelfTest;

/// <summary>
/// The platform's own self-test checks (component <c>platform</c>): data dir writable, database
/// reachable, schema current, API answering. <c>config_valid</c> is decided by the host before these run
/// (an invalid configuration cannot build the services at all).
/// </summary>
internal static class PlatformChecks
{
    public const string Component = "platform";

    /// <summary>The data directory accepts a file (created, written, flushed, deleted).</summary>
    internal sealed class DataDirWritable(OpsourceOptions options) : ISelfTestCheck
    {
        public string Component => PlatformChecks.Component;

        public string Name => "data_dir_writable";

        public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
        {
            var probe = Path.Combine(options.DataDir, $".selftest-{Guid.NewGuid():N}");
            try
            {
                await File.WriteAllTextAsync(probe, "opsource self-test", cancellationToken).ConfigureAwait(false);
                File.Delete(probe);
                return SelfTestResult.Pass(options.DataDir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return SelfTestResult.Fail($"{options.DataDir} is not writable: {ex.GetType().Name}");
            }
        }
    }

    /// <summary>The database answers a query.</summary>
    internal sealed class DatabaseReachable(Database database) : ISelfTestCheck
    {
        public string Component => PlatformChecks.Component;

        public string Name => "database_reachable";

        public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
        {
            var check = await database.CheckAsync(cancellationToken).ConfigureAwait(false);
            return check.Ok
                ? SelfTestResult.Pass($"{database.Provider.ToString().ToLowerInvariant()} answered in {check.Elapsed.TotalMilliseconds:0.0} ms ({database.Description})")
                : SelfTestResult.Fail($"{database.Description}: {check.Error}");
        }
    }

    /// <summary>Every migration this build knows is applied, with its original checksum.</summary>
    internal sealed class MigrationsCurrent(Database database, Migrator migrator) : ISelfTestCheck
    {
        public string Component => PlatformChecks.Component;

        public string Name => "migrations_current";

        public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
        {
            IReadOnlyList<AppliedMigration> applied;
            try
            {
                applied = await migrator.GetAppliedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException)
            {
                return SelfTestResult.Fail("the schema was never created (run opsource install or opsource serve)");
            }

            var byKey = applied.ToDictionary(a => (a.Module, a.Version));
            var pending = migrator.Migrations.Where(m => !byKey.ContainsKey((m.Module, m.Version))).ToList();
            var changed = migrator.Migrations.Where(m => byKey.TryGetValue((m.Module, m.Version), out var a) && a.Checksum != m.ChecksumFor(database.Provider)).ToList();
            if (changed.Count > 0)
            {
                return SelfTestResult.Fail("applied migrations differ from this build: " + string.Join(", ", changed.Select(m => $"{m.Module}/{m.Version}")));
            }

            var known = migrator.Migrations.Select(m => m.Module).ToHashSet(StringComparer.Ordinal);
            var newer = applied.Where(a => known.Contains(a.Module) && !migrator.Migrations.Any(m => m.Module == a.Module && m.Version == a.Version)).ToList();
            if (newer.Count > 0)
            {
                return SelfTestResult.Fail("the database is newer than this build: " + string.Join(", ", newer.Select(a => $"{a.Module}/{a.Version}")));
            }

            return pending.Count > 0
                ? SelfTestResult.Fail($"{pending.Count} migration(s) pending: {string.Join(", ", pending.Select(m => $"{m.Module}/{m.Version}"))} (start opsource serve to apply them)")
                : SelfTestResult.Pass($"{applied.Count} migration(s) applied, none pending");
        }
    }

    /// <summary>The configured service answers <c>/api/v1/health</c> with 200.</summary>
    internal sealed class ApiAnswering(OpsourceOptions options) : ISelfTestCheck
    {
        public string Component => PlatformChecks.Component;

        public string Name => "api_answering";

        public async Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken)
        {
            var first = OpsourceOptionsValidator.SplitUrls(options.Server.Urls).First();
            var uri = new UriBuilder(first);
            if (uri.Host is "0.0.0.0" or "*" or "+" or "[::]")
            {
                // A wildcard bind answers on loopback.
                uri.Host = "127.0.0.1";
            }

            uri.Path = OpsourceServer.ApiPrefix + "/health";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await http.GetAsync(uri.Uri, cancellationToken).ConfigureAwait(false);
                return response.IsSuccessStatusCode
                    ? SelfTestResult.Pass($"{uri.Uri} answered {(int)response.StatusCode}")
                    : SelfTestResult.Fail($"{uri.Uri} answered {(int)response.StatusCode}");
            }
            catch (HttpRequestException ex)
            {
                return SelfTestResult.Fail($"no answer at {uri.Uri} ({ex.HttpRequestError}); is opsource serve running?");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return SelfTestResult.Fail($"no answer at {uri.Uri} within 5 s");
            }
        }
    }
}
