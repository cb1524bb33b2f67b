using System.Reflection;

namespace OPSource.Server;

/// <summary>Facts about this running service that endpoints report (version, start time, instance id).</summary>
public sealed class ServerRuntime
{
    private Guid _instanceId;

    /// <summary>Captures the start time from <paramref name="time"/>.</summary>
    public ServerRuntime(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        StartedAt = time.GetUtcNow();
    }

    /// <summary>The product version (assembly informational version).</summary>
    public static string Version { get; } =
        typeof(ServerRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The clock the service runs on.</summary>
    public TimeProvider Time { get; }

    /// <summary>When this process started serving.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Stable id of this installation, created in the database on first start.</summary>
    public Guid InstanceId
    {
        get => _instanceId;
        internal set => _instanceId = value;
    }

    /// <summary>Time since <see cref="StartedAt"/>.</summary>
    public TimeSpan Uptime => Time.GetUtcNow() - StartedAt;
}
