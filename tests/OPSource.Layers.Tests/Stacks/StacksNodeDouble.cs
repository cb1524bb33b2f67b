using System.Net;
using System.Net.Sockets;
using System.Text;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>
/// A local HTTP double of a Stacks node's RPC (<c>/v2/...</c>), answering as stacks-core's net/api does: no
/// stacks-node runs in CI, so the client, the CLI and the REST endpoints are checked against this; the real
/// Clarity checks are the simnet tests. It records each request. Shared by the Layers, Cli and Server tests.
/// </summary>
/// <remarks>
/// Fixed state: account balance 1,000,000 STX, nonce 7; transfer fee rate 1; fee estimates 180/240/360;
/// burn height 120, reward cycle 3; a broadcast of a mainnet transaction (first byte 0x00) is refused with
/// BadNonce, a testnet one accepted with txid 0x1234; every contract declares fungible <c>gold</c> and
/// non-fungible <c>badge</c> and the functions in <see cref="Interface"/> except a contract named
/// <c>nothing</c> (404); a call-read of <c>missing</c> fails as an undefined function.
/// </remarks>
public sealed class StacksNodeDouble : IAsyncDisposable
{
    /// <summary>The contract interface every contract has (stacks-core's JSON form).</summary>
    public const string Interface = """
        {"functions":[
          {"name":"get-thing","access":"read_only","args":[{"name":"n","type":"uint128"},{"name":"s","type":{"string-ascii":{"length":10}}}],"outputs":{"type":{"response":{"ok":"uint128","error":"none"}}}},
          {"name":"get-stacker-info","access":"read_only","args":[{"name":"stacker","type":"principal"}],"outputs":{"type":"none"}},
          {"name":"current-pox-reward-cycle","access":"read_only","args":[],"outputs":{"type":"uint128"}},
          {"name":"get-pox-info","access":"read_only","args":[],"outputs":{"type":"none"}},
          {"name":"missing","access":"read_only","args":[],"outputs":{"type":"none"}},
          {"name":"pay","access":"public","args":[{"name":"amount","type":"uint128"},{"name":"to","type":"principal"},{"name":"meta","type":{"optional":{"tuple":[{"name":"id","type":{"buffer":{"length":4}}},{"name":"tags","type":{"list":{"type":{"string-utf8":{"length":8}},"length":2}}}]}}}],"outputs":{"type":{"response":{"ok":"bool","error":"uint128"}}}},
          {"name":"stack-stx","access":"public","args":[],"outputs":{"type":"none"}},
          {"name":"helper","access":"private","args":[],"outputs":{"type":"bool"}}
        ],
        "variables":[],"maps":[],
        "fungible_tokens":[{"name":"gold"}],"non_fungible_tokens":[{"name":"badge","type":"uint128"}],"epoch":"Epoch30","clarity_version":"Clarity3"}
        """;

    private readonly HttpListener _listener = new();
    private readonly List<(string Method, string Path, string ContentType, byte[] Body)> _requests = [];
    private readonly Task _loop;

    /// <summary>Starts the double on a free loopback port, answering with <paramref name="network"/>'s chain id.</summary>
    public StacksNodeDouble(StacksNetwork? network = null)
    {
        Network = network ?? StacksNetwork.Testnet;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The base URL (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri Url { get; }

    /// <summary>The network whose chain id <c>/v2/info</c> reports.</summary>
    public StacksNetwork Network { get; }

    /// <summary>The result of <c>pox-4 get-pox-info</c>.</summary>
    public static ClarityValue PoxInfo { get; } = Cv.Ok(Cv.Tuple(
        ("min-amount-ustx", Cv.UInt(125_000_000_000)),
        ("reward-cycle-id", Cv.UInt(3)),
        ("prepare-cycle-length", Cv.UInt(100)),
        ("first-burnchain-block-height", Cv.UInt(0)),
        ("reward-cycle-length", Cv.UInt(1050)),
        ("total-liquid-supply-ustx", Cv.UInt(1_400_000_000_000_000))));

    /// <summary>The requests received so far: method, path with query, content type, body.</summary>
    public IReadOnlyList<(string Method, string Path, string ContentType, byte[] Body)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var ms = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(ms);
            string path = ctx.Request.RawUrl ?? "";
            lock (_requests)
            {
                _requests.Add((ctx.Request.HttpMethod, path, ctx.Request.ContentType ?? "", ms.ToArray()));
            }

            (int status, string body) = Answer(path, ms.ToArray());
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            try
            {
                await ctx.Response.OutputStream.WriteAsync(bytes);
                ctx.Response.Close();
            }
            catch (HttpListenerException)
            {
            }
        }
    }

    private (int Status, string Body) Answer(string path, byte[] body)
    {
        const string CallRead = "/v2/contracts/call-read/";
        string Result(ClarityValue v) => $"{{\"okay\":true,\"result\":\"0x{ClarityCodec.ToHex(v)}\"}}";
        return path switch
        {
            "/v2/info" => (200, $"{{\"peer_version\":4207599116,\"burn_block_height\":120,\"stacks_tip_height\":57,\"server_version\":\"stacks-node double\",\"network_id\":{Network.ChainId},\"parent_network_id\":3669344250}}"),
            _ when path.StartsWith("/v2/accounts/", StringComparison.Ordinal) => (200, "{\"balance\":\"0x0000000000000000000000e8d4a51000\",\"locked\":\"0x00000000000000000000000000000000\",\"unlock_height\":0,\"nonce\":7}"),
            "/v2/fees/transfer" => (200, "1"),
            "/v2/fees/transaction" => (200, "{\"estimated_cost\":{},\"estimated_cost_scalar\":1,\"estimations\":[{\"fee_rate\":1.5,\"fee\":180},{\"fee_rate\":2.0,\"fee\":240},{\"fee_rate\":3.0,\"fee\":360}],\"cost_scalar_change_by_byte\":0.0}"),
            "/v2/transactions" when body.Length > 0 && body[0] == 0x80 => (200, "\"0x1234\""),
            "/v2/transactions" => (400, "{\"error\":\"transaction rejected\",\"reason\":\"BadNonce\",\"txid\":\"ab\"}"),
            _ when path.StartsWith(CallRead, StringComparison.Ordinal) && path.EndsWith("/missing", StringComparison.Ordinal) => (200, "{\"okay\":false,\"cause\":\"Unchecked(UndefinedFunction(\\\"missing\\\"))\"}"),
            _ when path.StartsWith(CallRead, StringComparison.Ordinal) && path.EndsWith("/current-pox-reward-cycle", StringComparison.Ordinal) => (200, Result(Cv.UInt(3))),
            _ when path.StartsWith(CallRead, StringComparison.Ordinal) && path.EndsWith("/get-pox-info", StringComparison.Ordinal) => (200, Result(PoxInfo)),
            _ when path.StartsWith(CallRead, StringComparison.Ordinal) && path.EndsWith("/get-stacker-info", StringComparison.Ordinal) => (200, Result(Cv.None)),
            _ when path.StartsWith(CallRead, StringComparison.Ordinal) => (200, Result(Cv.Ok(Cv.UInt(42)))),
            "/v2/pox" => (200, "{\"contract_id\":\"" + (Network == StacksNetwork.Mainnet ? "SP000000000000000000002Q6VF78" : "ST000000000000000000002AMW42H") + ".pox-4\",\"current_burnchain_block_height\":120,\"min_amount_ustx\":125000000000,\"current_cycle\":{\"id\":3}}"),
            _ when path.StartsWith("/v2/contracts/interface/", StringComparison.Ordinal) && path.EndsWith("/nothing", StringComparison.Ordinal) => (404, "No contract interface data found"),
            _ when path.StartsWith("/v2/contracts/interface/", StringComparison.Ordinal) => (200, Interface),
            _ => (404, "not found"),
        };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
