using System.Security.Cryptography;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;

namespace OPSource.Chain.Tests.Model;

/// <summary>Small builders for chain-model tests: fake block hashes and transactions.</summary>
internal static class ModelFixtures
{
    public static BlockHash Hash(int height, int branch = 0)
    {
        Span<byte> data = stackalloc byte[8];
        BitConverter.TryWriteBytes(data[..4], height);
        BitConverter.TryWriteBytes(data[4..], branch);
        return new BlockHash(new UInt256(SHA256.HashData(data)));
    }

    public static BlockId Block(int height, int branch = 0) => new(height, Hash(height, branch));

    /// <summary>A chain 0..tip on a branch; heights at or below forkHeight use branch 0.</summary>
    public static CheckPoint ChainTo(int tip, int branch = 0, int forkHeight = int.MaxValue) =>
        CheckPoint.FromBlocks(Enumerable.Range(0, tip + 1).Select(h => Block(h, h <= forkHeight ? 0 : branch)))!;

    public static Script Spk(int n) => new ScriptBuilder().Add(OpcodeType.OP_0).Push(SHA256.HashData(BitConverter.GetBytes(n))[..20]).Build();

    public static Transaction Tx(IEnumerable<OutPoint> inputs, params (long Value, Script Spk)[] outputs) =>
        new(2, inputs.Select(o => new TxIn(o)), outputs.Select(o => new TxOut(Amount.FromSatoshis(o.Value), o.Spk)), LockTime.Zero);

    public static Transaction Tx(OutPoint input, long value, int spk = 0) => Tx([input], (value, Spk(spk)));

    public static Transaction Coinbase(int height, long value, int spk = 0) =>
        new(2, [new TxIn(OutPoint.Null, new ScriptBuilder().PushNumber(height).PushNumber(spk).Build(), Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(value), Spk(spk))], LockTime.Zero);

    public static OutPoint Op(Transaction tx, uint index = 0) => new(tx.GetTxId(), index);

    public static OutPoint External(int n) => new(new TxId(new UInt256(SHA256.HashData(BitConverter.GetBytes(n + 1_000_000)))), 0);

    public static ConfirmationAnchor Anchor(BlockId block) => new(block, 1_600_000_000 + block.Height * 600);
}
