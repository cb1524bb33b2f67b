using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dwn;

/// <summary>DWN interface names (DIF DWN spec; dwn-sdk-js enums/dwn-interface-method.ts).</summary>
public static class DwnInterface
{
    /// <summary>Records.</summary>
    public const string Records = "Records";

    /// <summary>Protocols.</summary>
    public const string Protocols = "Protocols";

    /// <summary>Messages.</summary>
    public const string Messages = "Messages";
}

/// <summary>The signer of a verified DWN authorization: its DID, the kid that signed and the signature payload.</summary>
public sealed record DwnSigner(string Did, string Kid, JsonObject Payload);

/// <summary>
/// The parts of the DWN message model every interface shares (dwn-sdk-js src/core/message.ts): the message
/// CID (dag-cbor CIDv1 of the message without <c>encodedData</c>), DWN timestamps, and the authorization
/// signature, a general JWS with exactly one signature whose payload names the descriptor's CID.
/// </summary>
public static partial class DwnMessage
{
    /// <summary>The message CID: dag-cbor + sha2-256 CIDv1 of the message, <c>encodedData</c> left out (Message.getCid).</summary>
    public static string ComputeCid(JsonObject message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.ContainsKey("encodedData"))
        {
            return Cid.ComputeDagCbor(message);
        }

        var copy = (JsonObject)message.DeepClone();
        copy.Remove("encodedData");
        return Cid.ComputeDagCbor(copy);
    }

    /// <summary>A DWN timestamp: RFC 3339 UTC with microsecond precision, as Temporal's Instant prints it (Time.getCurrentTimestamp).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The DWN JSON schemas' timestamp pattern (json-schemas/definitions.json "date-time").</summary>
    public static bool IsTimestamp(string? value) => value is not null && TimestampPattern().IsMatch(value);

    /// <summary>The descriptor of a message; a missing or non-object descriptor is a schema failure.</summary>
    public static JsonObject Descriptor(JsonObject message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message["descriptor"] as JsonObject ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "message: descriptor must be an object");
    }

    /// <summary>A required string property of a descriptor (or any object), named in the error.</summary>
    public static string RequiredString(JsonObject obj, string name, string where)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj[name] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{where}: {name} must be a string");
    }

    /// <summary>An optional string property; present with another type is a schema failure.</summary>
    public static string? OptionalString(JsonObject obj, string name, string where)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{where}: {name} must be a string"),
        };
    }

    /// <summary>Checks a descriptor's interface and method.</summary>
    public static void RequireKind(JsonObject descriptor, string interfaceName, string method)
    {
        var i = RequiredString(descriptor, "interface", "descriptor");
        var m = RequiredString(descriptor, "method", "descriptor");
        if (i != interfaceName || m != method)
        {
            throw new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, $"descriptor: expected {interfaceName}{method}, got {i}{m}");
        }
    }

    /// <summary>The JSON schema's additionalProperties=false for a request message: only descriptor and authorization.</summary>
    internal static void RequireRequestMembers(JsonObject message, string kind)
    {
        foreach (var (name, _) in message)
        {
            if (name is not ("descriptor" or "authorization"))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: message member '{name}' is not allowed");
            }
        }
    }

    /// <summary>The JSON schema's additionalProperties=false for a descriptor: only <paramref name="allowed"/> members.</summary>
    internal static void RequireDescriptorMembers(JsonObject descriptor, string kind, string[] allowed)
    {
        foreach (var (name, _) in descriptor)
        {
            if (!allowed.Contains(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"{kind}: descriptor member '{name}' is not allowed");
            }
        }
    }

    /// <summary>Checks that a descriptor timestamp property is a DWN timestamp.</summary>
    public static string RequireTimestamp(JsonObject descriptor, string name, bool required = true)
    {
        var value = required ? RequiredString(descriptor, name, "descriptor") : OptionalString(descriptor, name, "descriptor");
        if (value is null)
        {
            return string.Empty;
        }

        return IsTimestamp(value) ? value : throw new DwnException(DwnErrorCode.TimestampInvalid, $"descriptor: {name} '{value}' is not a UTC timestamp with microseconds (2024-01-31T12:00:00.000000Z)");
    }

    /// <summary>
    /// Signs a descriptor as dwn-sdk-js's Message.createSignature / RecordsWrite.createSignerSignature do: the
    /// payload is the JSON of <c>{descriptorCid, ...extra}</c> (members in the given order, nulls dropped), the
    /// protected header is <c>{kid, alg}</c>, and the JWS is general JSON with one signature.
    /// </summary>
    public static JsonObject Sign(JsonObject payload, string kid, PrivateJwk key)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(key);
        var bytes = Web5Json.SerializeUtf8(payload.RemoveNullMembers());
        var header = new JsonObject { ["kid"] = kid, ["alg"] = key.DefaultAlgorithm };
        return Jws.SignJson(bytes, [(key, header, null)]);
    }

    /// <summary>
    /// Message.validateSignatureStructure: exactly one signature, a JSON-object payload, and a descriptorCid equal
    /// to the CID of <paramref name="descriptor"/>. Returns the payload. The signature itself is not checked here.
    /// </summary>
    public static JsonObject ValidateSignatureStructure(JsonNode? signature, JsonObject descriptor)
    {
        var jws = ParseJws(signature);
        var payload = PayloadOf(jws);
        var descriptorCid = payload["descriptorCid"] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "authorization: the signature payload needs descriptorCid");
        var expected = Cid.ComputeDagCbor(descriptor);
        if (descriptorCid != expected)
        {
            throw new DwnException(DwnErrorCode.AuthenticateDescriptorCidMismatch, $"authorization: descriptorCid {descriptorCid} does not match the descriptor's CID {expected}");
        }

        return payload;
    }

    /// <summary>
    /// Verifies the one signature of an authorization JWS (GeneralJwsVerifier.verifySignatures): the kid's DID is
    /// resolved, the verification method whose id the kid ends with gives the public JWK, and the signature must
    /// verify with it. Returns the signer's DID.
    /// </summary>
    public static async Task<DwnSigner> VerifySignatureAsync(JsonNode? signature, DidResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        var jws = ParseJws(signature);
        var entry = jws.Signatures[0];
        var kid = entry.Kid ?? throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "authorization: the protected header needs kid");
        var did = kid.Split('#')[0];
        var resolution = await resolver.ResolveAsync(did, cancellationToken).ConfigureAwait(false);
        if (!resolution.Ok)
        {
            throw new DwnException(DwnErrorCode.DidResolutionFailed, $"authorization: {did} does not resolve ({resolution.Error})");
        }

        // Key IDs in the document may be relative ('#key1') or absolute; the kid ends with either (verifier.ts getPublicKey).
        var method = resolution.Document!.VerificationMethods.FirstOrDefault(m => kid.EndsWith(m.Id, StringComparison.Ordinal))
            ?? throw new DwnException(DwnErrorCode.GeneralJwsVerifierGetPublicKeyNotFound, $"authorization: {kid} is not a verification method of {did}");
        if (method.PublicKeyJwk is null)
        {
            throw new DwnException(DwnErrorCode.GeneralJwsVerifierGetPublicKeyNotFound, $"authorization: {kid} has no publicKeyJwk");
        }

        bool valid;
        try
        {
            valid = jws.Verify(method.PublicKeyJwk);
        }
        catch (JoseException e)
        {
            throw new DwnException(DwnErrorCode.GeneralJwsVerifierInvalidSignature, $"authorization: signature of {did} does not verify: {e.Message}");
        }

        return valid
            ? new DwnSigner(did, kid, PayloadOf(jws))
            : throw new DwnException(DwnErrorCode.GeneralJwsVerifierInvalidSignature, $"authorization: signature verification failed for {did}");
    }

    private static Jws ParseJws(JsonNode? signature)
    {
        if (signature is not JsonObject obj || obj["signatures"] is not JsonArray signatures || obj["payload"] is null)
        {
            throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, "authorization: signature must be a general JWS (payload, signatures)");
        }

        if (signatures.Count != 1)
        {
            throw new DwnException(DwnErrorCode.AuthenticationMoreThanOneSignatureNotSupported, $"authorization: expected exactly 1 signature, got {signatures.Count}");
        }

        try
        {
            return Jws.ParseJson(obj);
        }
        catch (JoseException e)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "authorization: " + e.Message);
        }
    }

    private static JsonObject PayloadOf(Jws jws)
    {
        try
        {
            return jws.PayloadJson();
        }
        catch (Exception e) when (e is JoseException or System.Text.Json.JsonException or FormatException)
        {
            throw new DwnException(DwnErrorCode.JwsDecodePlainObjectPayloadInvalid, "authorization: the signature payload is not a JSON object");
        }
    }

    [GeneratedRegex(@"^\d{4}-[0-1]\d-[0-3]\dT(?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)\.\d{6}Z$", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampPattern();
}
