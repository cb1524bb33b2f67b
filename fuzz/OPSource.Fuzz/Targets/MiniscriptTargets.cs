using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Fuzz.Targets;

/// <summary>BIP379 miniscript text and scripts (Core's miniscript_string and miniscript_script fuzz targets).</summary>
internal static class MiniscriptTargets
{
    public static FuzzTarget Miniscript { get; } = new(
        "miniscript",
        "selector byte: bit 0 the context (P2WSH, Tapscript), bit 1 the form (text, script bytes); text -> node -> text and node -> script -> node -> script are identities, the script size matches, every property and Core's sanity checks never throw",
        Run,
        SeedInputs);

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte();
        var context = (selector & 1) == 0 ? MiniscriptContext.P2Wsh : MiniscriptContext.Tapscript;
        var rest = reader.Rest();
        if ((selector & 2) == 0)
        {
            var text = FuzzText.Decode(rest);
            if (!Miniscripts.TryParse(text, context, out var node, out var error, MiniscriptChecks.Syntax))
            {
                FuzzOracleException.Check(error is not null, "TryParse failed without an error");
                return;
            }

            var printed = node.ToString(MiniscriptPublicKeys.Default);
            if (printed is not null)
            {
                if (!Miniscripts.TryParse(printed, context, out var again, out var againError, MiniscriptChecks.Syntax))
                {
                    throw new FuzzOracleException($"printed miniscript '{printed}' does not parse back: {againError}");
                }

                FuzzOracleException.Equal(printed, again.ToString(MiniscriptPublicKeys.Default), "miniscript text round trip");
            }

            Exercise(node);
        }
        else
        {
            var script = new Script(rest);
            if (Miniscripts.TryFromScript(script, context, out var node, out var error))
            {
                // Core miniscript_script: a decoded script encodes back to the same bytes.
                FuzzOracleException.Equal(rest, node.ToScript(MiniscriptPublicKeys.Default).Span, "miniscript script round trip");
                Exercise(node);
            }
            else
            {
                FuzzOracleException.Check(error is not null, "TryFromScript failed without an error");
            }
        }
    }

    private static void Exercise(MiniscriptNode<Crypto.Secp256k1.PublicKey> node)
    {
        var script = node.ToScript(MiniscriptPublicKeys.Default);
        FuzzOracleException.Check(node.ScriptSize == script.Length, $"ScriptSize {node.ScriptSize} != encoded length {script.Length}");
        _ = node.IsValid;
        _ = node.IsValidTopLevel;
        _ = node.IsNonMalleable;
        _ = node.NeedsSignature;
        _ = node.CheckTimeLocksMix;
        _ = node.MaxStackSize;
        _ = node.Type.ToString();
        _ = Miniscripts.Check(node, MiniscriptChecks.Sane, MiniscriptPublicKeys.Default);
        if (node.IsValid && Miniscripts.TryFromScript(script, node.Context, out var decoded, out _))
        {
            FuzzOracleException.Equal(script.Span, decoded.ToScript(MiniscriptPublicKeys.Default).Span, "decode(encode(node)) encodes the same");
        }
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        // Keys from BIP340's vectors (valid x coordinates; 02-prefixed for P2WSH), hashes of zeros.
        var keys = File.ReadLines(Path.Combine(vectors, "bips", "bip340_test-vectors.csv")).Skip(1)
            .Select(l => l.Split(',')).Where(c => c.Length > 2 && c[2].Length == 64).Select(c => c[2].ToLowerInvariant()).Distinct().Take(3).ToArray();
        var (a, b, c) = (keys[0], keys[1], keys[2]);
        var h32 = new string('0', 63) + "1";
        var h20 = new string('0', 39) + "1";
        string[] p2wsh =
        [
            $"pk(02{a})", $"and_v(v:pk(02{a}),older(144))", $"or_d(pk(02{a}),and_v(v:pk(02{b}),older(1000)))",
            $"thresh(2,pk(02{a}),s:pk(02{b}),s:pk(02{c}))", $"multi(2,02{a},02{b},02{c})", $"and_v(v:sha256({h32}),pk(02{a}))",
            $"andor(pk(02{a}),after(500000),pk(02{b}))", $"or_i(pk(02{a}),and_v(v:hash160({h20}),pk(02{b})))",
            $"c:pk_h(02{a})", $"and_b(pk(02{a}),a:pk(02{b}))", $"or_b(pk(02{a}),s:pk(02{b}))", $"j:and_v(v:pk(02{a}),n:older(2))",
            $"t:or_c(pk(02{a}),v:pk(02{b}))", $"l:pk(02{a})", $"u:pk(02{a})", $"d:v:older(1)",
        ];
        string[] tapscript = [$"pk({a})", $"multi_a(2,{a},{b},{c})", $"and_v(v:pk({a}),after(800000))", $"or_d(pk({a}),and_v(v:pk({b}),older(4032)))"];
        foreach (var (context, texts) in new[] { (MiniscriptContext.P2Wsh, p2wsh), (MiniscriptContext.Tapscript, tapscript) })
        {
            var bit = context == MiniscriptContext.P2Wsh ? 0 : 1;
            foreach (var text in texts)
            {
                yield return [(byte)bit, .. FuzzText.Encode(text)];
                if (Miniscripts.TryParse(text, context, out var node, out _, MiniscriptChecks.Syntax))
                {
                    yield return [(byte)(bit | 2), .. node.ToScript(MiniscriptPublicKeys.Default).ToBytes()];
                }
            }
        }
    }
}
