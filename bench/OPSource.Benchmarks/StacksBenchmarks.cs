using System.Diagnostics;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;
using OPSource.TestSupport;

namespace OPSource.Benchmarks;

/// <summary>
/// Stacks transactions, OPSource side by side with @stacks/transactions 7.6.0 in the same run: build + sign +
/// serialize a contract call (6 Clarity arguments, 2 post-conditions, single-sig P2PKH) and parse it back. The
/// stacks.js rows drive a long-running node process (tests/peers/stacks/bench.mjs) that performs
/// <see cref="Batch"/> operations per request, as the OPSource rows do per invocation, so the pipe's round trip
/// is shared by the batch (mean = time per operation on both sides). Setup checks that both sides build the
/// same bytes. Needs the Stacks npm peers (scripts/setup.d/40-stacks.sh).
/// </summary>
[MemoryDiagnoser]
public class StacksBenchmarks : IDisposable
{
    private const int Batch = 50;
    private const string KeyHex = "edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01";
    private const string ContractAddress = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM";

    private StacksPrivateKey _key = null!;
    private ContractCallPayload _payload = null!;
    private PostCondition[] _postConditions = [];
    private string _hex = string.Empty;
    private Process? _node;

    [GlobalSetup]
    public void Setup()
    {
        _key = StacksPrivateKey.Parse(KeyHex);
        ClarityValue[] args =
        [
            Cv.UInt(100_000_000_000),
            Cv.Tuple(("version", Cv.Buffer([4])), ("hashbytes", Cv.Buffer(Hex.Parse("751e76e8199196d454941c45d1b3a323f1433bd6")))),
            Cv.Principal("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"),
            Cv.Some(Cv.Ascii("opsource benchmark")),
            Cv.List(Cv.Int(-1), Cv.Int(2), Cv.Int(3)),
            Cv.Utf8("gr\u00fc\u00dfe"),
        ];
        _payload = new ContractCallPayload(StacksAddress.Parse(ContractAddress), "tokens", "pay", [.. args]);
        _postConditions = [PostConditionText.Parse("stx origin lte 1000000"), PostConditionText.Parse($"ft origin gte 5 {ContractAddress}.tokens::gold")];
        _hex = Hex.Encode(OpsourceBuildSignSerialize());

        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.Combine(Vectors.RepoRoot, "tests", "peers", "stacks"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("bench.mjs");
        psi.ArgumentList.Add("serve");
        _node = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        _node.ErrorDataReceived += (_, _) => { };
        _node.BeginErrorReadLine();
        var theirs = Request(new JsonObject
        {
            ["op"] = "setup",
            ["key"] = KeyHex,
            ["contractAddress"] = ContractAddress,
            ["contractName"] = "tokens",
            ["functionName"] = "pay",
            ["args"] = new JsonArray([.. args.Select(a => (JsonNode)ClarityCodec.ToHex(a))]),
            ["nonce"] = "12",
            ["fee"] = "2000",
            ["postConditions"] = new JsonArray(
                new JsonObject { ["type"] = "stx-postcondition", ["address"] = "origin", ["condition"] = "lte", ["amount"] = "1000000" },
                new JsonObject { ["type"] = "ft-postcondition", ["address"] = "origin", ["condition"] = "gte", ["amount"] = "5", ["asset"] = $"{ContractAddress}.tokens::gold" }),
        });
        if ((string?)theirs["hex"] != _hex)
        {
            throw new InvalidOperationException($"stacks benchmark setup: stacks.js built {theirs["hex"]}, OPSource {_hex}");
        }
    }

    private JsonNode Request(JsonObject request)
    {
        var node = _node ?? throw new InvalidOperationException("node not started");
        node.StandardInput.WriteLine(request.ToJsonString());
        node.StandardInput.Flush();
        var response = JsonNode.Parse(node.StandardOutput.ReadLine() ?? throw new InvalidOperationException("bench.mjs exited"))!;
        return response["error"] is { } error ? throw new InvalidOperationException($"bench.mjs: {error}") : response;
    }

    private byte[] OpsourceBuildSignSerialize()
    {
        var unsigned = TransactionBuilder.Unsigned(StacksNetwork.Testnet, TransactionBuilder.SingleSig(_key.PublicKeyBytes, 12, 2000), _payload, postConditions: _postConditions);
        return TransactionSigner.SignOrigin(unsigned, _key).Serialize();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public byte[] BuildSignSerialize_Opsource()
    {
        byte[] last = [];
        for (int i = 0; i < Batch; i++)
        {
            last = OpsourceBuildSignSerialize();
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public JsonNode BuildSignSerialize_StacksJs() => Request(new JsonObject { ["op"] = "build", ["count"] = Batch });

    [Benchmark(OperationsPerInvoke = Batch)]
    public string Parse_Opsource()
    {
        string txid = string.Empty;
        for (int i = 0; i < Batch; i++)
        {
            txid = TransactionCodec.ParseHex(_hex).TxId;
        }

        return txid;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public JsonNode Parse_StacksJs() => Request(new JsonObject { ["op"] = "parse", ["count"] = Batch, ["hex"] = _hex });

    [GlobalCleanup]
    public void Dispose()
    {
        if (_node is { HasExited: false })
        {
            _node.StandardInput.Close();
            if (!_node.WaitForExit(5000))
            {
                _node.Kill(entireProcessTree: true);
            }
        }

        _node?.Dispose();
        _key?.Dispose();
        GC.SuppressFinalize(this);
    }
}
