using System.Globalization;
using System.Text.Json;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>
/// Every case of Bitcoin Core's script_tests.json, run exactly as Core's script_tests.cpp does:
/// a crediting transaction (version 1, null prevout, scriptSig OP_0 OP_0, one output with the
/// scriptPubKey and amount) and a spending transaction (version 1, one input with the scriptSig and
/// witness, one empty output of the same amount). Both the verdict and the error name must match.
/// </summary>
public class CoreScriptTests
{
    private static readonly Lazy<List<JsonElement>> Cases = new(LoadCases);

    private static List<JsonElement> LoadCases()
    {
        using var doc = JsonDocument.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "script_tests.json"));
        // Comment rows have a single element; every other row is a test.
        return doc.RootElement.EnumerateArray().Where(e => e.GetArrayLength() > 1).Select(e => e.Clone()).ToList();
    }

    public static TheoryData<int> CaseIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_vector_file_has_all_its_cases()
    {
        Assert.True(Cases.Value.Count >= 1200, $"only {Cases.Value.Count} cases");
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Core_script_test(int index)
    {
        var test = Cases.Value[index];
        var pos = 0;
        var witnessItems = new List<byte[]>();
        var amount = 0L;
        byte[]? taprootOutput = null;
        if (test[0].ValueKind == JsonValueKind.Array)
        {
            var w = test[0];
            var n = w.GetArrayLength();
            for (var i = 0; i < n - 1; i++)
            {
                var element = w[i].GetString()!;
                if (element.StartsWith("#SCRIPT#", StringComparison.Ordinal))
                {
                    witnessItems.Add(ScriptAsm.Parse(element["#SCRIPT#".Length..]).ToBytes());
                }
                else if (element == "#CONTROLBLOCK#")
                {
                    var (control, output) = SingleLeafTaproot(witnessItems[^1]);
                    witnessItems.Add(control);
                    taprootOutput = output;
                }
                else
                {
                    witnessItems.Add(Convert.FromHexString(element));
                }
            }

            amount = (long)(w[n - 1].GetDecimal() * 100_000_000m);
            pos++;
        }

        var scriptSig = ScriptAsm.Parse(test[pos++].GetString()!).ToBytes();
        var scriptPubKeyText = test[pos++].GetString()!;
        if (taprootOutput is not null)
        {
            scriptPubKeyText = scriptPubKeyText.Replace("#TAPROOTOUTPUT#", "0x" + Convert.ToHexStringLower(taprootOutput), StringComparison.Ordinal);
        }

        var scriptPubKey = ScriptAsm.Parse(scriptPubKeyText).ToBytes();
        var flags = ScriptFlags.Parse(test[pos++].GetString()!);
        var expected = ScriptErrors.Parse(test[pos++].GetString()!);
        var comment = pos < test.GetArrayLength() ? test[pos].GetString() : "";

        var credit = new Transaction(1,
            [new TxIn(OutPoint.Null, new Script([0x00, 0x00]), Sequence.Final, Witness.Empty)],
            [TxOut.FromRawValue(amount, new Script(scriptPubKey))],
            LockTime.Zero);
        var witness = new Witness(witnessItems.Select(b => (ReadOnlyMemory<byte>)b));
        var spend = new Transaction(1,
            [new TxIn(new OutPoint(credit.GetTxId(), 0), new Script(scriptSig), Sequence.Final, witness)],
            [TxOut.FromRawValue(amount, Script.Empty)],
            LockTime.Zero);

        var error = Run(spend, credit.Outputs[0], flags);
        Assert.True(expected == error, $"case {index} ({comment}): expected {expected}, got {error}; flags {ScriptFlags.Format(flags)}");

        // Core script_tests.cpp: removing flags from a passing test, or adding flags to a failing
        // one, must not change the verdict (weeding out combinations Core asserts against).
        var rng = new Random(index);
        for (var i = 0; i < 16; i++)
        {
            var extra = (ScriptVerifyFlags)(uint)rng.Next(1 << 16);
            var combined = expected == ScriptError.OK ? flags & ~extra : flags | extra;
            if ((combined & ScriptVerifyFlags.CLEANSTACK) != 0 && (~combined & (ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS)) != 0)
            {
                continue;
            }

            if ((combined & ScriptVerifyFlags.WITNESS) != 0 && (~combined & ScriptVerifyFlags.P2SH) != 0)
            {
                continue;
            }

            var again = Run(spend, credit.Outputs[0], combined);
            Assert.True((again == ScriptError.OK) == (expected == ScriptError.OK),
                $"case {index} ({comment}): flags {ScriptFlags.Format(combined)} changed the verdict to {again}");
        }
    }

    private static ScriptError Run(Transaction spend, TxOut spent, ScriptVerifyFlags flags)
    {
        TransactionVerifier.VerifyInput(spend, 0, spent, new OPSource.Bitcoin.Sighash.PrecomputedTransactionData(spend, [spent]), flags, out var error);
        return error;
    }

    /// <summary>A one-leaf tree (Core's TaprootBuilder at depth 0): control block and output key.</summary>
    private static (byte[] Control, byte[] Output) SingleLeafTaproot(byte[] script)
    {
        using var secret = SecretKey.Create(Enumerable.Repeat((byte)0x42, 32).ToArray());
        var p = secret.XOnlyPublicKey.ToBytes();
        var leaf = new byte[32];
        TapLeafHash.Compute(0xc0, script).WriteTo(leaf);
        var tweak = new byte[32];
        Hashes.TaggedHash("TapTweak", [.. p, .. leaf], tweak);
        Assert.True(secret.XOnlyPublicKey.TryAddTweak(tweak, out var q, out var parity));
        return ([(byte)(0xc0 | (parity ? 1 : 0)), .. p], q.ToBytes());
    }
}
