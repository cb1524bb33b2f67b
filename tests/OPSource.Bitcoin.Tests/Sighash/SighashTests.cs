using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Sighash;

public class SighashTests
{
    public static TheoryData<int, string, string, int, long, string> CoreSighashVectors()
    {
        var data = new TheoryData<int, string, string, int, long, string>();
        var array = JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "sighash.json"))!.AsArray();
        for (var i = 0; i < array.Count; i++)
        {
            var e = array[i]!.AsArray();
            if (e.Count == 1)
            {
                continue; // header comment
            }

            data.Add(i, e[0]!.GetValue<string>(), e[1]!.GetValue<string>(), e[2]!.GetValue<int>(), e[3]!.GetValue<long>(), e[4]!.GetValue<string>());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CoreSighashVectors))]
    public void Core_sighash_json(int index, string rawTx, string scriptHex, int inputIndex, long hashType, string expected)
    {
        _ = index;
        var tx = Transaction.Parse(rawTx);
        Span<byte> hash = stackalloc byte[32];
        SignatureHash.Legacy(tx, inputIndex, Hex.Parse(scriptHex), new SigHashType(unchecked((uint)hashType))).WriteTo(hash);
        Assert.Equal(expected, new UInt256(hash).ToString());
    }

    [Fact]
    public void Core_sighash_json_has_all_cases()
    {
        Assert.True(CoreSighashVectors().Count >= 500);
    }

    [Fact]
    public void Legacy_single_bug_and_out_of_range_return_one()
    {
        var tx = new Transaction(1, [new TxIn(OutPoint.Null), new TxIn(OutPoint.Null)], [TxOut.FromRawValue(1, Script.Empty)], LockTime.Zero);
        Span<byte> hash = stackalloc byte[32];
        SignatureHash.Legacy(tx, 1, [], SigHashType.Single).WriteTo(hash);
        Assert.Equal("0000000000000000000000000000000000000000000000000000000000000001", new UInt256(hash).ToString());
        SignatureHash.Legacy(tx, 5, [], SigHashType.All).WriteTo(hash);
        Assert.Equal(1, hash[0]);
        SignatureHash.Legacy(tx, 0, [], SigHashType.Single).WriteTo(hash);
        Assert.NotEqual(1, hash[0]);
    }

    // BIP143 examples (bitcoin/bips bip-0143.mediawiki).
    [Fact]
    public void Bip143_native_p2wpkh_example()
    {
        var tx = Transaction.Parse("0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000");
        var pre = new PrecomputedTransactionData(tx);
        Assert.Equal("96b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd37", Hex.Encode(pre.HashPrevouts.ToBytes()));
        Assert.Equal("52b0a642eea2fb7ae638c36f6252b6750293dbe574a806984b8e4d8548339a3b", Hex.Encode(pre.HashSequence.ToBytes()));
        Assert.Equal("863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e5", Hex.Encode(pre.HashOutputs.ToBytes()));
        var scriptCode = Hex.Parse("76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac");
        Span<byte> hash = stackalloc byte[32];
        SignatureHash.SegwitV0(pre, 1, scriptCode, Amount.FromSatoshis(600000000), SigHashType.All).WriteTo(hash);
        Assert.Equal("c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670", Hex.Encode(hash));
        SignatureHash.SegwitV0(new PrecomputedTransactionData(tx), 1, scriptCode, Amount.FromSatoshis(600000000), SigHashType.All).WriteTo(hash);
        Assert.Equal("c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670", Hex.Encode(hash));
    }

    [Fact]
    public void Bip143_p2sh_p2wpkh_example()
    {
        var tx = Transaction.Parse("0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6d77c88ac92040000");
        Span<byte> hash = stackalloc byte[32];
        SignatureHash.SegwitV0(new PrecomputedTransactionData(tx), 0, Hex.Parse("76a91479091972186c449eb1ded22b78e40d009bdf008988ac"), Amount.FromSatoshis(1000000000), SigHashType.All).WriteTo(hash);
        Assert.Equal("64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6", Hex.Encode(hash));
    }

    [Fact]
    public void Bip143_p2sh_p2wsh_six_hash_types()
    {
        // BIP143 "P2SH-P2WSH" example: 6-of-6 multisig signed with each hash type.
        var tx = Transaction.Parse("010000000136641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca29787b96e0100000000ffffffff0200e9a435000000001976a914389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832f05000000001976a9147480a33f950689af511e6e84c138dbbd3c3ee41588ac00000000");
        var witnessScript = Hex.Parse("56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d9737d61acdaa1322008af9602b3b14862c07a1789aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae");
        var amount = Amount.FromSatoshis(987654321);
        var pre = new PrecomputedTransactionData(tx);
        var cases = new (uint Type, string Hash)[]
        {
            (0x01, "185c0be5263dce5b4bb50a047973c1b6272bfbd0103a89444597dc40b248ee7c"),
            (0x02, "e9733bc60ea13c95c6527066bb975a2ff29a925e80aa14c213f686cbae5d2f36"),
            (0x03, "1e1f1c303dc025bd664acb72e583e933fae4cff9148bf78c157d1e8f78530aea"),
            (0x81, "2a67f03e63a6a422125878b40b82da593be8d4efaafe88ee528af6e5a9955c6e"),
            (0x82, "781ba15f3779d5542ce8ecb5c18716733a5ee42a6f51488ec96154934e2c890a"),
            (0x83, "511e8e52ed574121fc1b654970395502128263f62662e076dc6baf05c2e6a99b"),
        };
        Span<byte> hash = stackalloc byte[32];
        foreach (var (type, expected) in cases)
        {
            SignatureHash.SegwitV0(pre, 0, witnessScript, amount, new SigHashType(type)).WriteTo(hash);
            Assert.Equal(expected, Hex.Encode(hash));
        }
    }

    public static TheoryData<int, int> Bip341KeyPathInputs()
    {
        var data = new TheoryData<int, int>();
        var root = Bip341();
        var spending = root["keyPathSpending"]!.AsArray();
        for (var t = 0; t < spending.Count; t++)
        {
            for (var i = 0; i < spending[t]!["inputSpending"]!.AsArray().Count; i++)
            {
                data.Add(t, i);
            }
        }

        return data;
    }

    internal static JsonObject Bip341() =>
        JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "bip341_wallet_vectors.json"))!.AsObject();

    internal static (Transaction Tx, PrecomputedTransactionData Pre) Bip341Tx(JsonNode spending)
    {
        var given = spending["given"]!;
        var tx = Transaction.Parse(given["rawUnsignedTx"]!.GetValue<string>());
        var spent = given["utxosSpent"]!.AsArray()
            .Select(u => TxOut.FromRawValue(u!["amountSats"]!.GetValue<long>(), Script.FromHex(u["scriptPubKey"]!.GetValue<string>())))
            .ToList();
        return (tx, new PrecomputedTransactionData(tx, spent));
    }

    [Fact]
    public void Bip341_transaction_level_hashes()
    {
        foreach (var spending in Bip341()["keyPathSpending"]!.AsArray())
        {
            var (_, pre) = Bip341Tx(spending!);
            var im = spending!["intermediary"]!;
            Assert.Equal(im["hashPrevouts"]!.GetValue<string>(), Hex.Encode(pre.ShaPrevouts.ToBytes()));
            Assert.Equal(im["hashAmounts"]!.GetValue<string>(), Hex.Encode(pre.ShaAmounts.ToBytes()));
            Assert.Equal(im["hashScriptPubkeys"]!.GetValue<string>(), Hex.Encode(pre.ShaScriptPubKeys.ToBytes()));
            Assert.Equal(im["hashSequences"]!.GetValue<string>(), Hex.Encode(pre.ShaSequences.ToBytes()));
            Assert.Equal(im["hashOutputs"]!.GetValue<string>(), Hex.Encode(pre.ShaOutputs.ToBytes()));
        }
    }

    [Theory]
    [MemberData(nameof(Bip341KeyPathInputs))]
    public void Bip341_key_path_sigmsg_and_sighash(int txIndex, int inputCase)
    {
        var spending = Bip341()["keyPathSpending"]!.AsArray()[txIndex]!;
        var (tx, pre) = Bip341Tx(spending);
        var input = spending["inputSpending"]!.AsArray()[inputCase]!;
        var index = input["given"]!["txinIndex"]!.GetValue<int>();
        var hashType = (byte)input["given"]!["hashType"]!.GetValue<int>();
        Assert.True(SighashTestHelpers.TryMessage(tx, index, pre, hashType, [], [], SignatureHash.NoCodeSeparator, out var msg));
        Assert.Equal(input["intermediary"]!["sigMsg"]!.GetValue<string>(), Hex.Encode(msg)); // includes the epoch byte
        Assert.Equal(0, msg[0]);
        Span<byte> hash = stackalloc byte[32];
        Assert.True(SighashTestHelpers.TryTaproot(tx, index, pre, hashType, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.Equal(input["intermediary"]!["sigHash"]!.GetValue<string>(), Hex.Encode(hash));
    }

    [Fact]
    public void Taproot_returns_false_where_core_does()
    {
        var spending = Bip341()["keyPathSpending"]!.AsArray()[0]!;
        var (tx, pre) = Bip341Tx(spending);
        Span<byte> hash = stackalloc byte[32];
        Assert.False(SighashTestHelpers.TryTaproot(tx, 0, pre, 0x04, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.False(SighashTestHelpers.TryTaproot(tx, 0, pre, 0x80, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.False(SighashTestHelpers.TryTaproot(tx, 0, pre, 0x84, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.Equal(2, tx.Outputs.Count);
        Assert.False(SighashTestHelpers.TryTaproot(tx, 3, pre, 0x03, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.True(SighashTestHelpers.TryTaproot(tx, 1, pre, 0x03, [], [], SignatureHash.NoCodeSeparator, hash));
        Assert.False(SighashTestHelpers.TryTaproot(tx, 0, new PrecomputedTransactionData(tx), 0x00, [], [], SignatureHash.NoCodeSeparator, hash));

        // Annex and script path change the message as BIP341/342 specify.
        Assert.True(SighashTestHelpers.TryMessage(tx, 0, pre, 0, [0x50, 0x01], new byte[32], 7, out var msg));
        Assert.Equal(3, msg[1 + 1 + 4 + 4 + (32 * 5)]); // spend_type = ext_flag 1 << 1 | annex 1
        Assert.Equal([0x00, 7, 0, 0, 0], msg[^5..]);
        Assert.Throws<ArgumentException>(() => SighashTestHelpers.TryTaproot(tx, 0, pre, 0, [0x51], [], 0, new byte[32]));
    }

    [Fact]
    public void Script_path_message_extends_the_key_path_message_per_bip342()
    {
        var spending = Bip341()["keyPathSpending"]!.AsArray()[0]!;
        var (tx, pre) = Bip341Tx(spending);
        var leaf = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        foreach (byte type in new byte[] { 0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83 })
        {
            Assert.True(SighashTestHelpers.TryMessage(tx, 1, pre, type, [], [], SignatureHash.NoCodeSeparator, out var keyPath));
            Assert.True(SighashTestHelpers.TryMessage(tx, 1, pre, type, [], leaf, 5, out var scriptPath));

            // BIP341: spend_type = (ext_flag * 2) + annex_present; BIP342: ext = tapleaf_hash || key_version 0x00 || codesep_pos.
            var spendTypeOffset = 1 + 1 + 4 + 4 + ((type & 0x80) == 0 ? 32 * 4 : 0) + ((type & 3) is 0 or 1 ? 32 : 0);
            Assert.Equal(0, keyPath[spendTypeOffset]);
            Assert.Equal(2, scriptPath[spendTypeOffset]);
            var expected = (byte[])keyPath.Clone();
            expected[spendTypeOffset] = 2;
            Assert.Equal([.. expected, .. leaf, 0x00, 5, 0, 0, 0], scriptPath);

            // With an annex, sha_annex = SHA256(compact_size || annex) follows the input data.
            byte[] annex = [0x50, 0xaa, 0xbb];
            Assert.True(SighashTestHelpers.TryMessage(tx, 1, pre, type, annex, [], SignatureHash.NoCodeSeparator, out var withAnnex));
            Assert.Equal(1, withAnnex[spendTypeOffset]);
            var inputData = (type & 0x80) != 0 ? 36 + 8 + 1 + 34 + 4 : 4;
            var annexAt = spendTypeOffset + 1 + inputData;
            Assert.Equal(OPSource.Crypto.Hashes.Sha256([0x03, .. annex]), withAnnex[annexAt..(annexAt + 32)]);
            Assert.Equal(keyPath.Length + 32, withAnnex.Length);
        }
    }

    [Fact]
    public void Streaming_hashes_match_one_shot_hashes_for_large_scripts()
    {
        // Outputs far larger than the hasher's internal buffer exercise its chunking.
        var big = new Script(Enumerable.Range(0, 20_000).Select(i => (byte)i).ToArray());
        var tx = new Transaction(2, [new TxIn(OutPoint.Null)], [TxOut.FromRawValue(5, big), TxOut.FromRawValue(6, Script.FromHex("51"))], LockTime.Zero);
        var serialized = new BitcoinWriter();
        foreach (var o in tx.Outputs)
        {
            serialized.WriteInt64LE(o.Value.Satoshis);
            serialized.WriteVarBytes(o.ScriptPubKey.Span);
        }

        var single = OPSource.Crypto.Hashes.Sha256(serialized.WrittenSpan);
        var pre = new PrecomputedTransactionData(tx, [TxOut.FromRawValue(1, big)]);
        Assert.Equal(single, pre.ShaOutputs.ToBytes());
        Assert.Equal(OPSource.Crypto.Hashes.Sha256(single), pre.HashOutputs.ToBytes());

        var txid = OPSource.Crypto.Hashes.Sha256(OPSource.Crypto.Hashes.Sha256(tx.ToBytes(false)));
        Assert.Equal(txid, tx.GetTxId().ToBytes());

        // Legacy sighash of a huge scriptCode (one PUSHDATA2, so its 0xab bytes are data, not
        // OP_CODESEPARATORs) equals HASH256 of the materialised preimage.
        var scriptCode = new ScriptBuilder().Push(big.Span).Add(OpcodeType.OP_CHECKSIG).Build();
        Span<byte> hash = stackalloc byte[32];
        SignatureHash.Legacy(tx, 0, scriptCode.Span, SigHashType.All).WriteTo(hash);
        var preimage = new BitcoinWriter();
        preimage.WriteInt32LE(2);
        preimage.WriteCompactSize(1);
        preimage.WriteUInt256(UInt256.Zero);
        preimage.WriteUInt32LE(uint.MaxValue);
        preimage.WriteVarBytes(scriptCode.Span);
        preimage.WriteUInt32LE(uint.MaxValue);
        preimage.WriteCompactSize(2);
        preimage.WriteBytes(serialized.WrittenSpan);
        preimage.WriteUInt32LE(0);
        preimage.WriteUInt32LE(1);
        Assert.Equal(OPSource.Crypto.Hashes.Sha256(OPSource.Crypto.Hashes.Sha256(preimage.WrittenSpan)), hash.ToArray());
    }

    [Fact]
    public void Precomputed_data_makes_many_inputs_linear()
    {
        var inputs = Enumerable.Range(0, 1000).Select(i => new TxIn(new OutPoint(TxId.FromBytes(new byte[32]), (uint)i))).ToList();
        var spent = inputs.Select(_ => TxOut.FromRawValue(1000, StandardScripts.PayToTaproot(new byte[32]))).ToList();
        var tx = new Transaction(2, inputs, [TxOut.FromRawValue(1, Script.Empty)], LockTime.Zero);
        var pre = new PrecomputedTransactionData(tx, spent);
        Span<byte> hash = stackalloc byte[32];
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            Assert.True(SighashTestHelpers.TryTaproot(tx, i, pre, 0, [], [], SignatureHash.NoCodeSeparator, hash));
            SignatureHash.SegwitV0(pre, i, [0x51], Amount.FromSatoshis(1000), SigHashType.All).WriteTo(hash);
        }

        // Quadratic hashing would process ~1000 x 41 KB = 41 MB per pass; linear stays well under a second.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }
}
