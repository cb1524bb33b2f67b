using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource psbt decode|analyze|combine|update|sign|finalize|extract</c> and the BIP370 Constructor
/// <c>create|add-input|add-output|add-pair|complete</c>: BIP174/BIP370 PSBT tools. Outputs that mirror a
/// Core RPC (decodepsbt, analyzepsbt, finalizepsbt) use its field names and BTC amounts (docs/cli.md).
/// </summary>
internal static partial class PsbtCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("psbt", "Decode, construct, combine, finalize and extract PSBTs (BIP174, BIP370, BIP371)");
        command.Add(CreateDecode(globals, output, error));
        command.Add(CreateAnalyze(globals, output, error));
        command.Add(CreateCreate(globals, output, error));
        command.Add(CreateAddInput(globals, output, error));
        command.Add(CreateAddOutput(globals, output, error));
        command.Add(CreateAddPair(globals, output, error));
        command.Add(CreateComplete(globals, output, error));
        command.Add(CreateCombine(globals, output, error));
        command.Add(CreateUpdate(globals, output, error));
        command.Add(CreateSign(globals, output, error));
        command.Add(CreateFinalize(globals, output, error));
        command.Add(CreateExtract(globals, output, error));
        return command;
    }

    /// <summary>A PSBT argument: base64 or hex, inline, '-' or @FILE (a binary PSBT file too).</summary>
    internal static PsbtT ReadPsbt(CliContext ctx, string? value) =>
        PsbtT.TryParse(CliInput.Psbt(ctx, value), out var psbt, out var parseError) ? psbt : throw parseError.ToException();

    private static Argument<string> PsbtArgument(string description = "The PSBT, base64 or hex") => new("psbt") { Description = description + CliInput.Hint };

    private static Command CreateDecode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument();
        var command = new Command("decode", "Show a PSBT's transaction, inputs, outputs and fee (JSON like Core's decodepsbt)") { psbtArgument }
            .WithExamples("opsource psbt decode cHNidP8BAH...", "opsource psbt decode @tx.psbt --json | jq .fee");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var network = Network.Get(ctx.Network);
            var json = Decode(psbt, network);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PSBT v{psbt.Version}, {psbt.Inputs.Count} input(s), {psbt.Outputs.Count} output(s)"));
                if (json["tx"]?["txid"] is { } txid)
                {
                    w.WriteLine($"txid:  {txid}");
                }

                w.WriteLine(psbt.Fee is { } fee ? $"fee:   {CoreJson.BtcText(fee)} BTC" : "fee:   unknown (missing input UTXOs)");
                foreach (var input in psbt.Inputs)
                {
                    var utxo = input.GetUtxo();
                    var state = input.IsFinalized ? "final" : string.Create(CultureInfo.InvariantCulture, $"{input.PartialSignatures.Count} sig(s)");
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"in  {input.Index}: {input.PreviousOutPoint} {(utxo is null ? "utxo unknown" : CoreJson.BtcText(utxo) + " BTC")} [{state}]"));
                }

                foreach (var o in psbt.Outputs)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"out {o.Index}: {CoreJson.BtcText(o.TxOut)} BTC {AddressOrScript(o.Script, network)}"));
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
        var command = new Command("create", "Create an empty version 2 PSBT for Constructors to fill (BIP370 Creator)") { txVersion, locktime, modifiable }
            .WithExamples("opsource psbt create", "opsource psbt create --locktime 850000 --modifiable inputs");
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
            new Option<string>("--amount") { Description = "Amount: 0.001btc, 100000sat, or BTC with at most 8 decimals", Required = true });

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
                spk = new Script(CliParse.Address(address, network, "--address").ScriptPubKeyBytes);
            }
            else
            {
                if (!Hex.TryParse(scriptHex!, out var bytes, out var hexError))
                {
                    throw new CliUserException("psbt: --script is not hex: " + hexError);
                }

                spk = new Script(bytes);
            }

            return new TxOut(CliParse.Amount(parse.GetValue(Amount), "--amount"), spk);
        }
    }

    private static Option<string?> NewIndexOption() => new("--index") { Description = "Insert at this position instead of appending" };

    private static Command CreateAddInput(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument("A version 2 PSBT, base64 or hex");
        var indexOption = NewIndexOption();
        var inputs = InputOptions.Create();
        var command = new Command("add-input", "Add an input where PSBT_GLOBAL_TX_MODIFIABLE allows it (BIP370 Constructor)") { psbtArgument, indexOption }
            .WithExamples("opsource psbt add-input @tx.psbt --outpoint TXID:0 --sequence 0xfffffffd");
        inputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var input = inputs.Read(parse);
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddInput(input, out var result, out var addError, index) ? result : throw addError.ToException());
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateAddOutput(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument("A version 2 PSBT, base64 or hex");
        var indexOption = NewIndexOption();
        var outputs = OutputOptions.Create();
        var command = new Command("add-output", "Add an output where PSBT_GLOBAL_TX_MODIFIABLE allows it (BIP370 Constructor)") { psbtArgument, indexOption }
            .WithExamples("opsource psbt add-output @tx.psbt --address bc1q... --amount 0.001btc", "opsource psbt add-output - --script 6a0568656c6c6f --amount 0sat < tx.psbt");
        outputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var txOut = outputs.Read(parse, Network.Get(ctx.Network));
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddOutput(txOut, out var result, out var addError, index) ? result : throw addError.ToException());
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateAddPair(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument("A version 2 PSBT, base64 or hex");
        var indexOption = NewIndexOption();
        var inputs = InputOptions.Create();
        var outputs = OutputOptions.Create();
        var command = new Command("add-pair", "Add an input and an output at the same index, keeping SIGHASH_SINGLE pairs aligned (BIP370 Constructor)") { psbtArgument, indexOption }
            .WithExamples("opsource psbt add-pair @tx.psbt --outpoint TXID:1 --address bc1q... --amount 50000sat");
        inputs.AddTo(command);
        outputs.AddTo(command);
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var input = inputs.Read(parse);
            var txOut = outputs.Read(parse, Network.Get(ctx.Network));
            var index = ParseIndex(parse.GetValue(indexOption));
            WritePsbt(ctx, psbt.TryAddInputOutputPair(input, txOut, out var result, out var addError, index) ? result : throw addError.ToException());
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateComplete(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument("A version 2 PSBT, base64 or hex");
        var only = new Option<string?>("--only") { Description = "Close only 'inputs' or only 'outputs' (default: both)" };
        var command = new Command("complete", "Declare construction finished: clear the Inputs/Outputs Modifiable flags (BIP370 Constructor)") { psbtArgument, only }
            .WithExamples("opsource psbt complete @tx.psbt", "opsource psbt complete @tx.psbt --only inputs");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
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

    private static uint? ParseUInt(string? text, string option) => CliParse.UInt32(text, option);

    private static void WritePsbt(CliContext ctx, PsbtT psbt)
    {
        var b64 = psbt.ToBase64();
        var json = new JsonObject { ["psbt"] = b64, ["inputs"] = psbt.Inputs.Count, ["outputs"] = psbt.Outputs.Count };
        if (psbt.TxModifiable is { } mod) json["tx_modifiable"] = (int)mod;
        ctx.WriteResult(json, w => w.WriteLine(b64));
    }

    private static Command CreateCombine(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtsArgument = new Argument<string[]>("psbts") { Description = "Two or more PSBTs for the same transaction, base64 or hex" + CliInput.Hint, Arity = ArgumentArity.OneOrMore };
        var command = new Command("combine", "Merge PSBTs for the same transaction (BIP174 Combiner)") { psbtsArgument }
            .WithExamples("opsource psbt combine @alice.psbt @bob.psbt", "opsource psbt combine - @bob.psbt < alice.psbt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var parts = (parse.GetValue(psbtsArgument) ?? []).Select(p => ReadPsbt(ctx, p)).ToList();
            if (!PsbtT.TryCombine(parts, out var combined, out var combineError))
            {
                throw combineError.ToException();
            }

            var b64 = combined.ToBase64();
            ctx.WriteResult(new JsonObject { ["psbt"] = b64 }, w => w.WriteLine(b64));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateFinalize(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument();
        var command = new Command("finalize", "Build final scriptSigs/witnesses from the signatures (BIP174 Finalizer); exit 1 when an input cannot be finalized yet (the partly finalized PSBT is still printed)")
        {
            psbtArgument,
        }.WithExamples(
            "opsource psbt finalize @signed.psbt",
            "P=$(opsource psbt finalize @signed.psbt) && opsource psbt extract \"$P\"",
            "opsource psbt finalize - --json < signed.psbt | jq -r .hex");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var complete = psbt.TryFinalize(out var finalized, out var problems);
            var b64 = finalized.ToBase64();
            // Core finalizepsbt: psbt, hex (when complete), complete; plus the reasons an input is not final.
            var json = new JsonObject { ["psbt"] = b64 };
            if (complete && finalized.TryExtract(out var tx, out _))
            {
                json["hex"] = tx.ToHex();
            }

            json["complete"] = complete;
            json["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)p)]);
            if (complete)
            {
                ctx.WriteResult(json, w => w.WriteLine(b64));
                return CliApp.ExitOk;
            }

            // The rule for every command: results on stdout, status in the exit code, messages on stderr.
            return ctx.WriteNegativeResult(json, w => w.WriteLine(b64), "psbt: not complete: " + string.Join("; ", problems));
        }, ct));
        return command;
    }

    private static Command CreateExtract(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument("A finalized PSBT, base64 or hex");
        var command = new Command("extract", "Print the network transaction of a finalized PSBT as hex (BIP174 Extractor)") { psbtArgument }
            .WithExamples("opsource psbt extract @final.psbt", "opsource psbt finalize @signed.psbt | opsource psbt extract -");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            if (!psbt.TryExtract(out var tx, out var extractError))
            {
                throw extractError.ToException();
            }

            var hex = tx.ToHex();
            ctx.WriteResult(new JsonObject { ["hex"] = hex, ["txid"] = tx.GetTxId().ToString() }, w => w.WriteLine(hex));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static string AddressOrScript(Script script, Network network) =>
        Address.TryFromScriptPubKey(script.Span, network, out var address) ? address.ToString() : "script " + script.ToHex();

    // Core ScriptToUniv(include_hex=true, include_address=false) for redeem and witness scripts.
    private static JsonObject ScriptJson(Script script) => new()
    {
        ["asm"] = ScriptAsm.ToAsm(script),
        ["hex"] = script.ToHex(),
        ["type"] = CoreJson.TemplateName(StandardScripts.Detect(script)),
    };

    // Core WriteHDKeypath: "m/84h/0h/0h/0/5".
    private static string PathText(RootedKeyPath origin) => origin.KeyPath.ToString(true, 'h');

    private static JsonObject Origin(string pubkey, RootedKeyPath origin) => new()
    {
        ["pubkey"] = pubkey,
        ["master_fingerprint"] = origin.MasterFingerprint.ToString(),
        ["path"] = PathText(origin),
    };

    // Core decodepsbt: unknown entries as {hex key: hex value}, proprietary ones as {identifier, subtype, key, value}.
    private static JsonObject Unknown(IEnumerable<PsbtEntry> entries)
    {
        var json = new JsonObject();
        foreach (var e in entries)
        {
            json[Hex.Encode(e.Key)] = Hex.Encode(e.Value);
        }

        return json;
    }

    private static JsonArray Proprietary(IEnumerable<PsbtEntry> entries)
    {
        var array = new JsonArray();
        foreach (var e in entries)
        {
            // BIP174: 0xFC <compact size identifier length> <identifier> <compact size subtype> <key data>.
            var reader = new BitcoinReader(e.KeyData);
            if (!reader.TryReadVarBytes(out var identifier) || !reader.TryReadCompactSize(out var subtype, rangeCheck: false))
            {
                continue;
            }

            array.Add((JsonNode)new JsonObject
            {
                ["identifier"] = Hex.Encode(identifier),
                ["subtype"] = subtype,
                ["key"] = Hex.Encode(reader.RemainingSpan),
                ["value"] = Hex.Encode(e.Value),
            });
        }

        return array;
    }

    /// <summary>
    /// Core decodepsbt's JSON: tx (TxToUniv of the unsigned transaction), global_xpubs, psbt_version,
    /// proprietary, unknown, inputs, outputs, fee (BTC, when every input's UTXO is known). Version 2
    /// PSBTs add the BIP370 fields with the names of Core's PSBTv2 work (tx_version, fallback_locktime,
    /// input_count, output_count, tx_modifiable; previous_txid, previous_vout, sequence, time_locktime,
    /// height_locktime; amount, script).
    /// </summary>
    internal static JsonObject Decode(PsbtT psbt, Network network)
    {
        var json = new JsonObject();
        if (psbt.TryGetUnsignedTransaction(out var tx, out _))
        {
            json["tx"] = CoreJson.Transaction(tx, network);
        }

        json["global_xpubs"] = new JsonArray([.. psbt.Xpubs.Select(x => (JsonNode)new JsonObject
        {
            ["xpub"] = x.ExtPubKey.ToString(network),
            ["master_fingerprint"] = x.Origin.MasterFingerprint.ToString(),
            ["path"] = PathText(x.Origin),
        })]);
        json["psbt_version"] = psbt.Version;
        if (psbt.Version == 2)
        {
            json["tx_version"] = unchecked((uint)psbt.TxVersion);
            if (psbt.FallbackLockTime is { } fallback) json["fallback_locktime"] = fallback.Value;
            json["input_count"] = psbt.Inputs.Count;
            json["output_count"] = psbt.Outputs.Count;
            if (psbt.TxModifiable is { } mod) json["tx_modifiable"] = (int)mod;
        }

        json["proprietary"] = Proprietary(psbt.GlobalProprietary);
        json["unknown"] = Unknown(psbt.GlobalUnknown);
        json["inputs"] = new JsonArray([.. psbt.Inputs.Select(i => (JsonNode)DecodeInput(i, psbt.Version, network))]);
        json["outputs"] = new JsonArray([.. psbt.Outputs.Select(o => (JsonNode)DecodeOutput(o, psbt.Version, network))]);
        if (psbt.Fee is { } fee)
        {
            json["fee"] = CoreJson.Btc(fee);
        }

        return json;
    }

    private static JsonObject DecodeInput(PsbtInput i, int version, Network network)
    {
        var json = new JsonObject();
        if (i.NonWitnessUtxo is { } nwu) json["non_witness_utxo"] = CoreJson.Transaction(nwu, network);
        if (i.WitnessUtxo is { } wu) json["witness_utxo"] = new JsonObject { ["amount"] = CoreJson.Btc(wu), ["scriptPubKey"] = CoreJson.Script(wu.ScriptPubKey, network) };
        if (i.PartialSignatures.Count > 0)
        {
            var sigs = new JsonObject();
            foreach (var sig in i.PartialSignatures)
            {
                sigs[Hex.Encode(sig.IsCompressed ? sig.PublicKey.ToCompressed() : sig.PublicKey.ToUncompressed())] = Hex.Encode(sig.Signature.Span);
            }

            json["partial_signatures"] = sigs;
        }

        if (i.SighashType is { } sh) json["sighash"] = new SigHashType((byte)sh.Value).Name ?? string.Empty; // Core: SighashToStr((unsigned char)sighash_type)
        if (i.RedeemScript is { } rs) json["redeem_script"] = ScriptJson(rs);
        if (i.WitnessScript is { } ws) json["witness_script"] = ScriptJson(ws);
        if (i.Bip32Derivations.Count > 0)
        {
            json["bip32_derivs"] = new JsonArray([.. i.Bip32Derivations.Select(d =>
                (JsonNode)Origin(Hex.Encode(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed()), d.Origin))]);
        }

        if (i.FinalScriptSig is { } fss) json["final_scriptSig"] = new JsonObject { ["asm"] = ScriptAsm.ToAsm(fss, attemptSighashDecode: true), ["hex"] = fss.ToHex() };
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
            // Core groups the control blocks of one (script, leaf version).
            json["taproot_scripts"] = new JsonArray([.. i.TapLeafScripts
                .GroupBy(l => (Script: l.Script.ToHex(), l.LeafVersion))
                .Select(g => (JsonNode)new JsonObject
                {
                    ["script"] = g.Key.Script,
                    ["leaf_ver"] = g.Key.LeafVersion,
                    ["control_blocks"] = new JsonArray([.. g.Select(l => (JsonNode)Hex.Encode(l.ControlBlock.ToBytes()))]),
                })]);
        }

        if (i.TapBip32Derivations.Count > 0) json["taproot_bip32_derivs"] = TapOrigins(i.TapBip32Derivations);
        if (i.TapInternalKey is { } tik) json["taproot_internal_key"] = Hex.Encode(tik.ToBytes());
        if (i.TapMerkleRoot is { } tmr) json["taproot_merkle_root"] = Hex.Encode(tmr.ToBytes());
        if (version == 2)
        {
            json["previous_txid"] = i.PreviousOutPoint.TxId.ToString();
            json["previous_vout"] = i.PreviousOutPoint.Index;
            if (i.SequenceField is { } seq) json["sequence"] = seq.Value;
            if (i.RequiredTimeLockTime is { } rt) json["time_locktime"] = rt.Value;
            if (i.RequiredHeightLockTime is { } rh) json["height_locktime"] = rh.Value;
        }

        AddUnknown(json, i.Proprietary, i.Unknown);
        return json;
    }

    private static void AddUnknown(JsonObject json, IEnumerable<PsbtEntry> proprietary, IEnumerable<PsbtEntry> unknown)
    {
        var p = Proprietary(proprietary);
        if (p.Count > 0) json["proprietary"] = p;
        var u = Unknown(unknown);
        if (u.Count > 0) json["unknown"] = u;
    }

    private static JsonArray TapOrigins(IEnumerable<PsbtTapKeyOrigin> origins) =>
        new([.. origins.Select(d =>
        {
            var o = Origin(Hex.Encode(d.Key.ToBytes()), d.Origin);
            o["leaf_hashes"] = new JsonArray([.. d.LeafHashes.Select(h => (JsonNode)Hex.Encode(h.ToBytes()))]);
            return (JsonNode)o;
        })]);

    private static JsonObject DecodeOutput(PsbtOutput o, int version, Network network)
    {
        var json = new JsonObject();
        if (o.RedeemScript is { } rs) json["redeem_script"] = ScriptJson(rs);
        if (o.WitnessScript is { } ws) json["witness_script"] = ScriptJson(ws);
        if (o.Bip32Derivations.Count > 0)
        {
            json["bip32_derivs"] = new JsonArray([.. o.Bip32Derivations.Select(d =>
                (JsonNode)Origin(Hex.Encode(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed()), d.Origin))]);
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
        if (version == 2)
        {
            json["amount"] = CoreJson.Btc(o.TxOut);
            json["script"] = CoreJson.Script(o.Script, network);
        }

        AddUnknown(json, o.Proprietary, o.Unknown);
        return json;
    }
}
