using Microsoft.Extensions.Configuration;

namespace OPSource.Web5;

/// <summary>The <c>Web5</c> configuration section.</summary>
public sealed record Web5Options
{
    /// <summary>did:dht gateway (pkarr relay) base URL; empty: did:dht resolves only through this node's own gateway store.</summary>
    public Uri? DhtGatewayUrl { get; init; }

    /// <summary>
    /// File holding the passphrase that encrypts stored private keys (Argon2id + XChaCha20-Poly1305);
    /// default <c>{DataDir}/web5.passphrase</c> must exist before keys are stored. The environment variable
    /// <c>OPSOURCE_WEB5_PASSPHRASE</c> takes precedence.
    /// </summary>
    public string? PassphraseFile { get; init; }

    /// <summary>HTTP timeout for did:web and gateway requests, seconds.</summary>
    public int HttpTimeoutSeconds { get; init; } = 15;

    /// <summary>Reads and validates the section; problems name the setting.</summary>
    public static Web5Options Bind(IConfigurationSection section, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        problems = [];
        Uri? gateway = null;
        if (section["DhtGatewayUrl"] is { Length: > 0 } g)
        {
            if (!Uri.TryCreate(g, UriKind.Absolute, out gateway) || gateway.Scheme is not ("http" or "https"))
            {
                problems.Add($"Web5:DhtGatewayUrl '{g}' is not an http(s) URL");
            }
        }

        var timeout = 15;
        if (section["HttpTimeoutSeconds"] is { Length: > 0 } t && (!int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out timeout) || timeout is < 1 or > 600))
        {
            problems.Add($"Web5:HttpTimeoutSeconds '{t}' must be an integer from 1 to 600");
        }

        return new Web5Options { DhtGatewayUrl = gateway, PassphraseFile = section["PassphraseFile"], HttpTimeoutSeconds = timeout };
    }
}
