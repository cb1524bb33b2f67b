using System.Text.Json.Nodes;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Dwn;

/// <summary>
/// A Decentralized Web Node: processes DWN messages for any tenant DID against a <see cref="DwnMessageStore"/> with
/// the handler semantics and status codes of dwn-sdk-js 0.5.2 (src/dwn.ts processMessage and src/handlers/*):
/// RecordsWrite (initial writes and updates, newest message wins, data CID/size checked, small data inline and
/// larger data as blobs), RecordsRead, RecordsQuery (filters, dateSort, pagination cursor), RecordsDelete (prune),
/// ProtocolsConfigure and ProtocolsQuery; authorization by the tenant's signature, protocol rules
/// (<see cref="DwnProtocolAuthorization"/>: $actions who/of/can and roles, protocolPath/contextId, $size, $tags).
/// Permission grants (the built-in permissions protocol, <see cref="DwnPermissions"/>) authorize RecordsWrite, RecordsRead,
/// ProtocolsConfigure and ProtocolsQuery as dwn-sdk-js 0.5.2 does; delegated grants (<see cref="DwnDelegatedGrants"/>) let a
/// grantee sign RecordsWrite/Read/Query/Subscribe/Delete and ProtocolsConfigure for its grantor. RecordsSubscribe
/// (<see cref="SubscribeAsync"/>) delivers the writes and deletes a subscriber may see through <see cref="Events"/>.
/// </summary>
public sealed partial class DwnNode
{
    private static readonly string[] MutableDescriptorProperties = ["dataCid", "dataSize", "dataFormat", "datePublished", "published", "messageTimestamp", "tags"];

    private static readonly HashSet<DwnErrorCode> AuthenticationCodes =
    [
        DwnErrorCode.GeneralJwsVerifierInvalidSignature, DwnErrorCode.GeneralJwsVerifierGetPublicKeyNotFound, DwnErrorCode.DidResolutionFailed,
    ];

    // Writes and deletes of one record are serialized (dwn-sdk-js relies on its single-threaded event loop for this): in
    // this process by a striped semaphore, then across the instances sharing a PostgreSQL database by the store's lock.
    private readonly SemaphoreSlim[] _recordLocks = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Creates the node; without <paramref name="events"/> its event stream stays in this process.</summary>
    public DwnNode(DwnMessageStore store, DidResolver resolver, DwnEventStream? events = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        Protocols = new DwnProtocolAuthorization(store);
        Events = events ?? new DwnEventStream();
    }

    /// <summary>The message and data store.</summary>
    public DwnMessageStore Store { get; }

    /// <summary>The event stream RecordsSubscribe and MessagesSubscribe listen to.</summary>
    public DwnEventStream Events { get; }

    /// <summary>Resolves signers' DIDs.</summary>
    public DidResolver Resolver { get; }

    private DwnProtocolAuthorization Protocols { get; }

    /// <summary>
    /// Processes one message for <paramref name="tenant"/> (dwn-sdk-js Dwn.processMessage); <paramref name="data"/> is
    /// a RecordsWrite's data, null when none was sent.
    /// </summary>
    public async Task<DwnReply> ProcessMessageAsync(string tenant, JsonObject message, byte[]? data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Did.TryParse(tenant, out _))
        {
            return DwnReply.FromError(new DwnException(DwnErrorCode.TenantNotActive, $"{tenant} is not a DID"), 401);
        }

        string kind;
        try
        {
            var descriptor = DwnMessage.Descriptor(message);
            kind = DwnMessage.RequiredString(descriptor, "interface", "descriptor") + DwnMessage.RequiredString(descriptor, "method", "descriptor");
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 400);
        }

        return kind switch
        {
            "RecordsWrite" => await WriteAsync(tenant, message, data, cancellationToken).ConfigureAwait(false),
            "RecordsRead" => await ReadAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "RecordsQuery" => await QueryAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "RecordsDelete" => await DeleteAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "ProtocolsConfigure" => await ConfigureAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "ProtocolsQuery" => await ProtocolsQueryAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "MessagesQuery" => await MessagesQueryAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "MessagesRead" => await MessagesReadAsync(tenant, message, cancellationToken).ConfigureAwait(false),
            "RecordsSubscribe" or "MessagesSubscribe" => DwnReply.FromError(new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, $"{kind} needs a subscription handler (the WebSocket transport)"), 400),
            _ => DwnReply.FromError(new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, $"{kind} is not supported by this node"), 400),
        };
    }

    /// <summary>
    /// RecordsSubscribe (handlers/records-subscribe.ts) or MessagesSubscribe (handlers/messages-subscribe.ts):
    /// authorizes the subscription (like a RecordsQuery; the tenant or a Messages grant) and, on 200,
    /// returns an open subscription whose <paramref name="handler"/> receives <c>{message, initialWrite}</c> for each
    /// matching RecordsWrite (latest state) and RecordsDelete of <paramref name="tenant"/> (MessagesSubscribe: and
    /// ProtocolsConfigure, as <c>{message}</c>) until it is disposed. The
    /// reply's <c>subscription.id</c> is the message CID.
    /// </summary>
    public async Task<(DwnReply Reply, DwnSubscription? Subscription)> SubscribeAsync(string tenant, JsonObject message, Action<JsonObject> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(handler);
        if (!Did.TryParse(tenant, out _))
        {
            return (DwnReply.FromError(new DwnException(DwnErrorCode.TenantNotActive, $"{tenant} is not a DID"), 401), null);
        }

        if ((message["descriptor"] as JsonObject)?.GetString("interface") == "Messages")
        {
            return await MessagesSubscribeAsync(tenant, message, handler, cancellationToken).ConfigureAwait(false);
        }

        var (subscribe, refusal) = await ParseAndAuthenticateAsync(message, ParseRecordsSubscribe, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return (refusal, null);
        }

        var (filters, error) = await RecordsFiltersAsync(tenant, subscribe!, subscribe: true, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return (error, null);
        }

        var id = DwnMessage.ComputeCid(message);
        var subscription = await Events.SubscribeAsync(tenant, id, filters, handler, cancellationToken).ConfigureAwait(false);
        return (new DwnReply(200, "OK") { Subscription = new JsonObject { ["id"] = id } }, subscription);
    }

    private static DwnRequest ParseRecordsSubscribe(JsonObject message)
    {
        var subscribe = DwnRequests.ParseUnsigned(message);
        return subscribe.Descriptor.GetString("interface") + subscribe.Descriptor.GetString("method") == "RecordsSubscribe"
            ? subscribe
            : throw new DwnException(DwnErrorCode.MessageInterfaceMethodNotSupported, "only RecordsSubscribe opens a subscription");
    }

    /// <summary>
    /// The first two steps of every request handler (dwn-sdk-js: <c>X.parse</c>, refused with 400; then
    /// <c>authenticate</c>, refused with 401): <paramref name="parse"/> checks the message (a missing authorization where
    /// one is required is 401), and a signed message is authenticated (<see cref="DwnRequests.AuthenticateAsync"/>: its
    /// author is the signer or, under a delegated grant, the grantor). Returns the request, or the refusal.
    /// </summary>
    private async Task<(DwnRequest? Request, DwnReply? Refusal)> ParseAndAuthenticateAsync(JsonObject message, Func<JsonObject, DwnRequest> parse, CancellationToken cancellationToken)
    {
        DwnRequest request;
        try
        {
            request = parse(message);
        }
        catch (DwnException e)
        {
            return (null, DwnReply.FromError(e, e.Code == DwnErrorCode.AuthenticateJwsMissing ? 401 : 400));
        }

        try
        {
            return (await DwnRequests.AuthenticateAsync(request, Resolver, cancellationToken).ConfigureAwait(false), null);
        }
        catch (DwnException e)
        {
            return (null, DwnReply.FromError(e, 401));
        }
    }

    /// <summary>The status of a parse + authenticate failure of RecordsWrite or ProtocolsConfigure: 401 for a signature that does not verify, else 400.</summary>
    private static int ParseStatus(DwnException e) => e.IsAuthentication || AuthenticationCodes.Contains(e.Code) ? 401 : 400;

    /// <summary>
    /// A grant the message's author or signer invokes, checked as GrantAuthorization.performBaseValidation does (granted
    /// by <paramref name="grantor"/> to <paramref name="grantee"/>, active at the message's timestamp, not revoked in the
    /// grantor's DWN, for the message's interface and method), then by <paramref name="verifyScope"/> (the scope and
    /// conditions rule of the message's kind). Serves invoked grants (grantor = the tenant) and delegated grants (grantor =
    /// the author, grantee = the delegate that signed: interfaces/records-*.ts authorizeDelegate).
    /// </summary>
    private async Task VerifyGrantAsync(JsonObject descriptor, string grantor, string grantee, PermissionGrant grant, Action<PermissionScope> verifyScope, CancellationToken cancellationToken)
    {
        await DwnPermissions.VerifyBaseAsync(Store, descriptor, grantor, grantee, grant, cancellationToken).ConfigureAwait(false);
        verifyScope(grant.Scope);
    }

    // RecordsGrantAuthorization.authorizeWrite.
    private Task VerifyWriteGrantAsync(ParsedRecordsWrite write, string grantor, string grantee, PermissionGrant grant, CancellationToken cancellationToken) =>
        VerifyGrantAsync(write.Descriptor, grantor, grantee, grant, scope =>
        {
            DwnPermissions.VerifyRecordScope(write.Message, scope);
            DwnPermissions.VerifyConditions(write.Descriptor, grant.Publication);
        }, cancellationToken);

    // ---- RecordsWrite (handlers/records-write.ts) ----
    private async Task<DwnReply> WriteAsync(string tenant, JsonObject message, byte[]? data, CancellationToken cancellationToken)
    {
        ParsedRecordsWrite write;
        try
        {
            write = await RecordsWrite.ParseAsync(message, Resolver, cancellationToken).ConfigureAwait(false);
            if (write.Descriptor["protocol"] is not null)
            {
                await Protocols.ValidateReferentialIntegrityAsync(tenant, write, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, ParseStatus(e));
        }

        await using var section = await EnterWriteSectionAsync(tenant, write.RecordId, cancellationToken).ConfigureAwait(false);
        try
        {
            await AuthorizeWriteAsync(tenant, write, cancellationToken).ConfigureAwait(false);
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        var existing = (await Store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["recordId"] = write.RecordId }], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        if (!write.IsInitialWrite)
        {
            try
            {
                var initial = InitialWrite(existing);
                VerifyImmutableProperties(initial.Descriptor, write.Descriptor);
            }
            catch (DwnException e)
            {
                return DwnReply.FromError(e, 400);
            }
        }

        var newestExisting = Newest(existing);
        if (newestExisting is not null && !IsNewer(write.Descriptor, write.MessageCid, newestExisting.Descriptor, newestExisting.MessageCid))
        {
            return new DwnReply(409, "Conflict");
        }

        string? encodedData = null;
        var isLatestBaseState = false;
        try
        {
            if (newestExisting?.Method == "Delete")
            {
                throw new DwnException(DwnErrorCode.RecordsWriteNotAllowedAfterDelete, "RecordsWrite is not allowed after a RecordsDelete.");
            }

            var isPermissionsRecord = write.Descriptor.GetString("protocol") == DwnPermissions.Uri;
            if (isPermissionsRecord && write.Descriptor.GetString("protocolPath") == DwnPermissions.RevocationPath)
            {
                await DwnPermissions.VerifyRevocationAsync(Store, tenant, write.Descriptor, cancellationToken).ConfigureAwait(false);
            }

            if (data is { } bytes)
            {
                CheckDataIntegrity(write.DataCid, write.DataSize, DwnDataCid.Compute(bytes), bytes.Length);
                if (write.DataSize <= DwnMessageStore.MaxEncodedDataSize)
                {
                    if (isPermissionsRecord)
                    {
                        DwnPermissions.ValidateData(write.Descriptor, bytes);
                    }

                    encodedData = B64Url.Encode(bytes);
                }
                else
                {
                    await Store.PutDataAsync(tenant, write.RecordId, write.DataCid, bytes, cancellationToken).ConfigureAwait(false);
                }

                isLatestBaseState = true;
            }
            else if (!write.IsInitialWrite)
            {
                // An update without data must point at the data the newest write already holds (dwn-sdk-js issue 359).
                var previous = newestExisting!;
                CheckDataIntegrity(write.DataCid, write.DataSize, previous.Descriptor.GetString("dataCid") ?? string.Empty, previous.Descriptor.GetInt64("dataSize") ?? -1);
                if (write.DataSize <= DwnMessageStore.MaxEncodedDataSize)
                {
                    encodedData = previous.EncodedData ?? throw new DwnException(DwnErrorCode.RecordsWriteMissingEncodedDataInPrevious, "No dataStream was provided and unable to get data from previous message");
                }
                else if (await Store.GetDataAsync(tenant, previous.Message.GetString("recordId")!, write.DataCid, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new DwnException(DwnErrorCode.RecordsWriteMissingDataInPrevious, "No dataStream was provided and unable to get data from previous message");
                }

                isLatestBaseState = true;
            }
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 400);
        }

        var indexes = WriteIndexes(write.Message, write.Author, isLatestBaseState);
        await Store.PutAsync(tenant, write.Message, indexes, encodedData, cancellationToken).ConfigureAwait(false);
        await Store.AppendEventAsync(tenant, write.MessageCid, indexes, cancellationToken).ConfigureAwait(false);
        if (isLatestBaseState)
        {
            // Only the latest base state is emitted: a write without data is not queryable, so not announced either.
            // The write is stored: its event goes out even when the request is cancelled now.
            await Events.EmitAsync(tenant, write.Message, write.IsInitialWrite ? null : InitialWrite(existing).Message, indexes, CancellationToken.None).ConfigureAwait(false);
        }

        await DeleteOlderMessagesButKeepInitialWriteAsync(tenant, existing, write.Descriptor, write.MessageCid, cancellationToken).ConfigureAwait(false);
        return write.IsInitialWrite && data is null ? new DwnReply(204, "No Content") : new DwnReply(202, "Accepted");
    }

    /// <summary>
    /// Enters the write section of one record or protocol (<paramref name="key"/>) of <paramref name="tenant"/>: the
    /// in-process stripe first (so one waiter per stripe holds a database connection), then the store's lock shared with
    /// the other instances of a PostgreSQL database. Disposing leaves it.
    /// </summary>
    private async Task<WriteSection> EnterWriteSectionAsync(string tenant, string key, CancellationToken cancellationToken)
    {
        var gate = _recordLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(tenant + "\n" + key) % (uint)_recordLocks.Length)];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new WriteSection(gate, await Store.LockAsync(tenant, key, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private sealed class WriteSection(SemaphoreSlim gate, Storage.DatabaseLock shared) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await shared.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    // RecordsWriteHandler.authorizeRecordsWrite.
    private async Task AuthorizeWriteAsync(string tenant, ParsedRecordsWrite write, CancellationToken cancellationToken)
    {
        var authorization = (JsonObject)write.Message["authorization"]!;
        var owner = write.Owner;
        if (owner is not null && owner != tenant)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteOwnerAndTenantMismatch, $"Owner {owner} must be the same as tenant {tenant} when specified.");
        }

        if (write.AuthorDelegatedGrant is { } authorGrant)
        {
            await VerifyWriteGrantAsync(write, write.Author, write.Signer, authorGrant, cancellationToken).ConfigureAwait(false);
        }

        if (write.OwnerDelegatedGrant is { } ownerGrant)
        {
            await VerifyWriteGrantAsync(write, owner!, write.OwnerSigner!, ownerGrant, cancellationToken).ConfigureAwait(false);
        }

        if (owner is not null || write.Author == tenant)
        {
            return;
        }

        var payload = DwnMessage.ValidateSignatureStructure(authorization["signature"], write.Descriptor);
        if (payload.GetString("permissionGrantId") is { } grantId)
        {
            var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
            await VerifyWriteGrantAsync(write, tenant, write.Author, grant, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (write.Descriptor["protocol"] is not null)
        {
            await Protocols.AuthorizeWriteAsync(tenant, write, payload.GetString("protocolRole"), cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new DwnException(DwnErrorCode.RecordsWriteAuthorizationFailed, "message failed authorization");
    }

    // ---- RecordsRead (handlers/records-read.ts) ----
    private async Task<DwnReply> ReadAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, DwnRequests.ParseUnsigned, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var read = parsed!;
        var filter = ConvertFilter((JsonObject)read.Descriptor["filter"]!, null);
        filter["interface"] = DwnInterface.Records;
        filter["isLatestBaseState"] = true;
        var matches = (await Store.QueryAsync(tenant, [filter], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        if (matches.Count == 0)
        {
            return new DwnReply(404, "Not Found");
        }

        if (matches.Count > 1)
        {
            return DwnReply.FromError(new DwnException(DwnErrorCode.RecordsReadReturnedMultiple, "Multiple records exist for the RecordsRead filter"), 400);
        }

        var matched = matches[0];
        if (matched.Method == "Delete")
        {
            var initial = await FetchInitialWriteAsync(tenant, matched.Descriptor.GetString("recordId")!, cancellationToken).ConfigureAwait(false);
            if (initial is null)
            {
                return DwnReply.FromError(new DwnException(DwnErrorCode.RecordsReadInitialWriteNotFound, "Initial write for deleted record not found"), 400);
            }

            try
            {
                await AuthorizeReadAsync(tenant, read, initial, cancellationToken).ConfigureAwait(false);
            }
            catch (DwnException e)
            {
                return DwnReply.FromError(e, 401);
            }

            return new DwnReply(404, "Not Found") { Entry = new JsonObject { ["recordsDelete"] = matched.Message.DeepClone(), ["initialWrite"] = initial.Message.DeepClone() } };
        }

        try
        {
            await AuthorizeReadAsync(tenant, read, matched, cancellationToken).ConfigureAwait(false);
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        byte[]? data = matched.EncodedData is { } encoded
            ? B64Url.Decode(encoded, "stored encodedData")
            : await Store.GetDataAsync(tenant, matched.Message.GetString("recordId")!, matched.Descriptor.GetString("dataCid")!, cancellationToken).ConfigureAwait(false);
        if (data is null)
        {
            return new DwnReply(404, "Not Found");
        }

        var entry = new JsonObject { ["recordsWrite"] = matched.Message.DeepClone() };
        if (!IsInitialWrite(matched))
        {
            var initial = await FetchInitialWriteAsync(tenant, matched.Message.GetString("recordId")!, cancellationToken).ConfigureAwait(false);
            entry["initialWrite"] = initial?.Message.DeepClone();
        }

        return new DwnReply(200, "OK") { Entry = entry, Data = data };
    }

    // RecordsReadHandler.authorizeRecordsRead.
    private async Task AuthorizeReadAsync(string tenant, DwnRequest read, StoredDwnMessage write, CancellationToken cancellationToken)
    {
        var author = read.Author;
        if (read.DelegatedGrant is { } delegated)
        {
            await VerifyReadGrantAsync(read, write, author!, read.Signer!, delegated, cancellationToken).ConfigureAwait(false);
        }

        if (author == tenant || write.Descriptor["published"] is JsonValue p && p.TryGetValue<bool>(out var published) && published)
        {
            return;
        }

        if (author is not null && (author == write.Descriptor.GetString("recipient") || author == write.Indexes.GetString("author")))
        {
            return;
        }

        if (author is not null && read.PermissionGrantId is { } grantId)
        {
            var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
            await VerifyReadGrantAsync(read, write, tenant, author, grant, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (write.Descriptor["protocol"] is not null)
        {
            await Protocols.AuthorizeReadOrDeleteAsync(tenant, read, write, cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new DwnException(DwnErrorCode.RecordsReadAuthorizationFailed, "message failed authorization");
    }

    // RecordsGrantAuthorization.authorizeRead.
    private Task VerifyReadGrantAsync(DwnRequest read, StoredDwnMessage write, string grantor, string grantee, PermissionGrant grant, CancellationToken cancellationToken) =>
        VerifyGrantAsync(read.Descriptor, grantor, grantee, grant, scope => DwnPermissions.VerifyRecordScope(write.Message, scope), cancellationToken);

    // ---- RecordsQuery (handlers/records-query.ts) ----
    private async Task<DwnReply> QueryAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, DwnRequests.ParseUnsigned, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var query = parsed!;
        var descriptor = query.Descriptor;
        var dateSort = descriptor.GetString("dateSort");
        var pagination = descriptor["pagination"] as JsonObject;
        var (filters, error) = await RecordsFiltersAsync(tenant, query, subscribe: false, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var (sortProperty, descending) = dateSort switch
        {
            "createdDescending" => ("dateCreated", true),
            "publishedAscending" => ("datePublished", false),
            "publishedDescending" => ("datePublished", true),
            _ => ("dateCreated", false),
        };
        int? limit = pagination?["limit"] is JsonValue l && DwnFilter.TryNumber(l, out var limitValue) ? (int)Math.Min(limitValue, int.MaxValue) : null;
        var result = await Store.QueryAsync(tenant, filters, sortProperty, descending, limit, pagination?["cursor"] as JsonObject, cancellationToken).ConfigureAwait(false);
        var entries = new JsonArray();
        foreach (var match in result.Messages)
        {
            var entry = match.WithEncodedData();
            if (!IsInitialWrite(match))
            {
                var initial = await FetchInitialWriteAsync(tenant, match.Message.GetString("recordId")!, cancellationToken).ConfigureAwait(false);
                entry["initialWrite"] = initial?.Message.DeepClone();
            }

            entries.Add((JsonNode)entry);
        }

        return new DwnReply(200, "OK") { Entries = entries, Cursor = result.Cursor };
    }

    /// <summary>
    /// The message-store filters a RecordsQuery or RecordsSubscribe may see (records-query.ts / records-subscribe.ts):
    /// anonymous: published records; the tenant: everything; others: published, their own, addressed to them, and the
    /// records of a protocol role they invoke (authorized first). Subscriptions match writes and deletes. A delegate's
    /// grant is checked first (RecordsGrantAuthorization.authorizeQueryOrSubscribe); it then sees what its grantor sees.
    /// <paramref name="query"/> is authenticated already.
    /// </summary>
    private async Task<(List<JsonObject> Filters, DwnReply? Error)> RecordsFiltersAsync(string tenant, DwnRequest query, bool subscribe, CancellationToken cancellationToken)
    {
        var descriptor = query.Descriptor;
        var filter = (JsonObject)descriptor["filter"]!;
        var dateSort = subscribe ? null : descriptor.GetString("dateSort");
        var includesPublished = filter["datePublished"] is not null || !(filter["published"] is JsonValue pv && pv.TryGetValue<bool>(out var pb) && !pb);
        var includesUnpublished = (filter["datePublished"] is null && filter["published"] is null) || (filter["published"] is JsonValue uv && uv.TryGetValue<bool>(out var ub) && !ub);
        var filters = new List<JsonObject>();
        if (includesPublished && query.SignaturePayload is null)
        {
            filters.Add(RecordsFilter(filter, dateSort, subscribe, ("published", true)));
        }
        else
        {
            try
            {
                if (query.SignaturePayload is null)
                {
                    throw new DwnException(DwnErrorCode.AuthenticateJwsMissing, "authorization is required");
                }

                if (query.DelegatedGrant is { } delegated)
                {
                    await VerifyGrantAsync(descriptor, query.Author!, query.Signer!, delegated, scope =>
                    {
                        var protocol = filter.GetString("protocol");
                        if (scope.Protocol is not null && protocol != scope.Protocol)
                        {
                            throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationQueryOrSubscribeProtocolScopeMismatch, $"Grant protocol scope {scope.Protocol} does not match protocol in message {protocol}");
                        }
                    }, cancellationToken).ConfigureAwait(false);
                }

                if (query.ProtocolRole is not null)
                {
                    await Protocols.AuthorizeQueryAsync(tenant, query, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DwnException e)
            {
                return ([], DwnReply.FromError(e, 401));
            }

            var author = query.Author!;
            if (author == tenant)
            {
                filters.Add(RecordsFilter(filter, dateSort, subscribe));
            }
            else
            {
                if (includesPublished)
                {
                    filters.Add(RecordsFilter(filter, dateSort, subscribe, ("published", true)));
                }

                if (includesUnpublished)
                {
                    if (MayInclude(filter["author"], author))
                    {
                        filters.Add(RecordsFilter(filter, dateSort, subscribe, ("author", author), ("published", false)));
                    }

                    if (query.ProtocolRole is not null)
                    {
                        filters.Add(RecordsFilter(filter, dateSort, subscribe, ("published", false)));
                    }

                    if (MayInclude(filter["recipient"], author))
                    {
                        filters.Add(RecordsFilter(filter, dateSort, subscribe, ("recipient", author), ("published", false)));
                    }
                }
            }
        }

        return (filters, null);
    }

    private static bool MayInclude(JsonNode? filterValue, string did) => filterValue switch
    {
        null => true,
        JsonArray a => a.Count == 0 || a.Any(x => x?.GetValue<string>() == did),
        _ => filterValue.GetValue<string>() == did,
    };

    private static JsonObject RecordsFilter(JsonObject filter, string? dateSort, bool subscribe, params (string Name, JsonNode Value)[] extra)
    {
        var converted = ConvertFilter(filter, dateSort);
        converted["interface"] = DwnInterface.Records;
        if (subscribe)
        {
            // Subscribers see writes and deletes, so they can follow a record's state.
            converted["method"] = new JsonArray("Write", "Delete");
        }
        else
        {
            converted["method"] = "Write";
            converted["isLatestBaseState"] = true;
        }

        foreach (var (name, value) in extra)
        {
            converted[name] = value.DeepClone();
        }

        return converted;
    }

    /// <summary>Records.convertFilter: tags as tag.NAME (startsWith as a prefix range), date ranges, dateUpdated as messageTimestamp, contextId as a prefix.</summary>
    internal static JsonObject ConvertFilter(JsonObject filter, string? dateSort)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in filter)
        {
            if (name == "tags")
            {
                foreach (var (tag, tagFilter) in (JsonObject)value!)
                {
                    copy["tag." + tag] = tagFilter is JsonObject o && o["startsWith"] is { } prefix ? DwnFilter.PrefixRange(prefix.GetValue<string>()) : tagFilter?.DeepClone();
                }
            }
            else
            {
                copy[name] = value?.DeepClone();
            }
        }

        if (DwnFilter.RangeFromCriterion(filter["dateCreated"] as JsonObject) is { } created)
        {
            copy["dateCreated"] = created;
        }

        if (DwnFilter.RangeFromCriterion(filter["datePublished"] as JsonObject) is { } published)
        {
            copy["published"] = true;
            copy["datePublished"] = published;
        }

        if (!(copy["published"] is JsonValue p && p.TryGetValue<bool>(out var isPublished) && isPublished) && dateSort is "publishedAscending" or "publishedDescending")
        {
            copy["published"] = true;
        }

        copy.Remove("dateUpdated");
        if (DwnFilter.RangeFromCriterion(filter["dateUpdated"] as JsonObject) is { } updated)
        {
            copy["messageTimestamp"] = updated;
        }

        if (filter.GetString("contextId") is { } contextId)
        {
            copy["contextId"] = DwnFilter.PrefixRange(contextId);
        }

        foreach (var name in new[] { "author", "recipient" })
        {
            if (copy[name] is JsonArray { Count: 0 })
            {
                copy.Remove(name);
            }
        }

        return copy;
    }

    // ---- RecordsDelete (handlers/records-delete.ts, StorageController.performRecordsDelete) ----
    private async Task<DwnReply> DeleteAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, DwnRequests.ParseUnsigned, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var delete = parsed!;
        var recordId = delete.Descriptor.GetString("recordId")!;
        var messageCid = DwnMessage.ComputeCid(message);
        await using var section = await EnterWriteSectionAsync(tenant, recordId, cancellationToken).ConfigureAwait(false);
        var existing = (await Store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["recordId"] = recordId }], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        var newest = Newest(existing);
        var prune = delete.Descriptor["prune"]!.GetValue<bool>();
        if (newest is null || (newest.Method == "Delete" && (!prune || newest.Descriptor["prune"]?.GetValue<bool>() == true)))
        {
            return new DwnReply(404, "Not Found");
        }

        if (!IsNewer(delete.Descriptor, messageCid, newest.Descriptor, newest.MessageCid))
        {
            return new DwnReply(409, "Conflict");
        }

        StoredDwnMessage initial;
        try
        {
            initial = InitialWrite(existing);
            if (delete.DelegatedGrant is { } delegated)
            {
                // RecordsGrantAuthorization.authorizeDelete: a protocol-scoped grant deletes records of that protocol only.
                await VerifyGrantAsync(delete.Descriptor, delete.Author!, delete.Signer!, delegated, scope =>
                {
                    var protocol = initial.Descriptor.GetString("protocol");
                    if (scope.Protocol is not null && protocol != scope.Protocol)
                    {
                        throw new DwnException(DwnErrorCode.RecordsGrantAuthorizationDeleteProtocolScopeMismatch, $"Grant protocol scope {scope.Protocol} does not match protocol in record to delete {protocol}");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }

            if (delete.Author != tenant)
            {
                if (initial.Descriptor["protocol"] is null)
                {
                    throw new DwnException(DwnErrorCode.RecordsDeleteAuthorizationFailed, "RecordsDelete message failed authorization");
                }

                await Protocols.AuthorizeReadOrDeleteAsync(tenant, delete, initial, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        // RecordsDelete.constructIndexes: the initial write's immutable properties, so deletes are found like the record.
        var indexes = new JsonObject { ["isLatestBaseState"] = true };
        foreach (var name in new[] { "protocol", "protocolPath", "recipient", "schema", "parentId", "dateCreated" })
        {
            if (initial.Descriptor[name] is { } value)
            {
                indexes[name] = value.DeepClone();
            }
        }

        if (initial.Message["contextId"] is { } contextId)
        {
            indexes["contextId"] = contextId.DeepClone();
        }

        indexes["author"] = delete.Author;
        foreach (var (name, value) in delete.Descriptor)
        {
            indexes[name] = value?.DeepClone();
        }

        await Store.PutAsync(tenant, message, indexes, null, cancellationToken).ConfigureAwait(false);
        await Store.AppendEventAsync(tenant, messageCid, indexes, cancellationToken).ConfigureAwait(false);
        await Events.EmitAsync(tenant, message, initial.Message, indexes, CancellationToken.None).ConfigureAwait(false);
        if (prune)
        {
            await PurgeDescendantsAsync(tenant, recordId, cancellationToken).ConfigureAwait(false);
        }

        await DeleteOlderMessagesButKeepInitialWriteAsync(tenant, existing, delete.Descriptor, messageCid, cancellationToken).ConfigureAwait(false);
        return new DwnReply(202, "Accepted");
    }

    private async Task PurgeDescendantsAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var children = (await Store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["parentId"] = recordId }], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        foreach (var group in children.GroupBy(m => m.Method == "Write" ? m.Message.GetString("recordId")! : m.Descriptor.GetString("recordId")!))
        {
            await PurgeDescendantsAsync(tenant, group.Key, cancellationToken).ConfigureAwait(false);
            var writes = group.Where(m => m.Method == "Write").ToList();
            if (Newest(writes) is { } newestWrite)
            {
                await Store.DeleteDataAsync(tenant, group.Key, newestWrite.Descriptor.GetString("dataCid")!, cancellationToken).ConfigureAwait(false);
            }

            // StorageController.purgeRecordMessages: the events go before the messages, so none is left orphaned.
            await Store.DeleteEventsAsync(tenant, group.Select(m => m.MessageCid), cancellationToken).ConfigureAwait(false);
            foreach (var m in group)
            {
                await Store.DeleteAsync(tenant, m.MessageCid, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // ---- ProtocolsConfigure / ProtocolsQuery (handlers/protocols-configure.ts, protocols-query.ts) ----
    private async Task<DwnReply> ConfigureAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        ParsedProtocolsConfigure configure;
        try
        {
            configure = await ProtocolsConfigure.ParseAsync(message, Resolver, cancellationToken).ConfigureAwait(false);
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, ParseStatus(e));
        }

        // ProtocolsConfigureHandler.authorizeProtocolsConfigure: a delegate's grant first, then the author.
        try
        {
            if (configure.DelegatedGrant is { } delegated)
            {
                await VerifyConfigureGrantAsync(configure, configure.Author, configure.Signer, delegated, cancellationToken).ConfigureAwait(false);
            }

            if (configure.Author != tenant)
            {
                var payload = DwnMessage.ValidateSignatureStructure(((JsonObject)message["authorization"]!)["signature"], DwnMessage.Descriptor(message));
                if (payload.GetString("permissionGrantId") is not { } grantId)
                {
                    throw new DwnException(DwnErrorCode.ProtocolsConfigureAuthorizationFailed, "message failed authorization");
                }

                var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
                await VerifyConfigureGrantAsync(configure, tenant, configure.Author, grant, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DwnException e)
        {
            return DwnReply.FromError(e, 401);
        }

        // "protocol:" cannot begin a record ID (a CID), so protocol and record sections never share a key.
        await using var section = await EnterWriteSectionAsync(tenant, "protocol:" + configure.Protocol, cancellationToken).ConfigureAwait(false);
        var existing = (await Store.QueryAsync(tenant, [ProtocolFilter(configure.Protocol)], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        var descriptor = DwnMessage.Descriptor(configure.Message);
        var newest = Newest(existing);
        var incomingIsNewest = newest is null || IsNewer(descriptor, configure.MessageCid, newest.Descriptor, newest.MessageCid);
        if (incomingIsNewest)
        {
            var definition = (JsonObject)descriptor["definition"]!;
            var indexes = new JsonObject
            {
                ["interface"] = DwnInterface.Protocols,
                ["method"] = "Configure",
                ["messageTimestamp"] = descriptor.GetString("messageTimestamp"),
                ["author"] = configure.Author,
                ["protocol"] = configure.Protocol,
                ["published"] = definition["published"]!.DeepClone(),
            };
            await Store.PutAsync(tenant, configure.Message, indexes, null, cancellationToken).ConfigureAwait(false);
            await Store.AppendEventAsync(tenant, configure.MessageCid, indexes, cancellationToken).ConfigureAwait(false);
            await Events.EmitAsync(tenant, configure.Message, null, indexes, CancellationToken.None).ConfigureAwait(false);
        }

        var newestDescriptor = incomingIsNewest ? descriptor : newest!.Descriptor;
        var newestCid = incomingIsNewest ? configure.MessageCid : newest!.MessageCid;
        var older = existing.Where(m => IsNewer(newestDescriptor, newestCid, m.Descriptor, m.MessageCid)).ToList();
        foreach (var old in older)
        {
            await Store.DeleteAsync(tenant, old.MessageCid, cancellationToken).ConfigureAwait(false);
        }

        await Store.DeleteEventsAsync(tenant, older.Select(m => m.MessageCid), cancellationToken).ConfigureAwait(false);

        return incomingIsNewest ? new DwnReply(202, "Accepted") : new DwnReply(409, "Conflict");
    }

    // ProtocolsGrantAuthorization.authorizeConfigure: a grant without a protocol covers every protocol.
    private Task VerifyConfigureGrantAsync(ParsedProtocolsConfigure configure, string grantor, string grantee, PermissionGrant grant, CancellationToken cancellationToken) =>
        VerifyGrantAsync(DwnMessage.Descriptor(configure.Message), grantor, grantee, grant, scope =>
        {
            if (scope.Protocol is not null && scope.Protocol != configure.Protocol)
            {
                throw new DwnException(DwnErrorCode.ProtocolsGrantAuthorizationScopeProtocolMismatch, "Grant scope specifies different protocol than what appears in the configure message.");
            }
        }, cancellationToken);

    private async Task<DwnReply> ProtocolsQueryAsync(string tenant, JsonObject message, CancellationToken cancellationToken)
    {
        var (parsed, refusal) = await ParseAndAuthenticateAsync(message, DwnRequests.ParseUnsigned, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var query = parsed!;

        var filter = new JsonObject();
        if (query.Descriptor["filter"] is JsonObject f)
        {
            foreach (var (name, value) in f)
            {
                filter[name] = value?.DeepClone();
            }
        }

        filter["interface"] = DwnInterface.Protocols;
        filter["method"] = "Configure";
        var publishedOnly = query.SignaturePayload is null;
        if (!publishedOnly)
        {
            if (query.Author != tenant)
            {
                if (query.PermissionGrantId is not { } grantId)
                {
                    // ProtocolsQueryUnauthorized: the handler answers with the published protocols instead.
                    publishedOnly = true;
                }
                else
                {
                    // ProtocolsGrantAuthorization.authorizeQuery; a query outside the grant's protocol gets the published protocols.
                    try
                    {
                        var grant = await DwnPermissions.FetchGrantAsync(Store, tenant, grantId, cancellationToken).ConfigureAwait(false);
                        await DwnPermissions.VerifyBaseAsync(Store, query.Descriptor, tenant, query.Author!, grant, cancellationToken).ConfigureAwait(false);
                        publishedOnly = grant.Scope.Protocol is not null && grant.Scope.Protocol != (query.Descriptor["filter"] as JsonObject)?.GetString("protocol");
                    }
                    catch (DwnException e)
                    {
                        return DwnReply.FromError(e, 401);
                    }
                }
            }
        }

        if (publishedOnly)
        {
            filter["published"] = true;
        }

        var result = await Store.QueryAsync(tenant, [filter], cancellationToken: cancellationToken).ConfigureAwait(false);
        return new DwnReply(200, "OK") { Entries = [.. result.Messages.Select(m => (JsonNode)m.Message.DeepClone())] };
    }

    internal static JsonObject ProtocolFilter(string protocol) => new()
    {
        ["interface"] = DwnInterface.Protocols,
        ["method"] = "Configure",
        ["protocol"] = protocol,
    };

    // ---- shared helpers (core/message.ts, interfaces/records-write.ts, store/storage-controller.ts) ----

    /// <summary>The indexes of a RecordsWrite (RecordsWrite.constructIndexes).</summary>
    internal static JsonObject WriteIndexes(JsonObject message, string author, bool isLatestBaseState)
    {
        var descriptor = (JsonObject)message["descriptor"]!;
        var indexes = new JsonObject();
        foreach (var (name, value) in descriptor)
        {
            if (name is not ("tags" or "published"))
            {
                indexes[name] = value?.DeepClone();
            }
        }

        indexes["isLatestBaseState"] = isLatestBaseState;
        indexes["published"] = descriptor["published"] is JsonValue p && p.TryGetValue<bool>(out var published) && published;
        indexes["author"] = author;
        indexes["recordId"] = message.GetString("recordId");
        indexes["entryId"] = RecordsWrite.EntryId(author, descriptor);
        if (isLatestBaseState && descriptor["tags"] is JsonObject tags)
        {
            foreach (var (tag, value) in tags)
            {
                indexes["tag." + tag] = value?.DeepClone();
            }
        }

        if (message["attestation"] is JsonObject attestation && attestation["signatures"] is JsonArray { Count: > 0 })
        {
            indexes["attester"] = SignerDid(attestation);
        }

        if (message["contextId"] is { } contextId)
        {
            indexes["contextId"] = contextId.DeepClone();
        }

        return indexes;
    }

    private async Task DeleteOlderMessagesButKeepInitialWriteAsync(string tenant, IReadOnlyList<StoredDwnMessage> existing, JsonObject newestDescriptor, string newestCid, CancellationToken cancellationToken)
    {
        foreach (var message in existing)
        {
            if (!IsNewer(newestDescriptor, newestCid, message.Descriptor, message.MessageCid))
            {
                continue;
            }

            if (message.Method == "Write" && (message.Descriptor.GetInt64("dataSize") ?? 0) > DwnMessageStore.MaxEncodedDataSize
                && message.Descriptor.GetString("dataCid") != newestDescriptor.GetString("dataCid"))
            {
                await Store.DeleteDataAsync(tenant, message.Message.GetString("recordId")!, message.Descriptor.GetString("dataCid")!, cancellationToken).ConfigureAwait(false);
            }

            await Store.DeleteAsync(tenant, message.MessageCid, cancellationToken).ConfigureAwait(false);
            if (IsInitialWrite(message))
            {
                // The initial write stays, with its event (StorageController.deleteAllOlderMessagesButKeepInitialWrite).
                await Store.PutAsync(tenant, message.Message, WriteIndexes(message.Message, message.Indexes.GetString("author")!, isLatestBaseState: false), null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Store.DeleteEventsAsync(tenant, [message.MessageCid], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal async Task<StoredDwnMessage?> FetchInitialWriteAsync(string tenant, string recordId, CancellationToken cancellationToken)
    {
        var writes = (await Store.QueryAsync(tenant, [new JsonObject { ["interface"] = DwnInterface.Records, ["method"] = "Write", ["recordId"] = recordId }], cancellationToken: cancellationToken).ConfigureAwait(false)).Messages;
        return writes.FirstOrDefault(IsInitialWrite);
    }

    private static StoredDwnMessage InitialWrite(IReadOnlyList<StoredDwnMessage> messages) =>
        messages.FirstOrDefault(IsInitialWrite) ?? throw new DwnException(DwnErrorCode.RecordsWriteGetInitialWriteNotFound, "Initial write is not found.");

    /// <summary>RecordsWrite.isInitialWrite: a write whose entry ID is its record ID.</summary>
    internal static bool IsInitialWrite(StoredDwnMessage message) =>
        message.Method == "Write" && message.Indexes.GetString("entryId") == message.Message.GetString("recordId");

    private static void VerifyImmutableProperties(JsonObject initial, JsonObject update)
    {
        foreach (var name in initial.Select(p => p.Key).Union(update.Select(p => p.Key)))
        {
            if (MutableDescriptorProperties.Contains(name))
            {
                continue;
            }

            var a = initial[name];
            var b = update[name];
            if (!JsonNode.DeepEquals(a, b))
            {
                throw new DwnException(DwnErrorCode.RecordsWriteImmutablePropertyChanged, $"{name} is an immutable property: cannot change '{a?.ToJsonString()}' to '{b?.ToJsonString()}'");
            }
        }
    }

    private static void CheckDataIntegrity(string expectedCid, long expectedSize, string actualCid, long actualSize)
    {
        if (expectedCid != actualCid)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteDataCidMismatch, $"actual data CID {actualCid} does not match dataCid in descriptor: {expectedCid}");
        }

        if (expectedSize != actualSize)
        {
            throw new DwnException(DwnErrorCode.RecordsWriteDataSizeMismatch, $"actual data size {actualSize} bytes does not match dataSize in descriptor: {expectedSize}");
        }
    }

    private static StoredDwnMessage? Newest(IEnumerable<StoredDwnMessage> messages)
    {
        StoredDwnMessage? newest = null;
        foreach (var m in messages)
        {
            if (newest is null || IsNewer(m.Descriptor, m.MessageCid, newest.Descriptor, newest.MessageCid))
            {
                newest = m;
            }
        }

        return newest;
    }

    /// <summary>Message.isNewer: a later messageTimestamp, or the same timestamp and a larger message CID.</summary>
    internal static bool IsNewer(JsonObject a, string aCid, JsonObject b, string bCid)
    {
        var c = string.CompareOrdinal(a.GetString("messageTimestamp"), b.GetString("messageTimestamp"));
        return c != 0 ? c > 0 : string.CompareOrdinal(aCid, bCid) > 0;
    }

    /// <summary>The DID in the kid of a general JWS's first signature.</summary>
    internal static string SignerDid(JsonNode signature)
    {
        try
        {
            var jws = Jws.ParseJson((JsonObject)signature);
            return (jws.Signatures[0].Kid ?? string.Empty).Split('#')[0];
        }
        catch (Exception e) when (e is JoseException or InvalidCastException)
        {
            throw new DwnException(DwnErrorCode.SchemaValidatorFailure, "signature: not a general JWS: " + e.Message);
        }
    }
}
