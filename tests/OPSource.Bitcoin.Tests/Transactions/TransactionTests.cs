using System.Text.Json.Nodes;
using CsCheck;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Transactions;

public class TransactionTests
{
    internal const string GenesisCoinbase =
        "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

    // BIP143 "Native P2WPKH" example, signed transaction.
    internal const string Bip143P2wpkhSigned =
        "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000";

    public static TheoryData<int, string> SighashJsonTransactions()
    {
        var data = new TheoryData<int, string>();
        var array = JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "sighash.json"))!.AsArray();
        for (var i = 1; i < array.Count; i++)
        {
            data.Add(i, array[i]![0]!.GetValue<string>());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SighashJsonTransactions))]
    public void Core_sighash_json_transactions_round_trip(int index, string hex)
    {
        _ = index;
        Assert.True(Transaction.TryParse(hex, out var tx, out var error), error?.Message);
        Assert.Equal(hex, tx.ToHex());
        Assert.False(tx.HasWitness);
        Assert.Equal(tx.Size, hex.Length / 2);
        Assert.Equal(tx.Size * 4, tx.Weight);
        Assert.Equal(tx.GetTxId().Value, tx.GetWtxid().Value);
    }

    [Fact]
    public void Genesis_coinbase_has_the_known_txid()
    {
        var tx = Transaction.Parse(GenesisCoinbase);
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", tx.GetTxId().ToString());
        Assert.True(tx.IsCoinBase);
        Assert.Equal(Amount.FromBtc(50), tx.Outputs[0].Value);
        Assert.Equal(ScriptTemplate.PubKey, StandardScripts.Detect(tx.Outputs[0].ScriptPubKey));
        Assert.Equal(204, tx.Size);
        Assert.Equal(GenesisCoinbase, tx.ToHex());
    }

    [Fact]
    public void Segwit_transaction_sizes_and_ids()
    {
        var tx = Transaction.Parse(Bip143P2wpkhSigned);
        Assert.True(tx.HasWitness);
        Assert.Equal(Bip143P2wpkhSigned, tx.ToHex());
        Assert.Equal(2, tx.Inputs.Count);
        Assert.True(tx.Inputs[0].Witness.IsEmpty);
        Assert.Equal(2, tx.Inputs[1].Witness.Count);
        Assert.Equal(0x11u, tx.LockTime.Value);
        Assert.Equal(Bip143P2wpkhSigned.Length / 2, tx.Size);

        var stripped = tx.ToBytes(includeWitness: false);
        Assert.Equal(stripped.Length, tx.StrippedSize);
        Assert.Equal((stripped.Length * 3) + tx.Size, tx.Weight);
        Assert.Equal((tx.Weight + 3) / 4, tx.VirtualSize);
        Assert.Equal(Hex.Encode(OPSource.Crypto.Hashes.Sha256(OPSource.Crypto.Hashes.Sha256(stripped)).Reverse().ToArray()), tx.GetTxId().ToString());
        Assert.Equal(Hex.Encode(OPSource.Crypto.Hashes.Sha256(OPSource.Crypto.Hashes.Sha256(Hex.Parse(Bip143P2wpkhSigned))).Reverse().ToArray()), tx.GetWtxid().ToString());
        Assert.NotEqual(tx.GetTxId().Value, tx.GetWtxid().Value);

        var noWitness = Transaction.Parse(stripped);
        Assert.Equal(tx.GetTxId(), noWitness.GetTxId());
        Assert.Equal(noWitness, tx.WithoutWitnesses());
        Assert.NotEqual(noWitness, tx);
    }

    [Theory]
    // Witness flag with all-empty witnesses: Core "Superfluous witness record".
    [InlineData("0100000000010100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff0100000000000000000000000000", "superfluous witness")]
    // Unknown flag 0x02.
    [InlineData("0100000000020100000000000000000000000000000000000000000000000000000000000000000000000000ffffffff010000000000000000000000000000", "unknown transaction optional data")]
    [InlineData("01000000", "unexpected end")]
    [InlineData("0100000001", "exceeds the remaining data")]
    [InlineData("0100000000000000000000", "trailing bytes")]
    public void Rejects_malformed_serializations_like_core(string hex, string fragment)
    {
        Assert.False(Transaction.TryParse(hex, out _, out var error));
        Assert.Contains(fragment, error!.Message, StringComparison.Ordinal);
        Assert.StartsWith("transaction:", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extended_serialization_ambiguity_follows_core()
    {
        // A 0-input, 0-output tx: in witness mode the empty vin is followed by flags=0, and no vout is read.
        var empty = new Transaction(1, [], [], LockTime.Zero);
        Assert.Equal("010000000000" + "00000000", empty.ToHex());
        Assert.True(Transaction.TryParse(empty.ToBytes(), out var back, out _));
        Assert.Empty(back.Outputs);

        // 0 inputs with outputs: witness-mode parsing treats the output count as BIP144 flags.
        var outputsOnly = new Transaction(1, [], [TxOut.FromRawValue(1, Script.Empty)], LockTime.Zero);
        Assert.False(Transaction.TryParse(outputsOnly.ToBytes(), out _, out _));
        Assert.True(Transaction.TryParse(outputsOnly.ToBytes(), out var legacy, out var e, allowWitness: false), e?.Message);
        Assert.Single(legacy.Outputs);

        // Without witness support, a segwit serialization is not a valid legacy tx.
        Assert.False(Transaction.TryParse(Bip143P2wpkhSigned, out _, out _, allowWitness: false));
    }

    [Fact]
    public void TryDecode_chooses_between_readings_like_core_DecodeTx()
    {
        // Only the legacy reading consumes a 0-input transaction with outputs.
        var outputsOnly = new Transaction(1, [], [TxOut.FromRawValue(1, Script.FromHex("51"))], LockTime.Zero);
        Assert.True(Transaction.TryDecode(outputsOnly.ToBytes(), out var tx, out var error), error?.Message);
        Assert.Single(tx.Outputs);

        // Segwit transactions decode as extended.
        Assert.True(Transaction.TryDecode(Hex.Parse(Bip143P2wpkhSigned), out tx, out _));
        Assert.True(tx.HasWitness);
        Assert.False(Transaction.TryDecode(Hex.Parse(Bip143P2wpkhSigned), out _, out _, tryWitness: false));

        // Both readings consume all bytes: extended = 1 input, 1 output with script 0xba (above
        // OP_NOP10, so not sane), 1 witness item; legacy = 0 inputs and 1 output whose 47-byte
        // script is all valid ops. Core DecodeTx picks the sane (legacy) reading.
        var hash = "00000000000000" + "2f" + new string('0', 48);
        var ambiguous = Hex.Parse("01000000" + "0001" + "01" + hash + "00000000" + "00" + "00000000" + "01" + "0100000000000000" + "01ba" + "0101aa" + "00000000");
        Assert.True(Transaction.TryParse(ambiguous, out var extended, out error), error?.Message);
        Assert.True(Transaction.TryParse(ambiguous, out var legacy, out error, allowWitness: false), error?.Message);
        Assert.Single(extended.Inputs);
        Assert.Empty(legacy.Inputs);
        Assert.False(Transaction.HasSaneScripts(extended));
        Assert.True(Transaction.HasSaneScripts(legacy));
        Assert.True(Transaction.TryDecode(ambiguous, out tx, out _));
        Assert.Empty(tx.Inputs);
        Assert.Equal(47, tx.Outputs[0].ScriptPubKey.Length);

        Assert.False(Transaction.TryDecode(Hex.Parse("0100"), out _, out error));
        Assert.StartsWith("transaction:", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_methods_derive_copies_and_keep_the_original()
    {
        var tx = Transaction.Parse(Bip143P2wpkhSigned);
        var changed = tx.WithLockTime(new LockTime(500)).WithVersion(2).WithScriptSig(0, Script.Empty).WithWitness(1, Witness.FromHex("00"));
        Assert.Equal(0x11u, tx.LockTime.Value);
        Assert.Equal(500u, changed.LockTime.Value);
        Assert.Equal(2, changed.Version);
        Assert.True(changed.Inputs[0].ScriptSig.IsEmpty);
        Assert.Equal("00", changed.Inputs[1].Witness.ToString());
        Assert.Equal(Bip143P2wpkhSigned, tx.ToHex());
        Assert.NotEqual(tx.GetTxId(), changed.GetTxId());
    }

    [Fact]
    public void Locktime_and_sequence_helpers()
    {
        Assert.True(new LockTime(499_999_999).IsHeight);
        Assert.True(new LockTime(500_000_000).IsTime);
        Assert.Throws<ArgumentOutOfRangeException>(() => LockTime.FromHeight(500_000_000));
        Assert.Equal(1_700_000_000u, LockTime.FromTime(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)).Value);

        var s = Sequence.FromTimeUnits(10);
        Assert.True(s.IsRelativeTimeLock);
        Assert.False(s.IsRelativeLockDisabled);
        Assert.Equal(10, s.RelativeLockValue);
        Assert.Equal(5120, s.RelativeLockSeconds);
        Assert.Equal(Sequence.FromTimeUnits(2), Sequence.FromSeconds(513));
        Assert.False(Sequence.FromBlocks(144).IsRelativeTimeLock);
        Assert.True(new Sequence(0x80000000 | 5).IsRelativeLockDisabled);
        Assert.True(new Sequence(0xfffffffd).SignalsRbf);
        Assert.False(new Sequence(0xfffffffe).SignalsRbf);
        Assert.False(Sequence.Final.SignalsRbf);

        var tx = Transaction.Parse(Bip143P2wpkhSigned);
        Assert.True(tx.SignalsRbf); // input 0 has sequence 0xffffffee
        Assert.True(tx.IsFinal(18, 0)); // lock time 17 < height 18
        Assert.False(tx.IsFinal(17, 0));
    }

    [Fact]
    public void Txid_and_outpoint_text_forms()
    {
        var id = TxId.Parse("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
        Assert.Equal(0x3b, id.ToBytes()[0]);
        var op = OutPoint.Parse(id + ":7");
        Assert.Equal(7u, op.Index);
        Assert.Equal(id, op.TxId);
        Assert.False(OutPoint.TryParse("zz:1", out _));
        Assert.False(OutPoint.TryParse(id + ":-1", out _));
        Assert.True(OutPoint.Null.IsNull);
    }

    internal static readonly Gen<Transaction> GenTransaction =
        from version in Gen.Int
        from inputs in (
            from hash in Gen.Byte.Array[32]
            from index in Gen.UInt
            from sig in Gen.Byte.Array[0, 60]
            from seq in Gen.UInt
            from witness in Gen.Byte.Array[0, 40].Array[0, 4]
            select new TxIn(new OutPoint(TxId.FromBytes(hash), index), new Script(sig), new Sequence(seq), new Witness(witness.Select(w => (ReadOnlyMemory<byte>)w)))).Array[1, 5]
        from outputs in (
            from value in Gen.Long
            from spk in Gen.Byte.Array[0, 50]
            select TxOut.FromRawValue(value, new Script(spk))).Array[0, 5]
        from lockTime in Gen.UInt
        select new Transaction(version, inputs, outputs, new LockTime(lockTime));

    [Fact]
    public void Serialize_parse_round_trip()
    {
        GenTransaction.Sample(tx =>
        {
            var bytes = tx.ToBytes();
            Assert.True(Transaction.TryParse(bytes, out var back, out var error), error?.Message);
            Assert.Equal(bytes, back.ToBytes());
            Assert.Equal(tx.GetWtxid(), back.GetWtxid());
            Assert.Equal(tx.Size, bytes.Length);
            Assert.Equal(tx.StrippedSize, tx.ToBytes(false).Length);
        });
    }

    [Fact]
    public void Random_bytes_never_crash_the_parser()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            _ = Transaction.TryParse(bytes, out _, out _);
            _ = Transaction.TryParse(bytes, out _, out _, allowWitness: false);
        });

        // Mutations of valid transactions reach deeper parser states.
        GenTransaction.SelectMany(tx => Gen.Int[0, 1000].Select(n => (tx.ToBytes(), n))).Sample(t =>
        {
            var (bytes, n) = t;
            var mutated = (byte[])bytes.Clone();
            mutated[n % mutated.Length] ^= (byte)(1 + (n % 255));
            _ = Transaction.TryParse(mutated, out _, out _);
            _ = Transaction.TryParse(bytes.AsSpan(0, n % bytes.Length), out _, out _);
        });
    }
}
