using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Server;
using OPSource.Server.Modules;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Handshake;

namespace OPSource.Web5.Tests;

/// <summary>
/// Handshake against a real hsd 8.0.0 regtest node (scripts/peers/hsd.sh): a name is opened, bid on,
/// revealed and registered with a TXT record holding a DID, then resolved through OPSource (records from
/// the verified Urkel proof, hsd's root name server) together with the linked DID. One node per class.
/// A name with an address links to did:web:NAME, resolved through hsd: hsd's recursive resolver follows the name's
/// delegation to the name's own authoritative DNS server (a small one in this class, on 127.0.0.1:53, as the name's
/// SYNTH4 record says), and the document is fetched from that address with the name as host (a local HTTP listener; plain
/// HTTP through the regtest-only <c>Web5:Handshake:DidWebHttpPort</c>).
/// </summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private const int TreeInterval = 5; // hsd regtest names.treeInterval
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "opsource-hns-" + Guid.NewGuid().ToString("N"));
    private string? _hsdDir;
    private HsdClient? _node;
    private HsdClient? _wallet;
    private WebApplication? _app;
    private readonly ConcurrentDictionary<string, string> _didDocuments = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _didHosts = new();
    private readonly ConcurrentQueue<string> _dnsQueries = new();
    private readonly CancellationTokenSource _stop = new();
    private string _address = string.Empty;
    private int _nsPort;
    private string[] _hsd = [];
    private WebApplication? _didServer;
    private int _didPort;
    private UdpClient? _nameServer;
    private string? _nameServerProblem;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Script => Path.Combine(Vectors.RepoRoot, "scripts", "peers", "hsd.sh");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Vectors.RepoRoot, "tests", "peers", "hsd", "node_modules", "hsd", "bin", "hsd")))
        {
            return;
        }

        var (code, stdout, stderr) = await RunAsync(Script, ["start"]);
        if (code != 0)
        {
            throw new InvalidOperationException("hsd.sh start failed: " + stderr);
        }

        var parts = stdout.Trim().Split(' ');
        _hsd = parts;
        _hsdDir = parts[0];
        var key = parts[5];
        _nsPort = int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
        var http = new HttpClient();
        _node = new HsdClient(http, new Uri($"http://127.0.0.1:{parts[1]}/"), key);
        _wallet = new HsdClient(http, new Uri($"http://127.0.0.1:{parts[2]}/"), key);

        await StartDidServerAsync();
        StartNameServer();
        Directory.CreateDirectory(_dataDir);
        var keyFile = Path.Combine(_dataDir, "hsd.key");
        await File.WriteAllTextAsync(keyFile, key + "\n", Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Web5:Handshake:RpcUrl"] = $"http://127.0.0.1:{parts[1]}/",
            ["Web5:Handshake:ApiKeyFile"] = keyFile,
            ["Web5:Handshake:NameServer"] = $"127.0.0.1:{parts[3]}",
            ["Web5:Handshake:RecursiveResolver"] = $"127.0.0.1:{parts[4]}",
            ["Web5:Handshake:DidWebHttpPort"] = _didPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var options = new OpsourceOptions { Network = "regtest", DataDir = _dataDir, Server = new ServerOptions { Urls = "http://127.0.0.1:0", ShutdownTimeoutSeconds = 5 } };
        _app = OpsourceServer.Build(options, configuration, modules: OpsourceModules.All);
        await OpsourceServer.PrepareAsync(_app, Ct);

        // Names roll out over 52 "weeks" of rolloutInterval (2) blocks on regtest: mine past them.
        _address = (await _wallet.CallAsync("getnewaddress", Ct))!.GetValue<string>();
        await MineAsync(120);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _nameServer?.Dispose();
        if (_didServer is not null)
        {
            await _didServer.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_hsdDir is not null)
        {
            await RunAsync(Script, ["stop", _hsdDir]);
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Require()
    {
        if (_node is null)
        {
            const string message = "hsd not installed (scripts/setup.d/25-hsd.sh)";
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(message + " (CI=true: peers are mandatory)");
            }

            Assert.Skip(message);
        }
    }

    private Web5Service Service => _app!.Services.GetRequiredService<Web5Service>();

    /// <summary>The web server of the names: /.well-known/did.json for the host the request names.</summary>
    private async Task StartDidServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _didServer = builder.Build();
        _didServer.MapGet("/.well-known/did.json", (HttpContext context) =>
        {
            _didHosts.Enqueue(context.Request.Host.Value ?? string.Empty);
            return _didDocuments.TryGetValue(context.Request.Host.Host, out var document) ? Results.Text(document, "application/did+json") : Results.NotFound();
        });
        await _didServer.StartAsync(Ct);
        _didPort = new Uri(_didServer.Urls.Single()).Port;
    }

    /// <summary>
    /// The names' authoritative DNS server on 127.0.0.1:53 (recursive resolvers ask name servers on port 53): A 127.0.0.1
    /// for a name with a document, an empty answer for other names under it, REFUSED for the rest (RFC 1035 4.1).
    /// </summary>
    private void StartNameServer()
    {
        try
        {
            _nameServer = new UdpClient(new IPEndPoint(IPAddress.Loopback, 53));
        }
        catch (SocketException e)
        {
            _nameServerProblem = "cannot bind 127.0.0.1:53 for the names' DNS server (needs root): " + e.Message;
            return;
        }

        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult request;
                try
                {
                    request = await _nameServer.ReceiveAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                if (DnsAnswer(request.Buffer) is { } answer)
                {
                    await _nameServer.SendAsync(answer, request.RemoteEndPoint, _stop.Token);
                }
            }
        });
    }

    private byte[]? DnsAnswer(byte[] query)
    {
        if (query.Length < 17)
        {
            return null;
        }

        var labels = new List<string>();
        var i = 12;
        while (i < query.Length && query[i] != 0)
        {
            labels.Add(System.Text.Encoding.ASCII.GetString(query, i + 1, query[i]));
            i += 1 + query[i];
        }

        var questionEnd = i + 5;
        if (questionEnd > query.Length)
        {
            return null;
        }

        var qname = string.Join('.', labels).ToLowerInvariant();
        var qtype = (query[i + 1] << 8) | query[i + 2];
        _dnsQueries.Enqueue($"{qname} {qtype}");
        var tld = labels.Count > 0 ? labels[^1].ToLowerInvariant() : string.Empty;
        var known = _didDocuments.ContainsKey(tld);
        var answer = known && labels.Count == 1 && qtype == 1; // A of the name itself
        var response = new List<byte>(query[..2]);
        response.AddRange([0x84, (byte)(known ? 0 : 5)]); // QR, AA; NOERROR or REFUSED
        response.AddRange([0, 1, 0, (byte)(answer ? 1 : 0), 0, 0, 0, 0]);
        response.AddRange(query[12..questionEnd]);
        if (answer)
        {
            response.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
        }

        return [.. response];
    }

    private void RequireNameServer()
    {
        if (_nameServerProblem is not null)
        {
            if (Vectors.IsCi)
            {
                throw new InvalidOperationException(_nameServerProblem + " (CI=true: peers are mandatory)");
            }

            Assert.Skip(_nameServerProblem);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OPSOURCE_HSD_OWNER"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private async Task<long> HeightAsync() => (await _node!.CallAsync("getblockcount", Ct))!.GetValue<long>();

    /// <summary>Mines blocks to the wallet and waits until the wallet has seen them.</summary>
    private async Task MineAsync(int blocks)
    {
        await _node!.CallAsync("generatetoaddress", Ct, blocks, _address);
        var height = await HeightAsync();
        for (var i = 0; i < 600; i++)
        {
            var info = await _wallet!.CallAsync("getwalletinfo", Ct) as JsonObject;
            if (info?["height"]?.GetValue<long>() >= height)
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        throw new TimeoutException("the hsd wallet did not catch up");
    }

    /// <summary>Mines until the next block is the first after a tree commit (height % treeInterval == 1 after it).</summary>
    private async Task MineToTreeCommitAsync()
    {
        var height = await HeightAsync();
        var next = ((height / TreeInterval) + 1) * TreeInterval;
        await MineAsync((int)(next - height) + 1);
    }

    /// <summary>open → bid → reveal → register with <paramref name="records"/> (hsd's resource JSON records).</summary>
    private async Task RegisterAsync(string name, JsonArray records)
    {
        await _wallet!.CallAsync("sendopen", Ct, name);
        await MineAsync(TreeInterval + 2); // the open period: treeInterval + 1 blocks
        await _wallet.CallAsync("sendbid", Ct, name, 1.0, 2.0);
        await MineAsync(5 + 1); // biddingPeriod
        await _wallet.CallAsync("sendreveal", Ct, name);
        await MineAsync(10 + 1); // revealPeriod
        // The first update of a won name is its REGISTER covenant.
        await _wallet.CallAsync("sendupdate", Ct, name, new JsonObject { ["records"] = records });
        await MineToTreeCommitAsync();
    }

    private static string RandomName() => "ops-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    [Fact]
    public async Task Registered_name_resolves_with_a_verified_proof_and_its_linked_did()
    {
        Require();
        using var did = DidFactory.CreateKey("Ed25519");
        var name = RandomName();
        await RegisterAsync(name, [new JsonObject { ["type"] = "TXT", ["txt"] = new JsonArray("hello world") }, new JsonObject { ["type"] = "TXT", ["txt"] = new JsonArray("did=" + did.Uri) }]);

        var r = await Service.ResolveHandshakeAsync(name.ToUpperInvariant() + ".", resolveDid: true, Ct);
        Assert.Equal(name, r.Name);
        Assert.Equal("CLOSED", r.State);
        Assert.True(r.Proof!.Verified, r.Proof.Error);
        Assert.Equal(UrkelProofType.Exists, r.Proof.Type);
        Assert.True(r.RecordsProven);
        Assert.False(r.PendingUpdate);
        Assert.True(r.NameState!.Registered);
        Assert.Equal(1_000_000UL, r.NameState.Highest); // the 1 HNS bid, in dollarydoos
        Assert.Equal(["hello world", "did=" + did.Uri], r.Records.SelectMany(x => x.TxtText));
        Assert.Equal(did.Uri, r.LinkedDid);
        Assert.True(r.DidResolution!.Ok, r.DidResolution.ErrorMessage);
        Assert.Equal(did.Uri, r.DidResolution.Document!.Id);

        // hsd's authoritative root server answers the TXT record (a TLD without NS records).
        Assert.Equal(2, r.Dns.Count); // the root server and the recursive resolver
        var root = r.Dns.Single(d => d.Server.StartsWith("root", StringComparison.Ordinal));
        Assert.Null(root.Error);
        Assert.Contains("did=" + did.Uri, r.Dns.Single(d => d.Server.StartsWith("recursive", StringComparison.Ordinal)).Txt);
        Assert.Contains("did=" + did.Uri, root.Txt);

        // The REST view names the same facts.
        var view = Web5Views.HandshakeName(r);
        Assert.True(view["proof"]!["verified"]!.GetValue<bool>());
        Assert.Equal(did.Uri, view["did_resolution"]!["didDocument"]!["id"]!.GetValue<string>());

        // An update is pending until the next tree commit; the proven (old) records are reported meanwhile.
        var height = await HeightAsync();
        Assert.Equal(1, height % TreeInterval);
        // A did:jwk is longer than one TXT string (255 bytes): the strings of one record are joined, as in DNS.
        using var next = DidFactory.CreateJwk("secp256k1");
        var chunks = next.Uri.Chunk(200).Select(c => (JsonNode)JsonValue.Create(new string(c))!).ToArray();
        await _wallet!.CallAsync("sendupdate", Ct, name, new JsonObject { ["records"] = new JsonArray(new JsonObject { ["type"] = "TXT", ["txt"] = new JsonArray(chunks) }) });
        await MineAsync(1);
        var pending = await Service.ResolveHandshakeAsync(name, resolveDid: false, Ct);
        Assert.True(pending.Proof!.Verified, pending.Proof.Error);
        Assert.True(pending.PendingUpdate);
        Assert.Equal(did.Uri, pending.LinkedDid);
        await MineToTreeCommitAsync();
        var updated = await Service.ResolveHandshakeAsync(name, resolveDid: true, Ct);
        Assert.False(updated.PendingUpdate);
        Assert.Equal(next.Uri, updated.LinkedDid); // a bare DID in TXT links too
        Assert.True(updated.DidResolution!.Ok);
    }

    [Fact]
    public async Task Proofs_from_hsd_verify_and_tampered_ones_do_not()
    {
        Require();
        var name = RandomName();
        await RegisterAsync(name, [new JsonObject { ["type"] = "SYNTH4", ["address"] = "127.0.0.1" }, new JsonObject { ["type"] = "NS", ["ns"] = "ns1." + name + "." }]);
        var r = await Service.ResolveHandshakeAsync(name, resolveDid: false, Ct);
        Assert.True(r.Proof!.Verified, r.Proof.Error);
        Assert.Equal(["SYNTH4", "NS"], r.Records.Select(x => x.Type));
        Assert.Equal("127.0.0.1", r.Records[0].Address!.ToString());
        Assert.Equal("ns1." + name + ".", r.Records[1].Ns);
        Assert.Equal("did:web:" + name, r.LinkedDid); // no DID in TXT, addresses: did:web for the name
        Assert.Contains("ns1." + name + ".", r.Dns.Single(d => d.Server.StartsWith("root", StringComparison.Ordinal)).Ns); // a referral from the root server

        var json = (JsonObject)(await _node!.CallAsync("getnameproof", Ct, name))!;
        var proof = UrkelProof.FromJson(json["proof"]!.AsObject());
        var root = Convert.FromHexString(json["root"]!.GetValue<string>());
        var key = HnsName.Hash(name);
        Assert.Equal(UrkelProofError.None, proof.Verify(root, key, out var value));
        Assert.Equal(name, HnsNameState.Decode(value).Name);

        var badValue = (JsonObject)json["proof"]!.DeepClone();
        var hex = badValue["value"]!.GetValue<string>();
        badValue["value"] = hex[..^2] + (hex[^2..] == "00" ? "01" : "00");
        Assert.Equal(UrkelProofError.HashMismatch, UrkelProof.FromJson(badValue).Verify(root, key, out _));
        var otherRoot = (byte[])root.Clone();
        otherRoot[0] ^= 1;
        Assert.Equal(UrkelProofError.HashMismatch, proof.Verify(otherRoot, key, out _));
        Assert.NotEqual(UrkelProofError.None, proof.Verify(root, HnsName.Hash(name + "x"), out _));

        // A name nobody opened: hsd proves its absence from the tree, and OPSource reports it unknown.
        var absent = (JsonObject)(await _node.CallAsync("getnameproof", Ct, RandomName()))!;
        var absence = UrkelProof.FromJson(absent["proof"]!.AsObject());
        Assert.NotEqual(UrkelProofType.Exists, absence.Type);
        Assert.Equal(UrkelProofError.None, absence.Verify(Convert.FromHexString(absent["root"]!.GetValue<string>()), HnsName.Hash(absent["name"]!.GetValue<string>()), out var none));
        Assert.Null(none);
        var unknown = await Assert.ThrowsAsync<Web5Exception>(() => Service.ResolveHandshakeAsync(RandomName(), true, Ct));
        Assert.Equal(Web5ErrorKind.NotFound, unknown.Kind);
        var invalid = await Assert.ThrowsAsync<Web5Exception>(() => Service.ResolveHandshakeAsync("bad.name", true, Ct));
        Assert.Equal(Web5ErrorKind.InvalidInput, invalid.Kind);
    }

    [Fact]
    public async Task Name_with_an_address_resolves_its_did_web_through_hsd_end_to_end()
    {
        Require();
        RequireNameServer();
        var name = RandomName();
        var did = "did:web:" + name;

        // The name's document: a did:key's verification method under the did:web (did:web spec, "Create (Register)").
        using var key = DidFactory.CreateKey("Ed25519");
        var document = key.Document.ToJson().ToJsonString().Replace(key.Uri, did, StringComparison.Ordinal);
        _didDocuments[name] = document;
        await RegisterAsync(name, [new JsonObject { ["type"] = "SYNTH4", ["address"] = "127.0.0.1" }]);

        // The system's DNS knows nothing of the name: only hsd can resolve it.
        await Assert.ThrowsAnyAsync<SocketException>(() => Dns.GetHostAddressesAsync(name, Ct));

        var r = await Service.ResolveHandshakeAsync(name, resolveDid: true, Ct);
        Assert.True(r.Proof!.Verified, r.Proof.Error);
        Assert.Equal(did, r.LinkedDid);
        Assert.True(r.DidResolution!.Ok, r.DidResolution.ErrorMessage);
        Assert.Equal(did, r.DidResolution.Document!.Id);
        Assert.Equal(
            key.Document.VerificationMethods.Select(m => m.ToJson().ToJsonString().Replace(key.Uri, did, StringComparison.Ordinal)),
            r.DidResolution.Document.VerificationMethods.Select(m => m.ToJson().ToJsonString()));
        Assert.All(r.DidResolution.Document.VerificationMethods, m => Assert.StartsWith(did + "#", m.Id, StringComparison.Ordinal));

        // hsd's recursive resolver asked the name's server for its address, and the request named the name as its host.
        Assert.Contains(name + " 1", _dnsQueries);
        Assert.Contains($"{name}:{_didPort}", _didHosts);

        // The Web5 resolver (opsource did resolve, DID login, the DWN) resolves it the same way.
        var direct = await Service.Resolver.ResolveAsync(did, Ct);
        Assert.True(direct.Ok, direct.ErrorMessage);
        Assert.Equal(did, direct.Document!.Id);

        // A name without an address at its server: notFound, naming hsd's answer.
        var stranger = RandomName();
        var missing = await Service.Resolver.ResolveAsync("did:web:" + stranger, Ct);
        Assert.False(missing.Ok);
        Assert.Equal(DidErrorCodes.NotFound, missing.Error);
        Assert.Contains("hsd's recursive resolver", missing.ErrorMessage, StringComparison.Ordinal);

        // The CLI: opsource hns resolve NAME --json (regtest, the same settings through the environment).
        var cli = ExamplesTests.BuiltCli();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "hns", "resolve", name, "--json", "--network", "regtest", "--data-dir", _dataDir })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["OPSOURCE_Web5__Handshake__RpcUrl"] = $"http://127.0.0.1:{_hsd[1]}/";
        psi.Environment["OPSOURCE_Web5__Handshake__ApiKeyFile"] = Path.Combine(_dataDir, "hsd.key");
        psi.Environment["OPSOURCE_Web5__Handshake__RecursiveResolver"] = $"127.0.0.1:{_hsd[4]}";
        psi.Environment["OPSOURCE_Web5__Handshake__DidWebHttpPort"] = _didPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"opsource hns resolve exited {process.ExitCode}: {await stderr}");
        var json = JsonNode.Parse(await stdout)!;
        Assert.Equal(did, json["linked_did"]!.GetValue<string>());
        Assert.Equal(did, json["did_resolution"]!["didDocument"]!["id"]!.GetValue<string>());

        // On any other network the plain-HTTP setting is refused: did:web is HTTPS in production.
        psi.ArgumentList[5] = "--network";
        psi.ArgumentList[6] = "signet";
        using var refused = Process.Start(psi)!;
        var refusedErr = refused.StandardError.ReadToEndAsync(Ct);
        _ = refused.StandardOutput.ReadToEndAsync(Ct);
        await refused.WaitForExitAsync(Ct);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("DidWebHttpPort is allowed on regtest only", await refusedErr, StringComparison.Ordinal);
    }
}
