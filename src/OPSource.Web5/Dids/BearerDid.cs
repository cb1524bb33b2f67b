using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dids;

/// <summary>A DID whose private keys are held here: it can sign as the DID (web5 "BearerDid").</summary>
public sealed class BearerDid : IDisposable
{
    /// <summary>Creates a bearer DID (takes ownership of <paramref name="keys"/>).</summary>
    public BearerDid(string uri, DidDocument document, IReadOnlyList<PrivateJwk> keys, JsonObject? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Uri = uri ?? throw new ArgumentNullException(nameof(uri));
        Document = document ?? throw new ArgumentNullException(nameof(document));
        Keys = keys;
        Metadata = metadata ?? [];
    }

    /// <summary>The DID.</summary>
    public string Uri { get; }

    /// <summary>Its document.</summary>
    public DidDocument Document { get; }

    /// <summary>The private keys (one per verification method it controls).</summary>
    public IReadOnlyList<PrivateJwk> Keys { get; }

    /// <summary>Method metadata (did:dht: published, types...).</summary>
    public JsonObject Metadata { get; }

    /// <summary>The method name.</summary>
    public string Method => Did.Parse(Uri).Method;

    /// <summary>
    /// The signing key and its verification method id: <paramref name="methodId"/> when given, else the
    /// first assertionMethod (then authentication) method whose key is held here.
    /// </summary>
    public (string VerificationMethodId, PrivateJwk Key) GetSigner(string? methodId = null, string relationship = VerificationRelationships.AssertionMethod)
    {
        IEnumerable<VerificationMethod> candidates = methodId is not null
            ? [Document.FindVerificationMethod(methodId) ?? throw new ArgumentException($"bearer did: no verification method '{methodId}'", nameof(methodId))]
            : Document.MethodsFor(relationship).Concat(Document.MethodsFor(VerificationRelationships.Authentication)).Concat(Document.VerificationMethods);
        foreach (var vm in candidates)
        {
            if (vm.PublicKeyJwk is null)
            {
                continue;
            }

            var thumb = vm.PublicKeyJwk.Thumbprint();
            var key = Keys.FirstOrDefault(k => k.Kty != "oct" && k.Public.Thumbprint() == thumb);
            if (key is not null && (key.Crv is "Ed25519" or "secp256k1" || key.Kty == "EC"))
            {
                return (vm.Id, key);
            }
        }

        throw new InvalidOperationException($"bearer did {Uri}: no private key for a signing verification method");
    }

    /// <summary>
    /// Reads a portable DID (web5-spec "PortableDid": <c>uri</c>, <c>document</c>, <c>metadata</c>,
    /// <c>privateKeys</c>) from UTF-8 JSON; the private keys never become strings.
    /// </summary>
    public static BearerDid ParsePortable(ReadOnlySpan<byte> utf8Json)
    {
        string? uri = null;
        JsonObject? document = null;
        JsonObject? metadata = null;
        var keys = new List<PrivateJwk>();
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: not a JSON object");
            }

            var sawKeys = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "uri":
                        uri = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: 'uri' must be a string");
                        break;
                    case "document":
                        document = JsonNode.Parse(ref reader) as JsonObject ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: 'document' must be an object");
                        break;
                    case "metadata":
                        metadata = JsonNode.Parse(ref reader) as JsonObject;
                        break;
                    case "privateKeys":
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: 'privateKeys' must be an array");
                        }

                        sawKeys = true;
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            try
                            {
                                keys.Add(PrivateJwk.Read(ref reader));
                            }
                            catch (JoseException e)
                            {
                                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: privateKeys: " + e.Message);
                            }
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (uri is null)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: missing 'uri'");
            }

            if (!sawKeys || keys.Count == 0)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: missing 'privateKeys'");
            }

            if (document is null)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: missing 'document'");
            }

            if (metadata is null)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: missing 'metadata'");
            }

            if (!Did.TryParse(uri, out _))
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: 'uri' is not a DID");
            }

            var doc = DidDocument.FromJson(document);
            if (doc.Id != uri)
            {
                throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: document id differs from 'uri'");
            }

            // Every key must belong to a verification method of the document.
            foreach (var key in keys)
            {
                var thumb = key.Public.Thumbprint();
                if (!doc.VerificationMethods.Any(v => v.PublicKeyJwk?.Thumbprint() == thumb))
                {
                    throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: a private key matches no verification method of the document");
                }
            }

            return new BearerDid(uri, doc, keys, metadata);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or JoseException)
        {
            keys.ForEach(k => k.Dispose());
            throw e as Bitcoin.BitcoinFormatException ?? Web5FormatError.Exception(Web5FormatErrorKind.InvalidPortableDid, "portable did: " + e.Message);
        }
    }

    /// <summary>Writes the portable DID (with private keys) as UTF-8 JSON; the caller zeroes the array.</summary>
    public byte[] ToPortableUtf8(bool includePrivateKeys = true)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Web5Json.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("uri", Uri);
            writer.WritePropertyName("document");
            Document.ToJson().WriteTo(writer);
            writer.WritePropertyName("metadata");
            Metadata.WriteTo(writer);
            if (includePrivateKeys)
            {
                writer.WriteStartArray("privateKeys");
                foreach (var key in Keys)
                {
                    key.WriteTo(writer);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        var result = buffer.WrittenSpan.ToArray();
        buffer.Clear();
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var key in Keys)
        {
            key.Dispose();
        }
    }
}

/// <summary>Creates new DIDs with fresh keys.</summary>
public static class DidFactory
{
    /// <summary>A did:jwk over a new key (Ed25519 or secp256k1).</summary>
    public static BearerDid CreateJwk(string curve = "Ed25519")
    {
        var key = PrivateJwk.Generate(curve);
        var pub = key.Public.With("use", "sig");
        var uri = DidJwkMethod.FromJwk(pub);
        return new BearerDid(uri, DidJwkMethod.Resolve(Did.Parse(uri)).Document!, [key]);
    }

    /// <summary>A did:key over a new key (Ed25519 or secp256k1), JsonWebKey2020 format as @web5/dids.</summary>
    public static BearerDid CreateKey(string curve = "Ed25519")
    {
        var key = PrivateJwk.Generate(curve);
        var uri = DidKeyMethod.FromJwk(key.Public);
        var doc = new DidKeyMethod().Resolve(Did.Parse(uri)).Document!;
        return new BearerDid(uri, doc, [key]);
    }

    /// <summary>A did:dht over a new Ed25519 identity key (not yet published).</summary>
    public static BearerDid CreateDht(DidDhtCreateOptions? options = null, IReadOnlyList<PrivateJwk>? extraKeys = null)
    {
        var identity = PrivateJwk.Generate("Ed25519");
        var doc = DidDhtMethod.CreateDocument(identity.Public, options);
        var metadata = new JsonObject { ["published"] = false };
        if (options?.Types is { Count: > 0 } types)
        {
            metadata["types"] = new JsonArray([.. types.Select(t => (JsonNode)JsonValue.Create(t))]);
        }

        return new BearerDid(doc.Id, doc, [identity, .. extraKeys ?? []], metadata);
    }
}
