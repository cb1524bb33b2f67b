namespace OPSource.Platform.Modules;

/// <summary>
/// A module's configuration section is invalid. Thrown from <see cref="IOpsourceModule.Register"/>;
/// the hosts stop with exit code 1 and print the messages, each naming its setting
/// (<c>Node:RpcUrl 'ftp://x' is not an http URL</c>).
/// </summary>
public sealed class ModuleConfigurationException : Exception
{
    /// <summary>Creates the exception from one or more problems.</summary>
    public ModuleConfigurationException(IReadOnlyList<string> problems)
        : base(string.Join("; ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    /// <summary>Creates the exception.</summary>
    public ModuleConfigurationException()
    {
        Problems = [];
    }

    /// <summary>Creates the exception.</summary>
    public ModuleConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    /// <summary>Creates the exception.</summary>
    public ModuleConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    /// <summary>Each problem, naming its setting.</summary>
    public IReadOnlyList<string> Problems { get; }
}
