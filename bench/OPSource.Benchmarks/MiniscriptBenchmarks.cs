using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Miniscript.Policy;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Benchmarks;

/// <summary>
/// Miniscript (issue 10): parsing and type-checking a 50-fragment P2WSH miniscript, compiling a
/// 5-key decaying-multisig policy and computing its satisfactions (Core's Satisfy: every candidate
/// witness of every sub-expression, the smallest non-malleable one chosen). Baseline: the parse.
/// </summary>
[MemoryDiagnoser]
public class MiniscriptBenchmarks
{
    // 3 of 5 keys, decaying to 2 of 5 after 4320 blocks (~30 days) and 1 of 5 after 8640 blocks.
    private const string DecayingPolicy = "thresh(3,pk(K1),pk(K2),pk(K3),pk(K4),pk(K5),older(4320),older(8640))";

    private PublicKey[] _keys = [];
    private string _fifty = string.Empty;
    private Policy<PublicKey> _policy = null!;
    private MiniscriptNode<PublicKey> _decaying = null!;
    private MiniscriptSpendData _threeSignatures = null!;
    private MiniscriptSpendData _oneSignatureAfterDecay = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = new PublicKey[10];
        for (var i = 0; i < _keys.Length; i++)
        {
            var secret = new byte[32];
            secret[31] = (byte)(i + 1);
            using var key = SecretKey.Create(secret);
            _keys[i] = key.PublicKey;
        }

        string K(int i) => Hex.Encode(_keys[i].ToCompressed());
        string Thresh(int k, int first, int count, params uint[] olders) =>
            $"thresh({k},pk({K(first)})" + string.Concat(Enumerable.Range(first + 1, count - 1).Select(i => $",s:pk({K(i)})"))
            + string.Concat(olders.Select(o => $",sln:older({o})")) + ")";

        // andor(1) + pk (2) + a 25-node and a 22-node threshold: 50 fragments (Core's node count, wrappers included).
        _fifty = $"andor(pk({K(0)}),{Thresh(3, 1, 5, 4320, 8640)},{Thresh(2, 6, 4, 144, 1008)})";
        var count = Miniscripts.Parse(_fifty, MiniscriptContext.P2Wsh).Nodes().Count();
        if (count != 50)
        {
            throw new InvalidOperationException($"the benchmark miniscript has {count} fragments, not 50");
        }

        var policyText = DecayingPolicy;
        for (var i = 1; i <= 5; i++)
        {
            policyText = policyText.Replace($"K{i})", K(i - 1) + ")", StringComparison.Ordinal);
        }

        _policy = PolicyParser.TryParse(policyText, MiniscriptContext.P2Wsh, out var policy, out var error) ? policy : throw error.ToException();
        _decaying = MiniscriptCompiler.TryCompile(_policy, MiniscriptContext.P2Wsh, out var node, out error) ? node : throw error.ToException();

        // Signatures are opaque to the satisfier: 72-byte stand-ins (DER maximum plus the sighash byte).
        _threeSignatures = new MiniscriptSpendData(MiniscriptContext.P2Wsh) { Sequence = 0 };
        for (var i = 0; i < 3; i++)
        {
            _threeSignatures.AddSignature(_keys[i], new byte[72]);
        }

        _oneSignatureAfterDecay = new MiniscriptSpendData(MiniscriptContext.P2Wsh) { Sequence = 8640 };
        _oneSignatureAfterDecay.AddSignature(_keys[4], new byte[72]);
        if (_decaying.Satisfy(_threeSignatures).Availability != MiniscriptAvailability.Yes
            || _decaying.Satisfy(_oneSignatureAfterDecay).Availability != MiniscriptAvailability.Yes)
        {
            throw new InvalidOperationException("the decaying multisig is not satisfiable with the benchmark's material");
        }
    }

    [Benchmark(Baseline = true)]
    public object Parse_and_typecheck_50_fragments() => Miniscripts.Parse(_fifty, MiniscriptContext.P2Wsh);

    [Benchmark]
    public object Compile_decaying_multisig_policy() =>
        MiniscriptCompiler.TryCompile(_policy, MiniscriptContext.P2Wsh, out var node, out _) ? node : throw new InvalidOperationException();

    [Benchmark]
    public object Satisfy_decaying_multisig_3_signatures() => _decaying.Satisfy(_threeSignatures);

    [Benchmark]
    public object Satisfy_decaying_multisig_1_signature_after_decay() => _decaying.Satisfy(_oneSignatureAfterDecay);
}
