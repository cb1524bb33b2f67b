using CsCheck;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Tests.Transactions;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Bitcoin.Tests.Blocks;

public class BlockTests
{
    private static Block Genesis(uint time, uint bits, uint nonce)
    {
        // Core chainparams.cpp CreateGenesisBlock: the Times headline coinbase, version 1.
        var coinbase = Transaction.Parse(TransactionTests.GenesisCoinbase);
        var root = new TxMerkleNode(Block.ComputeMerkleRoot([coinbase.GetTxId().Value], out _));
        return new Block(new BlockHeader(1, BlockHash.Zero, root, time, bits, nonce), [coinbase]);
    }

    [Theory]
    [InlineData("mainnet", 1231006505u, 0x1d00ffffu, 2083236893u)]
    [InlineData("testnet", 1296688602u, 0x1d00ffffu, 414098458u)]
    [InlineData("signet", 1598918400u, 0x1e0377aeu, 52613770u)]
    [InlineData("regtest", 1296688602u, 0x207fffffu, 2u)]
    public void Genesis_blocks_hash_to_the_network_genesis(string network, uint time, uint bits, uint nonce)
    {
        var n = Network.Get(network);
        var block = Genesis(time, bits, nonce);
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", block.Header.MerkleRoot.ToString());
        Assert.Equal(n.GenesisBlockHash, block.GetHash());
        Assert.True(block.Header.CheckProofOfWork(n));
        Assert.True(block.CheckMerkleRoot(out var error), error?.Message);
        Assert.True(block.CheckWitnessCommitment(out error), error?.Message);

        var bytes = block.ToBytes();
        Assert.Equal(285, bytes.Length);
        Assert.Equal(block.Size, bytes.Length);
        var parsed = Block.Parse(bytes);
        Assert.Equal(block.GetHash(), parsed.GetHash());
        Assert.Equal(bytes, parsed.ToBytes());
        Assert.Equal(block.Header, BlockHeader.Parse(bytes.AsSpan(0, 80)));

        // One more nonce and the hash no longer meets the target (except on regtest, by luck only rarely).
        if (network != "regtest")
        {
            Assert.False((block.Header with { Nonce = nonce + 1 }).CheckProofOfWork(n));
        }
    }

    [Theory]
    // Core arith_uint256_tests.cpp bignum_SetCompact.
    [InlineData(0x00000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x00123456u, "0", false, false, 0x00000000u)]
    [InlineData(0x01003456u, "0", false, false, 0x00000000u)]
    [InlineData(0x02000056u, "0", false, false, 0x00000000u)]
    [InlineData(0x03000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x04000000u, "0", false, false, 0x00000000u)]
    [InlineData(0x00923456u, "0", false, false, 0x00000000u)]
    [InlineData(0x01803456u, "0", false, false, 0x00000000u)]
    [InlineData(0x02800056u, "0", false, false, 0x00000000u)]
    [InlineData(0x03800000u, "0", false, false, 0x00000000u)]
    [InlineData(0x04800000u, "0", false, false, 0x00000000u)]
    [InlineData(0x01123456u, "12", false, false, 0x01120000u)]
    [InlineData(0x01fedcbau, "7e", true, false, 0x01fe0000u)]
    [InlineData(0x02123456u, "1234", false, false, 0x02123400u)]
    [InlineData(0x03123456u, "123456", false, false, 0x03123456u)]
    [InlineData(0x04123456u, "12345600", false, false, 0x04123456u)]
    [InlineData(0x04923456u, "12345600", true, false, 0x04923456u)]
    [InlineData(0x05009234u, "92340000", false, false, 0x05009234u)]
    [InlineData(0x20123456u, "1234560000000000000000000000000000000000000000000000000000000000", false, false, 0x20123456u)]
    [InlineData(0xff123456u, null, false, true, 0u)]
    public void Compact_target_matches_core(uint compact, string? hex, bool negative, bool overflow, uint roundTrip)
    {
        var target = CompactTarget.Decode(compact, out var neg, out var ovf);
        Assert.Equal(negative, neg);
        Assert.Equal(overflow, ovf);
        if (hex is not null)
        {
            Assert.Equal(System.Numerics.BigInteger.Parse("0" + hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture), CompactTarget.ToBigInteger(target));
            Assert.Equal(roundTrip, CompactTarget.Encode(target, negative));
        }
    }

    [Fact]
    public void Proof_of_work_rejects_bad_bits()
    {
        var limit = Network.Mainnet.PowLimit;
        Assert.False(CompactTarget.CheckProofOfWork(BlockHash.Zero, 0x04923456, limit)); // negative
        Assert.False(CompactTarget.CheckProofOfWork(BlockHash.Zero, 0x00000000, limit)); // zero
        Assert.False(CompactTarget.CheckProofOfWork(BlockHash.Zero, 0xff123456, limit)); // overflow
        Assert.False(CompactTarget.CheckProofOfWork(BlockHash.Zero, 0x1d01ffff, limit)); // above the limit
        Assert.True(CompactTarget.CheckProofOfWork(BlockHash.Zero, 0x1d00ffff, limit));
        Assert.Equal(0x1d00ffffu, CompactTarget.Encode(limit));
    }

    private static Transaction SimpleTx(byte tag, bool witness) =>
        new(2, [new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat(tag, 32).ToArray()), 0), Script.Empty, Sequence.Final, witness ? Witness.FromHex("aa" + tag.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)) : Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(1000 + tag), StandardScripts.PayToWitnessPubKeyHash(new byte[20]))], LockTime.Zero);

    private static Block HandMade(bool withCommitment, bool witnessTx, out byte[] nonce)
    {
        nonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var txs = new List<Transaction> { SimpleTx(1, witnessTx), SimpleTx(2, false), SimpleTx(3, witnessTx) };
        var coinbaseIn = new TxIn(OutPoint.Null, ScriptAsm.Parse("101 0"), Sequence.Final, withCommitment ? Witness.Create(nonce) : Witness.Empty);
        var outputs = new List<TxOut> { new(Amount.FromBtc(3.125m), StandardScripts.PayToTaproot(new byte[32])) };
        var coinbase = new Transaction(2, [coinbaseIn], outputs, LockTime.Zero);
        if (withCommitment)
        {
            var draft = new Block(new BlockHeader(0x20000000, BlockHash.Zero, default, 0, 0x207fffff, 0), [coinbase, .. txs]);
            var commitment = Block.ComputeWitnessCommitment(draft.ComputeWitnessMerkleRoot(out _), nonce);
            coinbase = coinbase.WithOutputs([.. outputs, new TxOut(Amount.Zero, Block.BuildWitnessCommitmentScript(commitment))]);
        }

        List<Transaction> all = [coinbase, .. txs];
        var root = new TxMerkleNode(Block.ComputeMerkleRoot(all.Select(t => t.GetTxId().Value).ToList(), out _));
        return new Block(new BlockHeader(0x20000000, Network.Regtest.GenesisBlockHash, root, 1_700_000_000, 0x207fffff, 0), all);
    }

    [Fact]
    public void Hand_made_segwit_block_commits_to_its_witnesses()
    {
        var block = HandMade(withCommitment: true, witnessTx: true, out var nonce);
        Assert.Equal(1, block.GetWitnessCommitmentIndex());
        Assert.True(block.CheckMerkleRoot(out var error), error?.Message);
        Assert.True(block.CheckWitnessCommitment(out error), error?.Message);
        Assert.Equal("6a24aa21a9ed", block.Transactions[0].Outputs[1].ScriptPubKey.ToHex()[..12]);

        // Independent merkle computation for 4 leaves: H(H(a|b)|H(c|d)).
        var ids = block.Transactions.Select(t => t.GetTxId().ToBytes()).ToArray();
        byte[] H(byte[] x, byte[] y) => OPSource.Crypto.Hashes.Sha256(OPSource.Crypto.Hashes.Sha256([.. x, .. y]));
        Assert.Equal(H(H(ids[0], ids[1]), H(ids[2], ids[3])), block.Header.MerkleRoot.Value.ToBytes());

        var parsed = Block.Parse(block.ToBytes());
        Assert.True(parsed.CheckWitnessCommitment(out error), error?.Message);
        Assert.Equal(block.Weight, parsed.Weight);
        Assert.True(block.Weight < block.Size * 4);

        // Tampering with a witness breaks the commitment but not the txid merkle root.
        var tampered = new Block(block.Header, block.Transactions.Select((t, i) => i == 1 ? t.WithWitness(0, Witness.FromHex("ff")) : t));
        Assert.True(tampered.CheckMerkleRoot(out _));
        Assert.False(tampered.CheckWitnessCommitment(out error));
        Assert.Contains("bad-witness-merkle-match", error?.Message, StringComparison.Ordinal);

        // A wrong-size nonce.
        var badNonce = new Block(block.Header, block.Transactions.Select((t, i) => i == 0 ? t.WithWitness(0, Witness.FromHex("00")) : t));
        Assert.False(badNonce.CheckWitnessCommitment(out error));
        Assert.Contains("bad-witness-nonce-size", error?.Message, StringComparison.Ordinal);
        _ = nonce;
    }

    [Fact]
    public void Witness_without_commitment_is_rejected()
    {
        var block = HandMade(withCommitment: false, witnessTx: true, out _);
        Assert.Equal(-1, block.GetWitnessCommitmentIndex());
        Assert.False(block.CheckWitnessCommitment(out var error));
        Assert.Contains("unexpected-witness", error?.Message, StringComparison.Ordinal);
        Assert.True(HandMade(withCommitment: false, witnessTx: false, out _).CheckWitnessCommitment(out _));
    }

    [Fact]
    public void Duplicated_last_transactions_are_flagged_as_mutated()
    {
        // CVE-2012-2459: [a b c] and [a b c c] have the same merkle root; the second is mutated.
        var block = HandMade(withCommitment: false, witnessTx: false, out _);
        var three = block.Transactions.Take(3).ToList();
        var rootThree = Block.ComputeMerkleRoot(three.Select(t => t.GetTxId().Value).ToList(), out var m3);
        var rootFour = Block.ComputeMerkleRoot(three.Append(three[2]).Select(t => t.GetTxId().Value).ToList(), out var m4);
        Assert.Equal(rootThree, rootFour);
        Assert.False(m3);
        Assert.True(m4);
        var mutatedBlock = new Block(block.Header with { MerkleRoot = new TxMerkleNode(rootFour) }, three.Append(three[2]));
        Assert.False(mutatedBlock.CheckMerkleRoot(out var error));
        Assert.Contains("bad-txns-duplicate", error?.Message, StringComparison.Ordinal);
        Assert.Equal(UInt256.Zero, Block.ComputeMerkleRoot([], out _));
    }

    [Fact]
    public void Random_bytes_never_crash_block_parsing()
    {
        var valid = HandMade(withCommitment: true, witnessTx: true, out _).ToBytes();
        Gen.Int[0, valid.Length - 1].Select(Gen.Byte, (i, b) => (i, b)).Sample(t =>
        {
            var copy = (byte[])valid.Clone();
            copy[t.i] = t.b;
            _ = Block.TryParse(copy, out _, out _);
            _ = Block.TryParse(valid.AsSpan(0, t.i), out _, out _);
        });
        Gen.Byte.Array[0, 200].Sample(bytes => { _ = Block.TryParse(bytes, out _, out _); });
    }
}
