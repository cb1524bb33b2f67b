using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Miniscript.Policy;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>Named keys ("A", "B", ...) as in rust-miniscript's compiler tests (Concrete&lt;String&gt;).</summary>
internal sealed class NameKeys : IMiniscriptKeyParser<string>, IMiniscriptKeyFormatter<string>
{
    public static readonly NameKeys Instance = new();

    public IEqualityComparer<string> KeyComparer => StringComparer.Ordinal;

    public bool TryParseKey(string text, MiniscriptContext context, [MaybeNullWhen(false)] out string key, [NotNullWhen(false)] out BitcoinError? error)
    {
        key = text;
        error = text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? null : new MiniscriptError(MiniscriptErrorKind.InvalidKey, $"'{text}' is not a key name");
        return error is null;
    }

    public string? Format(string key, MiniscriptContext context) => key;
}

/// <summary>
/// The policy compiler against rust-miniscript's published compiler results (src/policy/compiler.rs
/// tests module, src/policy/mod.rs taproot_compile, src/policy/concrete.rs test_tr_pk_only; read at
/// rust-bitcoin/rust-miniscript 12934f84), and semantically against the policy by truth tables.
/// </summary>
public class PolicyCompilerTests
{
    private static Policy<string> P(string text, MiniscriptContext ctx = MiniscriptContext.P2Wsh) => PolicyParser.Parse(text, NameKeys.Instance, ctx);

    private static MiniscriptNode<string> Compile(string policy, MiniscriptContext ctx, out double cost)
    {
        Assert.True(MiniscriptCompiler.TryCompile(P(policy, ctx), ctx, StringComparer.Ordinal, out var node, out cost, out var error), error?.Message);
        return node;
    }

    private static string Text(MiniscriptNode<string> node) => node.ToString(NameKeys.Instance)!;

    private static MiniscriptError CompileError(string policy, MiniscriptContext ctx = MiniscriptContext.P2Wsh)
    {
        Assert.False(MiniscriptCompiler.TryCompile(P(policy, ctx), ctx, StringComparer.Ordinal, out _, out var error));
        return error!;
    }

    // compiler.rs compile_basic (lines 845-873).
    [Theory]
    [InlineData("pk(A)")]
    [InlineData("and(pk(A),pk(B))")]
    [InlineData("or(pk(A),pk(B))")]
    [InlineData("thresh(2,pk(A),pk(B),pk(C))")]
    [InlineData("or(thresh(1,pk(A),pk(B)),pk(C))")]
    public void Compile_basic(string policy)
    {
        foreach (var ctx in new[] { MiniscriptContext.P2Wsh, MiniscriptContext.Tapscript })
        {
            var node = Compile(policy, ctx, out _);
            Assert.True(node.IsSane);
            PolicySemantics.AssertEquivalent(P(policy, ctx), node);
        }
    }

    [Theory]
    [InlineData("after(9)", "without signatures")]
    [InlineData("older(1)", "without signatures")]
    [InlineData("sha256(1111111111111111111111111111111111111111111111111111111111111111)", "without signatures")]
    [InlineData("thresh(2,after(9),after(9),pk(A))", "without signatures")]
    [InlineData("and(pk(A),or(after(9),after(9)))", "non-malleable")]
    public void Compile_basic_errors(string policy, string expected) =>
        Assert.Contains(expected, CompileError(policy).Message, StringComparison.Ordinal);

    // compiler.rs compile_timelocks (lines 823-841).
    [Fact]
    public void Compile_timelocks()
    {
        Assert.False(PolicyParser.TryParse("and(pk(A),and(after(9),after(1000000000)))", NameKeys.Instance, MiniscriptContext.P2Wsh, out _, out var error));
        Assert.Contains("heights and times", error!.Message, StringComparison.Ordinal);
        Compile("and(pk(A),or(and(after(9),pk(B)),and(after(1000000000),pk(C))))", MiniscriptContext.P2Wsh, out _);
    }

    // compiler.rs compile_q (lines 875-893): the exact costs rust-miniscript's compiler reaches (Tap context).
    [Fact]
    public void Compile_q_costs()
    {
        Compile("or(1@and(pk(A),pk(B)),127@pk(C))", MiniscriptContext.Tapscript, out var cost);
        Assert.Equal(87.0 + 67.0390625, cost);
        const string big = "and(and(and(or(127@thresh(2,pk(A),pk(B),thresh(2,or(127@pk(A),1@pk(B)),after(100),or(and(pk(C),after(200)),and(pk(D),sha256(66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925))),pk(E))),1@pk(F)),sha256(66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925)),or(127@pk(G),1@after(300))),or(127@after(400),pk(H)))";

        // rust parses this with Concrete<String> but compiles via best_t directly (no duplicate-key check): A and B repeat.
        Assert.False(PolicyParser.TryParse(big, NameKeys.Instance, MiniscriptContext.Tapscript, out _, out _));
    }

    // compiler.rs compile_misc (lines 895-1000), with named keys K0..K9.
    [Fact]
    public void Compile_misc()
    {
        Assert.Equal("pk(K0)", Text(Compile("pk(K0)", MiniscriptContext.P2Wsh, out _)));

        // CSV reordering trick: <2> K5 K6 K7 <3> CHECKMULTISIGVERIFY <10000> CSV.
        Assert.Equal("and_v(v:multi(2,K5,K6,K7),older(10000))", Text(Compile("and(older(10000),thresh(2,pk(K5),pk(K6),pk(K7)))", MiniscriptContext.P2Wsh, out _)));

        // Liquid policy.
        var liquid = Compile("or(127@thresh(3,pk(K0),pk(K1),pk(K2),pk(K3),pk(K4)),1@and(older(10000),thresh(2,pk(K5),pk(K6),pk(K7))))", MiniscriptContext.P2Wsh, out _);
        Assert.Equal("or_d(multi(3,K0,K1,K2,K3,K4),and_v(v:thresh(2,pkh(K5),a:pkh(K6),a:pkh(K7)),older(10000)))", Text(liquid));
    }

    // compiler.rs compile_thresh (lines 1002-1047).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compile_small_thresh_to_multi(int k) =>
        Assert.Equal($"multi({k},K0,K1,K2,K3)", Text(Compile($"thresh({k},pk(K0),pk(K1),pk(K2),pk(K3))", MiniscriptContext.P2Wsh, out _)));

    [Theory]
    [InlineData(10)]
    [InlineData(15)]
    [InlineData(21)]
    public void Compile_big_thresh(int k)
    {
        var keys = Enumerable.Range(0, 21).Select(i => $"K{i}").ToList();
        var node = Compile($"thresh({k}," + string.Join(',', keys.Select(x => $"pk({x})")) + ")", MiniscriptContext.P2Wsh, out _);
        if (k == 21)
        {
            // N * (PUSH + pubkey + CHECKSIGVERIFY).
            Assert.Equal(keys.Count * (1 + 33 + 1), node.ScriptSize);
        }
        else
        {
            // N * (PUSH + pubkey + CHECKSIG + ADD + SWAP) + N EQUAL, minus one SWAP and one ADD.
            Assert.Equal((keys.Count * (1 + 33 + 3)) + MiniscriptRulesSize(k) + 1 - 2, node.ScriptSize);
            Assert.Equal($"thresh({k},pk(K0)," + string.Join(',', keys.Skip(1).Select(x => $"s:pk({x})")) + ")", Text(node));
        }
    }

    private static int MiniscriptRulesSize(long k) => k <= 16 ? 1 : 2;

    // compiler.rs segwit_limits_1 / segwit_limits_2 / shared_limits (lines 1049-1135).
    [Fact]
    public void Segwit_limits()
    {
        string Keys(int from, int count) => string.Join(',', Enumerable.Range(from, count).Select(i => $"pk(K{i})"));
        Assert.Contains("limits", CompileError($"or(thresh(52,{Keys(0, 52)}),thresh(52,{Keys(52, 52)}))").Message, StringComparison.Ordinal);
        // rust-miniscript counts the witness script among the 100 standard stack items and refuses
        // 100-of-100; Core's policy (IsWitnessStandard: stack.size() - 1 > 100) and type checker allow
        // 100 signatures, so here 100-of-100 compiles and 101-of-101 is refused.
        Assert.Equal(100, Compile($"thresh(100,{Keys(0, 100)})", MiniscriptContext.P2Wsh, out _).MaxStackSize);
        Assert.Contains("limits", CompileError($"thresh(101,{Keys(0, 101)})").Message, StringComparison.Ordinal);
        Assert.Contains("limits", CompileError($"thresh(67,{Keys(0, 68)})").Message, StringComparison.Ordinal);
        Assert.False(PolicyParser.TryParse("or(pk(K0),pk(K0))", NameKeys.Instance, MiniscriptContext.P2Wsh, out _, out var error));
        Assert.Contains("same key twice", error!.Message, StringComparison.Ordinal);
    }

    // compiler.rs compile_tr_thresh (lines 1137-1151).
    [Theory]
    [InlineData(1, "multi_a(1,B,C,D)")]
    [InlineData(2, "multi_a(2,B,C,D)")]
    [InlineData(3, "and_v(v:and_v(v:pk(B),pk(C)),pk(D))")]
    public void Compile_tr_thresh(int k, string expected) =>
        Assert.Equal(expected, Text(Compile($"thresh({k},pk(B),pk(C),pk(D))", MiniscriptContext.Tapscript, out _)));

    private static TaprootCompilation<string> CompileTr(string policy, string? unspendable)
    {
        Assert.True(MiniscriptCompiler.TryCompileTaproot(P(policy, MiniscriptContext.Tapscript), unspendable is null ? null : () => unspendable,
            StringComparer.Ordinal, StringComparer.Ordinal, out var result, out var error), error?.Message);
        return result;
    }

    // policy/mod.rs taproot_compile (lines 374-470).
    [Fact]
    public void Taproot_compile()
    {
        Assert.Equal("tr(UNSPENDABLE,multi_a(2,A,B,C,D))", CompileTr("thresh(2,pk(A),pk(B),pk(C),pk(D))", "UNSPENDABLE").ToDescriptor(NameKeys.Instance));
        Assert.Equal("tr(UNSPENDABLE,{and_v(v:pk(C),pk(D)),and_v(v:pk(A),pk(B))})", CompileTr("or(and(pk(A),pk(B)),and(pk(C),pk(D)))", "UNSPENDABLE").ToDescriptor(NameKeys.Instance));
        Assert.False(PolicyParser.TryParse("or(and(pk(A),pk(B)),and(pk(A),pk(D)))", NameKeys.Instance, MiniscriptContext.Tapscript, out _, out _));

        // Non-trivial multi-node compilation: leaves in a Huffman tree by probability, pk(E) becomes the internal key.
        string[] nodes =
        [
            "and(pk(A),pk(B))", "and(pk(C),older(12960))", "pk(D)", "pk(E)", "thresh(3,pk(F),pk(G),pk(H))",
            "and(and(or(2@pk(I),1@pk(J)),or(1@pk(K),20@pk(L))),pk(M))", "pk(N)",
        ];
        double[] probs = [0.12000002, 0.28, 0.08, 0.12, 0.19, 0.18999998, 0.02];
        var policy = $"or(4@or(3@{nodes[0]},7@{nodes[1]}),6@thresh(1,or(4@{nodes[2]},6@{nodes[3]}),{nodes[4]},or(9@{nodes[5]},1@{nodes[6]})))";
        var result = CompileTr(policy, "UNSPENDABLE");
        Assert.Equal("E", result.InternalKey);
        var sorted = nodes.Zip(probs).OrderBy(x => x.Second).Select(x => x.First).ToList();
        string Leaf(int i) => Text(Compile(sorted[i], MiniscriptContext.Tapscript, out _));
        var expected = "tr(E,{{" + Leaf(4) + "," + Leaf(5) + "},{{{" + Leaf(0) + "," + Leaf(1) + "}," + Leaf(3) + "}," + Leaf(6) + "}})";
        Assert.Equal(expected, result.ToDescriptor(NameKeys.Instance));
    }

    // concrete.rs test_tr_pk_only: pk(A) becomes the internal key, no tree.
    [Fact]
    public void Tr_pk_only() => Assert.Equal("tr(A)", CompileTr("pk(A)", null).ToDescriptor(NameKeys.Instance));

    // Without a key in a top-level disjunct and without an unspendable key there is no internal key.
    [Fact]
    public void Tr_needs_an_internal_key() =>
        Assert.False(MiniscriptCompiler.TryCompileTaproot(P("and(pk(A),pk(B))", MiniscriptContext.Tapscript), null, StringComparer.Ordinal, StringComparer.Ordinal, out _, out _));
}
