using System.Globalization;
using Microsoft.Extensions.Configuration;
using OPSource.Bitcoin;

namespace OPSource.Layers.Rsk;

/// <summary>The <c>Rsk</c> configuration section.</summary>
public sealed record RskOptions
{
    /// <summary>The RSK node's JSON-RPC URL (<c>Rsk:NodeUrl</c>; rskj's default <c>http://127.0.0.1:4444/</c>).</summary>
    public Uri NodeUrl { get; init; } = new("http://127.0.0.1:4444/");

    /// <summary>
    /// The chain id the node must report and transactions are signed for (<c>Rsk:ChainId</c>; default from the Bitcoin
    /// network: 30 mainnet, 31 testnet/signet, 33 regtest). Any id rskj can sign for (1..109) is accepted.
    /// </summary>
    public int ChainId { get; init; }

    /// <summary>Account path family (<c>Rsk:Derivation</c>: <c>rsk</c>, the default, or <c>ethereum</c>).</summary>
    public RskDerivation Derivation { get; init; } = RskDerivation.Rsk;

    /// <summary>Per-attempt request timeout (<c>Rsk:RequestTimeoutSeconds</c>, 1..600, default 30).</summary>
    public int RequestTimeoutSeconds { get; init; } = 30;

    /// <summary>Retries of transient failures (<c>Rsk:MaxRetries</c>, 0..20, default 5).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>
    /// How often the server's watcher checks the transactions and pegs it follows for the <c>rsk</c> event topic
    /// (<c>Rsk:PollIntervalSeconds</c>, 0.1..3600, default 5).
    /// </summary>
    public double PollIntervalSeconds { get; init; } = 5;

    /// <summary>True when <c>Rsk:NodeUrl</c> is set: the installation uses RSK (self-test checks run, else they skip).</summary>
    public bool IsConfigured { get; init; }

    /// <summary>The RSK network the chain id names, or testnet's coin type for other ids.</summary>
    public RskChain Chain => RskChain.FromChainId(ChainId) ?? RskChain.Testnet;

    /// <summary>Reads and validates the section; each problem names its setting.</summary>
    public static RskOptions Bind(IConfigurationSection section, Network network, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(network);
        problems = [];
        var options = new RskOptions { ChainId = RskChain.ForBitcoin(network).ChainId };
        if (section["NodeUrl"] is { Length: > 0 } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
            {
                problems.Add($"Rsk:NodeUrl '{url}' is not an http(s) URL without credentials");
            }
            else
            {
                options = options with { NodeUrl = uri, IsConfigured = true };
            }
        }

        if (section["ChainId"] is { Length: > 0 } chain)
        {
            if (!int.TryParse(chain, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !RskChain.IsSignableChainId(id))
            {
                problems.Add($"Rsk:ChainId '{chain}' must be an integer from 1 to 109 (30 mainnet, 31 testnet, 33 regtest)");
            }
            else
            {
                options = options with { ChainId = id };
            }
        }

        if (section["Derivation"] is { Length: > 0 } derivation)
        {
            if (string.Equals(derivation, "rsk", StringComparison.OrdinalIgnoreCase))
            {
                options = options with { Derivation = RskDerivation.Rsk };
            }
            else if (string.Equals(derivation, "ethereum", StringComparison.OrdinalIgnoreCase))
            {
                options = options with { Derivation = RskDerivation.Ethereum };
            }
            else
            {
                problems.Add($"Rsk:Derivation '{derivation}' must be 'rsk' or 'ethereum'");
            }
        }

        options = options with
        {
            RequestTimeoutSeconds = ReadInt(section, "RequestTimeoutSeconds", 30, 1, 600, problems),
            MaxRetries = ReadInt(section, "MaxRetries", 5, 0, 20, problems),
        };
        if (section["PollIntervalSeconds"] is { Length: > 0 } poll)
        {
            if (!double.TryParse(poll, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds < 0.1 || seconds > 3600)
            {
                problems.Add($"Rsk:PollIntervalSeconds '{poll}' must be a number of seconds from 0.1 to 3600");
            }
            else
            {
                options = options with { PollIntervalSeconds = seconds };
            }
        }

        return options;
    }

    private static int ReadInt(IConfigurationSection section, string key, int fallback, int min, int max, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems.Add($"Rsk:{key} '{text}' must be an integer from {min} to {max}");
            return fallback;
        }

        return value;
    }
}
