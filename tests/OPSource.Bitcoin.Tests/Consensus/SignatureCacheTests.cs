using System.Text.Json;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Consensus;

public class SignatureCacheTests
{
    private static (Transaction Tx, List<TxOut> Spent) Vector()
    {
        using var doc = JsonDocument.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "bip341_wallet_vectors.json"));
        var c = doc.RootElement.GetProperty("keyPathSpending")[0];
        var tx = Transaction.Parse(c.GetProperty("auxiliary").GetProperty("fullySignedTx").GetString()!);
        var spent = c.GetProperty("given").GetProperty("utxosSpent").EnumerateArray()
            .Select(u => TxOut.FromRawValue(u.GetProperty("amountSats").GetInt64(), Script.FromHex(u.GetProperty("scriptPubKey").GetString()!)))
            .ToList();
        return (tx, spent);
    }

    [Fact]
    public void Valid_signatures_are_cached_and_invalid_ones_never_are()
    {
        var (tx, spent) = Vector();
        var cache = new SignatureCache();
        Assert.True(TransactionVerifier.VerifyInputs(tx, spent, ScriptFlags.Standard, cache).IsValid);
        var entries = cache.Count;
        Assert.True(entries >= tx.Inputs.Count, $"{entries} entries for {tx.Inputs.Count} inputs");

        // A second run hits the cache and stores nothing new.
        Assert.True(TransactionVerifier.VerifyInputs(tx, spent, ScriptFlags.Standard, cache).IsValid);
        Assert.Equal(entries, cache.Count);

        // A tampered signature is still rejected with a warm cache, and is not added.
        var sig = tx.Inputs[0].Witness[0].ToArray();
        sig[5] ^= 0x40;
        var bad = tx.WithWitness(0, Witness.Create(sig));
        Assert.Equal(new InputVerification(0, ScriptError.SCHNORR_SIG), TransactionVerifier.VerifyInputs(bad, spent, ScriptFlags.Standard, cache));
        Assert.Equal(entries, cache.Count);
    }

    [Fact]
    public void The_cache_is_bounded()
    {
        var (tx, spent) = Vector();
        var cache = new SignatureCache(maxEntries: 2);
        Assert.True(TransactionVerifier.VerifyInputs(tx, spent, ScriptFlags.Standard, cache).IsValid);
        Assert.InRange(cache.Count, 1, 2);
    }
}
