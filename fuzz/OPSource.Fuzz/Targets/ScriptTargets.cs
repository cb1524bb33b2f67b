using System.Text.Json.Nodes;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Fuzz.Targets;

/// <summary>Script text forms: Core's ParseScript syntax, decodescript's ASM, and raw script bytes.</summary>
internal static class ScriptTargets
{
    public static FuzzTarget ScriptAsm { get; } = new(
        "script-asm",
        "selector byte: 0 ParseScript syntax, 1 ASM text (ScriptAsm.TryParseAsm), 2 raw script bytes; ASM -> script -> ASM is the identity, templates and sigop counts never throw",
        Run,
        SeedInputs);

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 3;
        var rest = reader.Rest();
        switch (selector)
        {
            case 0:
                if (Bitcoin.Scripts.ScriptAsm.TryParse(FuzzText.Decode(rest), out var script, out var error))
                {
                    ExerciseScript(script);
                }
                else
                {
                    FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "TryParse failed without an error message");
                }

                break;
            case 1:
                if (Bitcoin.Scripts.ScriptAsm.TryParseAsm(FuzzText.Decode(rest), out var parsed, out var asmError))
                {
                    ExerciseScript(parsed);
                }
                else
                {
                    FuzzOracleException.Check(!string.IsNullOrEmpty(asmError?.Message), "TryParseAsm failed without an error message");
                }

                break;
            default:
                ExerciseScript(new Script(rest));
                break;
        }
    }

    /// <summary>ASM round trips (plain and with sighash decoding), templates, sigops.</summary>
    internal static void ExerciseScript(Script script)
    {
        foreach (var decode in (ReadOnlySpan<bool>)[false, true])
        {
            var asm = Bitcoin.Scripts.ScriptAsm.ToAsm(script, decode);
            // "[error]" (truncated push) and "OP_UNKNOWN" (undefined opcode) have no encoding: refused.
            if (asm.Contains("[error]", StringComparison.Ordinal) || asm.Contains("OP_UNKNOWN", StringComparison.Ordinal))
            {
                FuzzOracleException.Check(!Bitcoin.Scripts.ScriptAsm.TryParseAsm(asm, out _, out _), "ASM with [error] or OP_UNKNOWN parsed");
                continue;
            }

            if (!Bitcoin.Scripts.ScriptAsm.TryParseAsm(asm, out var again, out var error))
            {
                throw new FuzzOracleException($"ToAsm output does not parse back ({error}): {asm}");
            }

            // ScriptToAsmStr decodes sighash types only in spendable scripts, so compare like with like.
            if (again.IsUnspendable == script.IsUnspendable)
            {
                FuzzOracleException.Equal(asm, Bitcoin.Scripts.ScriptAsm.ToAsm(again, decode), "ASM(parse(ASM(script)))");
            }
        }

        var match = StandardScripts.Solve(script);
        FuzzOracleException.Check(match.Template == StandardScripts.Detect(script), "Solve and Detect disagree");
        _ = script.IsPushOnly();
        _ = script.GetSigOpCount(true);
        _ = script.GetSigOpCount(false);
        _ = script.HasValidOps();
        _ = script.IsWitnessProgram();
        _ = script.IsUnspendable;
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        // Core script_tests.json rows: [[witness..., amount]?, scriptSig, scriptPubKey, flags, error, comment?].
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "script_tests.json").AsArray().OfType<JsonArray>().Where(r => r.Count > 1).Take(400))
        {
            var offset = row[0] is JsonArray ? 1 : 0;
            foreach (var text in new[] { (string?)row[offset], (string?)row[offset + 1] })
            {
                if (text is null)
                {
                    continue;
                }

                yield return [0, .. FuzzText.Encode(text)];
                if (Bitcoin.Scripts.ScriptAsm.TryParse(text, out var script, out _))
                {
                    yield return [1, .. FuzzText.Encode(Bitcoin.Scripts.ScriptAsm.ToAsm(script, true))];
                    yield return [2, .. script.ToBytes()];
                }
            }
        }

        // Core rpc_decodescript.json: [hex, {asm, ...}].
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "functional-data", "rpc_decodescript.json").AsArray())
        {
            yield return [2, .. Seeds.Hex((string?)row![0])];
            yield return [1, .. FuzzText.Encode((string?)row[1]!["asm"] ?? string.Empty)];
        }
    }
}
