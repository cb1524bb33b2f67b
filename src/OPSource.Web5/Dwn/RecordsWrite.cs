using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>What a new RecordsWrite holds besides its data (dwn-sdk-js RecordsWriteOptions, the subset OPSource writes).</summary>
public sealed record RecordsWriteOptions
{
    /// <summary>The data's media type (descriptor.dataFormat, required).</summary>
    public required string DataFormat { get; init; }

    /// <summary>The record's schema URI (normalized before use).</summary>
    public string? Schema { get; init; }

    /// <summary>The protocol URI (normalized before use); needs <see cref="ProtocolPath"/>.</summary>
    public string? Protocol { get; init; }

    /// <summary>The record's path in the protocol's structure (e.g. "thread/message").</summary>
    public string? ProtocolPath { get; init; }

    /// <summary>The recipient DID.</summary>
    public string? Recipient { get; init; }

    /// <summary>The parent record's contextId (protocol records below the root); its last segment becomes parentId.</summary>
    public string? ParentContextId { get; init; }

    /// <summary>Whether the record is public; published records get datePublished.</summary>
    public bool? Published { get; init; }

    /// <summary>Record tags (string, number, boolean or arrays of strings/numbers).</summary>
    public JsonObject? Tags { get; init; }

    /// <summary>dateCreated and messageTimestamp; now when unset.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The protocol role the author invokes (a $role path), signed as protocolRole.</summary>
    public string? ProtocolRole { get; init; }

    /// <summary>The permission grant (its record ID) the author invokes, signed as permissionGrantId.</summary>
    public string? PermissionGrantId { get; init; }

    /// <summary>
    /// A delegated grant (<see cref="DwnDelegatedGrants.Embed"/>) the signer acts under: the record's author is then the
    /// grant's grantor (recordId computed with it), the payload names the grant's CID as delegatedGrantId and the grant
    /// goes into authorization.authorDelegatedGrant.
    /// </summary>
    public JsonObject? DelegatedGrant { get; init; }
}

/// <summary>A RecordsWrite that passed <see cref="RecordsWrite.ParseAsync"/>: the message, its author and its CIDs.</summary>
/// <param name="Message">The message JSON (without encodedData).</param>
/// <param name="Author">The author DID: the signer, or the grantor of the author-delegated grant the signer acts under.</param>
/// <param name="RecordId">The record ID.</param>
/// <param name="ContextId">The protocol context ID, if any.</param>
/// <param name="MessageCid">The message CID.</param>
/// <param name="IsInitialWrite">True when the record ID is the entry ID of this message (the record's first write).</param>
public sealed record ParsedRecordsWrite(JsonObject Message, string Author, string RecordId, string? ContextId, string MessageCid, bool IsInitialWrite)
{
    /// <summary>The descriptor.</summary>
    public JsonObject Descriptor => (JsonObject)Message["descriptor"]!;

    /// <summary>descriptor.dataCid.</summary>
    public string DataCid => Descriptor.GetString("dataCid")!;

    /// <summary>descriptor.dataSize.</summary>
    public long DataSize => Descriptor.GetInt64("dataSize")!.Value;

    /// <summary>The DID that signed (the author, or its delegate).</summary>
    public string Signer { get; init; } = Author;

    /// <summary>The author-delegated grant the signer acts under, if any (its grantor is <see cref="Author"/>).</summary>
    public PermissionGrant? AuthorDelegatedGrant { get; init; }

    /// <summary>The owner (ownerSignature): its signer, or the grantor of the owner-delegated grant; null without an owner signature.</summary>
    public string? Owner { get; init; }

    /// <summary>The DID that signed ownerSignature (the owner, or its delegate).</summary>
    public string? OwnerSigner { get; init; }

    /// <summary>The owner-delegated grant the owner signature's signer acts under, if any.</summary>
    public PermissionGrant? OwnerDelegatedGrant { get; init; }
}

/// <summary>
/// RecordsWrite messages (DIF DWN spec "RecordsWrite"; dwn-sdk-js 0.5 src/interfaces/records-write.ts): creating
/// and signing them byte-compatibly with the reference, and parsing + authenticating received ones.
/// </summary>
public static class RecordsWrite
{
    /// <summary>
    /// Creates and signs the initial write of a new record: the descriptor (as RecordsWrite.create builds it),
    /// recordId = entry ID (CID of the descriptor plus the author), contextId for protocol records, and the
    /// author's signature over {recordId, descriptorCid, contextId}.
    /// </summary>
    public static JsonObject Create(BearerDid author, ReadOnlySpan<byte> data, RecordsWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(author);
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Protocol is null) != (options.ProtocolPath is null))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "records write: protocol and protocolPath go together");
        }

        var now = DwnMessage.Timestamp(options.Timestamp ?? DateTimeOffset.UtcNow);
        var descriptor = new JsonObject
        {
            ["interface"] = DwnInterface.Records,
            ["method"] = "Write",
            ["protocol"] = options.Protocol is null ? null : DwnUrl.Normalize(options.Protocol),
            ["protocolPath"] = options.ProtocolPath,
            ["recipient"] = options.Recipient,
            ["schema"] = options.Schema is null ? null : DwnUrl.Normalize(options.Schema),
            ["tags"] = options.Tags?.DeepClone(),
            ["parentId"] = options.ParentContextId is { Length: > 0 } p ? p.Split('/')[^1] : null,
            ["dataCid"] = DwnDataCid.Compute(data),
            ["dataSize"] = data.Length,
            ["dateCreated"] = now,
            ["messageTimestamp"] = now,
            ["published"] = options.Published,
            ["datePublished"] = options.Published == true ? now : null,
            ["dataFormat"] = options.DataFormat,
        };
        descriptor.RemoveNullMembers();

        // With a delegated grant the logical author is the grant's grantor (RecordsWrite.signAsAuthor).
        var authorDid = options.DelegatedGrant is { } delegated ? DwnNode.SignerDid(((JsonObject)delegated["authorization"]!)["signature"]!) : author.Uri;
        var recordId = EntryId(authorDid, descriptor);
        string? contextId = null;
        if (options.Protocol is not null)
        {
            contextId = options.ParentContextId is { Length: > 0 } parent ? parent + "/" + recordId : recordId;
        }

        var (kid, key) = author.GetSigner(relationship: VerificationRelationships.Authentication);
        var payload = new JsonObject
        {
            ["recordId"] = recordId,
            ["descriptorCid"] = Cid.ComputeDagCbor(descriptor),
            ["contextId"] = contextId,
            ["delegatedGrantId"] = options.DelegatedGrant is null ? null : DwnMessage.ComputeCid(options.DelegatedGrant),
            ["permissionGrantId"] = options.PermissionGrantId,
            ["protocolRole"] = options.ProtocolRole,
        };
        var message = Assemble(recordId, contextId, descriptor, DwnMessage.Sign(payload, kid, key));
        if (options.DelegatedGrant is not null)
        {
            message["authorization"]!["authorDelegatedGrant"] = options.DelegatedGrant.DeepClone();
        }

        return message;
    }

    /// <summary>
    /// Creates and signs an update of a record (RecordsWrite.createFrom): the previous write's immutable descriptor
    /// properties (recipient, protocol, protocolPath, schema, parentId, dateCreated, dataFormat) are kept; the data,
    /// messageTimestamp and, when given, published/tags change. The author signs {recordId, descriptorCid, contextId}.
    /// </summary>
    public static JsonObject CreateUpdate(BearerDid author, JsonObject previous, ReadOnlySpan<byte> data, bool? published = null, JsonObject? tags = null, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(author);
        ArgumentNullException.ThrowIfNull(previous);
        var old = DwnMessage.Descriptor(previous);
        var now = DwnMessage.Timestamp(timestamp ?? DateTimeOffset.UtcNow);
        var isPublished = published ?? (old["published"] is JsonValue p && p.TryGetValue<bool>(out var wasPublished) && wasPublished);
        var descriptor = new JsonObject();
        foreach (var (name, value) in old)
        {
            if (name is not ("dataCid" or "dataSize" or "messageTimestamp" or "published" or "datePublished" or "tags"))
            {
                descriptor[name] = value?.DeepClone();
            }
        }

        descriptor["tags"] = (tags ?? old["tags"])?.DeepClone();
        descriptor["dataCid"] = DwnDataCid.Compute(data);
        descriptor["dataSize"] = data.Length;
        descriptor["messageTimestamp"] = now;
        descriptor["published"] = published is null && old["published"] is null ? null : isPublished;
        descriptor["datePublished"] = isPublished ? old.GetString("datePublished") ?? now : null;
        descriptor.RemoveNullMembers();

        var recordId = DwnMessage.RequiredString(previous, "recordId", "records write");
        var contextId = DwnMessage.OptionalString(previous, "contextId", "records write");
        var (kid, key) = author.GetSigner(relationship: VerificationRelationships.Authentication);
        var payload = new JsonObject { ["recordId"] = recordId, ["descriptorCid"] = Cid.ComputeDagCbor(descriptor), ["contextId"] = contextId };
        return Assemble(recordId, contextId, descriptor, DwnMessage.Sign(payload, kid, key));
    }

    private static JsonObject Assemble(string recordId, string? contextId, JsonObject descriptor, JsonObject signature)
    {
        var message = new JsonObject { ["recordId"] = recordId };
        if (contextId is not null)
        {
            message["contextId"] = contextId;
        }

        message["descriptor"] = descriptor;
        message["authorization"] = new JsonObject { ["signature"] = signature };
        return message;
    }

    /// <summary>The entry ID: the CID of the descriptor with an <c>author</c> member added (RecordsWrite.getEntryId).</summary>
    public static string EntryId(string author, JsonObject descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var input = (JsonObject)descriptor.DeepClone();
        input["author"] = author;
        return Cid.ComputeDagCbor(input);
    }

    /// <summary>
    /// Parses and authenticates a received RecordsWrite (RecordsWrite.parse + authenticate): descriptor shape,
    /// signature structure and descriptorCid, the author's signature (DID resolved), and the integrity rules of
    /// validateIntegrity (recordId and contextId signed; initial writes: messageTimestamp = dateCreated and a root
    /// protocol record's contextId = its recordId; attestation/encryption CIDs). Owner signatures, delegated
    /// grants and attestations are verified when present.
    /// </summary>
    public static async Task<ParsedRecordsWrite> ParseAsync(JsonObject message, DidResolver resolver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(resolver);
        var descriptor = DwnMessage.Descriptor(message);
        ValidateDescriptor(descriptor);
        var recordId = DwnMessage.RequiredString(message, "recordId", "records write");
        var contextId = DwnMessage.OptionalString(message, "contextId", "records write");
        if (message["authorization"] is not JsonObject authorization)
        {
            throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, "records write: authorization is required");
        }

        // authorization-owner.json: signature, ownerSignature and the two delegated grants; ownerSignature needs signature.
        foreach (var (name, _) in authorization)
        {
            if (name is not ("signature" or "ownerSignature" or "authorDelegatedGrant" or "ownerDelegatedGrant"))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorAdditionalPropertyNotAllowed, $"records write: authorization member '{name}' is not allowed");
            }
        }

        var payload = DwnMessage.ValidateSignatureStructure(authorization["signature"], descriptor);
        JsonObject? ownerPayload = null;
        if (authorization["ownerSignature"] is { } ownerSignature)
        {
            ownerPayload = DwnMessage.ValidateSignatureStructure(ownerSignature, descriptor);
        }

        // Records.validateDelegatedGrantReferentialIntegrity (the parse step), then authenticate (auth.ts): the signatures
        // of the author (or its delegate), the owner (or its delegate) and the grantors of the delegated grants.
        var authorGrant = DwnDelegatedGrants.CheckReferentialIntegrity(authorization, payload, owner: false);
        var ownerGrant = DwnDelegatedGrants.CheckReferentialIntegrity(authorization, ownerPayload, owner: true);
        var signer = await DwnMessage.VerifySignatureAsync(authorization["signature"], resolver, cancellationToken).ConfigureAwait(false);
        string? ownerSigner = null;
        if (authorization["ownerSignature"] is { } owner)
        {
            ownerSigner = (await DwnMessage.VerifySignatureAsync(owner, resolver, cancellationToken).ConfigureAwait(false)).Did;
        }

        foreach (var grant in new[] { authorGrant, ownerGrant })
        {
            if (grant is not null)
            {
                await DwnDelegatedGrants.VerifyGrantorSignatureAsync(grant, resolver, cancellationToken).ConfigureAwait(false);
            }
        }

        // The author is the signer, or the grantor of an author-delegated grant; the owner likewise (RecordsWrite constructor).
        var author = authorGrant?.Grantor ?? signer.Did;

        var entryId = EntryId(author, descriptor);
        var isInitial = entryId == recordId;
        if (isInitial)
        {
            if (descriptor.GetString("messageTimestamp") != descriptor.GetString("dateCreated"))
            {
                throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityDateCreatedMismatch, "records write: an initial write's messageTimestamp must equal dateCreated");
            }

            if (descriptor["protocol"] is not null && descriptor["parentId"] is null && contextId != entryId)
            {
                throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityContextIdMismatch, $"records write: contextId {contextId} does not match the deterministic contextId {entryId}");
            }
        }

        if (payload.GetString("recordId") != recordId)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityRecordIdUnauthorized, $"records write: recordId {recordId} does not match the signed recordId {payload.GetString("recordId")}");
        }

        if (payload.GetString("contextId") != contextId)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityContextIdNotInSignerSignaturePayload, $"records write: contextId {contextId} does not match the signed contextId {payload.GetString("contextId")}");
        }

        CheckSignedCid(payload, "attestationCid", message["attestation"]);
        CheckSignedCid(payload, "encryptionCid", message["encryption"]);
        if (message["attestation"] is { } attestation)
        {
            DwnMessage.ValidateSignatureStructure(attestation, descriptor);
            await DwnMessage.VerifySignatureAsync(attestation, resolver, cancellationToken).ConfigureAwait(false);
        }

        var stored = (JsonObject)message.DeepClone();
        stored.Remove("encodedData");
        return new ParsedRecordsWrite(stored, author, recordId, contextId, DwnMessage.ComputeCid(stored), isInitial)
        {
            Signer = signer.Did,
            AuthorDelegatedGrant = authorGrant,
            Owner = ownerSigner is null ? null : ownerGrant?.Grantor ?? ownerSigner,
            OwnerSigner = ownerSigner,
            OwnerDelegatedGrant = ownerGrant,
        };
    }

    /// <summary>Checks record data against the descriptor's dataCid and dataSize.</summary>
    public static void CheckData(JsonObject descriptor, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.GetInt64("dataSize") != data.Length)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteDataSizeMismatch, $"records write: data is {data.Length} bytes, dataSize says {descriptor.GetInt64("dataSize")}");
        }

        var cid = DwnDataCid.Compute(data);
        if (cid != descriptor.GetString("dataCid"))
        {
            throw new DwnException(DwnErrorCode.RecordsWriteDataCidMismatch, $"records write: data has CID {cid}, dataCid says {descriptor.GetString("dataCid")}");
        }
    }

    internal static void ValidateDescriptor(JsonObject descriptor)
    {
        DwnMessage.RequireKind(descriptor, DwnInterface.Records, "Write");
        foreach (var name in descriptor.Select(p => p.Key))
        {
            if (!AllowedDescriptorMembers.Contains(name))
            {
                throw new DwnException(DwnErrorCode.SchemaValidatorFailure, $"records write: descriptor member '{name}' is not allowed");
            }
        }

        DwnMessage.RequiredString(descriptor, "dataCid", "records write");
        DwnMessage.RequiredString(descriptor, "dataFormat", "records write");
        if (descriptor.GetInt64("dataSize") is not >= 0)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "records write: descriptor.dataSize must be a non-negative integer");
        }

        DwnMessage.RequireTimestamp(descriptor, "dateCreated");
        DwnMessage.RequireTimestamp(descriptor, "messageTimestamp");
        DwnMessage.RequireTimestamp(descriptor, "datePublished", required: false);
        var protocol = DwnMessage.OptionalString(descriptor, "protocol", "records write");
        var protocolPath = DwnMessage.OptionalString(descriptor, "protocolPath", "records write");
        if ((protocol is null) != (protocolPath is null))
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "records write: protocol and protocolPath go together");
        }

        if (protocol is not null && DwnUrl.TryNormalize(protocol) != protocol)
        {
            throw new DwnException(DwnErrorCode.UrlProtocolNotNormalized, $"records write: protocol URI {protocol} must be normalized");
        }

        if (DwnMessage.OptionalString(descriptor, "schema", "records write") is { } schema && DwnUrl.TryNormalize(schema) != schema)
        {
            throw new DwnException(DwnErrorCode.UrlSchemaNotNormalized, $"records write: schema URI {schema} must be normalized");
        }

        // published: true needs datePublished and datePublished needs published: true (records-write.json dependencies).
        var published = descriptor["published"] is JsonValue pv && pv.TryGetValue<bool>(out var b) ? b : (bool?)null;
        if (descriptor["published"] is not null && published is null)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "records write: descriptor.published must be a boolean");
        }

        if ((published == true) != (descriptor["datePublished"] is not null))
        {
            throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityDatePublishedMismatch, "records write: published: true and datePublished go together");
        }
    }

    private static void CheckSignedCid(JsonObject payload, string name, JsonNode? property)
    {
        var signed = payload.GetString(name);
        var actual = property is null ? null : Cid.ComputeDagCbor(property);
        if (signed != actual)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteValidateIntegrityAttestationMismatch, $"records write: {name} in the signature does not match the message's {name[..^3]}");
        }
    }

    private static readonly HashSet<string> AllowedDescriptorMembers =
    [
        "interface", "method", "recipient", "protocol", "protocolPath", "schema", "tags", "parentId", "dataCid", "dataSize",
        "dateCreated", "messageTimestamp", "published", "datePublished", "dataFormat",
    ];
}
