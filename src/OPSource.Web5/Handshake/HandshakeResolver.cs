using System.Net;
using System.Text.Json.Nodes;
using DnsClient;
using DnsClient.Protocol;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Handshake;

/// <summary>Where the Handshake resolver finds hsd.</summary>
public sealed record HandshakeOptions
{
    /// <summary>hsd's node HTTP/JSON-RPC URL (regtest default port 14037).</summary>
    public Uri? RpcUrl { get; init; }

    /// <summary>hsd's API key (never logged).</summary>
    public string? ApiKey { get; init; }

    /// <summary>hsd's authoritative root name server (UDP), if any.</summary>
    public IPEndPoint? NameServer { get; init; }

    /// <summary>hsd's recursive resolver (UDP), if any.</summary>
    public IPEndPoint? RecursiveResolver { get; init; }

    /// <summary>DNS timeout.</summary>
    public TimeSpan DnsTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Regtest only (<c>Web5:Handshake:DidWebHttpPort</c>, refused on other networks): fetch the did:web documents of
    /// Handshake names over plain HTTP on this port instead of HTTPS, for a test server without a certificate.
    /// </summary>
    public int? DidWebHttpPort { get; init; }
}

/// <summary>The check of a name's Urkel proof against the node's chain.</summary>
/// <param name="Verified">True when the proof hashes to the tree root of the header it names, and that header is on the node's best chain.</param>
/// <param name="Type">What the proof shows (exists, or one of the absence types).</param>
/// <param name="BlockHash">The block whose header commits to the root.</param>
/// <param name="Height">Its height.</param>
/// <param name="TreeRoot">The tree root, hex.</param>
/// <param name="Error">Why it did not verify.</param>
public sealed record HnsProofCheck(bool Verified, UrkelProofType Type, string BlockHash, long Height, string TreeRoot, string? Error);

/// <summary>What the name servers answered for the name.</summary>
/// <param name="Server">The server asked.</param>
/// <param name="Txt">TXT strings in the answer.</param>
/// <param name="Ns">Name servers of a referral.</param>
/// <param name="Error">The DNS error, if any.</param>
public sealed record HnsDnsAnswer(string Server, IReadOnlyList<string> Txt, IReadOnlyList<string> Ns, string? Error);

/// <summary>A resolved Handshake name.</summary>
/// <param name="Name">The name.</param>
/// <param name="NameHash">SHA3-256 of the name, hex.</param>
/// <param name="State">The auction state hsd reports (OPENING, BIDDING, REVEAL, CLOSED, REVOKED...).</param>
/// <param name="Records">The resource records: the proven ones when the proof verified, else hsd's current ones.</param>
/// <param name="RecordsProven">Whether <paramref name="Records"/> come from a verified proof.</param>
/// <param name="PendingUpdate">hsd's current resource differs from the proven one (an update not yet in a committed tree).</param>
/// <param name="NameState">The proven name state, when the proof shows the name.</param>
/// <param name="Proof">The proof check, when hsd provides a proof.</param>
/// <param name="Dns">Answers of hsd's name servers.</param>
/// <param name="LinkedDid">The DID the name links to (a TXT record), or did:web for the name when it has address records.</param>
/// <param name="DidResolution">The linked DID resolved, when asked.</param>
public sealed record HnsResolution(
    string Name,
    string NameHash,
    string? State,
    IReadOnlyList<HnsRecord> Records,
    bool RecordsProven,
    bool PendingUpdate,
    HnsNameState? NameState,
    HnsProofCheck? Proof,
    IReadOnlyList<HnsDnsAnswer> Dns,
    string? LinkedDid,
    DidResolutionResult? DidResolution);

/// <summary>
/// Resolves Handshake names through an hsd node: the name's state and resource over JSON-RPC
/// (<c>getnameinfo</c>, <c>getnameresource</c>), the Urkel proof of its state (<c>getnameproof</c>)
/// verified against the tree root committed in a header of the node's best chain
/// (<c>getblockheader</c>, <c>getblockhash</c>), and the answers of hsd's root name server and recursive
/// resolver. A name links to a DID through a TXT record holding <c>did=DID</c> or a bare DID; a name
/// without one but with address records (GLUE/SYNTH) links to <c>did:web:NAME</c>.
/// </summary>
public sealed class HandshakeResolver
{
    private readonly HsdClient _rpc;
    private readonly HandshakeOptions _options;
    private readonly DidResolver? _dids;

    /// <summary>Creates the resolver; <paramref name="dids"/> resolves linked DIDs.</summary>
    public HandshakeResolver(HttpClient http, HandshakeOptions options, DidResolver? dids = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.RpcUrl is null)
        {
            throw new Web5Exception(Web5ErrorKind.Unavailable, "hns: no hsd node configured (Web5:Handshake:RpcUrl)");
        }

        _rpc = new HsdClient(http, options.RpcUrl, options.ApiKey);
        _dids = dids;
    }

    /// <summary>The DID a TXT string names: <c>did=DID</c> or a bare DID; null otherwise.</summary>
    public static string? DidFromTxt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var candidate = text.StartsWith("did=", StringComparison.Ordinal) ? text[4..] : text;
        return candidate.StartsWith("did:", StringComparison.Ordinal) && Did.TryParse(candidate, out var did) ? did.Uri : null;
    }

    /// <summary>The DID a name links to, from its records (TXT first, then did:web:NAME when it has addresses).</summary>
    public static string? LinkedDidOf(string name, IReadOnlyList<HnsRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        // A TXT record's strings joined form its value (as RFC 7208 3.3 does for SPF), which a DID longer
        // than one 255-byte string needs; failing that, each string on its own.
        foreach (var record in records.Where(r => r.Type == "TXT"))
        {
            foreach (var text in record.TxtText.Prepend(string.Concat(record.TxtText)))
            {
                if (DidFromTxt(text) is { } did)
                {
                    return did;
                }
            }
        }

        return records.Any(r => r.Type is "GLUE4" or "GLUE6" or "SYNTH4" or "SYNTH6") ? "did:web:" + name : null;
    }

    /// <summary>Resolves <paramref name="input"/>; throws <see cref="Web5Exception"/> (invalid name, unknown name, hsd unreachable).</summary>
    public async Task<HnsResolution> ResolveAsync(string input, bool resolveDid, CancellationToken cancellationToken)
    {
        if (!HnsName.TryNormalize(input, out var name, out var error))
        {
            throw new Web5Exception(Web5ErrorKind.InvalidInput, error!);
        }

        var key = HnsName.Hash(name);
        JsonObject? info;
        JsonObject? resource;
        JsonObject? proofJson;
        try
        {
            info = (await _rpc.CallAsync("getnameinfo", cancellationToken, name).ConfigureAwait(false) as JsonObject)?["info"] as JsonObject;
            resource = await _rpc.CallAsync("getnameresource", cancellationToken, name).ConfigureAwait(false) as JsonObject;
            proofJson = await _rpc.CallAsync("getnameproof", cancellationToken, name).ConfigureAwait(false) as JsonObject;
        }
        catch (HsdRpcException e)
        {
            throw new Web5Exception(Web5ErrorKind.Unavailable, "hns: " + e.Message, e);
        }

        if (info is null)
        {
            throw new Web5Exception(Web5ErrorKind.NotFound, $"hns: '{name}' is not a name on the Handshake chain (no auction)");
        }

        IReadOnlyList<HnsRecord> current = [];
        if (resource is not null)
        {
            current = FromJson(resource);
        }

        var (proof, state) = proofJson is null ? (null, null) : await CheckProofAsync(name, key, proofJson, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<HnsRecord> records = current;
        var proven = false;
        var pending = false;
        if (proof is { Verified: true } && state is not null)
        {
            try
            {
                records = HnsResource.Decode(state.Resource);
                proven = true;
                pending = !SameRecords(records, current);
            }
            catch (FormatException e)
            {
                proof = proof with { Verified = false, Error = "the proven resource does not decode: " + e.Message };
            }
        }
        else if (proof is { Verified: true })
        {
            // A verified proof of absence: the name's state is not in the last committed tree yet.
            pending = current.Count > 0;
        }

        var dns = new List<HnsDnsAnswer>();
        foreach (var (server, label) in new[] { (_options.NameServer, "root"), (_options.RecursiveResolver, "recursive") })
        {
            if (server is not null)
            {
                dns.Add(await QueryTxtAsync(server, label, name, recursive: label == "recursive", cancellationToken).ConfigureAwait(false));
            }
        }

        var linked = LinkedDidOf(name, records);
        DidResolutionResult? didResolution = null;
        if (resolveDid && linked is not null && _dids is not null)
        {
            didResolution = await _dids.ResolveAsync(linked, cancellationToken).ConfigureAwait(false);
        }

        return new HnsResolution(name, Convert.ToHexStringLower(key), info.GetString("state"), records, proven, pending, state, proof, dns, linked, didResolution);
    }

    private static IReadOnlyList<HnsRecord> FromJson(JsonObject resource)
    {
        var list = new List<HnsRecord>();
        foreach (var r in (resource["records"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = r.GetString("type") ?? string.Empty;
            list.Add(type switch
            {
                "TXT" => new HnsRecord("TXT", Txt: [.. (r["txt"] as JsonArray ?? []).Select(t => System.Text.Encoding.UTF8.GetBytes(t?.GetValue<string>() ?? string.Empty))]),
                "NS" => new HnsRecord("NS", Ns: r.GetString("ns")),
                "GLUE4" or "GLUE6" => new HnsRecord(type, Ns: r.GetString("ns"), Address: IPAddress.TryParse(r.GetString("address"), out var a) ? a : IPAddress.None),
                "SYNTH4" or "SYNTH6" => new HnsRecord(type, Address: IPAddress.TryParse(r.GetString("address"), out var s) ? s : IPAddress.None),
                "DS" => new HnsRecord("DS", Ds: ((ushort)(r.GetInt64("keyTag") ?? 0), (byte)(r.GetInt64("algorithm") ?? 0), (byte)(r.GetInt64("digestType") ?? 0), Convert.FromHexString(r.GetString("digest") ?? string.Empty))),
                _ => new HnsRecord(type),
            });
        }

        return list;
    }

    private static bool SameRecords(IReadOnlyList<HnsRecord> a, IReadOnlyList<HnsRecord> b) =>
        JsonNode.DeepEquals(HnsResource.ToJson(a), HnsResource.ToJson(b));

    private async Task<(HnsProofCheck?, HnsNameState?)> CheckProofAsync(string name, byte[] key, JsonObject json, CancellationToken cancellationToken)
    {
        var blockHash = json.GetString("hash") ?? string.Empty;
        var height = json.GetInt64("height") ?? -1;
        var rootHex = json.GetString("root") ?? string.Empty;
        HnsProofCheck Fail(UrkelProofType type, string why) => new(false, type, blockHash, height, rootHex, why);
        UrkelProof proof;
        byte[] root;
        try
        {
            proof = UrkelProof.FromJson(json["proof"] as JsonObject ?? throw Web5FormatError.Exception(Web5FormatErrorKind.InvalidUrkelProof, "urkel proof: missing"));
            root = Convert.FromHexString(rootHex);
        }
        catch (FormatException e)
        {
            return (Fail(UrkelProofType.Deadend, e.Message), null);
        }

        if (!string.Equals(json.GetString("key"), Convert.ToHexStringLower(key), StringComparison.OrdinalIgnoreCase))
        {
            return (Fail(proof.Type, "the proof is for another key than the name's hash"), null);
        }

        // The root must be the tree root committed in a header of the node's best chain (hsd commits the
        // name tree every treeInterval blocks; each header carries the last committed root).
        try
        {
            var header = await _rpc.CallAsync("getblockheader", cancellationToken, blockHash, true).ConfigureAwait(false) as JsonObject;
            if (header?.GetString("treeroot") is not { } headerRoot || !string.Equals(headerRoot, rootHex, StringComparison.OrdinalIgnoreCase))
            {
                return (Fail(proof.Type, $"block {blockHash} does not commit to tree root {rootHex}"), null);
            }

            var best = (await _rpc.CallAsync("getblockhash", cancellationToken, height).ConfigureAwait(false))?.GetValue<string>();
            if (!string.Equals(best, blockHash, StringComparison.OrdinalIgnoreCase))
            {
                return (Fail(proof.Type, $"block {blockHash} is not on the node's best chain at height {height}"), null);
            }
        }
        catch (HsdRpcException e)
        {
            return (Fail(proof.Type, e.Message), null);
        }

        var result = proof.Verify(root, key, out var value);
        if (result != UrkelProofError.None)
        {
            return (Fail(proof.Type, "urkel proof does not verify: " + result), null);
        }

        if (value is null)
        {
            return (new HnsProofCheck(true, proof.Type, blockHash, height, rootHex, null), null);
        }

        try
        {
            var state = HnsNameState.Decode(value);
            if (state.Name != name)
            {
                return (Fail(proof.Type, $"the proven state is for '{state.Name}'"), null);
            }

            return (new HnsProofCheck(true, proof.Type, blockHash, height, rootHex, null), state);
        }
        catch (FormatException e)
        {
            return (Fail(proof.Type, e.Message), null);
        }
    }

    private async Task<HnsDnsAnswer> QueryTxtAsync(IPEndPoint server, string label, string name, bool recursive, CancellationToken cancellationToken)
    {
        var client = HnsHostResolver.LookupClientFor(server, recursive, _options.DnsTimeout);
        var where = $"{label} {server}";
        try
        {
            var response = await client.QueryAsync(name + ".", QueryType.TXT, QueryClass.IN, cancellationToken).ConfigureAwait(false);
            var txt = response.Answers.TxtRecords().SelectMany(t => t.Text).ToList();
            var ns = response.Authorities.NsRecords().Select(n => n.NSDName.Value).ToList();
            return new HnsDnsAnswer(where, txt, ns, response.HasError ? response.ErrorMessage : null);
        }
        catch (DnsResponseException e)
        {
            return new HnsDnsAnswer(where, [], [], e.Message);
        }
    }
}
