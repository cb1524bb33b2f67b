using System.Net;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dids;

/// <summary>did:web settings.</summary>
public sealed record DidWebOptions
{
    /// <summary>
    /// Rewrites the HTTPS URL a DID maps to before fetching (e.g. to reach a test server on loopback);
    /// null keeps the spec's URL.
    /// </summary>
    public Func<Uri, Uri>? RewriteUrl { get; init; }

    /// <summary>
    /// Chooses another HTTP client for the (rewritten) URL, e.g. one that reaches Handshake names through hsd
    /// (<see cref="Handshake.HnsHostResolver"/>); null, or a null result, keeps the client the method was created with.
    /// </summary>
    public Func<Uri, HttpClient?>? ClientFor { get; init; }

    /// <summary>Largest document accepted, in bytes.</summary>
    public int MaxDocumentBytes { get; init; } = 1 << 20;
}

/// <summary>
/// did:web (https://w3c-ccg.github.io/did-method-web/): <c>did:web:host[%3Aport][:path...]</c> resolves
/// to <c>https://host[:port]/path.../did.json</c>, or <c>/.well-known/did.json</c> without a path.
/// </summary>
public sealed class DidWebMethod : IDidMethodResolver
{
    private readonly HttpClient _http;
    private readonly DidWebOptions _options;

    /// <summary>Creates the resolver over a configured HTTP client.</summary>
    public DidWebMethod(HttpClient http, DidWebOptions? options = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options ?? new DidWebOptions();
    }

    /// <inheritdoc />
    public string Method => "web";

    /// <summary>The URL a did:web maps to (did:web spec, "Read (Resolve)" steps 1-6); null when the identifier is invalid.</summary>
    public static Uri? DocumentUrl(Did did)
    {
        ArgumentNullException.ThrowIfNull(did);
        var segments = did.Id.Split(':');
        // Step 2: percent-decode the port in the host segment (only %3A is meaningful there).
        var host = Uri.UnescapeDataString(segments[0]);
        var hostOnly = host.Split(':')[0];
        if (Uri.CheckHostName(hostOnly) is not (UriHostNameType.Dns or UriHostNameType.IPv4) || host.Count(c => c == ':') > 1)
        {
            return null;
        }

        if (host.Contains(':', StringComparison.Ordinal) && !int.TryParse(host.Split(':')[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            return null;
        }

        var path = segments.Length == 1
            ? "/.well-known/did.json"
            : "/" + string.Join('/', segments.Skip(1).Select(Uri.UnescapeDataString)) + "/did.json";
        return Uri.TryCreate("https://" + host + path, UriKind.Absolute, out var uri) ? uri : null;
    }

    /// <summary>The did:web for a host and optional path (the inverse of <see cref="DocumentUrl"/>).</summary>
    public static string ForHost(string host, int? port = null, params string[] path) =>
        "did:web:" + host + (port is null ? string.Empty : "%3A" + port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
        + string.Concat(path.Select(p => ":" + Uri.EscapeDataString(p)));

    /// <inheritdoc />
    public async Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (did.Method != "web")
        {
            return DidResolutionResult.Failure(DidErrorCodes.MethodNotSupported, $"method '{did.Method}' is not web");
        }

        var url = DocumentUrl(did);
        if (url is null)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDid, "did:web identifier is not a valid host and path");
        }

        if (_options.RewriteUrl is not null)
        {
            url = _options.RewriteUrl(url);
        }

        var http = _options.ClientFor?.Invoke(url) ?? _http;
        byte[] body;
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Gone)
            {
                return DidResolutionResult.Failure(DidErrorCodes.NotFound, $"{url} answered {(int)response.StatusCode}");
            }

            if (!response.IsSuccessStatusCode)
            {
                return DidResolutionResult.Failure(DidErrorCodes.NotFound, $"{url} answered {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > _options.MaxDocumentBytes)
            {
                return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, "did:web document too large");
            }

            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // DNS failure or refused connection: the document cannot be found.
            return DidResolutionResult.Failure(DidErrorCodes.NotFound, $"{url}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DidResolutionResult.Failure(DidErrorCodes.NotFound, $"{url}: timed out");
        }

        if (body.Length > _options.MaxDocumentBytes)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, "did:web document too large");
        }

        try
        {
            var json = Web5Json.ParseObject(body, "did:web document");
            var document = DidDocument.FromJson(json);
            // did:web spec: the document's id must be the DID that was resolved.
            if (document.Id != did.Uri)
            {
                return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, $"document id '{document.Id}' is not the resolved DID");
            }

            return DidResolutionResult.Success(document);
        }
        catch (FormatException e)
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDidDocument, e.Message);
        }
    }
}
