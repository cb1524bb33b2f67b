using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Miniscript.Policy;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource miniscript parse|compile|satisfy</c>: BIP379 miniscript with hex public keys (docs/miniscript.md).
/// Descriptors with key expressions (xpubs, origins) go through <c>opsource descriptor</c>.
/// </summary>
internal static class MiniscriptCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("miniscript", "Miniscript (BIP379): type-check, compile policies, compute witnesses");
        command.Add(CreateParse(globals, output, error));
        command.Add(CreateCompile(globals, output, error));
        command.Add(CreateSatisfy(globals, output, error));
        return command;
    }

    private static Option<string?> ContextOption(string description) => new("--context", "-c") { Description = description };

    private static MiniscriptContext ParseContext(string? text) => (text ?? "wsh").ToLowerInvariant() switch
    {
        "wsh" or "p2wsh" or "segwitv0" => MiniscriptContext.P2Wsh,
        "tap" or "tapscript" => MiniscriptContext.Tapscript,
        _ => throw new CliUserException($"--context: '{CliOptions.Shorten(text!)}' is not a miniscript context; use wsh or tapscript"),
    };

    private static string ContextName(MiniscriptContext context) => context == MiniscriptContext.Tapscript ? "tapscript" : "p2wsh";

    private static MiniscriptNode<PublicKey> ParseMiniscript(string text, MiniscriptContext context) =>
        Miniscripts.TryParse(text, context, out var node, out var error, MiniscriptChecks.Valid)
            ? node
            : throw new CliUserException("miniscript: " + error.Message);

    private static string Format(MiniscriptNode<PublicKey> node) => node.ToString(MiniscriptPublicKeys.Default)!;

    private static string KeyHex(PublicKey key, MiniscriptContext context) => Hex.Encode(MiniscriptPublicKeys.Default.ToPushBytes(key, context));

    /// <summary>
    /// Everything the type system and the encoder know about a valid miniscript: Core's type letters,
    /// the sanity checks (IsSane), the script and the resource bounds (GetWitnessSize, GetStackSize, GetOps).
    /// </summary>
    internal static JsonObject Describe(MiniscriptNode<PublicKey> node, Network network)
    {
        var script = node.ToScript(MiniscriptPublicKeys.Default);
        var reason = node.IsSane ? null : node.InsanityReason(MiniscriptPublicKeys.Default);
        var keys = new JsonArray();
        foreach (var key in node.AllKeys().Select(k => KeyHex(k, node.Context)).Distinct(StringComparer.Ordinal))
        {
            keys.Add((JsonNode)key);
        }

        var json = new JsonObject
        {
            ["miniscript"] = Format(node),
            ["context"] = ContextName(node.Context),
            ["type"] = node.Type.ToString(),
            ["basic_type"] = node.Type.BasicType?.ToString(),
            ["sane"] = node.IsSane,
            ["insane_reason"] = reason,
            ["non_malleable"] = node.IsNonMalleable,
            ["needs_signature"] = node.NeedsSignature,
            ["no_timelock_mix"] = node.CheckTimeLocksMix,
            ["no_duplicate_keys"] = node.CheckDuplicateKey,
            ["satisfiable"] = !node.IsNotSatisfiable,
            ["script_asm"] = script.ToString(),
            ["script_hex"] = script.ToHex(),
            ["script_size"] = node.ScriptSize,
            ["max_witness_size"] = node.MaxWitnessSize,
            ["max_witness_elements"] = node.MaxStackSize,
            ["max_ops"] = node.MaxOps,
            ["keys"] = keys,
            ["older"] = Values(node, Fragment.Older),
            ["after"] = Values(node, Fragment.After),
        };
        if (node.Context == MiniscriptContext.P2Wsh)
        {
            // A P2WSH miniscript with hex keys is a descriptor by itself (BIP379 wsh()).
            AddDescriptor(json, "wsh(" + Format(node) + ")", network);
        }

        return json;
    }

    private static JsonArray Values(MiniscriptNode<PublicKey> node, Fragment fragment)
    {
        var values = new JsonArray();
        foreach (var k in node.Nodes().Where(n => n.Fragment == fragment).Select(n => n.K).Distinct().Order())
        {
            values.Add((JsonNode)k);
        }

        return values;
    }

    private static void AddDescriptor(JsonObject json, string body, Network network)
    {
        // Through the descriptor parser: the address comes from the same code wallets use.
        if (!Descriptor.TryParse(body, network, out var descriptor, out var parseError))
        {
            throw new InvalidOperationException("a miniscript that type-checks is not a valid descriptor: " + parseError);
        }

        using (descriptor)
        {
            json["descriptor"] = descriptor.ToString();
            json["address"] = descriptor.GetAddresses(0, network)[0].ToString();
        }
    }

    private static void WriteHuman(TextWriter w, JsonObject json, string indent = "")
    {
        static string Yes(JsonNode? node) => (bool)node! ? "yes" : "no";
        static string OrNone(JsonNode? node) => node is null ? "-" : node.ToString();
        w.WriteLine($"{indent}miniscript:        {json["miniscript"]}");
        w.WriteLine($"{indent}context:           {json["context"]}");
        w.WriteLine($"{indent}type:              {json["type"]}");
        w.WriteLine($"{indent}sane:              {Yes(json["sane"])}{(json["insane_reason"] is { } r ? " (" + r + ")" : string.Empty)}");
        w.WriteLine($"{indent}non-malleable:     {Yes(json["non_malleable"])}");
        w.WriteLine($"{indent}needs a signature: {Yes(json["needs_signature"])}");
        w.WriteLine($"{indent}script size:       {json["script_size"]} bytes");
        w.WriteLine($"{indent}max witness size:  {OrNone(json["max_witness_size"])} bytes ({OrNone(json["max_witness_elements"])} elements)");
        w.WriteLine($"{indent}max ops:           {OrNone(json["max_ops"])}");
        w.WriteLine($"{indent}asm:               {json["script_asm"]}");
        w.WriteLine($"{indent}hex:               {json["script_hex"]}");
        if (json["descriptor"] is { } descriptor)
        {
            w.WriteLine($"{indent}descriptor:        {descriptor}");
            w.WriteLine($"{indent}address:           {json["address"]}");
        }
    }

    private static Command CreateParse(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var expression = new Argument<string>("miniscript") { Description = "Miniscript with hex public keys, or with --from-script a hex script" + CliInput.Hint };
        var context = ContextOption("wsh (P2WSH, default) or tapscript (BIP342 leaf: x-only keys, multi_a)");
        var fromScript = new Option<bool>("--from-script") { Description = "The argument is a script (hex) to decode into the miniscript it encodes" };
        var command = new Command("parse", "Type-check a miniscript: type and properties, sanity, script (ASM and hex), size and witness bounds")
        {
            expression, context, fromScript,
        }.WithExamples(
            "opsource miniscript parse \"or_d(pk(KEY1),and_v(v:pk(KEY2),older(12960)))\"",
            "opsource miniscript parse \"and_v(v:multi_a(2,XONLY1,XONLY2),after(900000))\" --context tapscript --json",
            "opsource miniscript parse --from-script @witness_script.hex");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var ms = ParseContext(parse.GetValue(context));
            var text = CliInput.Text(ctx, parse.GetValue(expression), "miniscript");
            MiniscriptNode<PublicKey> node;
            if (parse.GetValue(fromScript))
            {
                if (!Hex.TryParse(text, out var bytes, out var hexError))
                {
                    throw new CliUserException("script: " + hexError);
                }

                if (!Miniscripts.TryFromScript(new Script(bytes), ms, out var decoded, out var decodeError))
                {
                    throw new CliUserException("script: not a miniscript: " + decodeError.Message);
                }

                if (Miniscripts.Check(decoded, MiniscriptChecks.Valid, MiniscriptPublicKeys.Default) is { } invalid)
                {
                    throw new CliUserException("script: " + invalid.Message);
                }

                node = decoded;
            }
            else
            {
                node = ParseMiniscript(text, ms);
            }

            var json = Describe(node, network);
            ctx.WriteResult(json, w => WriteHuman(w, json));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateCompile(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var policyArgument = new Argument<string>("policy") { Description = "A policy: pk(K), after(N), older(N), sha256(H), hash256(H), ripemd160(H), hash160(H), and(X,Y), or([W@]X,[W@]Y), thresh(k,...)" + CliInput.Hint };
        var context = ContextOption("wsh (P2WSH miniscript, default), tapscript (one leaf) or tr (internal key and a tree of leaves)");
        var unspendable = new Option<string?>("--unspendable-key")
        {
            Description = "tr: the x-only internal key when no key of the policy can be one (default: BIP341's NUMS point H, "
                + MiniscriptCompiler.UnspendableKeyHex[..8] + "...)",
        };
        var command = new Command("compile", "Compile a policy into the miniscript with the smallest expected spending cost (P2WSH, a Tapscript leaf, or tr())")
        {
            policyArgument, context, unspendable,
        }.WithExamples(
            "opsource miniscript compile \"or(99@thresh(2,pk(A),pk(B),pk(C)),1@and(pk(R),older(26280)))\"",
            "opsource miniscript compile \"or(9@pk(A),1@and(pk(B),after(900000)))\" --context tr --json",
            "opsource miniscript compile @treasury.policy --context tapscript");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var contextText = (parse.GetValue(context) ?? "wsh").ToLowerInvariant();
            var text = CliInput.Text(ctx, parse.GetValue(policyArgument), "policy");
            if (contextText is "tr" or "taproot")
            {
                return CompileTaproot(ctx, text, parse.GetValue(unspendable), network);
            }

            if (parse.GetValue(unspendable) is not null)
            {
                throw new CliUserException("--unspendable-key: only used with --context tr");
            }

            var ms = ParseContext(contextText);
            if (!PolicyParser.TryParse(text, ms, out var policy, out var policyError))
            {
                throw new CliUserException("policy: " + policyError.Message);
            }

            if (!MiniscriptCompiler.TryCompile(policy, ms, out var node, out var compileError))
            {
                throw new CliUserException(compileError.Message);
            }

            var json = Describe(node, network);
            json["policy"] = policy.ToString(k => KeyHex(k, ms));
            ctx.WriteResult(json, w => WriteHuman(w, json));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static int CompileTaproot(CliContext ctx, string text, string? unspendableText, Network network)
    {
        const MiniscriptContext tap = MiniscriptContext.Tapscript;
        if (!MiniscriptPublicKeys.Default.TryParseKey(unspendableText ?? MiniscriptCompiler.UnspendableKeyHex, tap, out var unspendable, out var keyError))
        {
            throw new CliUserException("--unspendable-key: " + keyError);
        }

        if (!PolicyParser.TryParse(text, tap, out var policy, out var policyError))
        {
            throw new CliUserException("policy: " + policyError.Message);
        }

        if (!MiniscriptCompiler.TryCompileTaproot(policy, unspendable, out var result, out var compileError))
        {
            throw new CliUserException(compileError.Message);
        }

        var leaves = new JsonArray();
        foreach (var (depth, leaf, probability) in result.Tree?.Leaves() ?? Enumerable.Empty<(int, MiniscriptNode<PublicKey>, double)>())
        {
            var item = Describe(leaf, network);
            item["depth"] = depth;
            item["probability"] = Math.Round(probability, 6);
            leaves.Add((JsonNode)item);
        }

        var json = new JsonObject
        {
            ["policy"] = policy.ToString(k => KeyHex(k, tap)),
            ["context"] = "tr",
            ["internal_key"] = KeyHex(result.InternalKey, tap),
            ["internal_key_from_policy"] = result.InternalKeyFromPolicy,
            ["leaves"] = leaves,
        };
        AddDescriptor(json, result.ToDescriptor(MiniscriptPublicKeys.Default)!, network);
        ctx.WriteResult(json, w =>
        {
            w.WriteLine($"descriptor:   {json["descriptor"]}");
            w.WriteLine($"address:      {json["address"]}");
            w.WriteLine($"internal key: {json["internal_key"]}{(result.InternalKeyFromPolicy ? string.Empty : " (unspendable: no key-only spend)")}");
            foreach (var leaf in leaves)
            {
                w.WriteLine();
                w.WriteLine($"leaf at depth {leaf!["depth"]} (probability {((double)leaf["probability"]!).ToString("0.######", CultureInfo.InvariantCulture)}):");
                WriteHuman(w, leaf.AsObject(), "  ");
            }
        });
        return CliApp.ExitOk;
    }

    private static Command CreateSatisfy(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var expression = new Argument<string>("miniscript") { Description = "Miniscript with hex public keys" + CliInput.Hint };
        var context = ContextOption("wsh (P2WSH, default) or tapscript");
        var keyOption = new Option<string[]>("--key", "-k") { Description = "A public key that will sign (hex; the witness holds a maximum-size placeholder <sig:KEY>); repeat for several" };
        var sigOption = new Option<string[]>("--sig") { Description = "KEY=SIGNATURE: a signature already made (hex: DER + sighash byte in P2WSH, 64/65-byte BIP340 in Tapscript); repeat for several" };
        var preimageOption = new Option<string[]>("--preimage", "-p") { Description = "A known 32-byte preimage (hex) for sha256/hash256/ripemd160/hash160; repeat for several" };
        var sequenceOption = new Option<string?>("--sequence", "--age")
        {
            Description = "The spending input's nSequence (BIP68: blocks, or 512-second units with bit 22): which older(N) are met; default none",
        };
        var lockTimeOption = new Option<string?>("--locktime") { Description = "The spending transaction's nLockTime (height or Unix time): which after(N) are met; default none" };
        var command = new Command("satisfy", "The witness Core would produce from the given signers, signatures, preimages and timelocks: smallest non-malleable satisfaction; exit 1 when there is none")
        {
            expression, context, keyOption, sigOption, preimageOption, sequenceOption, lockTimeOption,
        }.WithExamples(
            "opsource miniscript satisfy \"or_d(pk(A),and_v(v:pk(B),older(144)))\" --key B --age 144",
            "opsource miniscript satisfy \"and_v(v:pk(A),sha256(H))\" --sig A=3044...01 --preimage PREIMAGE --json",
            "opsource miniscript satisfy @leaf.ms --context tapscript --key X1 --key X2 --locktime 900000");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var ms = ParseContext(parse.GetValue(context));
            var node = ParseMiniscript(CliInput.Text(ctx, parse.GetValue(expression), "miniscript"), ms);
            var data = new MiniscriptSpendData(ms)
            {
                Sequence = CliParse.UInt32(parse.GetValue(sequenceOption), "--sequence"),
                LockTime = CliParse.UInt32(parse.GetValue(lockTimeOption), "--locktime"),
            };
            foreach (var text in parse.GetValue(keyOption) ?? [])
            {
                data.AddPlaceholder(ParseKey(ctx, text, ms, "--key"));
            }

            foreach (var text in parse.GetValue(sigOption) ?? [])
            {
                var eq = text.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new CliUserException($"--sig: '{CliOptions.Shorten(text)}' is not KEY=SIGNATURE");
                }

                var key = ParseKey(ctx, text[..eq], ms, "--sig");
                data.AddSignature(key, ParseSignature(text[(eq + 1)..], ms));
            }

            foreach (var text in parse.GetValue(preimageOption) ?? [])
            {
                // Miniscript hash fragments check SIZE 32 first (BIP379), so only 32-byte preimages satisfy them.
                if (!Hex.TryParse(CliInput.Text(ctx, text, "--preimage"), out var preimage, out _) || preimage.Length != 32)
                {
                    throw new CliUserException("--preimage: must be 32 bytes of hex (miniscript hash fragments require SIZE 32)");
                }

                data.AddPreimage(preimage);
            }

            var witness = node.Satisfy(data);
            var stack = new JsonArray();
            foreach (var element in witness.Stack)
            {
                stack.Add((JsonNode)(data.IsPlaceholder(element, out var signer) ? $"<sig:{KeyHex(signer, ms)}>" : Hex.Encode(element)));
            }

            var status = witness.Availability switch
            {
                MiniscriptAvailability.Yes => "complete",
                MiniscriptAvailability.Maybe => "needs_signatures",
                _ => "unsatisfiable",
            };
            var json = new JsonObject
            {
                ["miniscript"] = Format(node),
                ["context"] = ContextName(ms),
                ["status"] = status,
                ["complete"] = witness.Availability == MiniscriptAvailability.Yes,
                ["witness"] = stack,
                ["witness_size"] = witness.Availability == MiniscriptAvailability.No ? null : witness.Size,
                ["has_signature"] = witness.HasSignature,
                ["malleable"] = witness.IsMalleable,
                ["script_hex"] = node.ToScript(MiniscriptPublicKeys.Default).ToHex(),
            };
            void Human(TextWriter w)
            {
                w.WriteLine($"status:       {status}");
                w.WriteLine($"witness size: {json["witness_size"]?.ToString() ?? "-"} bytes ({stack.Count} elements, bottom first, without the script)");
                foreach (var element in stack)
                {
                    var value = (string)element!;
                    w.WriteLine("  " + (value.Length == 0 ? "<empty>" : value));
                }
            }

            if (witness.Availability == MiniscriptAvailability.No)
            {
                return ctx.WriteNegativeResult(json, Human, "miniscript: no non-malleable witness with a signature from the given keys, signatures, preimages and timelocks");
            }

            ctx.WriteResult(json, Human);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static PublicKey ParseKey(CliContext ctx, string text, MiniscriptContext context, string what) =>
        MiniscriptPublicKeys.Default.TryParseKey(CliInput.Text(ctx, text, what), context, out var key, out var error)
            ? key
            : throw new CliUserException($"{what}: {error}");

    private static byte[] ParseSignature(string text, MiniscriptContext context)
    {
        if (!Hex.TryParse(text, out var signature, out _))
        {
            throw new CliUserException("--sig: the signature is not hex");
        }

        // BIP342: 64-byte BIP340 signature, 65 with an explicit sighash byte. BIP66: DER is 8..72 bytes, plus the sighash byte.
        var ok = context == MiniscriptContext.Tapscript ? signature.Length is 64 or 65 : signature.Length is >= 9 and <= 73 && signature[0] == 0x30;
        return ok
            ? signature
            : throw new CliUserException(context == MiniscriptContext.Tapscript
                ? $"--sig: a Tapscript signature is 64 or 65 bytes, got {signature.Length}"
                : $"--sig: a P2WSH signature is DER plus a sighash byte (9 to 73 bytes starting 30), got {signature.Length} bytes");
    }
}
