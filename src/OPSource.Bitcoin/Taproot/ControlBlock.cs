using OPSource.Bitcoin.Encoding;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Taproot;

/// <summary>
/// A BIP341 script-path control block: (leaf version | output key parity), the 32-byte internal
/// key, and the merkle path from the leaf to the root.
/// </summary>
public sealed class ControlBlock : IEquatable<ControlBlock>
{
    /// <summary>Core TAPROOT_CONTROL_BASE_SIZE.</summary>
    public const int BaseSize = 33;

    /// <summary>Core TAPROOT_CONTROL_NODE_SIZE.</summary>
    public const int NodeSize = 32;

    /// <summary>Core TAPROOT_CONTROL_MAX_SIZE.</summary>
    public const int MaxSize = BaseSize + (NodeSize * ConsensusLimits.TaprootControlMaxNodeCount);

    /// <summary>Core TAPROOT_LEAF_MASK.</summary>
    public const byte LeafMask = 0xfe;

    private readonly byte[] _internalKey;
    private readonly UInt256[] _path;

    /// <summary>Creates a control block.</summary>
    public ControlBlock(byte leafVersion, bool outputKeyYIsOdd, XOnlyPublicKey internalKey, IEnumerable<UInt256> merklePath)
        : this(leafVersion, outputKeyYIsOdd, internalKey.ToBytes(), [.. merklePath ?? throw new ArgumentNullException(nameof(merklePath))])
    {
    }

    private ControlBlock(byte leafVersion, bool odd, byte[] internalKey, UInt256[] path)
    {
        if ((leafVersion & 1) != 0)
        {
            throw new ArgumentException("taproot: leaf version must be even (BIP341)", nameof(leafVersion));
        }

        if (path.Length > ConsensusLimits.TaprootControlMaxNodeCount)
        {
            throw new ArgumentException($"taproot: merkle path longer than {ConsensusLimits.TaprootControlMaxNodeCount} (BIP341)", nameof(path));
        }

        LeafVersion = leafVersion;
        OutputKeyYIsOdd = odd;
        _internalKey = internalKey;
        _path = path;
    }

    /// <summary>Leaf version (first byte &amp; 0xfe).</summary>
    public byte LeafVersion { get; }

    /// <summary>Parity of the output key's Y (first byte &amp; 1).</summary>
    public bool OutputKeyYIsOdd { get; }

    /// <summary>The 32 raw internal-key bytes (may not be a valid x coordinate in an arbitrary witness).</summary>
    public ReadOnlySpan<byte> InternalKeyBytes => _internalKey;

    /// <summary>Merkle path, leaf side first.</summary>
    public IReadOnlyList<UInt256> MerklePath => _path;

    /// <summary>Serialized length: 33 + 32 m.</summary>
    public int Length => BaseSize + (NodeSize * _path.Length);

    /// <summary>The internal key, if its bytes are a valid BIP340 x coordinate.</summary>
    public bool TryGetInternalKey(out XOnlyPublicKey key) => XOnlyPublicKey.TryParse(_internalKey, out key);

    /// <summary>
    /// Parses a control block. BIP341: the size must be 33 + 32m with m ≤ 128. The internal key is
    /// not validated here (Core checks it during commitment verification).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ControlBlock? controlBlock, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out TaprootError? error)
    {
        controlBlock = null;
        if (data.Length < BaseSize || data.Length > MaxSize || (data.Length - BaseSize) % NodeSize != 0)
        {
            error = new TaprootError(TaprootErrorKind.ControlBlockSize, $"control block: size {data.Length} is not 33 + 32m with m <= 128 (BIP341)", data.Length);
            return false;
        }

        var path = new UInt256[(data.Length - BaseSize) / NodeSize];
        for (var i = 0; i < path.Length; i++)
        {
            path[i] = new UInt256(data.Slice(BaseSize + (i * NodeSize), NodeSize));
        }

        controlBlock = new ControlBlock((byte)(data[0] & LeafMask), (data[0] & 1) != 0, data.Slice(1, 32).ToArray(), path);
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static ControlBlock Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var cb, out var error) ? cb : throw error.ToException();

    /// <summary>The serialized bytes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        bytes[0] = (byte)(LeafVersion | (OutputKeyYIsOdd ? 1 : 0));
        _internalKey.CopyTo(bytes, 1);
        for (var i = 0; i < _path.Length; i++)
        {
            _path[i].WriteTo(bytes.AsSpan(BaseSize + (i * NodeSize)));
        }

        return bytes;
    }

    /// <summary>Core ComputeTaprootMerkleRoot: fold the path into the leaf hash with TapBranch.</summary>
    public UInt256 ComputeMerkleRoot(TapLeafHash leafHash)
    {
        var k = leafHash.Value;
        foreach (var node in _path)
        {
            k = TapLeafHash.ComputeBranch(k, node);
        }

        return k;
    }

    /// <summary>
    /// Core VerifyTaprootCommitment (BIP341): the internal key tweaked with the merkle root of this
    /// leaf equals the 32-byte witness <paramref name="program"/> with this block's parity.
    /// </summary>
    public bool VerifyCommitment(ReadOnlySpan<byte> program, TapLeafHash leafHash)
    {
        if (program.Length != 32 || !TryGetInternalKey(out var p) || !XOnlyPublicKey.TryParse(program, out var q))
        {
            return false;
        }

        var root = ComputeMerkleRoot(leafHash);
        Span<byte> tweak = stackalloc byte[32];
        TaprootSpendInfo.ComputeTweak(p, root, tweak);
        return q.CheckTweakAdd(p, tweak, OutputKeyYIsOdd);
    }

    /// <summary>Hex of the serialization.</summary>
    public override string ToString() => Hex.Encode(ToBytes());

    /// <inheritdoc/>
    public bool Equals(ControlBlock? other) => other is not null && ToBytes().AsSpan().SequenceEqual(other.ToBytes());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ControlBlock);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(ToBytes());
        return h.ToHashCode();
    }

}
