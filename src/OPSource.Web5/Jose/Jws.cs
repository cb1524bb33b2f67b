using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Jose;

/// <summary>One signature of a JWS: its protected header (as signed), unprotected header and signature.</summary>
/// <param name="ProtectedB64">The base64url protected header exactly as signed (empty when absent).</param>
/// <param name="Protected">The decoded protected header (null when absent).</param>
/// <param name="Header">The unprotected header (JSON serialization only).</param>
/// <param name="Signature">The signature bytes.</param>
public sealed record JwsSignature(string ProtectedB64, JsonObject? Protected, JsonObject? Header, byte[] Signature)
{
    /// <summary>A header parameter from the protected header, else the unprotected one (RFC 7515 section 7.2.1: they are disjoint).</summary>
    public string? Parameter(string name) => Protected?.GetString(name) ?? Header?.GetString(name);

    /// <summary>The algorithm.</summary>
    public string? Alg => Parameter("alg");

    /// <summary>The key id.</summary>
    public string? Kid => Parameter("kid");
}

/// <summary>
/// A parsed JWS (RFC 7515): compact, flattened JSON or general JSON serialization, with the payload
/// attached or detached (RFC 7515 appendix F).
/// </summary>
public sealed class Jws
{
    private static readonly HashSet<string> UnderstoodCritical = new(StringComparer.Ordinal);

    private Jws(string payloadB64, IReadOnlyList<JwsSignature> signatures)
    {
        PayloadB64 = payloadB64;
        Signatures = signatures;
    }

    /// <summary>The base64url payload as signed.</summary>
    public string PayloadB64 { get; }

    /// <summary>The payload bytes.</summary>
    public byte[] Payload => B64Url.Decode(PayloadB64, "jws: payload");

    /// <summary>The signatures (one for compact and flattened serializations).</summary>
    public IReadOnlyList<JwsSignature> Signatures { get; }

    /// <summary>The JWS signing input of one signature: ASCII(protected || '.' || payload) (RFC 7515 section 5.1 step 5).</summary>
    public static byte[] SigningInput(string protectedB64, string payloadB64) => System.Text.Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64);

    /// <summary>
    /// Signs <paramref name="payload"/> into compact serialization. The protected header is
    /// <paramref name="header"/> (members in the given order) with <c>alg</c> added first when missing.
    /// </summary>
    public static string SignCompact(PrivateJwk key, ReadOnlySpan<byte> payload, JsonObject? header = null, bool detached = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        var protectedHeader = WithAlg(header, key);
        var protectedB64 = B64Url.Encode(Web5Json.SerializeUtf8(protectedHeader));
        var payloadB64 = B64Url.Encode(payload);
        var signature = JwsAlgorithms.Sign(protectedHeader.GetString("alg")!, key, SigningInput(protectedB64, payloadB64));
        return protectedB64 + "." + (detached ? string.Empty : payloadB64) + "." + B64Url.Encode(signature);
    }

    /// <summary>
    /// Signs into JSON serialization: flattened for one signer when <paramref name="flattened"/>, general otherwise
    /// (RFC 7515 section 7.2). Each signer brings its protected and unprotected headers.
    /// </summary>
    public static JsonObject SignJson(ReadOnlySpan<byte> payload, IReadOnlyList<(PrivateJwk Key, JsonObject? Protected, JsonObject? Unprotected)> signers, bool flattened = false, bool detached = false)
    {
        ArgumentNullException.ThrowIfNull(signers);
        if (signers.Count == 0 || (flattened && signers.Count != 1))
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: flattened serialization has exactly one signature; general at least one");
        }

        var payloadB64 = B64Url.Encode(payload);
        var entries = new JsonArray();
        foreach (var (key, prot, unprot) in signers)
        {
            var alg = prot?.GetString("alg") ?? unprot?.GetString("alg");
            var protectedHeader = prot is null && alg is not null ? null : WithAlg(prot, key);
            var protectedB64 = protectedHeader is null ? string.Empty : B64Url.Encode(Web5Json.SerializeUtf8(protectedHeader));
            alg ??= protectedHeader!.GetString("alg")!;
            var signature = JwsAlgorithms.Sign(alg, key, SigningInput(protectedB64, payloadB64));
            var entry = new JsonObject();
            if (protectedB64.Length > 0)
            {
                entry["protected"] = protectedB64;
            }

            if (unprot is not null)
            {
                entry["header"] = unprot.DeepClone();
            }

            entry["signature"] = B64Url.Encode(signature);
            entries.Add((JsonNode)entry);
        }

        var result = new JsonObject();
        if (!detached)
        {
            result["payload"] = payloadB64;
        }

        if (flattened)
        {
            foreach (var (name, value) in (JsonObject)entries[0]!)
            {
                result[name] = value?.DeepClone();
            }
        }
        else
        {
            result["signatures"] = entries;
        }

        return result;
    }

    private static JsonObject WithAlg(JsonObject? header, PrivateJwk key)
    {
        if (header is not null && header.GetString("alg") is not null)
        {
            return (JsonObject)header.DeepClone();
        }

        var result = new JsonObject { ["alg"] = key.DefaultAlgorithm };
        if (header is not null)
        {
            foreach (var (name, value) in header)
            {
                result[name] = value?.DeepClone();
            }
        }

        return result;
    }

    /// <summary>Parses compact serialization; <paramref name="detachedPayload"/> supplies an empty payload part.</summary>
    public static Jws ParseCompact(string compact, ReadOnlySpan<byte> detachedPayload = default)
    {
        var parts = (compact ?? string.Empty).Split('.');
        if (parts.Length != 3)
        {
            throw new JoseException(JoseErrorKind.Malformed, $"jws: compact serialization has 3 parts, got {parts.Length}");
        }

        var payloadB64 = parts[1];
        if (payloadB64.Length == 0 && !detachedPayload.IsEmpty)
        {
            payloadB64 = B64Url.Encode(detachedPayload);
        }
        else if (!B64Url.TryDecode(payloadB64, out _))
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: payload is not base64url");
        }

        return new Jws(payloadB64, [ParseEntry(parts[0], null, parts[2], requireProtected: true)]);
    }

    /// <summary>Parses flattened or general JSON serialization.</summary>
    public static Jws ParseJson(JsonObject json, ReadOnlySpan<byte> detachedPayload = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        var payloadB64 = json.GetString("payload");
        if (payloadB64 is null)
        {
            if (detachedPayload.IsEmpty && json.ContainsKey("payload"))
            {
                throw new JoseException(JoseErrorKind.Malformed, "jws: payload must be a string");
            }

            payloadB64 = B64Url.Encode(detachedPayload);
        }
        else if (!B64Url.TryDecode(payloadB64, out _))
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: payload is not base64url");
        }

        var list = new List<JwsSignature>();
        if (json["signatures"] is JsonArray array)
        {
            if (json.ContainsKey("signature") || json.ContainsKey("protected") || json.ContainsKey("header"))
            {
                // RFC 7515 7.2.1: general and flattened members must not be mixed.
                throw new JoseException(JoseErrorKind.Malformed, "jws: 'signatures' together with flattened members");
            }

            foreach (var item in array)
            {
                var entry = item as JsonObject ?? throw new JoseException(JoseErrorKind.Malformed, "jws: signatures[] entries must be objects");
                list.Add(ParseEntry(entry.GetString("protected"), entry["header"], entry.GetString("signature"), requireProtected: false));
            }

            if (list.Count == 0)
            {
                throw new JoseException(JoseErrorKind.Malformed, "jws: 'signatures' is empty");
            }
        }
        else
        {
            list.Add(ParseEntry(json.GetString("protected"), json["header"], json.GetString("signature"), requireProtected: false));
        }

        return new Jws(payloadB64, list);
    }

    private static JwsSignature ParseEntry(string? protectedB64, JsonNode? header, string? signatureB64, bool requireProtected)
    {
        JsonObject? prot = null;
        if (!string.IsNullOrEmpty(protectedB64))
        {
            if (!B64Url.TryDecode(protectedB64, out var bytes))
            {
                throw new JoseException(JoseErrorKind.Malformed, "jws: protected header is not base64url");
            }

            try
            {
                prot = Web5Json.ParseObject(bytes, "jws: protected header");
            }
            catch (Bitcoin.BitcoinFormatException e)
            {
                throw new JoseException(JoseErrorKind.Malformed, e.Message);
            }
        }
        else if (requireProtected)
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: missing protected header");
        }

        if (header is not null and not JsonObject)
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: 'header' must be an object");
        }

        var unprot = header as JsonObject;
        if (prot is not null && unprot is not null && prot.Select(p => p.Key).Intersect(unprot.Select(p => p.Key)).Any())
        {
            // RFC 7515 7.2.1: the protected and unprotected header members must be disjoint.
            throw new JoseException(JoseErrorKind.Malformed, "jws: a header parameter is both protected and unprotected");
        }

        if (prot?["crit"] is { } crit)
        {
            // RFC 7515 4.1.11: refuse critical extensions we do not understand.
            if (crit is not JsonArray critArray || critArray.Count == 0 || critArray.Any(c => c is null || !UnderstoodCritical.Contains(c.GetValue<string>())))
            {
                throw new JoseException(JoseErrorKind.Malformed, "jws: unsupported critical header parameter");
            }
        }

        if (!B64Url.TryDecode(signatureB64, out var signature))
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: signature is not base64url");
        }

        var entry = new JwsSignature(protectedB64 ?? string.Empty, prot, unprot, signature);
        if (entry.Alg is null)
        {
            throw new JoseException(JoseErrorKind.Malformed, "jws: header has no 'alg'");
        }

        return entry;
    }

    /// <summary>Verifies signature <paramref name="index"/> with <paramref name="key"/>.</summary>
    public bool Verify(Jwk key, int index = 0, PrivateJwk? symmetricKey = null)
    {
        var entry = Signatures[index];
        return JwsAlgorithms.Verify(entry.Alg!, key, SigningInput(entry.ProtectedB64, PayloadB64), entry.Signature, symmetricKey);
    }

    /// <summary>The payload parsed as a JSON object.</summary>
    public JsonObject PayloadJson()
    {
        try
        {
            return Web5Json.ParseObject(Payload, "jws: payload");
        }
        catch (Bitcoin.BitcoinFormatException e)
        {
            throw new JoseException(JoseErrorKind.Malformed, e.Message);
        }
    }
}
