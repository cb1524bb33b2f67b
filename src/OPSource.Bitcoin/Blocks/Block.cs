using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Blocks;

/// <summary>A block: header and transactions (Core's CBlock), immutable.</summary>
public sealed class Block : IConsensusEncodable<Block>
{
    /// <summary>Core MINIMUM_WITNESS_COMMITMENT: OP_RETURN, push 36, 4-byte header, 32-byte hash.</summary>
    public const int MinimumWitnessCommitmentSize = 38;

    private static readonly byte[] WitnessCommitmentHeader = [0xaa, 0x21, 0xa9, 0xed];

    private readonly Transaction[] _transactions;

    /// <summary>Creates a block.</summary>
    public Block(BlockHeader header, IEnumerable<Transaction> transactions)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(transactions);
        Header = header;
        _transactions = [.. transactions];
    }

    /// <summary>The header.</summary>
    public BlockHeader Header { get; }

    /// <summary>The transactions; the first is the coinbase.</summary>
    public IReadOnlyList<Transaction> Transactions => _transactions;

    /// <summary>The block hash.</summary>
    public BlockHash GetHash() => Header.GetHash();

    /// <summary>The block hash as a typed <see cref="BlockHash"/>.</summary>
    public BlockHash GetBlockHash() => Header.GetBlockHash();

    /// <summary>Serialized size with witness data.</summary>
    public int Size => BlockHeader.Size + CompactSize.GetSize((ulong)_transactions.Length) + _transactions.Sum(t => t.Size);

    /// <inheritdoc/>
    int IConsensusEncodable<Block>.SerializedSize => Size;

    /// <summary>Serialized size without witness data.</summary>
    public int StrippedSize => BlockHeader.Size + CompactSize.GetSize((ulong)_transactions.Length) + _transactions.Sum(t => t.StrippedSize);

    /// <summary>BIP141 block weight.</summary>
    public int Weight => (StrippedSize * (ConsensusLimits.WitnessScaleFactor - 1)) + Size;

    /// <summary>Serializes the block.</summary>
    public byte[] ToBytes(bool includeWitness = true)
    {
        var w = new BitcoinWriter(includeWitness ? Size : StrippedSize);
        WriteTo(w, includeWitness);
        return w.ToArray();
    }

    /// <summary>Core CBlock serialization: the header, then the transactions with their witnesses.</summary>
    public void WriteTo(BitcoinWriter writer) => WriteTo(writer, includeWitness: true);

    /// <summary>Core CBlock serialization, optionally without witness data.</summary>
    public void WriteTo(BitcoinWriter writer, bool includeWitness)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Header.WriteTo(writer);
        writer.WriteCompactSize((ulong)_transactions.Length);
        foreach (var tx in _transactions)
        {
            tx.WriteTo(writer, includeWitness);
        }
    }

    /// <summary>Reads a block: header, then a transaction count and that many transactions.</summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Block? value)
    {
        value = null;
        // Every transaction takes at least 10 bytes.
        if (!BlockHeader.TryRead(ref reader, out var header) || !ConsensusEncoding.TryReadList<Transaction>(ref reader, 10, "transaction", out var txs))
        {
            return false;
        }

        value = new Block(header, txs);
        return true;
    }

    /// <summary>Parses a complete serialized block.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Block? block, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error)
    {
        if (ConsensusEncoding.TryDecode(data, out block, out error))
        {
            return true;
        }

        error = error.WithContext("block");
        return false;
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Block Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var b, out var error) ? b : throw error.ToException();

    /// <summary>
    /// Core BlockMerkleRoot. <paramref name="mutated"/> reports two identical adjacent hashes at
    /// any level (CVE-2012-2459: duplicating the last transactions yields the same root).
    /// </summary>
    public TxMerkleNode ComputeMerkleRoot(out bool mutated) =>
        new(ComputeMerkleRoot(_transactions.Select(t => t.GetTxId().Value).ToList(), out mutated));

    /// <summary>Core BlockWitnessMerkleRoot: wtxids with the coinbase's replaced by zero (BIP141).</summary>
    public WitnessMerkleNode ComputeWitnessMerkleRoot(out bool mutated)
    {
        var leaves = _transactions.Select((t, i) => i == 0 ? UInt256.Zero : t.GetWtxid().Value).ToList();
        return new WitnessMerkleNode(ComputeMerkleRoot(leaves, out mutated));
    }

    /// <summary>
    /// Core ComputeMerkleRoot: pairwise HASH256, duplicating the last hash of odd-length levels.
    /// </summary>
    public static UInt256 ComputeMerkleRoot(IReadOnlyList<UInt256> leaves, out bool mutated)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        mutated = false;
        if (leaves.Count == 0)
        {
            return UInt256.Zero;
        }

        var level = leaves.ToList();
        Span<byte> pair = stackalloc byte[64];
        Span<byte> hash = stackalloc byte[32];
        while (level.Count > 1)
        {
            for (var pos = 0; pos + 1 < level.Count; pos += 2)
            {
                if (level[pos] == level[pos + 1])
                {
                    mutated = true;
                }
            }

            if ((level.Count & 1) != 0)
            {
                level.Add(level[^1]);
            }

            var next = new List<UInt256>(level.Count / 2);
            for (var i = 0; i < level.Count; i += 2)
            {
                level[i].WriteTo(pair);
                level[i + 1].WriteTo(pair[32..]);
                Hashes.Hash256(pair, hash);
                next.Add(new UInt256(hash));
            }

            level = next;
        }

        return level[0];
    }

    /// <summary>
    /// Core CheckBlock merkle rules: the header commits to the computed root ("bad-txnmrklroot")
    /// and the transaction list is not mutated ("bad-txns-duplicate").
    /// </summary>
    public bool CheckMerkleRoot([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out BlockError? error)
    {
        var root = ComputeMerkleRoot(out var mutated);
        if (root != Header.MerkleRoot)
        {
            error = new BlockError(BlockErrorKind.BadMerkleRoot, "block: bad-txnmrklroot (merkle root mismatch)", 36);
            return false;
        }

        if (mutated)
        {
            error = new BlockError(BlockErrorKind.DuplicateTransaction, "block: bad-txns-duplicate (duplicate transaction, CVE-2012-2459)");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Core GetWitnessCommitmentIndex: the last coinbase output of the form OP_RETURN 0x24
    /// aa21a9ed &lt;32 bytes&gt; (BIP141), or -1.
    /// </summary>
    public int GetWitnessCommitmentIndex()
    {
        if (_transactions.Length == 0)
        {
            return -1;
        }

        var index = -1;
        var outputs = _transactions[0].Outputs;
        for (var o = 0; o < outputs.Count; o++)
        {
            var s = outputs[o].ScriptPubKey.Span;
            if (s.Length >= MinimumWitnessCommitmentSize && s[0] == (byte)OpcodeType.OP_RETURN && s[1] == 0x24 && s.Slice(2, 4).SequenceEqual(WitnessCommitmentHeader))
            {
                index = o;
            }
        }

        return index;
    }

    /// <summary>
    /// Core CheckWitnessMalleation with segwit active (BIP141): if the coinbase commits, its witness
    /// must be one 32-byte nonce and HASH256(witness root || nonce) must match the commitment;
    /// without a commitment no transaction may carry witness data.
    /// </summary>
    public bool CheckWitnessCommitment([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out BlockError? error)
    {
        var index = GetWitnessCommitmentIndex();
        if (index >= 0)
        {
            var coinbaseInputs = _transactions[0].Inputs;
            if (coinbaseInputs.Count == 0 || coinbaseInputs[0].Witness.Count != 1 || coinbaseInputs[0].Witness[0].Length != 32)
            {
                error = new BlockError(BlockErrorKind.BadWitnessNonceSize, "block: bad-witness-nonce-size (coinbase witness must be one 32-byte nonce)");
                return false;
            }

            var expected = ComputeWitnessCommitment(ComputeWitnessMerkleRoot(out _), coinbaseInputs[0].Witness[0]);
            if (!_transactions[0].Outputs[index].ScriptPubKey.Span.Slice(6, 32).SequenceEqual(expected))
            {
                error = new BlockError(BlockErrorKind.BadWitnessMerkleMatch, "block: bad-witness-merkle-match (witness commitment mismatch)");
                return false;
            }

            error = null;
            return true;
        }

        if (_transactions.Any(t => t.HasWitness))
        {
            error = new BlockError(BlockErrorKind.UnexpectedWitness, "block: unexpected-witness (witness data without a commitment)");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>BIP141 commitment hash: HASH256(witness root || witness reserved value).</summary>
    public static byte[] ComputeWitnessCommitment(WitnessMerkleNode witnessRoot, ReadOnlySpan<byte> reservedValue)
    {
        Span<byte> buffer = stackalloc byte[64];
        witnessRoot.Value.WriteTo(buffer);
        if (reservedValue.Length != 32)
        {
            throw new ArgumentException("block: witness reserved value must be 32 bytes", nameof(reservedValue));
        }

        reservedValue.CopyTo(buffer[32..]);
        var result = new byte[32];
        Hashes.Hash256(buffer, result);
        return result;
    }

    /// <summary>The coinbase output script carrying a BIP141 witness commitment.</summary>
    public static Script BuildWitnessCommitmentScript(ReadOnlySpan<byte> commitment32)
    {
        if (commitment32.Length != 32)
        {
            throw new ArgumentException("block: commitment must be 32 bytes", nameof(commitment32));
        }

        return new ScriptBuilder().Add(OpcodeType.OP_RETURN).Push([.. WitnessCommitmentHeader, .. commitment32]).Build();
    }
}
