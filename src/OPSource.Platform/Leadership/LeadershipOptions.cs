using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace OPSource.Platform.Leadership;

/// <summary>
/// Section <c>Leadership</c>: timing of the PostgreSQL leadership lease (see <see cref="PostgresLeadership"/>).
/// A standby takes over at most <see cref="RetryInterval"/> after the leader's session ended; a leader whose lock
/// connection stops answering steps down after at most <see cref="HeartbeatInterval"/> + <see cref="HeartbeatTimeout"/>.
/// </summary>
public sealed record LeadershipOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Leadership";

    /// <summary><c>Leadership:HeartbeatSeconds</c> (default 1): how often the leader checks its lock connection.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Leadership:HeartbeatTimeoutSeconds</c> (default 3): a check slower than this ends the term.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary><c>Leadership:RetrySeconds</c> (default 1): how often a standby tries to take the lock.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Reads the section; problems name the setting.</summary>
    public static LeadershipOptions Parse(IConfiguration section, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<string>();
        var options = new LeadershipOptions
        {
            HeartbeatInterval = Seconds(section, "HeartbeatSeconds", 1, errors),
            HeartbeatTimeout = Seconds(section, "HeartbeatTimeoutSeconds", 3, errors),
            RetryInterval = Seconds(section, "RetrySeconds", 1, errors),
        };
        problems = errors;
        return options;
    }

    private static TimeSpan Seconds(IConfiguration section, string key, double fallback, List<string> errors)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.FromSeconds(fallback);
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0.05 || value > 300)
        {
            errors.Add($"{SectionName}:{key} must be a number of seconds from 0.05 to 300 (got '{text}')");
            return TimeSpan.FromSeconds(fallback);
        }

        return TimeSpan.FromSeconds(value);
    }
}
