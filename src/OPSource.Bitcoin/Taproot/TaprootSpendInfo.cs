using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Taproot;

/// <summary>A script leaf of a Taproot tree with its control block.</summary>
public sealed record TaprootLeafInfo(Script Script, byte LeafVersion, TapLeafHash LeafHash, ControlBlock ControlBlock);

/// <summary>
/// Everything needed to pay to and spend a Taproot output (Core's TaprootSpendData): internal key,
/// merkle root, tweak, output key with parity, and a control block per leaf.
/// </summary>
public sealed class TaprootSpendInfo
{
    private readonly byte[] _tweak;
    private readonly TaprootLeafInfo[] _leaves;

    private TaprootSpendInfo(XOnlyPublicKey internalKey, UInt256? merkleRoot, byte[] tweak, XOnlyPublicKey outputKey, bool parity, TaprootLeafInfo[] leaves)
    {
        InternalKey = internalKey;
        MerkleRoot = merkleRoot;
        _tweak = tweak;
        OutputKey = outputKey;
        OutputKeyYIsOdd = parity;
        _leaves = leaves;
    }

    /// <summary>The untweaked internal key P.</summary>
    public XOnlyPublicKey InternalKey { get; }

    /// <summary>Merkle root of the script tree; null for a key-path-only output.</summary>
    public UInt256? MerkleRoot { get; }

    /// <summary>BIP341 tweak t = hash_TapTweak(P || root), or hash_TapTweak(P) without scripts.</summary>
    public ReadOnlySpan<byte> Tweak => _tweak;

    /// <summary>The output key Q = P + tG (x-only).</summary>
    public XOnlyPublicKey OutputKey { get; }

    /// <summary>Parity of Q's Y coordinate (the control block's low bit).</summary>
    public bool OutputKeyYIsOdd { get; }

    /// <summary>Leaves in insertion (depth-first) order with their control blocks.</summary>
    public IReadOnlyList<TaprootLeafInfo> Leaves => _leaves;

    /// <summary>OP_1 &lt;Q&gt;.</summary>
    public Script ScriptPubKey => StandardScripts.PayToTaproot(OutputKey.ToBytes());

    /// <summary>A key-path-only output, or one committing to a known <paramref name="merkleRoot"/>.</summary>
    public static TaprootSpendInfo Create(XOnlyPublicKey internalKey, UInt256? merkleRoot = null) =>
        Create(internalKey, merkleRoot, []);

    internal static TaprootSpendInfo Create(XOnlyPublicKey internalKey, UInt256? merkleRoot, IReadOnlyList<(Script Script, byte Version, TapLeafHash Hash, UInt256[] Path)> leaves)
    {
        var tweak = new byte[32];
        ComputeTweak(internalKey, merkleRoot, tweak);
        if (!internalKey.TryAddTweak(tweak, out var outputKey, out var odd))
        {
            // Only reachable if the tweak hash is >= n or hits -P: probability ~2^-128.
            throw new InvalidOperationException("taproot: tweak is not a valid scalar for this internal key");
        }

        var infos = leaves.Select(l => new TaprootLeafInfo(l.Script, l.Version, l.Hash, new ControlBlock(l.Version, odd, internalKey, l.Path))).ToArray();
        return new TaprootSpendInfo(internalKey, merkleRoot, tweak, outputKey, odd, infos);
    }

    /// <summary>BIP341 taproot_tweak: hash_TapTweak(P) or hash_TapTweak(P || merkle_root).</summary>
    public static void ComputeTweak(XOnlyPublicKey internalKey, UInt256? merkleRoot, Span<byte> tweak32)
    {
        Span<byte> buffer = stackalloc byte[64];
        internalKey.WriteTo(buffer);
        if (merkleRoot is { } root)
        {
            root.WriteTo(buffer[32..]);
            Hashes.TaggedHash("TapTweak", buffer, tweak32);
        }
        else
        {
            Hashes.TaggedHash("TapTweak", buffer[..32], tweak32);
        }
    }

    /// <summary>
    /// BIP341 taproot_tweak_seckey: the key that signs for Q on the key path (negates the secret
    /// when P has odd Y, then adds t). The caller disposes the result.
    /// </summary>
    public static SecretKey TweakSecretKey(SecretKey internalSecret, UInt256? merkleRoot)
    {
        ArgumentNullException.ThrowIfNull(internalSecret);
        Span<byte> tweak = stackalloc byte[32];
        ComputeTweak(internalSecret.XOnlyPublicKey, merkleRoot, tweak);
        return internalSecret.TryAddXOnlyTweak(tweak, out var tweaked)
            ? tweaked
            : throw new InvalidOperationException("taproot: tweaked secret key is invalid");
    }

    /// <summary>The control block for <paramref name="script"/> at <paramref name="leafVersion"/>, if it is a leaf.</summary>
    public bool TryGetControlBlock(Script script, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ControlBlock? controlBlock, byte leafVersion = TapLeafHash.TapscriptLeafVersion)
    {
        var leaf = _leaves.FirstOrDefault(l => l.LeafVersion == leafVersion && l.Script == script);
        controlBlock = leaf?.ControlBlock;
        return controlBlock is not null;
    }
}

/// <summary>A leaf of a <see cref="TapTree"/> as descriptors and PSBT_OUT_TAP_TREE list it.</summary>
public sealed record TapTreeLeaf(int Depth, byte LeafVersion, Script Script);

/// <summary>A complete Taproot script tree, as its depth-first list of leaves.</summary>
public sealed class TapTree
{
    internal TapTree(IReadOnlyList<TapTreeLeaf> leaves, UInt256 merkleRoot)
    {
        Leaves = leaves;
        MerkleRoot = merkleRoot;
    }

    /// <summary>Leaves in depth-first order with their depths.</summary>
    public IReadOnlyList<TapTreeLeaf> Leaves { get; }

    /// <summary>The tree's merkle root.</summary>
    public UInt256 MerkleRoot { get; }

    /// <summary>Rebuilds a tree from a depth-first leaf list (e.g. from a PSBT or descriptor).</summary>
    public static bool TryCreate(IEnumerable<TapTreeLeaf> leaves, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TapTree? tree, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out TaprootError? error)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var builder = new TaprootBuilder();
        foreach (var l in leaves)
        {
            if (!builder.TryAddLeaf(l.Depth, l.Script, l.LeafVersion, out error))
            {
                tree = null;
                return false;
            }
        }

        return builder.TryBuildTree(out tree, out error);
    }
}

/// <summary>
/// Builds a Taproot tree from leaves given in depth-first order with their depths, exactly as
/// Core's TaprootBuilder (script/signingprovider.cpp) does.
/// </summary>
public sealed class TaprootBuilder
{
    private readonly List<Node?> _branch = [];
    private readonly List<TapTreeLeaf> _added = [];
    private bool _valid = true;
    private bool _hasHidden;

    /// <summary>False once an Add did not fit a binary tree in depth-first order.</summary>
    public bool IsValid => _valid;

    /// <summary>Core IsComplete: valid and all branches are closed into one root (or no leaves at all).</summary>
    public bool IsComplete => _valid && (_branch.Count == 0 || (_branch.Count == 1 && _branch[0] is not null));

    /// <summary>Adds a leaf at <paramref name="depth"/> (0 = root), throwing if it does not fit.</summary>
    public TaprootBuilder AddLeaf(int depth, Script script, byte leafVersion = TapLeafHash.TapscriptLeafVersion)
    {
        if (!TryAddLeaf(depth, script, leafVersion, out var error))
        {
            throw new ArgumentException(error.Message, nameof(depth));
        }

        return this;
    }

    /// <summary>Adds a leaf; false with a reason if the tree becomes invalid.</summary>
    public bool TryAddLeaf(int depth, Script script, byte leafVersion, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out TaprootError? error)
    {
        ArgumentNullException.ThrowIfNull(script);
        if ((leafVersion & 1) != 0)
        {
            error = new TaprootError(TaprootErrorKind.OddLeafVersion, $"taproot: leaf version 0x{leafVersion:x2} is odd (BIP341)", _added.Count);
            return false;
        }

        if (depth < 0 || depth > ConsensusLimits.TaprootControlMaxNodeCount)
        {
            error = new TaprootError(TaprootErrorKind.DepthOutOfRange, $"taproot: leaf depth {depth} outside 0..128 (BIP341)", _added.Count);
            return false;
        }

        var hash = TapLeafHash.Compute(leafVersion, script);
        var node = new Node(hash.Value, [new LeafPath(_added.Count, script, leafVersion, hash, [])]);
        Insert(node, depth);
        _added.Add(new TapTreeLeaf(depth, leafVersion, script));
        error = _valid ? null : new TaprootError(TaprootErrorKind.NotBinaryTree, $"taproot: leaf at depth {depth} does not fit a depth-first binary tree", _added.Count - 1);
        return _valid;
    }

    /// <summary>
    /// Core AddOmitted: a subtree known only by its hash (e.g. branches of a tree another party
    /// owns); it contributes to the merkle root but has no spendable leaves here.
    /// </summary>
    public bool TryAddHidden(int depth, UInt256 hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out TaprootError? error)
    {
        if (depth < 0 || depth > ConsensusLimits.TaprootControlMaxNodeCount)
        {
            error = new TaprootError(TaprootErrorKind.DepthOutOfRange, $"taproot: node depth {depth} outside 0..128 (BIP341)");
            return false;
        }

        _hasHidden = true;
        Insert(new Node(hash, []), depth);
        error = _valid ? null : new TaprootError(TaprootErrorKind.NotBinaryTree, $"taproot: node at depth {depth} does not fit a depth-first binary tree");
        return _valid;
    }

    /// <summary>True if a hidden subtree was added (the tree cannot then be listed as a <see cref="TapTree"/>).</summary>
    public bool HasHiddenNodes => _hasHidden;

    /// <summary>The finished tree; requires <see cref="IsComplete"/> with at least one leaf.</summary>
    public bool TryBuildTree([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TapTree? tree, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out TaprootError? error)
    {
        tree = null;
        if (!IsComplete || _branch.Count == 0)
        {
            error = new TaprootError(TaprootErrorKind.IncompleteTree, "taproot: tree is incomplete (leaves do not close into a single root)");
            return false;
        }

        if (_hasHidden)
        {
            error = new TaprootError(TaprootErrorKind.HiddenNodes, "taproot: tree has hidden nodes, so it cannot be listed leaf by leaf");
            return false;
        }

        tree = new TapTree([.. _added], _branch[0]!.Hash);
        error = null;
        return true;
    }

    /// <summary>
    /// Core TaprootBuilder::Finalize: computes the output key for <paramref name="internalKey"/> and
    /// each leaf's control block. With no leaves, a key-path-only output.
    /// </summary>
    public TaprootSpendInfo Finalize(XOnlyPublicKey internalKey)
    {
        if (!IsComplete)
        {
            throw new InvalidOperationException("taproot: tree is incomplete (leaves do not close into a single root)");
        }

        if (_branch.Count == 0)
        {
            return TaprootSpendInfo.Create(internalKey);
        }

        var root = _branch[0]!;
        return TaprootSpendInfo.Create(internalKey, root.Hash, root.Leaves.OrderBy(l => l.Order).Select(l => (l.Script, l.Version, l.Hash, l.Path.ToArray())).ToList());
    }

    private void Insert(Node node, int depth)
    {
        // Core: a leaf may not go shallower than an unfinished deeper branch (not a DFS order).
        if (depth + 1 < _branch.Count)
        {
            _valid = false;
            return;
        }

        // Core: while a sibling waits at this depth, combine and move one level up.
        while (_valid && _branch.Count > depth && _branch[depth] is not null)
        {
            node = Combine(node, _branch[depth]!);
            _branch.RemoveAt(_branch.Count - 1);
            if (depth == 0)
            {
                _valid = false; // cannot go above the root
            }

            depth--;
        }

        if (_valid)
        {
            while (_branch.Count <= depth)
            {
                _branch.Add(null);
            }

            _branch[depth] = node;
        }
    }

    private static Node Combine(Node a, Node b)
    {
        // Core Combine: each side's leaves gain the other side's hash on their path.
        var leaves = new List<LeafPath>(a.Leaves.Count + b.Leaves.Count);
        leaves.AddRange(a.Leaves.Select(l => l with { Path = [.. l.Path, b.Hash] }));
        leaves.AddRange(b.Leaves.Select(l => l with { Path = [.. l.Path, a.Hash] }));
        return new Node(TapLeafHash.ComputeBranch(a.Hash, b.Hash), leaves);
    }

    private sealed record Node(UInt256 Hash, IReadOnlyList<LeafPath> Leaves);

    private sealed record LeafPath(int Order, Script Script, byte Version, TapLeafHash Hash, IReadOnlyList<UInt256> Path);
}
