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
    /// recursive resolver (<c>Web5:Handshake:NameServer</c>, <c>Web5:Handshake:RecursiveResolver</c>, as host:port). With a
    /// recursive resolver, did:web documents of Handshake names are fetched from the addresses it resolves.
    /// </summary>
    public Handshake.HandshakeOptions Handshake { get; init; } = new();

    /// <summary>The file holding hsd's API key (read when a name is resolved).</summary>
    public string? HandshakeApiKeyFile { get; init; }

    /// <summary>Reads and validates the section; problems name the setting.</summary>
    public static Web5Options Bind(IConfigurationSection section, Bitcoin.Network network, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(network);
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

        int? didWebHttpPort = null;
        if (hns["DidWebHttpPort"] is { Length: > 0 } portText)
        {
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                problems.Add($"Web5:Handshake:DidWebHttpPort '{portText}' must be a port from 1 to 65535");
            }
            else if (network != Bitcoin.Network.Regtest)
            {
                // did:web is HTTPS (did:web spec, "Read (Resolve)"); plain HTTP exists only for regtest test servers.
                problems.Add($"Web5:Handshake:DidWebHttpPort is allowed on regtest only (did:web documents are fetched over HTTPS), not on {network.Name}");
            }
            else
            {
                didWebHttpPort = port;
            }
        }

        var handshake = new Handshake.HandshakeOptions
        {
            RpcUrl = rpc,
            NameServer = Endpoint(hns, "NameServer", problems),
            RecursiveResolver = Endpoint(hns, "RecursiveResolver", problems),
            DidWebHttpPort = didWebHttpPort,
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
