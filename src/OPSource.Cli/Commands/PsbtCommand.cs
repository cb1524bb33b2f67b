using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource psbt decode|combine|finalize|extract</c>: BIP174/BIP370 PSBT tools.</summary>
internal static class PsbtCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("psbt", "Decode, combine, finalize and extract PSBTs (BIP174, BIP370, BIP371)");
        command.Add(CreateDecode(globals, output, error));
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
                        $"in  {input.Index}: {input.PreviousOutPoint} {(utxo is null ? "utxo unknown" : utxo.Value.ToSatoshiString())} [{state}]"));
                }

                foreach (var o in psbt.Outputs)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"out {o.Index}: {o.Amount.ToSatoshiString()} {AddressOrScript(o.Script, network)}"));
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
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
            json["utxo"] = new JsonObject { ["amount"] = utxo.Value.Satoshis, ["script_pubkey"] = ScriptJson(utxo.ScriptPubKey, network) };
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

        if (i.SighashType is { } sh) json["sighash_type"] = sh;
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
        var json = new JsonObject { ["amount"] = o.Amount.Satoshis, ["script_pubkey"] = ScriptJson(o.Script, network) };
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
