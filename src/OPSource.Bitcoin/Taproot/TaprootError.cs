namespace OPSource.Bitcoin.Taproot;

/// <summary>Why a Taproot tree or control block is invalid (BIP341).</summary>
public enum TaprootErrorKind
{
    /// <summary>A leaf version with its low bit set (BIP341: the low bit carries the parity).</summary>
    OddLeafVersion,

    /// <summary>A depth outside 0..128 (BIP341: at most 128 control block nodes).</summary>
    DepthOutOfRange,

    /// <summary>Leaves or nodes whose depths do not fit a binary tree in depth-first order (Core TaprootBuilder).</summary>
    NotBinaryTree,

    /// <summary>The leaves do not close into a single root.</summary>
    IncompleteTree,

    /// <summary>The tree has hidden subtrees, so it cannot be listed leaf by leaf.</summary>
    HiddenNodes,

    /// <summary>A control block whose size is not 33 + 32m with m at most 128 (BIP341).</summary>
    ControlBlockSize,
}

/// <summary>
/// A typed Taproot error (<c>taproot.*</c>). For tree building, <see cref="BitcoinError.Position"/> is
/// the index of the offending leaf in the depth-first list; for a control block, its length.
/// </summary>
public sealed class TaprootError : BitcoinError<TaprootErrorKind>
{
    /// <summary>Creates an error.</summary>
    public TaprootError(TaprootErrorKind kind, string message, int? position = null)
        : base("taproot", kind, message, position)
    {
    }
}
