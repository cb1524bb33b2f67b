using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Tests.Transactions;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Encoding;

/// <summary>The one encoding contract: every wire type writes, sizes and reads itself consistently.</summary>
public class ConsensusEncodingTests
{
    private static void RoundTrips<T>(T value, string expectedHex)
        where T : IConsensusEncodable<T>
    {
        var bytes = ConsensusEncoding.ToBytes(value);
        Assert.Equal(expectedHex, Hex.Encode(bytes));
        Assert.Equal(bytes.Length, value.SerializedSize);
        Assert.True(ConsensusEncoding.TryDecode<T>(bytes, out var back, out var error), error?.Message);
        Assert.Equal(expectedHex, Hex.Encode(ConsensusEncoding.ToBytes(back)));

        // One byte more is trailing data, one byte less is truncation: both typed, with the offset.
        Assert.False(ConsensusEncoding.TryDecode<T>([.. bytes, 0], out _, out var trailing));
        Assert.Equal(DecodeErrorKind.TrailingBytes, trailing!.Kind);
        Assert.Equal(bytes.Length, trailing.Position);
        Assert.False(ConsensusEncoding.TryDecode<T>(bytes.AsSpan(0, bytes.Length - 1), out _, out var truncated));
        Assert.Equal(DecodeErrorKind.UnexpectedEnd, truncated!.Kind);
        Assert.Equal("decode.unexpected_end", truncated.Code);
    }

    [Fact]
    public void Every_wire_type_round_trips_through_the_contract()
    {
        var tx = Transaction.Parse(TransactionTests.Bip143P2wpkhSigned);
        var input = tx.Inputs[0];
        RoundTrips(input.PrevOut, "fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000");
        RoundTrips(input with { Witness = Witness.Empty, ScriptSig = Script.Empty }, "fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffff");
        RoundTrips(tx.Outputs[0], "202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac");
        RoundTrips(tx.Inputs[1].Witness, "0247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357");
        RoundTrips(Script.FromHex("51"), "0151");
        RoundTrips(tx, TransactionTests.Bip143P2wpkhSigned);

        var coinbase = Transaction.Parse(TransactionTests.GenesisCoinbase);
        var root = new TxMerkleNode(Block.ComputeMerkleRoot([coinbase.GetTxId().Value], out _));
        var header = new BlockHeader(1, BlockHash.Zero, root, 1231006505, 0x1d00ffff, 2083236893);
        RoundTrips(header, "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c");
        RoundTrips(new Block(header, [coinbase]), Hex.Encode(header.ToBytes()) + "01" + TransactionTests.GenesisCoinbase);
    }

    [Fact]
    public void Sizes_weights_and_lists_compose_the_element_encodings()
    {
        var tx = Transaction.Parse(TransactionTests.Bip143P2wpkhSigned);
        Assert.Equal(tx.ToBytes(includeWitness: false).Length, 4 + ConsensusEncoding.GetListSize(tx.Inputs) + ConsensusEncoding.GetListSize(tx.Outputs) + 4);
        Assert.Equal(tx.ToBytes().Length, tx.Size);
        Assert.Equal((tx.StrippedSize * (ConsensusLimits.WitnessScaleFactor - 1)) + tx.Size, tx.Weight);

        var w = new BitcoinWriter();
        ConsensusEncoding.WriteList(w, tx.Outputs);
        var reader = new BitcoinReader(w.WrittenSpan);
        Assert.True(ConsensusEncoding.TryReadList<TxOut>(ref reader, 9, "output", out var outputs));
        Assert.Equal(tx.Outputs, outputs);
    }

    [Fact]
    public void An_impossible_count_fails_before_allocating()
    {
        // A count of 2^24 outputs with 3 bytes left.
        var reader = new BitcoinReader(Hex.Parse("fe00000001000000"));
        Assert.False(ConsensusEncoding.TryReadList<TxOut>(ref reader, 9, "output", out _));
        Assert.Equal(DecodeErrorKind.CountExceedsData, reader.Error!.Kind);
        Assert.Contains("output count 16777216 exceeds the remaining data", reader.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0200000000010000000000", DecodeErrorKind.SuperfluousWitness)]
    [InlineData("0200000000020000", DecodeErrorKind.UnknownOptionalData)]
    [InlineData("020000", DecodeErrorKind.UnexpectedEnd)]
    [InlineData("02000000fd0100", DecodeErrorKind.NonCanonicalCompactSize)]
    public void Transaction_errors_are_typed(string hex, DecodeErrorKind kind)
    {
        Assert.False(Transaction.TryParse(hex, out _, out var error));
        Assert.Equal(kind, error.Kind);
        Assert.StartsWith("transaction: ", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Position);
        var thrown = Assert.Throws<BitcoinFormatException>(() => Transaction.Parse(hex));
        Assert.Same(typeof(DecodeError), thrown.Error.GetType());
    }

    [Fact]
    public void Hashes_of_the_encoding_match_the_ids()
    {
        var tx = Transaction.Parse(TransactionTests.Bip143P2wpkhSigned);
        Assert.Equal(tx.GetWtxid().Value, ConsensusEncoding.Hash256(tx));
    }
}

/// <summary>The opcode table and the consensus limits each live in one place.</summary>
public class OpcodeAndLimitTests
{
    [Fact]
    public void Asm_names_come_from_the_opcode_enum()
    {
        foreach (var op in Enum.GetValues<OpcodeType>())
        {
            var name = ScriptAsm.GetOpName(op);
            if (op is > OpcodeType.OP_PUSHDATA4 and not OpcodeType.OP_1NEGATE and not (>= OpcodeType.OP_1 and <= OpcodeType.OP_16))
            {
                // Every named opcode parses back to itself (aliases print their BIP65/BIP112 names).
                Assert.True(ScriptAsm.TryParse(name, out var script, out _), name);
                Assert.Equal((byte)op, script.Span[0]);
            }
        }

        Assert.Equal("OP_CHECKLOCKTIMEVERIFY", ScriptAsm.GetOpName(OpcodeType.OP_NOP2));
        Assert.Equal("OP_CHECKSEQUENCEVERIFY", ScriptAsm.GetOpName(OpcodeType.OP_NOP3));
        Assert.Equal("OP_UNKNOWN", ScriptAsm.GetOpName((OpcodeType)0xbb));
        Assert.Equal("-1", ScriptAsm.GetOpName(OpcodeType.OP_1NEGATE));
        Assert.Equal("16", ScriptAsm.GetOpName(OpcodeType.OP_16));
    }

    [Fact]
    public void Limits_are_cores_values()
    {
        Assert.Equal(10_000, ConsensusLimits.MaxScriptSize);
        Assert.Equal(520, ConsensusLimits.MaxScriptElementSize);
        Assert.Equal(201, ConsensusLimits.MaxOpsPerScript);
        Assert.Equal(20, ConsensusLimits.MaxPubKeysPerMultisig);
        Assert.Equal(999, ConsensusLimits.MaxPubKeysPerMultiA);
        Assert.Equal(1000, ConsensusLimits.MaxStackSize);
        Assert.Equal(128, ConsensusLimits.TaprootControlMaxNodeCount);
        Assert.Equal(3600, PolicyLimits.MaxStandardP2wshScriptSize);

        // A script one byte over MAX_SCRIPT_SIZE is unspendable (Core CScript::IsUnspendable).
        Assert.True(new Script(new byte[ConsensusLimits.MaxScriptSize + 1]).IsUnspendable);
        Assert.False(new Script(new byte[ConsensusLimits.MaxScriptSize]).IsUnspendable);
    }
}
