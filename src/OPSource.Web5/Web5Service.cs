using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Keys;

namespace OPSource.Web5;

/// <summary>What a caller did wrong (unknown DID, bad input, missing passphrase); hosts map it to 400/404/422 or exit 1.</summary>
public enum Web5ErrorKind
{
    /// <summary>Malformed input.</summary>
    InvalidInput,

    /// <summary>Unknown resource.</summary>
    NotFound,

    /// <summary>Well-formed but refused (verification failed, already exists).</summary>
    Refused,

    /// <summary>No passphrase configured, or a wrong one.</summary>
    Passphrase,

    /// <summary>A peer the operation needs (an hsd node) is not configured or cannot be reached.</summary>
    Unavailable,
}

/// <summary>A typed Web5 error; messages never contain secrets.</summary>
public sealed class Web5Exception : Exception
{
    /// <summary>Creates the exception.</summary>
    public Web5Exception(Web5ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>The kind.</summary>
    public Web5ErrorKind Kind { get; }

    /// <summary>
    /// The stable code: a typed parse error's own (<c>web5.invalid_portable_did</c>, <c>key.invalid_encoding</c>) when this
    /// wraps one, else <c>web5.kind</c> (<c>web5.not_found</c>).
    /// </summary>
    public string Code => InnerException is Bitcoin.BitcoinFormatException format ? format.Error.Code : CodeOf(Kind);

    /// <summary>The code of a kind without a typed cause: <c>web5.</c> and the kind in snake_case.</summary>
    public static string CodeOf(Web5ErrorKind kind) => kind switch
    {
        Web5ErrorKind.InvalidInput => "web5.invalid_input",
        Web5ErrorKind.NotFound => "web5.not_found",
        Web5ErrorKind.Refused => "web5.refused",
        Web5ErrorKind.Passphrase => "web5.passphrase",
        _ => "web5.unavailable",
    };
}

/// <summary>
/// The Web5 domain service both hosts use: create/resolve/list/export/import DIDs (keys sealed at rest),
/// issue and verify VC-JWTs, and the did:dht gateway store.
/// </summary>
public sealed class Web5Service
{
    private readonly DidStore _store;
    private readonly Web5Options _options;
    private readonly string _dataDir;
    private readonly DidDhtMethod _dht;
    private readonly HttpClient _http;

    /// <summary>Creates the service.</summary>
    public Web5Service(DidStore store, Web5Options options, HttpClient http, string dataDir)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _dataDir = dataDir;
        _dht = new DidDhtMethod(http, new DidDhtOptions { GatewayUrl = options.DhtGatewayUrl });
        Resolver = new DidResolver([new DidKeyMethod(), new DidJwkMethod(), new DidWebMethod(http, DidWebOptionsFor(options.Handshake, http)), new LocalFirstDht(this, _dht)]);
    }

    /// <summary>
    /// did:web settings: with hsd's recursive resolver configured, the document of a Handshake name (a one-label host) is
    /// fetched from the addresses hsd resolves for it (<see cref="Handshake.HnsHostResolver"/>), over HTTPS with the name
    /// as host and TLS server name; on regtest, <see cref="Handshake.HandshakeOptions.DidWebHttpPort"/> fetches it over
    /// plain HTTP on that port instead. Other hosts use the system's DNS.
    /// </summary>
    private static DidWebOptions DidWebOptionsFor(Handshake.HandshakeOptions handshake, HttpClient http)
    {
        if (handshake.RecursiveResolver is not { } recursive)
        {
            return new DidWebOptions();
        }

        var hosts = new Handshake.HnsHostResolver(recursive, handshake.DnsTimeout);
        var client = new HttpClient(hosts.CreateHandler()) { Timeout = http.Timeout };
        return new DidWebOptions
        {
            ClientFor = url => Handshake.HnsHostResolver.IsHandshakeHost(url.Host) ? client : null,
            RewriteUrl = handshake.DidWebHttpPort is { } port
                ? url => Handshake.HnsHostResolver.IsHandshakeHost(url.Host) ? new UriBuilder(url) { Scheme = Uri.UriSchemeHttp, Port = port }.Uri : url
                : null,
        };
    }

    /// <summary>The resolver (did:key, did:jwk, did:web, did:dht).</summary>
    public DidResolver Resolver { get; }

    /// <summary>
    /// Resolves a Handshake name through the configured hsd node (<see cref="Handshake.HandshakeResolver"/>):
    /// records (proven when hsd gives a proof that verifies), name-server answers, the linked DID and,
    /// with <paramref name="resolveDid"/>, its resolution.
    /// </summary>
    public Task<Handshake.HnsResolution> ResolveHandshakeAsync(string name, bool resolveDid, CancellationToken cancellationToken)
    {
        var options = _options.Handshake;
        if (options.ApiKey is null)
        {
            var key = Environment.GetEnvironmentVariable("OPSOURCE_HSD_API_KEY");
            if (string.IsNullOrEmpty(key) && _options.HandshakeApiKeyFile is { } file)
            {
                var bytes = ReadSecretFile(file);
                try
                {
                    key = System.Text.Encoding.UTF8.GetString(bytes);
                }
                finally
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
                }
            }

            options = options with { ApiKey = string.IsNullOrEmpty(key) ? null : key };
        }

        return new Handshake.HandshakeResolver(_http, options, Resolver).ResolveAsync(name, resolveDid, cancellationToken);
    }

    /// <summary>The store.</summary>
    public DidStore Store => _store;

    /// <summary>Reads the key passphrase (environment, then the configured file); the caller zeroes it.</summary>
    public byte[] ReadPassphrase()
    {
        var env = Environment.GetEnvironmentVariable("OPSOURCE_WEB5_PASSPHRASE");
        if (!string.IsNullOrEmpty(env))
        {
            return System.Text.Encoding.UTF8.GetBytes(env);
        }

        var path = _options.PassphraseFile ?? Path.Combine(_dataDir, "web5.passphrase");
        if (!File.Exists(path))
        {
            throw new Web5Exception(Web5ErrorKind.Passphrase, $"web5: no key passphrase: set OPSOURCE_WEB5_PASSPHRASE or create {path}");
        }

        return ReadSecretFile(path);
    }

    /// <summary>
    /// Reads a passphrase file into bytes without trailing newlines (the file's buffer is zeroed; the
    /// caller zeroes the result). Throws <see cref="Web5Exception"/> when it is missing or empty.
    /// </summary>
    public static byte[] ReadSecretFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Web5Exception(Web5ErrorKind.Passphrase, $"web5: cannot read the passphrase file {path}: {e.Message}", e);
        }

        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
        {
            length--;
        }

        var result = bytes.AsSpan(0, length).ToArray();
        CryptographicOperations.ZeroMemory(bytes);
        if (result.Length == 0)
        {
            throw new Web5Exception(Web5ErrorKind.Passphrase, $"web5: the passphrase file {path} is empty");
        }

        return result;
    }

    /// <summary>Creates and stores a DID (<c>key</c>, <c>jwk</c> or <c>dht</c>); did:dht is published when a gateway is set or to the local gateway store.</summary>
    public async Task<StoredDid> CreateDidAsync(string method, string curve, IReadOnlyList<DidService>? services, CancellationToken cancellationToken)
    {
        if (curve is not ("Ed25519" or "secp256k1"))
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, $"did create: curve must be Ed25519 or secp256k1, not '{curve}'");
        }

        using var did = method switch
        {
            "key" => DidFactory.CreateKey(curve),
            "jwk" => DidFactory.CreateJwk(curve),
            "dht" => DidFactory.CreateDht(new DidDhtCreateOptions { Services = services ?? [] }),
            _ => throw new Web5Exception(Web5ErrorKind.InvalidInput, $"did create: method must be key, jwk or dht, not '{method}'"),
        };
        if (method == "dht")
        {
            await PublishDhtAsync(did, cancellationToken).ConfigureAwait(false);
        }

        await StoreAsync(did, cancellationToken).ConfigureAwait(false);
        return (await _store.GetAsync(did.Uri, cancellationToken).ConfigureAwait(false))!;
    }

    private async Task PublishDhtAsync(BearerDid did, CancellationToken cancellationToken)
    {
        var message = DidDhtMethod.CreateSignedPacket(did.Document, did.Keys[0], DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (_options.DhtGatewayUrl is not null)
        {
            await _dht.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _store.PutDhtPacketAsync(Base32.EncodeZ(message.PublicKey), message.Seq, message.ToRelayBody(), cancellationToken).ConfigureAwait(false);
        }

        did.Metadata["published"] = true;
        did.Metadata["versionId"] = message.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task StoreAsync(BearerDid did, CancellationToken cancellationToken)
    {
        var passphrase = ReadPassphrase();
        try
        {
            if (!await _store.AddAsync(did, passphrase, cancellationToken).ConfigureAwait(false))
            {
                throw new Web5Exception(Web5ErrorKind.Refused, $"web5: {did.Uri} is already stored");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }

    /// <summary>Resolves any supported DID.</summary>
    public Task<DidResolutionResult> ResolveAsync(string did, CancellationToken cancellationToken) => Resolver.ResolveAsync(did, cancellationToken);

    /// <summary>The stored DIDs.</summary>
    public Task<IReadOnlyList<StoredDid>> ListAsync(CancellationToken cancellationToken) => _store.ListAsync(cancellationToken);

    /// <summary>Opens a stored DID with its keys (the caller disposes it).</summary>
    public async Task<BearerDid> OpenAsync(string uri, CancellationToken cancellationToken)
    {
        var passphrase = ReadPassphrase();
        try
        {
            return await _store.OpenAsync(uri, passphrase, cancellationToken).ConfigureAwait(false)
                ?? throw new Web5Exception(Web5ErrorKind.NotFound, $"web5: {uri} is not stored here");
        }
        catch (CryptographicException e)
        {
            throw new Web5Exception(Web5ErrorKind.Passphrase, e.Message, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }
    }

    /// <summary>
    /// Signs <paramref name="payload"/> as a compact JWS with a stored DID's key for <paramref name="relationship"/>
    /// (<c>authentication</c> or <c>assertionMethod</c>); the protected header is <c>{"kid": DID URL of the method,
    /// "alg"}</c>: the form DID login (<c>POST /api/v1/auth/did/verify</c>) and VC-JWT verifiers look up.
    /// </summary>
    public async Task<(string Jws, string Kid)> SignCompactAsync(string uri, ReadOnlyMemory<byte> payload, string relationship, CancellationToken cancellationToken)
    {
        if (relationship is not (VerificationRelationships.Authentication or VerificationRelationships.AssertionMethod))
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, $"web5: relationship must be authentication or assertionMethod, not '{relationship}'");
        }

        using var did = await OpenAsync(uri, cancellationToken).ConfigureAwait(false);
        foreach (var vm in did.Document.MethodsFor(relationship))
        {
            (string Kid, Jose.PrivateJwk Key) signer;
            try
            {
                signer = did.GetSigner(vm.Id, relationship);
            }
            catch (InvalidOperationException)
            {
                continue; // no private key here for this method
            }

            return (Jose.Jws.SignCompact(signer.Key, payload.Span, new JsonObject { ["kid"] = signer.Kid }), signer.Kid);
        }

        throw new Web5Exception(Web5ErrorKind.Refused, $"web5: {uri} has no {relationship} verification method whose private key is stored here");
    }

    /// <summary>
    /// Exports a stored DID as a portable DID (UTF-8 JSON, the caller zeroes it). With
    /// <paramref name="exportPassphrase"/> the result is a key envelope instead of plaintext keys.
    /// </summary>
    public async Task<byte[]> ExportAsync(string uri, ReadOnlyMemory<byte> exportPassphrase, CancellationToken cancellationToken)
    {
        using var did = await OpenAsync(uri, cancellationToken).ConfigureAwait(false);
        var portable = did.ToPortableUtf8();
        if (exportPassphrase.IsEmpty)
        {
            return portable;
        }

        try
        {
            return Web5Json.SerializeUtf8(new JsonObject { ["uri"] = uri, ["encryptedPortableDid"] = KeyEnvelope.Seal(portable, exportPassphrase.Span, _store.Cost) });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(portable);
        }
    }

    /// <summary>Imports a portable DID (plain, or an envelope sealed with <paramref name="importPassphrase"/>).</summary>
    public async Task<StoredDid> ImportAsync(byte[] utf8Json, ReadOnlyMemory<byte> importPassphrase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        byte[] portable = utf8Json;
        var opened = false;
        try
        {
            var outer = Web5Json.ParseObject(utf8Json, "portable did");
            if (outer["encryptedPortableDid"] is JsonObject envelope)
            {
                if (importPassphrase.IsEmpty)
                {
                    throw new Web5Exception(Web5ErrorKind.Passphrase, "did import: this export is encrypted: give its passphrase");
                }

                if (!KeyEnvelope.TryOpen(envelope, importPassphrase.Span, out portable))
                {
                    throw new Web5Exception(Web5ErrorKind.Passphrase, "did import: wrong passphrase for the export (or it was altered)");
                }

                opened = true;
            }
        }
        catch (Bitcoin.BitcoinFormatException e)
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, e.Message, e);
        }

        try
        {
            using var did = BearerDid.ParsePortable(portable);
            await StoreAsync(did, cancellationToken).ConfigureAwait(false);
            return (await _store.GetAsync(did.Uri, cancellationToken).ConfigureAwait(false))!;
        }
        catch (Bitcoin.BitcoinFormatException e)
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, e.Message, e);
        }
        finally
        {
            if (opened)
            {
                CryptographicOperations.ZeroMemory(portable);
            }
        }
    }

    /// <summary>Issues a VC-JWT signed by a stored issuer DID.</summary>
    public async Task<string> IssueCredentialAsync(string issuer, string subject, string type, JsonObject data, DateTimeOffset? expiration, CancellationToken cancellationToken)
    {
        using var did = await OpenAsync(issuer, cancellationToken).ConfigureAwait(false);
        try
        {
            var vc = VerifiableCredential.Create(issuer, subject, data, [type], expirationDate: expiration);
            return vc.Sign(did);
        }
        catch (CredentialException e)
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, e.Message, e);
        }
    }

    /// <summary>Verifies a VC-JWT (signature through DID resolution, dates, claims).</summary>
    public async Task<VerifiedCredential> VerifyCredentialAsync(string vcJwt, CancellationToken cancellationToken)
    {
        try
        {
            return await VerifiableCredential.VerifyAsync(vcJwt, Resolver, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (CredentialException e)
        {
            throw new Web5Exception(Web5ErrorKind.Refused, e.Message, e);
        }
    }

    /// <summary>Stores a did:dht packet sent to this node's gateway after checking its BEP44 signature.</summary>
    public async Task<bool> PutDhtPacketAsync(string identifier, byte[] body, CancellationToken cancellationToken)
    {
        if (!Base32.TryDecodeZ(identifier, out var key) || key.Length != 32)
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, "dht gateway: the identifier is not z-base-32 of a 32-byte key");
        }

        Bep44Message message;
        try
        {
            message = Bep44Message.FromRelayBody(key, body);
        }
        catch (Bitcoin.BitcoinFormatException e)
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, e.Message, e);
        }

        if (!message.Verify())
        {
            throw new Web5Exception(Web5ErrorKind.Refused, "dht gateway: the BEP44 signature does not verify");
        }

        return await _store.PutDhtPacketAsync(identifier, message.Seq, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A did:dht packet from this node's gateway store.</summary>
    public Task<byte[]?> GetDhtPacketAsync(string identifier, CancellationToken cancellationToken) => _store.GetDhtPacketAsync(identifier, cancellationToken);

    /// <summary>did:dht through the configured gateway, or this node's own store when none is set.</summary>
    private sealed class LocalFirstDht(Web5Service service, DidDhtMethod remote) : IDidMethodResolver
    {
        public string Method => "dht";

        public async Task<DidResolutionResult> ResolveAsync(Did did, CancellationToken cancellationToken)
        {
            if (service._options.DhtGatewayUrl is not null)
            {
                return await remote.ResolveAsync(did, cancellationToken).ConfigureAwait(false);
            }

            if (!DidDhtMethod.TryGetIdentityKey(did, out var key, out var error))
            {
                return DidResolutionResult.Failure(error!);
            }

            var body = await service._store.GetDhtPacketAsync(did.Id, cancellationToken).ConfigureAwait(false);
            if (body is null)
            {
                return DidResolutionResult.Failure(DidErrorCodes.NotFound, "not published to this node's gateway");
            }

            return DidDhtMethod.Decode(did, Bep44Message.FromRelayBody(key, body));
        }
    }
}
