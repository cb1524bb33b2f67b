using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource psbt decode|combine|finalize|extract</c> and the BIP370 Constructor
/// <c>create|add-input|add-output|add-pair|complete</c>: BIP174/BIP370 PSBT tools.
/// </summary>
internal static class PsbtCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("psbt", "Decode, construct, combine, finalize and extract PSBTs (BIP174, BIP370, BIP371)");
        command.Add(CreateDecode(globals, output, error));
        command.Add(CreateCreate(globals, output, error));
        command.Add(CreateAddInput(globals, output, error));
        command.Add(CreateAddOutput(globals, output, error));
        command.Add(CreateAddPair(globals, output, error));
        command.Add(CreateComplete(globals, output, error));
        command.Add(CreateCombine(globals, output, error));
        command.Add(CreateFinalize(globals, output, error));
        command.Add(CreateExtract(globals, output, error));
        return command;
    }

    private static PsbtT ParseArgument(string? text) =>
        PsbtT.TryParse(text, out var psbt, out var parseError) ? psbt : throw new CliUserException(parseError);

    private static Command CreateDecode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "The PSBT, base64 or hex" };
        var command = new Command("decode", "Show a PSBT's transaction, inputs, outputs and fee") { psbtArgument };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var network = Network.Get(ctx.Network);
            var json = Decode(psbt, network);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PSBT v{psbt.Version}, {psbt.Inputs.Count} input(s), {psbt.Outputs.Count} output(s)"));
                if (json["txid"] is { } txid)
                {
                    w.WriteLine($"txid:  {txid}");
                }

                w.WriteLine(psbt.Fee is { } fee ? $"fee:   {fee.ToSatoshiString()}" : "fee:   unknown (missing input UTXOs)");
                foreach (var input in psbt.Inputs)
                {
                    var utxo = input.GetUtxo();
                    var state = input.IsFinalized ? "final" : string.Create(CultureInfo.InvariantCulture, $"{input.PartialSignatures.Count} sig(s)");
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"in  {input.Index}: {input.PreviousOutPoint} {(utxo is null ? "utxo unknown" : SignedAmount.FromSatoshis(utxo.RawValue).ToSatoshiString())} [{state}]"));
                }

                foreach (var o in psbt.Outputs)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"out {o.Index}: {SignedAmount.FromSatoshis(o.TxOut.RawValue).ToSatoshiString()} {AddressOrScript(o.Script, network)}"));
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateCreate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var txVersion = new Option<string?>("--tx-version") { Description = "Transaction version (at least 2, BIP370); default 2" };
        var locktime = new Option<string?>("--locktime") { Description = "PSBT_GLOBAL_FALLBACK_LOCKTIME, used when no input requires a lock time; default 0" };
        var modifiable = new Option<string?>("--modifiable")
        {
            Description = "What others may add: inputs, outputs, both (default) or none (PSBT_GLOBAL_TX_MODIFIABLE)",
        };
        var command = new Command("create", "Create an empty version 2 PSBT for Constructors to fill (BIP370 Creator)") { txVersion, locktime, modifiable };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var version = ParseUInt(parse.GetValue(txVersion), "--tx-version") ?? 2;
            if (version is < 2 or > int.MaxValue)
            {
                throw new CliUserException("psbt: --tx-version must be at least 2 (BIP370)");
            }

            var flags = (parse.GetValue(modifiable) ?? "both").ToLowerInvariant() switch
            {
                "both" => PsbtTxModifiable.Inputs | PsbtTxModifiable.Outputs,
                "inputs" => PsbtTxModifiable.Inputs,
                "outputs" => PsbtTxModifiable.Outputs,
                "none" => PsbtTxModifiable.None,
                var other => throw new CliUserException($"psbt: --modifiable must be inputs, outputs, both or none, not '{other}'"),
            };
            var psbt = PsbtT.CreateV2((int)version, new LockTime(ParseUInt(parse.GetValue(locktime), "--locktime") ?? 0), flags);
            WritePsbt(ctx, psbt);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private sealed record InputOptions(Option<string> Outpoint, Option<string?> Sequence, Option<string?> RequiredHeight, Option<string?> RequiredTime)
    {
        public static InputOptions Create() => new(
            new Option<string>("--outpoint") { Description = "The output spent, txid:vout", Required = true },
            new Option<string?>("--sequence") { Description = "PSBT_IN_SEQUENCE (default: final, 0xffffffff)" },
            new Option<string?>("--required-height") { Description = "PSBT_IN_REQUIRED_HEIGHT_LOCKTIME: the block height the input's script needs" },
            new Option<string?>("--required-time") { Description = "PSBT_IN_REQUIRED_TIME_LOCKTIME: the Unix time the input's script needs" });

        public void AddTo(Command command)
        {
            command.Add(Outpoint);
            command.Add(Sequence);
            command.Add(RequiredHeight);
            command.Add(RequiredTime);
        }

        public PsbtConstructorInput Read(ParseResult parse)
        {
            var text = parse.GetValue(Outpoint);
            if (!OutPoint.TryParse(text, out var outpoint))
            {
                throw new CliUserException($"psbt: --outpoint '{text}' is not txid:vout");
            }

            return new PsbtConstructorInput(outpoint)
            {
                Sequence = ParseUInt(parse.GetValue(Sequence), "--sequence") is { } s ? new Bitcoin.Transactions.Sequence(s) : null,
                RequiredHeightLockTime = ParseUInt(parse.GetValue(RequiredHeight), "--required-height") is { } h ? new LockTime(h) : null,
                RequiredTimeLockTime = ParseUInt(parse.GetValue(RequiredTime), "--required-time") is { } t ? new LockTime(t) : null,
            };
        }
    }

    private sealed record OutputOptions(Option<string?> Address, Option<string?> Script, Option<string> Amount)
    {
        public static OutputOptions Create() => new(
            new Option<string?>("--address") { Description = "Pay to this address (on --network)" },
            new Option<string?>("--script") { Description = "Pay to this scriptPubKey, hex (instead of --address)" },
            new Option<string>("--amount") { Description = "Amount in satoshis", Required = true });

        public void AddTo(Command command)
        {
            command.Add(Address);
            command.Add(Script);
            command.Add(Amount);
        }

        public TxOut Read(ParseResult parse, Network network)
        {
            var address = parse.GetValue(Address);
            var scriptHex = parse.GetValue(Script);
            Script spk;
            if (address is not null == (scriptHex is not null))
            {
                throw new CliUserException("psbt: give exactly one of --address and --script");
            }

            if (address is not null)
            {
                if (!Bitcoin.Addresses.Address.TryParse(address, network, out var parsed, out var addressError))
                {
                    throw new CliUserException(addressError);
                }

                spk = new Script(parsed.ScriptPubKeyBytes);
            }
            else
            {
                if (!Hex.TryParse(scriptHex!, out var bytes, out var hexError))
                {
                    throw new CliUserException("psbt: --script is not hex: " + hexError);
                }

                spk = new Script(bytes);
            }

            var amountText = parse.GetValue(Amount);
            if (!long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var sats) || !OPSource.Bitcoin.Amount.TryFromSatoshis(sats, out var value))
            {
                throw new CliUserException($"psbt: --amount '{amountText}' is not a number of satoshis in 0..21e14");
            }

            return new TxOut(value, spk);
        }
    }

    private static Option<string?> NewIndexOption() => new("--index") { Description = "Insert at this position instead of appending" };

    private static Command CreateAddInput(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "A version 2 PSBT, base64 or hex" };
        var indexOption = NewIndexOption();
        var inputs = InputOptions.Create();
        var command = new Command("add-input", "Add an input where PSBT_GLOBAL_TX_MODIFIABLE allows it (BIP370 Constructor)") { psbtArgument, indexOption };
        inputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var input = inputs.Read(parse);
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddInput(input, out var result, out var addError, index) ? result : throw new CliUserException(addError));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateAddOutput(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "A version 2 PSBT, base64 or hex" };
        var indexOption = NewIndexOption();
        var outputs = OutputOptions.Create();
        var command = new Command("add-output", "Add an output where PSBT_GLOBAL_TX_MODIFIABLE allows it (BIP370 Constructor)") { psbtArgument, indexOption };
        outputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var txOut = outputs.Read(parse, Network.Get(ctx.Network));
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddOutput(txOut, out var result, out var addError, index) ? result : throw new CliUserException(addError));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateAddPair(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "A version 2 PSBT, base64 or hex" };
        var indexOption = NewIndexOption();
        var inputs = InputOptions.Create();
        var outputs = OutputOptions.Create();
        var command = new Command("add-pair", "Add an input and an output at the same index, keeping SIGHASH_SINGLE pairs aligned (BIP370 Constructor)") { psbtArgument, indexOption };
        inputs.AddTo(command);
        outputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var input = inputs.Read(parse);
            var txOut = outputs.Read(parse, Network.Get(ctx.Network));
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddInputOutputPair(input, txOut, out var result, out var addError, index) ? result : throw new CliUserException(addError));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateComplete(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "A version 2 PSBT, base64 or hex" };
        var only = new Option<string?>("--only") { Description = "Close only 'inputs' or only 'outputs' (default: both)" };
        var command = new Command("complete", "Declare construction finished: clear the Inputs/Outputs Modifiable flags (BIP370 Constructor)") { psbtArgument, only };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var (inputs, outputs) = parse.GetValue(only)?.ToLowerInvariant() switch
            {
                null => (true, true),
                "inputs" => (true, false),
                "outputs" => (false, true),
                var other => throw new CliUserException($"psbt: --only must be inputs or outputs, not '{other}'"),
            };
            if (psbt.Version != 2)
            {
                throw new CliUserException("psbt: complete needs a version 2 PSBT (BIP370)");
            }

            WritePsbt(ctx, psbt.CompleteConstruction(inputs, outputs));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static int? ParseIndex(string? text) =>
        ParseUInt(text, "--index") is { } i ? (i > int.MaxValue ? throw new CliUserException("psbt: --index is too large") : (int)i) : null;

    private static uint? ParseUInt(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return uint.TryParse(hex ? text[2..] : text, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUserException($"psbt: {option} '{text}' is not a 32-bit unsigned number");
    }

    private static void WritePsbt(CliContext ctx, PsbtT psbt)
    {
        var b64 = psbt.ToBase64();
        var json = new JsonObject { ["psbt"] = b64, ["inputs"] = psbt.Inputs.Count, ["outputs"] = psbt.Outputs.Count };
        if (psbt.TxModifiable is { } mod) json["tx_modifiable"] = (int)mod;
        ctx.WriteResult(json, w => w.WriteLine(b64));
    }

    private static Command CreateCombine(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtsArgument = new Argument<string[]>("psbts") { Description = "Two or more PSBTs for the same transaction", Arity = ArgumentArity.OneOrMore };
        var command = new Command("combine", "Merge PSBTs for the same transaction (BIP174 Combiner)") { psbtsArgument };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var parts = (parse.GetValue(psbtsArgument) ?? []).Select(ParseArgument).ToList();
            if (!PsbtT.TryCombine(parts, out var combined, out var combineError))
            {
                throw new CliUserException(combineError);
            }

            var b64 = combined.ToBase64();
            ctx.WriteResult(new JsonObject { ["psbt"] = b64 }, w => w.WriteLine(b64));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateFinalize(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "The PSBT, base64 or hex" };
        var command = new Command("finalize", "Build final scriptSigs/witnesses from the signatures (BIP174 Finalizer)") { psbtArgument };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            var complete = psbt.TryFinalize(out var finalized, out var problems);
            var b64 = finalized.ToBase64();
            var json = new JsonObject
            {
                ["psbt"] = b64,
                ["complete"] = complete,
                ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)p)]),
            };
            if (complete && finalized.TryExtract(out var tx, out _))
            {
                json["hex"] = tx.ToHex();
            }

            ctx.WriteResult(json, w =>
            {
                w.WriteLine(b64);
                foreach (var p in problems)
                {
                    w.WriteLine("incomplete: " + p);
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateExtract(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = new Argument<string>("psbt") { Description = "A finalized PSBT, base64 or hex" };
        var command = new Command("extract", "Print the network transaction of a finalized PSBT as hex (BIP174 Extractor)") { psbtArgument };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ParseArgument(parse.GetValue(psbtArgument));
            if (!psbt.TryExtract(out var tx, out var extractError))
            {
                throw new CliUserException(extractError);
            }

            var hex = tx.ToHex();
            ctx.WriteResult(new JsonObject { ["hex"] = hex, ["txid"] = tx.GetTxId().ToString() }, w => w.WriteLine(hex));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static string AddressOrScript(Script script, Network network) =>
        Address.TryFromScriptPubKey(script.Span, network, out var address) ? address.ToString() : "script " + script.ToHex();

    private static JsonObject ScriptJson(Script script, Network network)
    {
        var json = new JsonObject { ["hex"] = script.ToHex(), ["asm"] = script.ToString() };
        if (Address.TryFromScriptPubKey(script.Span, network, out var address))
        {
            json["address"] = address.ToString();
        }

        return json;
    }

    private static JsonObject Origin(RootedKeyPath origin) => new()
    {
        ["master_fingerprint"] = origin.MasterFingerprint.ToString(),
        ["path"] = origin.KeyPath.ToString(true, '\''),
    };

    private static JsonArray Entries(IEnumerable<PsbtEntry> entries) =>
        new([.. entries.Select(e => (JsonNode)new JsonObject { ["key"] = Hex.Encode(e.Key), ["value"] = Hex.Encode(e.Value) })]);

    internal static JsonObject Decode(PsbtT psbt, Network network)
    {
        var json = new JsonObject { ["version"] = psbt.Version, ["tx_version"] = psbt.TxVersion };
        if (psbt.TryGetUnsignedTransaction(out var tx, out var txError))
        {
            json["txid"] = tx.GetTxId().ToString();
            json["locktime"] = tx.LockTime.Value;
        }
        else
        {
            json["locktime_error"] = txError;
        }

        if (psbt.FallbackLockTime is { } fallback) json["fallback_locktime"] = fallback.Value;
        if (psbt.TxModifiable is { } mod) json["tx_modifiable"] = (int)mod;
        json["xpubs"] = new JsonArray([.. psbt.Xpubs.Select(x => (JsonNode)new JsonObject
        {
            ["xpub"] = x.ExtPubKey.ToString(network),
            ["master_fingerprint"] = x.Origin.MasterFingerprint.ToString(),
            ["path"] = x.Origin.KeyPath.ToString(true, '\''),
        })]);
        json["proprietary"] = Entries(psbt.GlobalProprietary);
        json["unknown"] = Entries(psbt.GlobalUnknown);
        json["inputs"] = new JsonArray([.. psbt.Inputs.Select(i => (JsonNode)DecodeInput(i, network))]);
        json["outputs"] = new JsonArray([.. psbt.Outputs.Select(o => (JsonNode)DecodeOutput(o, network))]);
        if (psbt.Fee is { } fee)
        {
            json["fee"] = fee.Satoshis;
        }

        return json;
    }

    private static JsonObject DecodeInput(PsbtInput i, Network network)
    {
        var json = new JsonObject
        {
            ["previous_txid"] = i.PreviousOutPoint.TxId.ToString(),
            ["output_index"] = i.PreviousOutPoint.Index,
            ["sequence"] = i.Sequence.Value,
            ["finalized"] = i.IsFinalized,
        };
        if (i.NonWitnessUtxo is { } nwu) json["non_witness_utxo_txid"] = nwu.GetTxId().ToString();
        if (i.GetUtxo() is { } utxo)
        {
            json["utxo"] = new JsonObject { ["amount"] = utxo.RawValue, ["script_pubkey"] = ScriptJson(utxo.ScriptPubKey, network) };
        }

        if (i.PartialSignatures.Count > 0)
        {
            var sigs = new JsonObject();
            foreach (var s in i.PartialSignatures)
            {
                sigs[Hex.Encode(s.IsCompressed ? s.PublicKey.ToCompressed() : s.PublicKey.ToUncompressed())] = Hex.Encode(s.Signature.Span);
            }

            json["partial_signatures"] = sigs;
        }

        if (i.SighashType is { } sh) json["sighash_type"] = sh.Value;
        if (i.RedeemScript is { } rs) json["redeem_script"] = ScriptJson(rs, network);
        if (i.WitnessScript is { } ws) json["witness_script"] = ScriptJson(ws, network);
        if (i.Bip32Derivations.Count > 0)
        {
            json["bip32_derivs"] = new JsonArray([.. i.Bip32Derivations.Select(d =>
            {
                var o = Origin(d.Origin);
                o["pubkey"] = Hex.Encode(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed());
                return (JsonNode)o;
            })]);
        }

        if (i.FinalScriptSig is { } fss) json["final_scriptsig"] = ScriptJson(fss, network);
        if (i.FinalScriptWitness is { } fsw) json["final_scriptwitness"] = new JsonArray([.. fsw.Items.Select(x => (JsonNode)Hex.Encode(x.Span))]);
        foreach (var (name, list) in new[] { ("ripemd160_preimages", i.Ripemd160Preimages), ("sha256_preimages", i.Sha256Preimages), ("hash160_preimages", i.Hash160Preimages), ("hash256_preimages", i.Hash256Preimages) })
        {
            if (list.Count > 0)
            {
                var o = new JsonObject();
                foreach (var p in list) o[Hex.Encode(p.Hash.Span)] = Hex.Encode(p.Preimage.Span);
                json[name] = o;
            }
        }

        if (i.RequiredTimeLockTime is { } rt) json["required_time_locktime"] = rt.Value;
        if (i.RequiredHeightLockTime is { } rh) json["required_height_locktime"] = rh.Value;
        if (i.TapKeySignature is { } tks) json["taproot_key_path_sig"] = Hex.Encode(tks.Span);
        if (i.TapScriptSignatures.Count > 0)
        {
            json["taproot_script_path_sigs"] = new JsonArray([.. i.TapScriptSignatures.Select(s => (JsonNode)new JsonObject
            {
                ["pubkey"] = Hex.Encode(s.Key.ToBytes()),
                ["leaf_hash"] = Hex.Encode(s.LeafHash.ToBytes()),
                ["sig"] = Hex.Encode(s.Signature.Span),
            })]);
        }

        if (i.TapLeafScripts.Count > 0)
        {
            json["taproot_scripts"] = new JsonArray([.. i.TapLeafScripts.Select(l => (JsonNode)new JsonObject
            {
                ["script"] = l.Script.ToHex(),
                ["leaf_ver"] = l.LeafVersion,
                ["control_block"] = Hex.Encode(l.ControlBlock.ToBytes()),
            })]);
        }

        if (i.TapBip32Derivations.Count > 0) json["taproot_bip32_derivs"] = TapOrigins(i.TapBip32Derivations);
        if (i.TapInternalKey is { } tik) json["taproot_internal_key"] = Hex.Encode(tik.ToBytes());
        if (i.TapMerkleRoot is { } tmr) json["taproot_merkle_root"] = Hex.Encode(tmr.ToBytes());
        json["proprietary"] = Entries(i.Proprietary);
        json["unknown"] = Entries(i.Unknown);
        return json;
    }

    private static JsonArray TapOrigins(IEnumerable<PsbtTapKeyOrigin> origins) =>
        new([.. origins.Select(d =>
        {
            var o = Origin(d.Origin);
            o["pubkey"] = Hex.Encode(d.Key.ToBytes());
            o["leaf_hashes"] = new JsonArray([.. d.LeafHashes.Select(h => (JsonNode)Hex.Encode(h.ToBytes()))]);
            return (JsonNode)o;
        })]);

    private static JsonObject DecodeOutput(PsbtOutput o, Network network)
    {
        var json = new JsonObject { ["amount"] = o.TxOut.RawValue, ["script_pubkey"] = ScriptJson(o.Script, network) };
        if (o.RedeemScript is { } rs) json["redeem_script"] = ScriptJson(rs, network);
        if (o.WitnessScript is { } ws) json["witness_script"] = ScriptJson(ws, network);
        if (o.Bip32Derivations.Count > 0)
        {
            json["bip32_derivs"] = new JsonArray([.. o.Bip32Derivations.Select(d =>
            {
                var j = Origin(d.Origin);
                j["pubkey"] = Hex.Encode(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed());
                return (JsonNode)j;
            })]);
        }

        if (o.TapInternalKey is { } tik) json["taproot_internal_key"] = Hex.Encode(tik.ToBytes());
        if (o.TapTree is { } tree)
        {
            json["taproot_tree"] = new JsonArray([.. tree.Select(l => (JsonNode)new JsonObject
            {
                ["depth"] = l.Depth,
                ["leaf_ver"] = l.LeafVersion,
                ["script"] = l.Script.ToHex(),
            })]);
        }

        if (o.TapBip32Derivations.Count > 0) json["taproot_bip32_derivs"] = TapOrigins(o.TapBip32Derivations);
        json["proprietary"] = Entries(o.Proprietary);
        json["unknown"] = Entries(o.Unknown);
        return json;
    }
}
