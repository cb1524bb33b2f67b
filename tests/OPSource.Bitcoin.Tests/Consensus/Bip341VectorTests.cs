using System.Text.Json;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>BIP341 wallet vectors ("keyPathSpending"): the expected witnesses verify under Taproot rules.</summary>
public class Bip341VectorTests
{
    private const ScriptVerifyFlags TaprootFlags = ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS | ScriptVerifyFlags.TAPROOT;

    private static readonly Lazy<JsonElement> Case = new(() =>
    {
        using var doc = JsonDocument.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "bip341_wallet_vectors.json"));
        return doc.RootElement.GetProperty("keyPathSpending")[0].Clone();
    });

    private static List<TxOut> Spent() => Case.Value.GetProperty("given").GetProperty("utxosSpent").EnumerateArray()
        .Select(u => TxOut.FromRawValue(u.GetProperty("amountSats").GetInt64(), Script.FromHex(u.GetProperty("scriptPubKey").GetString()!)))
        .ToList();

    public static TheoryData<int> InputSpendings()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Case.Value.GetProperty("inputSpending").GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_fully_signed_transaction_verifies_under_standard_and_mandatory_flags()
    {
        var tx = Transaction.Parse(Case.Value.GetProperty("auxiliary").GetProperty("fullySignedTx").GetString()!);
        Assert.True(TransactionChecks.CheckTransaction(tx, out _));
        Assert.Equal(InputVerification.Valid, TransactionVerifier.VerifyInputs(tx, Spent(), ScriptFlags.Standard));
        Assert.Equal(InputVerification.Valid, TransactionVerifier.VerifyInputs(tx, Spent(), ScriptFlags.Mandatory));
    }

    [Theory]
    [MemberData(nameof(InputSpendings))]
    public void Key_path_spend_verifies_and_a_flipped_signature_bit_does_not(int caseIndex)
    {
        var spending = Case.Value.GetProperty("inputSpending")[caseIndex];
        var index = spending.GetProperty("given").GetProperty("txinIndex").GetInt32();
        var witness = spending.GetProperty("expected").GetProperty("witness").EnumerateArray().Select(w => Convert.FromHexString(w.GetString()!)).ToArray();
        var unsigned = Transaction.Parse(Case.Value.GetProperty("given").GetProperty("rawUnsignedTx").GetString()!);
        var spent = Spent();

        var tx = unsigned.WithWitness(index, new Witness(witness.Select(w => (ReadOnlyMemory<byte>)w)));
        Assert.True(TransactionVerifier.VerifyInput(tx, index, spent[index], new PrecomputedTransactionData(tx, spent), TaprootFlags, out var error), $"input {index}: {error}");
        Assert.True(TransactionVerifier.VerifyInput(tx, index, spent[index], new PrecomputedTransactionData(tx, spent), ScriptFlags.Standard, out error), $"input {index}: {error}");

        var signature = witness[0];
        for (var bit = 0; bit < signature.Length * 8; bit += 7)
        {
            var bad = (byte[])signature.Clone();
            bad[bit / 8] ^= (byte)(1 << (bit % 8));
            var badTx = unsigned.WithWitness(index, Witness.Create(bad));
            Assert.False(TransactionVerifier.VerifyInput(badTx, index, spent[index], new PrecomputedTransactionData(badTx, spent), TaprootFlags, out error), $"bit {bit} flip verified");
            Assert.True(error is ScriptError.SCHNORR_SIG or ScriptError.SCHNORR_SIG_HASHTYPE, $"bit {bit}: {error}");
        }

        // Without TAPROOT the v1 output is unencumbered (pre-activation rules).
        var empty = unsigned.WithWitness(index, Witness.Empty);
        Assert.True(TransactionVerifier.VerifyInput(empty, index, spent[index], new PrecomputedTransactionData(empty, spent), ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS, out _));
        Assert.False(TransactionVerifier.VerifyInput(empty, index, spent[index], new PrecomputedTransactionData(empty, spent), TaprootFlags, out error));
        Assert.Equal(ScriptError.WITNESS_PROGRAM_WITNESS_EMPTY, error);
    }
}
