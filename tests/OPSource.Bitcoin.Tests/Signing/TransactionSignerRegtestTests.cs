using System.Text.Json.Nodes;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Signing;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport.Peers;

namespace OPSource.Bitcoin.Tests.Signing;

/// <summary>
/// Bitcoin Core v29.2 (regtest) accepts transactions signed by <see cref="TransactionSigner"/>: a mature
/// coinbase paid to our P2WPKH key funds one output of every input kind the signer supports (that funding
/// transaction is signed by the signer too and sent), and one transaction spending all of them, mixed
/// P2PKH (compressed and uncompressed), P2PK, P2SH-P2WPKH, P2WPKH, P2WSH/P2SH/P2SH-P2WSH multisig, P2TR key
/// path (BIP86 and with a tree), P2TR script path (pk and multi_a leaves) and rawtr, with several hash
/// types, is accepted by testmempoolaccept.
/// </summary>
public sealed class TransactionSignerRegtestTests
{
    [Fact]
    public async Task Core_accepts_a_mixed_input_transaction_signed_by_the_new_api()
    {
        BitcoinCoreNode.RequireBitcoind();
        await using var node = new BitcoinCoreNode();
        await node.StartAsync(TestContext.Current.CancellationToken);
        var (kinds, keys) = TransactionSignerTests.EveryInputKind();
        try
        {
            using var store = SigningKeyStore.Borrowing(keys);
            var network = Network.Regtest;
            var minerKey = keys[2];
            var minerScript = StandardScripts.PayToWitnessPubKeyHash(minerKey.PublicKey);
            var blocks = await node.MineAsync(101, Address.P2wpkh(minerKey.PublicKey, network).ToString());
            var block1 = await node.Rpc("getblock", blocks[0], 2);
            var coinbase = Transaction.Parse((string)block1!["tx"]![0]!["hex"]!);
            Assert.Equal(minerScript, coinbase.Outputs[0].ScriptPubKey);

            // Funding: the coinbase pays 0.01 BTC to each kind, the rest (less 0.001 BTC fee) back to the miner key.
            var each = Amount.FromSatoshis(1_000_000);
            var outputs = kinds.Select(k => new TxOut(each, k.SpentOutput.ScriptPubKey)).ToList();
            var change = coinbase.Outputs[0].Value.Satoshis - (each.Satoshis * kinds.Count) - 100_000;
            outputs.Add(new TxOut(Amount.FromSatoshis(change), minerScript));
            var funding = new Transaction(2, [new TxIn(new OutPoint(coinbase.GetTxId(), 0))], outputs, LockTime.Zero);
            funding = TransactionSigner.Sign(funding, [new SpendInput(coinbase.Outputs[0])], store);
            await node.Rpc("sendrawtransaction", funding.ToHex());
            await node.MineAsync(1, Address.P2wpkh(minerKey.PublicKey, network).ToString());

            // Spending every kind in one transaction; the hash types vary by input.
            SigHashType[] types = [SigHashType.All, SigHashType.AllAnyoneCanPay, SigHashType.Single, SigHashType.None];
            var fundingId = funding.GetTxId();
            var ins = kinds.Select((_, i) => new TxIn(new OutPoint(fundingId, (uint)i)));
            var spendOutputs = kinds.Select((_, i) => new TxOut(Amount.FromSatoshis(each.Satoshis - 20_000), minerScript));
            var spending = new Transaction(2, ins, spendOutputs, LockTime.Zero);
            var spends = kinds.Select((k, i) => (SpendInput?)(k with
            {
                SpentOutput = new TxOut(each, k.SpentOutput.ScriptPubKey),
                SighashType = i % 3 == 0 && k.SpentOutput.ScriptPubKey.IsWitnessProgram(out var v, out _) && v == 1 ? SigHashType.Default : types[i % types.Length],
            })).ToList();
            var result = TransactionSigner.TrySign(spending, spends, store);
            Assert.True(result.IsComplete, string.Join("; ", result.Issues));

            var verdict = (await node.Rpc("testmempoolaccept", new JsonArray(result.Transaction.ToHex())))!.AsArray().Single()!;
            Assert.True((bool)verdict["allowed"]!, verdict.ToJsonString());
            Assert.Equal(result.Transaction.GetTxId().ToString(), (string)verdict["txid"]!);

            // The same transaction with one signature broken is refused: the test can fail.
            var broken = result.Transaction.WithWitness(4, Witness.Create(Tamper(result.Transaction.Inputs[4].Witness[0]), result.Transaction.Inputs[4].Witness[1].ToArray()));
            var refused = (await node.Rpc("testmempoolaccept", new JsonArray(broken.ToHex())))!.AsArray().Single()!;
            Assert.False((bool)refused["allowed"]!);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    private static byte[] Tamper(ReadOnlySpan<byte> signature)
    {
        var copy = signature.ToArray();
        copy[10] ^= 1;
        return copy;
    }
}
