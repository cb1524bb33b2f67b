using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource script decode HEX</c> (Bitcoin Core's decodescript: asm, desc, type, address, p2sh,
/// segwit) and <c>script encode ASM</c> (the reverse: ASM as decodescript prints it, to hex).
/// </summary>
internal static class ScriptCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("script", "Decode scripts (like Core's decodescript) and encode ASM to hex");
        command.Add(CreateDecode(globals, output, error));
        command.Add(CreateEncode(globals, output, error));
        return command;
    }

    private static Command CreateDecode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var hexArgument = new Argument<string>("hex") { Description = "The script in hex" + CliInput.Hint };
        var command = new Command("decode", "Decode a script like Core's decodescript: ASM, inferred descriptor, type, address, and its P2SH and segwit wrappings on --network")
        {
            hexArgument,
        }.WithExamples(
            "opsource script decode 76a914751e76e8199196d454941c45d1b3a323f1433bd688ac",
            "opsource script decode 5221...52ae --json --network regtest");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var script = ReadScript(ctx, parse.GetValue(hexArgument), asm: false);
            var network = Network.Get(ctx.Network);
            var json = DecodeScript(script, network);
            ctx.WriteResult(json, w => WriteHuman(w, json));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateEncode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var asmArgument = new Argument<string>("asm") { Description = "The script as ASM: opcodes (OP_DUP), decimal numbers, hex data pushes, [ALL]-style sighash suffixes" + CliInput.Hint };
        var command = new Command("encode", "Encode ASM (as decodescript prints it) to script hex; with --json also the decodescript fields")
        {
            asmArgument,
        }.WithExamples(
            "opsource script encode \"OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG\"",
            "opsource script encode \"2 0279be66...1798 02c6047f...ee5 2 OP_CHECKMULTISIG\" --json",
            "opsource script encode @redeem.asm");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var script = ReadScript(ctx, parse.GetValue(asmArgument), asm: true);
            var network = Network.Get(ctx.Network);
            var json = new JsonObject { ["hex"] = script.ToHex() };
            foreach (var (key, value) in DecodeScript(script, network))
            {
                json[key] = value?.DeepClone();
            }

            ctx.WriteResult(json, w => w.WriteLine(script.ToHex()));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>A script argument: hex, or ASM when <paramref name="asm"/> (inline, '-' or @FILE).</summary>
    internal static Script ReadScript(CliContext ctx, string? value, bool asm)
    {
        var text = CliInput.Text(ctx, value, "script");
        if (asm)
        {
            return ScriptAsm.TryParseAsm(text, out var parsed, out var asmError) ? parsed : throw asmError!.ToException();
        }

        if (!Hex.TryParse(text, out var bytes, out var hexError))
        {
            throw new CliUserException("script: " + hexError + (text.Contains(' ', StringComparison.Ordinal) ? " (ASM? use 'opsource script encode')" : string.Empty), hexError.ToException());
        }

        return new Script(bytes);
    }

    /// <summary>
    /// Core decodescript (rpc/rawtransaction.cpp): ScriptToUniv without hex, then "p2sh" for scripts that
    /// can be wrapped and "segwit" for those that can also be wrapped in segwit v0 (P2WPKH for a key or
    /// key hash, P2WSH otherwise), with that program's own fields and its "p2sh-segwit" address.
    /// </summary>
    internal static JsonObject DecodeScript(Script script, Network network)
    {
        var json = CoreJson.Script(script, network, includeHex: false);
        var match = StandardScripts.Solve(script);
        if (!CanWrap(script, match.Template))
        {
            return json;
        }

        json["p2sh"] = AddressOf(StandardScripts.PayToScriptHash(script), network);
        if (!CanWrapInWitness(match))
        {
            return json;
        }

        var segwit = match.Template switch
        {
            ScriptTemplate.PubKey => StandardScripts.PayToWitnessPubKeyHash(Hash160(match.Solutions[0].Span)),
            ScriptTemplate.PubKeyHash => StandardScripts.PayToWitnessPubKeyHash(match.Solutions[0].Span),
            _ => StandardScripts.PayToWitnessScriptHash(script),
        };
        var inner = CoreJson.Script(segwit, network);
        if (match.Template == ScriptTemplate.Multisig)
        {
            // Core knows the witness script here, so it infers wsh(multi(...)) instead of addr().
            var body = $"wsh(multi({match.RequiredSignatures},{string.Join(',', match.Solutions.Select(k => Hex.Encode(k.Span)))}))";
            inner["desc"] = DescriptorChecksum.TryCompute(body, out var checksum) ? body + "#" + checksum : body;
        }

        inner["p2sh-segwit"] = AddressOf(StandardScripts.PayToScriptHash(segwit), network);
        json["segwit"] = inner;
        return json;
    }

    private static bool CanWrap(Script script, ScriptTemplate template)
    {
        if (template is not (ScriptTemplate.Multisig or ScriptTemplate.NonStandard or ScriptTemplate.PubKey or ScriptTemplate.PubKeyHash
            or ScriptTemplate.WitnessV0KeyHash or ScriptTemplate.WitnessV0ScriptHash))
        {
            return false;
        }

        if (!script.HasValidOps() || script.IsUnspendable)
        {
            return false;
        }

        var pc = 0;
        while (script.TryGetOp(ref pc, out var op, out _))
        {
            // BIP342: OP_CHECKSIGADD and OP_SUCCESSx mean tapscript; such scripts are not wrapped.
            if (op == OpcodeType.OP_CHECKSIGADD || IsOpSuccess((byte)op))
            {
                return false;
            }
        }

        return true;
    }

    // BIP342 OP_SUCCESSx: 80, 98, 126-129, 131-134, 137-138, 141-142, 149-153, 187-254.
    private static bool IsOpSuccess(byte op) =>
        op is 80 or 98 or (>= 126 and <= 129) or (>= 131 and <= 134) or (>= 137 and <= 138) or (>= 141 and <= 142) or (>= 149 and <= 153) or (>= 187 and <= 254);

    private static bool CanWrapInWitness(ScriptTemplateMatch match) => match.Template switch
    {
        // Uncompressed keys cannot be used with segwit checksigs.
        ScriptTemplate.Multisig or ScriptTemplate.PubKey => match.Solutions.All(s => s.Length == 33),
        ScriptTemplate.NonStandard or ScriptTemplate.PubKeyHash => true,
        _ => false,
    };

    private static byte[] Hash160(ReadOnlySpan<byte> data)
    {
        var hash = new byte[20];
        Hashes.Hash160(data, hash);
        return hash;
    }

    private static string AddressOf(Script scriptPubKey, Network network) =>
        Address.TryFromScriptPubKey(scriptPubKey, network, out var address) ? address.ToString() : string.Empty;

    private static void WriteHuman(TextWriter w, JsonObject json)
    {
        w.WriteLine($"asm:      {json["asm"]}");
        w.WriteLine($"type:     {json["type"]}");
        w.WriteLine($"desc:     {json["desc"]}");
        if (json["address"] is { } address)
        {
            w.WriteLine($"address:  {address}");
        }

        if (json["p2sh"] is { } p2sh)
        {
            w.WriteLine($"p2sh:     {p2sh}");
        }

        if (json["segwit"] is JsonObject segwit)
        {
            w.WriteLine($"segwit:   {segwit["address"]} ({segwit["type"]}), p2sh-segwit {segwit["p2sh-segwit"]}");
        }
    }
}
