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

    /// <summary>
    /// Handshake: hsd's node RPC URL (<c>Web5:Handshake:RpcUrl</c>), its API key (environment
    /// <c>OPSOURCE_HSD_API_KEY</c> or the file <c>Web5:Handshake:ApiKeyFile</c>), its root name server and
    /// recursive resolver (<c>Web5:Handshake:NameServer</c>, <c>Web5:Handshake:RecursiveResolver</c>, as host:port).
    /// </summary>
    public Handshake.HandshakeOptions Handshake { get; init; } = new();

    /// <summary>The file holding hsd's API key (read when a name is resolved).</summary>
    public string? HandshakeApiKeyFile { get; init; }

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

        var hns = section.GetSection("Handshake");
        Uri? rpc = null;
        if (hns["RpcUrl"] is { Length: > 0 } r && (!Uri.TryCreate(r, UriKind.Absolute, out rpc) || rpc.Scheme is not ("http" or "https")))
        {
            problems.Add($"Web5:Handshake:RpcUrl '{r}' is not an http(s) URL");
        }

        var handshake = new Handshake.HandshakeOptions
        {
            RpcUrl = rpc,
            NameServer = Endpoint(hns, "NameServer", problems),
            RecursiveResolver = Endpoint(hns, "RecursiveResolver", problems),
        };
        return new Web5Options { DhtGatewayUrl = gateway, PassphraseFile = section["PassphraseFile"], HttpTimeoutSeconds = timeout, Handshake = handshake, HandshakeApiKeyFile = hns["ApiKeyFile"] };
    }

    private static System.Net.IPEndPoint? Endpoint(IConfigurationSection section, string key, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return null;
        }

        if (System.Net.IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
        {
            return endpoint;
        }

        problems.Add($"Web5:Handshake:{key} '{text}' must be an IP address and port (127.0.0.1:25349)");
        return null;
    }
}
