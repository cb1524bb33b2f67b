using System.Text.Json.Nodes;

namespace OPSource.Web5.Dids;

/// <summary>
/// DID resolution error codes (DID Core section 7.1.2; W3C DID Specification Registries;
/// web5-spec adds invalidPublicKey and friends).
/// </summary>
public static class DidErrorCodes
{
    /// <summary>The DID is not syntactically valid.</summary>
    public const string InvalidDid = "invalidDid";

    /// <summary>The DID does not exist (not published, HTTP 404, no record).</summary>
    public const string NotFound = "notFound";

    /// <summary>The method is not supported by this resolver.</summary>
    public const string MethodNotSupported = "methodNotSupported";

    /// <summary>The identifier does not encode a valid public key.</summary>
    public const string InvalidPublicKey = "invalidPublicKey";

    /// <summary>The key's type or length is wrong for the method.</summary>
    public const string InvalidPublicKeyLength = "invalidPublicKeyLength";

    /// <summary>The key type is not supported.</summary>
    public const string UnsupportedPublicKeyType = "unsupportedPublicKeyType";

    /// <summary>The document returned is not valid.</summary>
    public const string InvalidDidDocument = "invalidDidDocument";

    /// <summary>The signed DNS packet (did:dht) does not verify.</summary>
    public const string InvalidSignature = "invalidSignature";

    /// <summary>A DID URL could not be dereferenced.</summary>
    public const string InvalidDidUrl = "invalidDidUrl";

    /// <summary>Anything else (network failure...).</summary>
    public const string InternalError = "internalError";
}

/// <summary>A DID resolution result (DID Core section 7.1.2).</summary>
public sealed record DidResolutionResult
{
    /// <summary>The document (null on error).</summary>
    public DidDocument? Document { get; init; }

    /// <summary>The error code, or null on success.</summary>
    public string? Error { get; init; }

    /// <summary>A human-readable message for the error (never secret).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>didDocumentMetadata (method-specific: did:dht types, versionId...).</summary>
    public JsonObject DocumentMetadata { get; init; } = [];

    /// <summary>True when resolution succeeded.</summary>
    public bool Ok => Error is null && Document is not null;

    /// <summary>Success.</summary>
    public static DidResolutionResult Success(DidDocument document, JsonObject? metadata = null) => new() { Document = document, DocumentMetadata = metadata ?? [] };

    /// <summary>Failure with a code.</summary>
    public static DidResolutionResult Failure(string error, string? message = null) => new() { Error = error, ErrorMessage = message };

    /// <summary>The JSON form: <c>@context</c>, <c>didDocument</c>, <c>didDocumentMetadata</c>, <c>didResolutionMetadata</c>.</summary>
    public JsonObject ToJson()
    {
        var resolutionMetadata = new JsonObject();
        if (Error is not null)
        {
            resolutionMetadata["error"] = Error;
            if (ErrorMessage is not null)
            {
                resolutionMetadata["errorMessage"] = ErrorMessage;
            }
        }

        return new JsonObject
        {
            ["@context"] = "https://w3id.org/did-resolution/v1",
            ["didDocument"] = Document?.ToJson(),
            ["didDocumentMetadata"] = DocumentMetadata.DeepClone(),
            ["didResolutionMetadata"] = resolutionMetadata,
        };
    }
}

/// <summary>Resolves the DIDs of one method.</summary>
public interface IDidMethodResolver
{
    /// <summary>The method name (<c>key</c>, <c>jwk</c>, <c>web</c>, <c>dht</c>).</summary>
    string Method { get; }

    /// <summary>Resolves a DID of this method (never throws for bad input: returns a failure result).</summary>
    Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken);
}

/// <summary>
/// Resolves any DID through the registered method resolvers; dereferences DID URLs with a fragment to
/// a verification method or service.
/// </summary>
public sealed class DidResolver
{
    private readonly Dictionary<string, IDidMethodResolver> _methods;

    /// <summary>Creates a resolver over the given methods.</summary>
    public DidResolver(IEnumerable<IDidMethodResolver> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        _methods = methods.ToDictionary(m => m.Method, StringComparer.Ordinal);
    }

    /// <summary>The supported method names.</summary>
    public IReadOnlyCollection<string> Methods => _methods.Keys;

    /// <summary>Resolves a DID (a DID URL's path/query/fragment are ignored).</summary>
    public async Task<DidResolutionResult> ResolveAsync(string did, CancellationToken cancellationToken)
    {
        if (!Did.TryParse(did, out var parsed))
        {
            return DidResolutionResult.Failure(DidErrorCodes.InvalidDid, "not a DID");
        }

        if (!_methods.TryGetValue(parsed.Method, out var method))
        {
            return DidResolutionResult.Failure(DidErrorCodes.MethodNotSupported, $"method '{parsed.Method}' is not supported");
        }

        return await method.ResolveAsync(parsed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Dereferences a DID URL with a fragment to its verification method (DID Core section 7.2); the
    /// error is a DID error code when it cannot.
    /// </summary>
    public async Task<(VerificationMethod? Method, string? Error)> DereferenceVerificationMethodAsync(string didUrl, CancellationToken cancellationToken)
    {
        if (!Did.TryParse(didUrl, out var parsed) || parsed.Fragment is null)
        {
            return (null, DidErrorCodes.InvalidDidUrl);
        }

        var result = await ResolveAsync(parsed.Uri, cancellationToken).ConfigureAwait(false);
        if (!result.Ok)
        {
            return (null, result.Error);
        }

        var vm = result.Document!.FindVerificationMethod(parsed.Uri + "#" + parsed.Fragment);
        return vm is null ? (null, DidErrorCodes.NotFound) : (vm, null);
    }
}
