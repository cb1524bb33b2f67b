namespace OPSource.Bitcoin.Blocks;

/// <summary>Which of Core's CheckBlock merkle and witness rules a block breaks (Core's reject reason in each message).</summary>
public enum BlockErrorKind
{
    /// <summary>"bad-txnmrklroot": the header's merkle root is not the computed one.</summary>
    BadMerkleRoot,

    /// <summary>"bad-txns-duplicate": the transaction list is mutated (CVE-2012-2459).</summary>
    DuplicateTransaction,

    /// <summary>"bad-witness-nonce-size": the coinbase witness is not one 32-byte nonce (BIP141).</summary>
    BadWitnessNonceSize,

    /// <summary>"bad-witness-merkle-match": the witness commitment does not match (BIP141).</summary>
    BadWitnessMerkleMatch,

    /// <summary>"unexpected-witness": witness data without a commitment (BIP141).</summary>
    UnexpectedWitness,
}

/// <summary>A typed block check error (<c>block.*</c>); for <see cref="BlockErrorKind.BadMerkleRoot"/> the position is the merkle root's offset in the header (36).</summary>
public sealed class BlockError : BitcoinError<BlockErrorKind>
{
    /// <summary>Creates an error.</summary>
    public BlockError(BlockErrorKind kind, string message, int? position = null)
        : base("block", kind, message, position)
    {
    }
}
