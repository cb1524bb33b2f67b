using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource address validate|from-pubkey|from-script</c>: check an address against <c>--network</c>
/// (like Core's validateaddress) and make addresses from a public key or a script.
/// </summary>
internal static class AddressCommand
{
    private static readonly string[] KeyTypes = ["p2wpkh", "p2pkh", "p2sh-p2wpkh", "p2tr"];
    private static readonly string[] ScriptTypes = ["p2wsh", "p2sh", "p2sh-p2wsh", "output"];

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("address", "Validate addresses and make them from public keys or scripts");
        command.Add(CreateValidate(globals, output, error));
        command.Add(CreateFromPubKey(globals, output, error));
        command.Add(CreateFromScript(globals, output, error));
        return command;
    }

    private static Command CreateValidate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var addressArgument = new Argument<string>("address") { Description = "The address to check" + CliInput.Hint };
        var command = new Command("validate", "Check that an address is valid on --network and show its type and scriptPubKey (like Core's validateaddress); exit 1 when it is not")
        {
            addressArgument,
        }.WithExamples(
            "opsource address validate bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "opsource address validate tb1q... --network testnet --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var text = CliInput.Text(ctx, parse.GetValue(addressArgument), "address");
            var network = Network.Get(ctx.Network);
            Address address;
            try
            {
                address = CliParse.Address(text, network);
            }
            catch (CliUserException ex)
            {
                // A negative result is still a result: {"isvalid": false, "error": ...} on stdout, exit 1.
                var invalid = new JsonObject { ["isvalid"] = false, ["address"] = text, ["network"] = network.Name, ["error"] = ex.Message };
                return ctx.WriteNegativeResult(invalid, w => w.WriteLine($"invalid: {ex.Message}"), ex.Message);
            }

            var json = Describe(address, network);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"valid:         yes ({network.Name})");
                w.WriteLine($"address:       {address}");
                w.WriteLine($"type:          {TypeName(address.Type)}");
                if (address is WitnessAddress wa)
                {
                    w.WriteLine($"witness:       v{wa.WitnessVersion} {Convert.ToHexStringLower(wa.Program)}");
                }

                w.WriteLine($"scriptPubKey:  {Convert.ToHexStringLower(address.ScriptPubKeyBytes)}");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>Core validateaddress's fields (isvalid, address, scriptPubKey, isscript, iswitness, witness_*), plus network, valid_on and type.</summary>
    internal static JsonObject Describe(Address address, Network network)
    {
        var json = new JsonObject
        {
            ["isvalid"] = true,
            ["address"] = address.ToString(),
            ["scriptPubKey"] = Convert.ToHexStringLower(address.ScriptPubKeyBytes),
            ["isscript"] = address.Type == AddressType.P2sh,
            ["iswitness"] = address is WitnessAddress,
        };
        if (address is WitnessAddress witness)
        {
            json["witness_version"] = witness.WitnessVersion;
            json["witness_program"] = Convert.ToHexStringLower(witness.Program);
        }

        json["network"] = network.Name;
        json["valid_on"] = new JsonArray([.. Network.All.Where(address.IsValidOn).Select(n => (JsonNode)n.Name)]);
        json["type"] = TypeName(address.Type);
        return json;
    }

    private static Command CreateFromPubKey(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var keyArgument = new Argument<string>("pubkey") { Description = "SEC1 public key in hex (33 or 65 bytes; 32-byte x-only for p2tr)" + CliInput.Hint };
        var typeOption = CliOptions.OneOf(new Option<string>("--type", "-t")
        {
            Description = "p2wpkh (default), p2pkh, p2sh-p2wpkh or p2tr (BIP86 key-path-only output key)",
            DefaultValueFactory = _ => "p2wpkh",
        }, KeyTypes, "key address type");
        var command = new Command("from-pubkey", "The address of a public key on --network")
        {
            keyArgument, typeOption,
        }.WithExamples(
            "opsource address from-pubkey 0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            "opsource address from-pubkey 0279be66...1798 --type p2tr --network regtest --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var type = parse.GetValue(typeOption)!;
            var hex = CliInput.Text(ctx, parse.GetValue(keyArgument), "pubkey");
            if (!Hex.TryParse(hex, out var bytes, out var hexError))
            {
                throw new CliUserException("pubkey: " + hexError);
            }

            Address address;
            if (type == "p2tr" && bytes.Length == 32)
            {
                if (!XOnlyPublicKey.TryParse(bytes, out var xonly))
                {
                    throw new CliUserException("pubkey: not a valid x-only public key (x is not on the curve)");
                }

                address = Address.P2tr(Bitcoin.Addresses.AccountAddresses.Bip86OutputKey(xonly), network);
            }
            else
            {
                if (!PublicKey.TryParse(bytes, out var key))
                {
                    throw new CliUserException(bytes.Length is 33 or 65
                        ? "pubkey: not a valid secp256k1 public key (not on the curve or bad prefix)"
                        : $"pubkey: {bytes.Length} bytes; a public key has 33 (compressed) or 65 (uncompressed){(type == "p2tr" ? " or 32 (x-only)" : string.Empty)}");
                }

                var compressed = bytes.Length == 33;
                if (!compressed && type is "p2wpkh" or "p2sh-p2wpkh")
                {
                    // BIP143: segwit v0 outputs must use compressed keys (WITNESS_PUBKEYTYPE).
                    throw new CliUserException($"pubkey: {type} needs a compressed key (BIP143); this one is uncompressed");
                }

                address = type switch
                {
                    "p2pkh" => Address.P2pkh(key, network, compressed),
                    "p2sh-p2wpkh" => Address.P2shP2wpkh(key, network),
                    "p2tr" => Address.P2tr(Bitcoin.Addresses.AccountAddresses.Bip86OutputKey(key), network),
                    _ => Address.P2wpkh(key, network),
                };
            }

            WriteAddress(ctx, address, network);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateFromScript(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var scriptArgument = new Argument<string>("script") { Description = "The script in hex" + CliInput.Hint };
        var asmOption = new Option<bool>("--asm") { Description = "The script is ASM (as decodescript prints it) instead of hex" };
        var typeOption = CliOptions.OneOf(new Option<string>("--type", "-t")
        {
            Description = "p2wsh (default), p2sh or p2sh-p2wsh: wrap the script; output: the script is itself a scriptPubKey",
            DefaultValueFactory = _ => "p2wsh",
        }, ScriptTypes, "script address type");
        var command = new Command("from-script", "The address paying to a script (P2WSH, P2SH, P2SH-P2WSH), or of a scriptPubKey (--type output)")
        {
            scriptArgument, asmOption, typeOption,
        }.WithExamples(
            "opsource address from-script 5221...52ae",
            "opsource address from-script \"2 02... 03... 2 OP_CHECKMULTISIG\" --asm --type p2sh",
            "opsource address from-script 0014751e76e8199196d454941c45d1b3a323f1433bd6 --type output");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var script = ScriptCommand.ReadScript(ctx, parse.GetValue(scriptArgument), parse.GetValue(asmOption));
            var type = parse.GetValue(typeOption)!;
            var scriptPubKey = type switch
            {
                "p2sh" => StandardScripts.PayToScriptHash(script),
                "p2sh-p2wsh" => StandardScripts.PayToScriptHash(StandardScripts.PayToWitnessScriptHash(script)),
                "output" => script,
                _ => StandardScripts.PayToWitnessScriptHash(script),
            };
            if (type != "output" && script.Length > (type == "p2sh" ? 520 : OPSource.Bitcoin.ConsensusLimits.MaxScriptSize))
            {
                // BIP16: the redeem script is one push (at most 520 bytes); BIP141: witness scripts at most 10,000 bytes.
                throw new CliUserException($"script: {script.Length} bytes is too large for {type} (at most {(type == "p2sh" ? 520 : OPSource.Bitcoin.ConsensusLimits.MaxScriptSize)})");
            }

            if (!Address.TryFromScriptPubKey(scriptPubKey, network, out var address))
            {
                throw new CliUserException($"script: a {CoreJson.TemplateName(StandardScripts.Detect(scriptPubKey))} scriptPubKey has no address");
            }

            WriteAddress(ctx, address, network);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static void WriteAddress(CliContext ctx, Address address, Network network)
    {
        var json = new JsonObject
        {
            ["address"] = address.ToString(),
            ["type"] = TypeName(address.Type),
            ["script_pubkey"] = Convert.ToHexStringLower(address.ScriptPubKeyBytes),
            ["network"] = network.Name,
        };
        ctx.WriteResult(json, w => w.WriteLine(address.ToString()));
    }

    /// <summary>Names as Bitcoin Core's descriptors and RPCs spell them.</summary>
    internal static string TypeName(AddressType type) => type switch
    {
        AddressType.P2pkh => "p2pkh",
        AddressType.P2sh => "p2sh",
        AddressType.P2wpkh => "p2wpkh",
        AddressType.P2wsh => "p2wsh",
        AddressType.P2tr => "p2tr",
        AddressType.WitnessUnknown => "witness_unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
