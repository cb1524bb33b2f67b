using OPSource.Bitcoin;

namespace OPSource.Platform.Modules;

/// <summary>
/// Facts about the installation every module may need at registration time: the validated network
/// and the data directory. Built by the host from its validated options.
/// </summary>
/// <param name="Network">The configured Bitcoin network.</param>
/// <param name="DataDir">Absolute path of the data directory (database, encrypted keys, model files).</param>
public sealed record PlatformContext(Network Network, string DataDir);
