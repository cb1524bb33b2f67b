using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Rpc;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary><c>psbt analyze</c> (Core's analyzepsbt), <c>psbt update</c> (Updater: UTXOs) and <c>psbt sign</c> (Signer).</summary>
internal static partial class PsbtCommand
{
    // Core PSBTRole order: the PSBT's next role is the earliest any input needs.
    private enum Role
    {
        Creator,
        Updater,
        Signer,
        Finalizer,
        Extractor,
    }

    private static string RoleName(Role role) => role.ToString().ToLowerInvariant();

    private static Command CreateAnalyze(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument();
        var command = new Command("analyze", "What each input still needs (UTXO, scripts, public keys, signatures) and which role is next, with the fee, estimated vsize and fee rate (like Core's analyzepsbt)")
        {
            psbtArgument,
        }.WithExamples("opsource psbt analyze @tx.psbt", "opsource psbt analyze - --json < tx.psbt | jq .next");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var json = Analyze(psbt);
            void Human(TextWriter w)
            {
                w.WriteLine($"next:   {json["next"]}");
                if (json["fee"] is { } fee)
                {
                    w.WriteLine($"fee:    {fee} BTC" + (json["estimated_vsize"] is { } vsize ? $", estimated vsize {vsize} vB, fee rate {json["estimated_feerate"]} BTC/kvB" : string.Empty));
                }

                var index = 0;
                foreach (var input in json["inputs"]?.AsArray() ?? [])
                {
                    var missing = input!["missing"] is JsonObject m
                        ? "; missing " + string.Join(", ", m.Select(p => p.Value is JsonArray a ? $"{p.Key} {string.Join(' ', a)}" : $"{p.Key} {p.Value}"))
                        : string.Empty;
                    w.WriteLine($"in {index++}: {((bool)input["has_utxo"]! ? "utxo known" : "utxo missing")}, {((bool)input["is_final"]! ? "final" : "not final")}, next {input["next"]}{missing}");
                }
            }

            if (json["error"] is { } analysisError)
            {
                return ctx.WriteNegativeResult(json, Human, (string)analysisError!);
            }

            ctx.WriteResult(json, Human);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>
    /// Core AnalyzePSBT (node/psbt.cpp): per input has_utxo, is_final (final scripts that verify),
    /// what a signer without keys finds missing (pubkeys and signatures as HASH160 key ids, the redeem
    /// script's HASH160, the witness script's SHA256) and the next role; the fee, and the estimated vsize
    /// and fee rate when every input can be finalized.
    /// </summary>
    internal static JsonObject Analyze(PsbtT psbt)
    {
        var inputs = new JsonArray();
        // Core AnalyzePSBT sums CAmounts (signed): the fee it reports can be negative.
        var inTotal = SignedAmount.Zero;
        var calcFee = true;
        var next = Role.Extractor;
        var hasTx = psbt.TryGetUnsignedTransaction(out var tx, out var txError);
        if (!hasTx)
        {
            return Invalid(txError!.Message);
        }

        var spent = psbt.Inputs.Select(i => i.GetUtxo()).ToList();
        var precomputed = spent.All(u => u is not null) ? new PrecomputedTransactionData(tx!, spent!) : new PrecomputedTransactionData(tx!);
        for (var i = 0; i < psbt.Inputs.Count; i++)
        {
            var input = psbt.Inputs[i];
            var utxo = spent[i];
            var role = Role.Extractor;
            var item = new JsonObject { ["has_utxo"] = utxo is not null };
            if (utxo is not null)
            {
                var value = SignedAmount.FromSatoshis(utxo.RawValue);
                if (!value.IsInMoneyRange || !(inTotal + value).IsInMoneyRange)
                {
                    return Invalid(string.Create(CultureInfo.InvariantCulture, $"PSBT is not valid. Input {i} has invalid value"));
                }

                inTotal += value;
            }
            else if (input.NonWitnessUtxo is { } prev && input.PreviousOutPoint.Index >= prev.Outputs.Count)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture, $"PSBT is not valid. Input {i} specifies invalid prevout"));
            }
            else
            {
                role = Role.Updater;
                calcFee = false;
            }

            if (utxo is not null && utxo.ScriptPubKey.IsUnspendable)
            {
                return Invalid(string.Create(CultureInfo.InvariantCulture, $"PSBT is not valid. Input {i} spends unspendable output"));
            }

            var isFinal = utxo is not null && input.IsFinalized && FinalInputVerifies(tx!, i, input, utxo, precomputed);
            item["is_final"] = isFinal;
            var missing = new JsonObject();
            if (!isFinal)
            {
                var needs = MissingFor(input, utxo);
                if (needs.Pubkeys.Count > 0) missing["pubkeys"] = new JsonArray([.. needs.Pubkeys.Select(k => (JsonNode)k)]);
                if (needs.RedeemScript is not null) missing["redeemscript"] = needs.RedeemScript;
                if (needs.WitnessScript is not null) missing["witnessscript"] = needs.WitnessScript;
                if (needs.Signatures.Count > 0) missing["signatures"] = new JsonArray([.. needs.Signatures.Select(k => (JsonNode)k)]);
                if (utxo is not null)
                {
                    role = needs.Complete ? Role.Finalizer
                        : needs.Pubkeys.Count == 0 && needs.RedeemScript is null && needs.WitnessScript is null && needs.Signatures.Count > 0 ? Role.Signer
                        : Role.Updater;
                }
            }

            item["next"] = RoleName(role);
            if (missing.Count > 0)
            {
                item["missing"] = missing;
            }

            next = role < next ? role : next;
            inputs.Add((JsonNode)item);
        }

        var json = new JsonObject();
        if (inputs.Count > 0)
        {
            json["inputs"] = inputs;
        }

        if (calcFee)
        {
            var outTotal = SignedAmount.Zero;
            foreach (var o in psbt.Outputs)
            {
                var value = SignedAmount.FromSatoshis(o.TxOut.RawValue);
                if (!value.IsInMoneyRange || !(outTotal + value).IsInMoneyRange)
                {
                    return Invalid("PSBT is not valid. Output amount invalid");
                }

                outTotal += value;
            }

            var fee = inTotal - outTotal;
            if (psbt.TryFinalize(out var finalized, out _) && finalized.TryExtract(out var final, out _))
            {
                // Core: GetVirtualTransactionSize of the finalized transaction; the fee rate per 1000 vB, truncated.
                var vsize = final.VirtualSize;
                json["estimated_vsize"] = vsize;
                json["estimated_feerate"] = CoreJson.BtcDecimal(fee.Satoshis * 1000 / vsize);
            }

            json["fee"] = CoreJson.Btc(fee);
        }

        json["next"] = RoleName(next);
        return json;

        static JsonObject Invalid(string message) => new() { ["next"] = RoleName(Role.Creator), ["error"] = message };
    }

    private static bool FinalInputVerifies(Transaction tx, int index, PsbtInput input, TxOut utxo, PrecomputedTransactionData precomputed)
    {
        var signed = tx.WithInput(index, tx.Inputs[index] with
        {
            ScriptSig = input.FinalScriptSig ?? Script.Empty,
            Witness = input.FinalScriptWitness ?? Witness.Empty,
        });
        var data = precomputed.SpentOutputs is { } all ? new PrecomputedTransactionData(signed, all) : new PrecomputedTransactionData(signed);
        try
        {
            return TransactionVerifier.VerifyInput(signed, index, utxo, data, ScriptFlags.Standard, out _);
        }
        catch (InvalidOperationException)
        {
            return false; // Taproot without every spent output: cannot be checked, so not known final (Core: MissingDataBehavior::FAIL).
        }
    }

    private sealed record Needs(List<string> Pubkeys, List<string> Signatures, string? RedeemScript, string? WitnessScript, bool Complete);

    /// <summary>What Core's SignPSBTInput with no keys (DUMMY_SIGNING_PROVIDER) would report missing.</summary>
    private static Needs MissingFor(PsbtInput input, TxOut? utxo)
    {
        var pubkeys = new List<string>();
        var sigs = new List<string>();
        if (utxo is null)
        {
            return new Needs(pubkeys, sigs, null, null, false);
        }

        var script = utxo.ScriptPubKey;
        var match = StandardScripts.Solve(script);
        if (match.Template == ScriptTemplate.ScriptHash)
        {
            if (input.RedeemScript is not { } redeem)
            {
                return new Needs(pubkeys, sigs, Hex.Encode(match.Solutions[0].Span), null, false);
            }

            script = redeem;
            match = StandardScripts.Solve(script);
        }

        if (match.Template == ScriptTemplate.WitnessV0ScriptHash)
        {
            if (input.WitnessScript is not { } witnessScript)
            {
                return new Needs(pubkeys, sigs, null, Hex.Encode(match.Solutions[0].Span), false);
            }

            match = StandardScripts.Solve(witnessScript);
        }

        var known = input.PartialSignatures.ToDictionary(s => KeyId(s.IsCompressed ? s.PublicKey.ToCompressed() : s.PublicKey.ToUncompressed()), s => true, StringComparer.Ordinal);
        var knownKeys = input.Bip32Derivations.Select(d => KeyId(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed()))
            .Concat(known.Keys).ToHashSet(StringComparer.Ordinal);
        var complete = false;
        switch (match.Template)
        {
            case ScriptTemplate.PubKey:
                {
                    var id = KeyId(match.Solutions[0].Span);
                    complete = known.ContainsKey(id);
                    if (!complete) sigs.Add(id);
                    break;
                }

            case ScriptTemplate.PubKeyHash or ScriptTemplate.WitnessV0KeyHash:
                {
                    var id = Hex.Encode(match.Solutions[0].Span);
                    complete = known.ContainsKey(id);
                    if (!complete) (knownKeys.Contains(id) ? sigs : pubkeys).Add(id);
                    break;
                }

            case ScriptTemplate.Multisig:
                {
                    // Core SignStep: keys in script order, signatures collected until the threshold is met.
                    var found = 0;
                    foreach (var key in match.Solutions)
                    {
                        if (found >= match.RequiredSignatures) break;
                        var id = KeyId(key.Span);
                        if (known.ContainsKey(id)) found++;
                        else sigs.Add(id);
                    }

                    complete = found >= match.RequiredSignatures;
                    break;
                }

            case ScriptTemplate.WitnessV1Taproot:
                // Core reports nothing missing for Taproot; a key-path or script-path signature completes it.
                complete = input.TapKeySignature is not null || input.TapScriptSignatures.Count > 0;
                break;
        }

        return new Needs(pubkeys, sigs, null, null, complete);
    }

    private static string KeyId(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> id = stackalloc byte[20];
        Hashes.Hash160(publicKey, id);
        return Hex.Encode(id);
    }

    private static Command CreateUpdate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument();
        var prevTxOption = new Option<string[]>("--prev-tx")
        {
            Description = "A raw previous transaction (hex" + CliInput.Hint + "); repeat for several. Attaches PSBT_IN_NON_WITNESS_UTXO (not for Taproot) and PSBT_IN_WITNESS_UTXO (segwit outputs) to every input spending it",
        };
        var rpcUrlOption = new Option<string?>("--rpc-url") { Description = "Fetch the UTXOs of the inputs still without one from this Bitcoin Core node (getrawtransaction, then gettxout)" };
        var rpcCookieOption = new Option<string?>("--rpc-cookie") { Description = "The node's cookie file (default: auth from --rpc-user and OPSOURCE_RPC_PASSWORD)" };
        var rpcUserOption = new Option<string?>("--rpc-user") { Description = "RPC user name; the password is read from OPSOURCE_RPC_PASSWORD (never a command-line argument)" };
        var command = new Command("update", "Attach the UTXOs the inputs spend (BIP174 Updater), from raw previous transactions or from a node")
        {
            psbtArgument, prevTxOption, rpcUrlOption, rpcCookieOption, rpcUserOption,
        }.WithExamples(
            "opsource psbt update @tx.psbt --prev-tx @funding.hex",
            "opsource psbt update @tx.psbt --rpc-url http://127.0.0.1:18443 --rpc-cookie ~/.bitcoin/regtest/.cookie --network regtest");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var previous = new List<Transaction>();
            foreach (var text in parse.GetValue(prevTxOption) ?? [])
            {
                previous.Add(TxCommand.Decode(CliInput.Text(ctx, text, "--prev-tx")));
            }

            var updated = new List<int>();
            psbt = AttachUtxos(psbt, previous, null, updated);
            if (parse.GetValue(rpcUrlOption) is { } url)
            {
                using var client = OpenNode(url, parse.GetValue(rpcCookieOption), parse.GetValue(rpcUserOption));
                psbt = await FetchUtxosAsync(psbt, client, updated, token).ConfigureAwait(false);
            }

            var missing = psbt.Inputs.Where(i => i.GetUtxo() is null).Select(i => i.Index).ToList();
            var b64 = psbt.ToBase64();
            var json = new JsonObject
            {
                ["psbt"] = b64,
                ["updated_inputs"] = new JsonArray([.. updated.Distinct().Order().Select(i => (JsonNode)i)]),
                ["inputs_without_utxo"] = new JsonArray([.. missing.Select(i => (JsonNode)i)]),
            };
            if (updated.Count == 0 && missing.Count > 0)
            {
                return ctx.WriteNegativeResult(json, w => w.WriteLine(b64), "psbt: no input got its UTXO (no --prev-tx matches and no node has them)");
            }

            ctx.WriteResult(json, w => w.WriteLine(b64));
            if (missing.Count > 0)
            {
                await ctx.Error.WriteLineAsync($"warning: inputs still without a UTXO: {string.Join(", ", missing)}").ConfigureAwait(false);
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static PsbtT AttachUtxos(PsbtT psbt, IReadOnlyList<Transaction> previous, IReadOnlyDictionary<OutPoint, TxOut>? outputs, List<int> updated)
    {
        var byId = previous.GroupBy(t => t.GetTxId()).ToDictionary(g => g.Key, g => g.First());
        for (var i = 0; i < psbt.Inputs.Count; i++)
        {
            var outpoint = psbt.Inputs[i].PreviousOutPoint;
            if (byId.TryGetValue(outpoint.TxId, out var prev))
            {
                if (outpoint.Index >= prev.Outputs.Count)
                {
                    throw new CliUserException($"--prev-tx: {outpoint.TxId} has {prev.Outputs.Count} outputs; input {i} spends output {outpoint.Index}");
                }

                var spent = prev.Outputs[(int)outpoint.Index];
                // BIP174/BIP371: Taproot inputs need only the witness UTXO; other inputs get the whole
                // previous transaction (segwit v0 too: it proves the amount), segwit ones the witness UTXO as well.
                var isTaproot = StandardScripts.Detect(spent.ScriptPubKey) == ScriptTemplate.WitnessV1Taproot;
                if (!isTaproot && psbt.Inputs[i].NonWitnessUtxo is null)
                {
                    psbt = psbt.WithNonWitnessUtxo(i, prev.WithoutWitnesses());
                    updated.Add(i);
                }

                if (spent.ScriptPubKey.IsWitnessProgram() && psbt.Inputs[i].WitnessUtxo is null)
                {
                    psbt = psbt.WithWitnessUtxo(i, spent);
                    updated.Add(i);
                }
            }
            else if (outputs is not null && outputs.TryGetValue(outpoint, out var output) && psbt.Inputs[i].WitnessUtxo is null && output.ScriptPubKey.IsWitnessProgram())
            {
                psbt = psbt.WithWitnessUtxo(i, output);
                updated.Add(i);
            }
        }

        return psbt;
    }

    private static BitcoinRpcClient OpenNode(string url, string? cookie, string? user)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliUserException($"--rpc-url: '{CliOptions.Shorten(url)}' is not an http:// URL");
        }

        RpcCredentials credentials;
        if (cookie is not null)
        {
            credentials = RpcCredentials.FromCookieFile(cookie);
        }
        else if (user is not null)
        {
            var password = Environment.GetEnvironmentVariable("OPSOURCE_RPC_PASSWORD")
                ?? throw new CliUserException("--rpc-user: set the password in OPSOURCE_RPC_PASSWORD");
            credentials = RpcCredentials.FromUserPassword(user, password);
        }
        else
        {
            throw new CliUserException("--rpc-url: give --rpc-cookie FILE or --rpc-user USER (password in OPSOURCE_RPC_PASSWORD)");
        }

        return new BitcoinRpcClient(new BitcoinRpcClientOptions(uri, credentials) { MaxRetries = 1 });
    }

    private static async Task<PsbtT> FetchUtxosAsync(PsbtT psbt, BitcoinRpcClient client, List<int> updated, CancellationToken cancellationToken)
    {
        var previous = new List<Transaction>();
        var outputs = new Dictionary<OutPoint, TxOut>();
        foreach (var input in psbt.Inputs.Where(i => i.GetUtxo() is null))
        {
            var outpoint = input.PreviousOutPoint;
            try
            {
                // getrawtransaction finds mempool and -txindex transactions; gettxout any unspent output.
                previous.Add(await client.GetRawTransactionAsync(outpoint.TxId, null, cancellationToken).ConfigureAwait(false));
            }
            catch (RpcErrorException)
            {
                if (await client.GetTxOutAsync(outpoint, includeMempool: true, cancellationToken).ConfigureAwait(false) is { } info)
                {
                    outputs[outpoint] = new TxOut(info.Value, info.ScriptPubKey);
                }
            }
            catch (BitcoinRpcException ex) when (ex is BitcoinRpcTransportException or BitcoinRpcAuthenticationException)
            {
                throw new CliUserException($"--rpc-url: {ex.Message}", ex);
            }
        }

        return AttachUtxos(psbt, previous, outputs, updated);
    }

    private static Command CreateSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbtArgument = PsbtArgument();
        var wifOption = new Option<string[]>("--wif") { Description = "A private key in WIF for --network" + CliInput.Hint + "; repeat for several" };
        var xprvOption = new Option<string[]>("--xprv")
        {
            Description = "A master extended private key" + CliInput.Hint + "; signs every input whose BIP32 (or BIP371 Taproot) derivation starts at its fingerprint",
        };
        var command = new Command("sign", "Sign every input the keys can sign (BIP174/BIP371 Signer: P2PKH, P2WPKH, P2SH-P2WPKH, multisig, P2TR key and script path); exit 1 when an input is refused or no key signs anything")
        {
            psbtArgument, wifOption, xprvOption,
        }.WithExamples(
            "opsource psbt sign @tx.psbt --wif @key.wif",
            "opsource psbt sign - --xprv @master.xprv --network testnet < tx.psbt > signed.psbt",
            "opsource psbt sign @tx.psbt --wif KEY1 --wif KEY2 --json | jq .complete");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var psbt = ReadPsbt(ctx, parse.GetValue(psbtArgument));
            var wifs = new List<Wif>();
            var derived = new List<ExtKey>();
            try
            {
                foreach (var text in parse.GetValue(wifOption) ?? [])
                {
                    wifs.Add(CliParse.Wif(CliInput.Text(ctx, text, "--wif"), network));
                }

                foreach (var text in parse.GetValue(xprvOption) ?? [])
                {
                    derived.AddRange(DeriveForPsbt(psbt, CliInput.Text(ctx, text, "--xprv"), network));
                }

                if (wifs.Count == 0 && (parse.GetValue(xprvOption) ?? []).Length == 0)
                {
                    throw new CliUserException("psbt: give --wif or --xprv (the keys to sign with)");
                }

                var keys = wifs.Select(w => w.PrivateKey).Concat(derived.Select(d => d.PrivateKey)).ToList();
                var before = psbt.Inputs.Select(SignatureCount).ToList();
                psbt.TrySign(keys, out var signed, out var refusals);
                var signedInputs = signed.Inputs.Where(i => SignatureCount(i) > before[i.Index]).Select(i => i.Index).ToList();
                var b64 = signed.ToBase64();
                var json = new JsonObject
                {
                    ["psbt"] = b64,
                    ["complete"] = signed.TryFinalize(out _, out _),
                    ["signed_inputs"] = new JsonArray([.. signedInputs.Select(i => (JsonNode)i)]),
                    ["refusals"] = new JsonArray([.. refusals.Select(r => (JsonNode)r)]),
                };
                if (refusals.Count > 0)
                {
                    return ctx.WriteNegativeResult(json, w => w.WriteLine(b64), "psbt: refused to sign: " + string.Join("; ", refusals));
                }

                if (signedInputs.Count == 0)
                {
                    return ctx.WriteNegativeResult(json, w => w.WriteLine(b64), "psbt: none of the keys signs any input (check the keys, --network and the inputs' UTXOs and derivations)");
                }

                ctx.WriteResult(json, w => w.WriteLine(b64));
                return CliApp.ExitOk;
            }
            finally
            {
                wifs.ForEach(w => w.Dispose());
                derived.ForEach(d => d.Dispose());
            }
        }, ct));
        return command;
    }

    private static int SignatureCount(PsbtInput input) =>
        input.PartialSignatures.Count + input.TapScriptSignatures.Count + (input.TapKeySignature is null ? 0 : 1);

    /// <summary>The keys an xprv holds for this PSBT: every BIP32/BIP371 derivation whose master fingerprint is the xprv's, derived and checked against the listed public key.</summary>
    private static List<ExtKey> DeriveForPsbt(PsbtT psbt, string text, Network network)
    {
        if (!ExtKey.TryParse(text, out var master, out var version, out var parseError))
        {
            throw new CliUserException("--xprv: " + parseError);
        }

        using (master)
        {
            CliParse.CheckNetwork(version, network, "--xprv");
            if (master.Depth != 0)
            {
                throw new CliUserException("--xprv: give the master key (depth 0): PSBT derivations start at the master fingerprint");
            }

            var keys = new List<ExtKey>();
            var fingerprint = master.Fingerprint;
            var origins = psbt.Inputs.SelectMany(i => i.Bip32Derivations.Select(d => (d.Origin, Key: (ReadOnlyMemory<byte>)(d.IsCompressed ? d.PublicKey.ToCompressed() : d.PublicKey.ToUncompressed()), XOnly: false))
                .Concat(i.TapBip32Derivations.Select(d => (d.Origin, Key: (ReadOnlyMemory<byte>)d.Key.ToBytes(), XOnly: true))));
            foreach (var (origin, key, xonly) in origins)
            {
                if (origin.MasterFingerprint != fingerprint)
                {
                    continue;
                }

                var child = master.Derive(origin.KeyPath);
                var pub = xonly ? child.PublicKey.ToXOnly(out _).ToBytes() : child.PublicKey.ToCompressed();
                if (pub.AsSpan().SequenceEqual(key.Span) || (!xonly && child.PublicKey.ToUncompressed().AsSpan().SequenceEqual(key.Span)))
                {
                    keys.Add(child);
                }
                else
                {
                    child.Dispose(); // same fingerprint, different key: not ours
                }
            }

            return keys;
        }
    }
}
