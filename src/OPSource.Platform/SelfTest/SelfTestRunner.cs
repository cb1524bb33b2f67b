using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OPSource.Platform.Errors;

namespace OPSource.Platform.SelfTest;

/// <summary>One check's line in the report.</summary>
public sealed record SelfTestCheckReport(string Name, SelfTestStatus Status, string Detail);

/// <summary>One component's part of the report (its status is its worst check).</summary>
public sealed record SelfTestComponentReport(string Name, SelfTestStatus Status, double DurationMs, IReadOnlyList<SelfTestCheckReport> Checks);

/// <summary>
/// The self-test report: <c>{version, timestamp, host, overall, components: [{name, status, duration_ms,
/// checks: [{name, status, detail}]}]}</c> (schema in docs/operations.md).
/// </summary>
public sealed record SelfTestReport(string Version, DateTimeOffset Timestamp, string Host, SelfTestStatus Overall, IReadOnlyList<SelfTestComponentReport> Components)
{
    /// <summary>The lower-case wire name of a status.</summary>
    public static string Name(SelfTestStatus status) => status switch
    {
        SelfTestStatus.Pass => "pass",
        SelfTestStatus.Warn => "warn",
        SelfTestStatus.Fail => "fail",
        _ => "skip",
    };

    /// <summary>The report as one JSON document (indented).</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("version", Version);
            writer.WriteString("timestamp", Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("host", Host);
            writer.WriteString("overall", Name(Overall));
            writer.WriteStartArray("components");
            foreach (var component in Components)
            {
                writer.WriteStartObject();
                writer.WriteString("name", component.Name);
                writer.WriteString("status", Name(component.Status));
                writer.WriteNumber("duration_ms", Math.Round(component.DurationMs, 1));
                writer.WriteStartArray("checks");
                foreach (var check in component.Checks)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", check.Name);
                    writer.WriteString("status", Name(check.Status));
                    writer.WriteString("detail", check.Detail);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>Runs self-test checks grouped by component, each with a time limit, and builds the report.</summary>
public static class SelfTestRunner
{
    /// <summary>The worst of several statuses (fail over warn over pass; skip only when everything skipped).</summary>
    public static SelfTestStatus Worst(IEnumerable<SelfTestStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var list = statuses.ToList();
        return list.Contains(SelfTestStatus.Fail) ? SelfTestStatus.Fail
            : list.Contains(SelfTestStatus.Warn) ? SelfTestStatus.Warn
            : list.Contains(SelfTestStatus.Pass) ? SelfTestStatus.Pass
            : list.Count == 0 ? SelfTestStatus.Pass : SelfTestStatus.Skip;
    }

    /// <summary>Runs the checks (components in first-seen order, checks in registration order).</summary>
    /// <param name="checks">Checks to run.</param>
    /// <param name="context">Inputs for the checks.</param>
    /// <param name="version">Product version for the report.</param>
    /// <param name="time">Clock for the timestamp.</param>
    /// <param name="component">Run only this component (null: all).</param>
    /// <param name="progress">Called before each check with (component, check).</param>
    /// <param name="timeout">Time limit per check (a check over it fails).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task<SelfTestReport> RunAsync(
        IEnumerable<ISelfTestCheck> checks,
        SelfTestContext context,
        string version,
        TimeProvider time,
        string? component,
        Action<string, string>? progress,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);
        var timestamp = time.GetUtcNow();
        var components = new List<SelfTestComponentReport>();
        foreach (var group in checks.GroupBy(c => c.Component, StringComparer.Ordinal))
        {
            if (component is not null && !string.Equals(group.Key, component, StringComparison.Ordinal))
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            var results = new List<SelfTestCheckReport>();
            foreach (var check in group)
            {
                progress?.Invoke(group.Key, check.Name);
                results.Add(await RunOneAsync(check, context, timeout, cancellationToken).ConfigureAwait(false));
            }

            components.Add(new SelfTestComponentReport(group.Key, Worst(results.Select(r => r.Status)), Stopwatch.GetElapsedTime(started).TotalMilliseconds, results));
        }

        return new SelfTestReport(version, timestamp, Environment.MachineName, Worst(components.Select(c => c.Status)), components);
    }

    private static async Task<SelfTestCheckReport> RunOneAsync(ISelfTestCheck check, SelfTestContext context, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var result = await check.RunAsync(context, limit.Token).ConfigureAwait(false);
            return new SelfTestCheckReport(check.Name, result.Status, result.Detail.ReplaceLineEndings(" "));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SelfTestCheckReport(check.Name, SelfTestStatus.Fail, $"no result within {timeout.TotalSeconds:0} s");
        }
        catch (OpsourceException ex)
        {
            return new SelfTestCheckReport(check.Name, SelfTestStatus.Fail, ex.Error.Detail);
        }
        catch (System.Data.Common.DbException ex)
        {
            // The database's own message (a missing table, a refused connection) names the problem; it carries no
            // credentials (connection strings are never part of it). Most often the schema is not current.
            return new SelfTestCheckReport(check.Name, SelfTestStatus.Fail, $"database error: {ex.Message.ReplaceLineEndings(" ")} (see platform/migrations_current)");
        }
#pragma warning disable CA1031 // A check that throws is reported as a failure, never a crash of the whole self-test.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            // Unexpected exception messages may carry internals: the type only.
            return new SelfTestCheckReport(check.Name, SelfTestStatus.Fail, $"the check failed unexpectedly ({ex.GetType().Name})");
        }
    }
}
