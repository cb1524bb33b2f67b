using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Fuzz.Targets;

/// <summary>
/// Consensus verification of a mutated transaction against its prevouts, in the input layout of
/// Core's script_flags fuzz target: the transaction (witness serialization), uint32 verify flags,
/// uint32 fuzzed flags, then one output (int64 amount, CompactSize script) per input.
/// </summary>
internal static class ConsensusTargets
{
    public static FuzzTarget Consensus { get; } = new(
        "consensus",
        "every input of a mutated transaction verified against fuzzed prevouts (Core script_flags layout): result == (error == OK); removing flags from a pass or adding flags to a failure keeps the result (Core's soft-fork property); a signature cache never changes a verdict",
        Run,
        SeedInputs);

    private static readonly SignatureCache Cache = new(1 << 14);

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new BitcoinReader(input.Span);
        if (!Transaction.TryRead(ref reader, out var tx)
            || !reader.TryReadUInt32LE(out var verifyBits)
            || !reader.TryReadUInt32LE(out var fuzzedBits))
        {
            return;
        }

        var verifyFlags = (ScriptVerifyFlags)verifyBits;
        if (!IsValidFlagCombination(verifyFlags))
        {
            return;
        }

        var spent = new List<TxOut>(tx.Inputs.Count);
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            if (!reader.TryReadInt64LE(out var amount) || !reader.TryReadVarBytes(out var script))
            {
                return;
            }

            // Core script_flags: prevouts should be consensus-valid amounts.
            spent.Add(new TxOut(Amount.FromSatoshis(amount is < 0 or > 2_100_000_000_000_000 ? 1 : amount), new Script(script)));
        }

        var precomputed = new PrecomputedTransactionData(tx, spent);
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            var ok = TransactionVerifier.VerifyInput(tx, i, spent[i], precomputed, verifyFlags, out var error);
            FuzzOracleException.Check(ok == (error == ScriptError.OK), $"input {i}: result {ok} but error {error}");

            var cached = TransactionVerifier.VerifyInput(tx, i, spent[i], precomputed, verifyFlags, out var cachedError, Cache);
            var cachedAgain = TransactionVerifier.VerifyInput(tx, i, spent[i], precomputed, verifyFlags, out var cachedAgainError, Cache);
            FuzzOracleException.Check(cached == ok && cachedError == error && cachedAgain == ok && cachedAgainError == error, $"input {i}: the signature cache changed the verdict");

            // Core script_flags: removing flags from a passing test or adding flags to a failing test does not change the result.
            var changed = ok ? verifyFlags & ~(ScriptVerifyFlags)fuzzedBits : verifyFlags | (ScriptVerifyFlags)fuzzedBits;
            if (!IsValidFlagCombination(changed))
            {
                continue;
            }

            var okChanged = TransactionVerifier.VerifyInput(tx, i, spent[i], precomputed, changed, out var changedError);
            FuzzOracleException.Check(okChanged == (changedError == ScriptError.OK), $"input {i}: result {okChanged} but error {changedError}");
            FuzzOracleException.Check(okChanged == ok, $"input {i}: {(ok ? "removing" : "adding")} flags {ScriptFlags.Format((ScriptVerifyFlags)fuzzedBits)} changed the result ({error} -> {changedError})");
        }

        var verdict = TransactionVerifier.VerifyInputs(tx, spent, verifyFlags);
        _ = TransactionChecks.CheckTransaction(tx, out _);
        _ = verdict.IsValid;
    }

    // Core test/util/script.cpp IsValidFlagCombination: CLEANSTACK needs P2SH and WITNESS; WITNESS needs P2SH.
    private static bool IsValidFlagCombination(ScriptVerifyFlags flags) =>
        !((flags & ScriptVerifyFlags.CLEANSTACK) != 0 && (flags & (ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS)) != (ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS))
        && !((flags & ScriptVerifyFlags.WITNESS) != 0 && (flags & ScriptVerifyFlags.P2SH) == 0);

    internal static byte[] Encode(Transaction tx, ScriptVerifyFlags flags, uint fuzzed, IReadOnlyList<TxOut> spent)
    {
        var writer = new BitcoinWriter();
        tx.WriteTo(writer);
        writer.WriteUInt32LE((uint)flags);
        writer.WriteUInt32LE(fuzzed);
        foreach (var output in spent)
        {
            writer.WriteInt64LE(output.RawValue);
            writer.WriteVarBytes(output.ScriptPubKey.Span);
        }

        return writer.ToArray();
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        // Core script_tests.json, built as script_tests.cpp builds them: a crediting transaction with the
        // scriptPubKey and amount, and a spending transaction with the scriptSig and witness.
        // Taproot rows (#SCRIPT#/#CONTROLBLOCK# placeholders) need tweaking and are left out.
        var rows = Seeds.Json(vectors, "bitcoin-core", "src-test-data", "script_tests.json").AsArray().OfType<JsonArray>().Where(r => r.Count > 3);
        var count = 0;
        foreach (var row in rows)
        {
            var witness = Witness.Empty;
            var amount = 0L;
            var offset = 0;
            if (row[0] is JsonArray w)
            {
                var items = w.Take(w.Count - 1).Select(x => (string?)x ?? string.Empty).ToList();
                if (items.Any(x => x.StartsWith('#')))
                {
                    continue;
                }

                witness = new Witness(items.Select(x => (ReadOnlyMemory<byte>)Convert.FromHexString(x)));
                amount = (long)((decimal)w[^1]! * 100_000_000m);
                offset = 1;
            }

            if (!ScriptAsm.TryParse((string?)row[offset], out var scriptSig, out _)
                || !ScriptAsm.TryParse((string?)row[offset + 1], out var scriptPubKey, out _)
                || !ScriptFlags.TryParse((string?)row[offset + 2], out var flags, out _))
            {
                continue;
            }

            var credit = new Transaction(1, [new TxIn(OutPoint.Null, new ScriptBuilder().Add(OpcodeType.OP_0).Add(OpcodeType.OP_0).Build(), Sequence.Final, Witness.Empty)],
                [new TxOut(Amount.FromSatoshis(amount), scriptPubKey)], LockTime.Zero);
            var spend = new Transaction(1, [new TxIn(new OutPoint(credit.GetTxId(), 0), scriptSig, Sequence.Final, witness)],
                [new TxOut(Amount.FromSatoshis(amount), Script.Empty)], LockTime.Zero);
            yield return Encode(spend, flags, (uint)(count * 2654435761u) & 0x1fffff, credit.Outputs);
            if (++count >= 600)
            {
                break;
            }
        }

        // BIP341 wallet vectors: a real Taproot transaction with its signed key-path inputs.
        var bip341 = Seeds.Json(vectors, "bips", "bip341_wallet-test-vectors.json");
        foreach (var spending in bip341["keyPathSpending"]!.AsArray())
        {
            var tx = Transaction.Parse(Seeds.Hex((string?)spending!["given"]!["rawUnsignedTx"]));
            var utxos = spending["given"]!["utxosSpent"]!.AsArray()
                .Select(u => new TxOut(Amount.FromSatoshis((long)u!["amountSats"]!), new Script(Seeds.Hex((string?)u["scriptPubKey"])))).ToList();
            foreach (var input in spending["inputSpending"]!.AsArray())
            {
                var index = (int)input!["given"]!["txinIndex"]!;
                var items = input["expected"]!["witness"]!.AsArray().Select(x => (ReadOnlyMemory<byte>)Seeds.Hex((string?)x)).ToList();
                tx = tx.WithWitness(index, new Witness(items));
            }

            yield return Encode(tx, ScriptFlags.Standard, 0, utxos);
            yield return Encode(tx, ScriptFlags.Mandatory, (uint)ScriptFlags.Standard, utxos);
        }
    }
}
