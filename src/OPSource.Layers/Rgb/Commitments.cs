using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Layers.Rgb;

/// <summary>Why a deterministic bitcoin commitment did not verify (rgb-consensus <c>DbcError</c>).</summary>
public enum DbcError
{
    NoOpretOutput,
    InvalidOpretScript,
    CommitmentMismatch,
    ImpossibleMessage,
    InvalidProof,
}

/// <summary>LNPBP-4 multi-protocol commitments and the opret/tapret deterministic bitcoin commitments.</summary>
public static class Commitments
{
    /// <summary>bp-core dbc/tapret TAPRET_SCRIPT_COMMITMENT_PREFIX: 29 × OP_RESERVED, OP_RETURN, OP_PUSHBYTES_33.</summary>
    public static ReadOnlySpan<byte> TapretPrefix =>
    [
        0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50,
        0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x50, 0x6a, 0x21,
    ];

    /// <summary>
    /// commit_verify mpc protocol_id_pos: the protocol id as a little-endian 256-bit integer modulo
    /// max(2^depth − cofactor, 1).
    /// </summary>
    public static uint ProtocolIdPos(Bytes32 protocolId, ushort cofactor, int depth)
    {
        uint width = 1u << depth;
        uint modulus = Math.Max(width > cofactor ? width - cofactor : 0, 1);
        var n = new System.Numerics.BigInteger(protocolId.Span, isUnsigned: true, isBigEndian: false);
        return (uint)(n % modulus);
    }

    /// <summary>
    /// MerkleProof::convolve: checks the position, rebuilds the root from the leaf
    /// <c>Leaf::Inhabited(protocol, message)</c> and the path, and returns the MPC commitment
    /// (tagged hash of depth, cofactor and root), or null with the expected position when the proof is invalid.
    /// </summary>
    public static Bytes32? Convolve(MpcProof proof, Bytes32 protocolId, Bytes32 message, out uint expectedPos)
    {
        ArgumentNullException.ThrowIfNull(proof);
        int depth = proof.Path.Count;
        if (depth > 31)
        {
            // The tree depth is a u5 in commit_verify: a 32-node path cannot be a valid proof.
            expectedPos = 0;
            return null;
        }

        expectedPos = ProtocolIdPos(protocolId, proof.Cofactor, depth);
        if (expectedPos != proof.Pos)
        {
            return null;
        }

        // Leaf::Inhabited: tag 0x10, protocol id, message (commit_verify mpc/atoms.rs)
        var leafBuf = new byte[65];
        leafBuf[0] = 0x10;
        protocolId.Span.CopyTo(leafBuf.AsSpan(1));
        message.Span.CopyTo(leafBuf.AsSpan(33));
        var node = TaggedHasher.Hash(RgbIds.MerkleTag, leafBuf);

        uint widthLimit = 1u << depth;
        // path[0] is the sibling just below the root (depth 1); walk up from the deepest sibling.
        for (int i = depth - 1; i >= 0; i--)
        {
            bool right = ((proof.Pos >> (depth - 1 - i)) & 1) == 1;
            node = right
                ? RgbIds.MerkleBranches((byte)i, widthLimit, proof.Path[i], node)
                : RgbIds.MerkleBranches((byte)i, widthLimit, node, proof.Path[i]);
        }

        // MerkleConcealed { depth: u5, cofactor: u16, merkle_root }
        var buf = new byte[35];
        buf[0] = (byte)depth;
        buf[1] = (byte)proof.Cofactor;
        buf[2] = (byte)(proof.Cofactor >> 8);
        node.Span.CopyTo(buf.AsSpan(3));
        return TaggedHasher.Hash(RgbIds.MpcCommitmentTag, buf);
    }

    public static bool IsOpReturn(byte[] spk) => spk.Length > 0 && spk[0] == 0x6a;

    public static bool IsP2tr(byte[] spk) => spk.Length == 34 && spk[0] == 0x51 && spk[1] == 0x20;

    /// <summary>Opret: the first OP_RETURN output must be exactly <c>OP_RETURN OP_PUSHBYTES_32 &lt;commitment&gt;</c>.</summary>
    public static DbcError? VerifyOpret(RgbTx tx, Bytes32 commitment)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var output = tx.Outputs.FirstOrDefault(o => IsOpReturn(o.ScriptPubkey));
        if (output is null)
        {
            return DbcError.NoOpretOutput;
        }

        var spk = output.ScriptPubkey;
        if (spk.Length != 34)
        {
            return DbcError.InvalidOpretScript;
        }

        return spk[1] == 0x20 && spk.AsSpan(2).SequenceEqual(commitment.Span) ? null : DbcError.CommitmentMismatch;
    }

    /// <summary>The tapret leaf script committing to <paramref name="commitment"/> with <paramref name="nonce"/>.</summary>
    public static byte[] TapretScript(Bytes32 commitment, byte nonce) => [.. TapretPrefix, .. commitment.Span, nonce];

    /// <summary>
    /// Tapret: the first P2TR output's key must equal the proof's internal key tweaked (BIP341) with the
    /// script tree holding the tapret leaf (alone, or next to the proven partner node). A transaction without a
    /// P2TR output, a partner carrying an alternative commitment or a misordered partner make the commitment
    /// impossible (commit_verify <c>ConvolveCommitProof::verify</c> maps every <c>TapretKeyError</c> /
    /// <c>TapretError::NoTaprootOutput</c> to <c>ImpossibleMessage</c>); a different key is a
    /// <c>CommitmentMismatch</c>.
    /// </summary>
    public static DbcError? VerifyTapret(RgbTx tx, TapretProof proof, Bytes32 commitment)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(proof);
        var output = tx.Outputs.FirstOrDefault(o => IsP2tr(o.ScriptPubkey));
        if (output is null)
        {
            return DbcError.ImpossibleMessage;
        }

        var outputKey = TapretOutputKey(proof, commitment, out var error);
        if (outputKey is not { } key)
        {
            return error;
        }

        return key.Span.SequenceEqual(output.ScriptPubkey.AsSpan(2)) ? null : DbcError.CommitmentMismatch;
    }

    /// <summary>
    /// The x-only output key a tapret commitment to <paramref name="commitment"/> produces (bp-core dbc/tapret
    /// xonlypk.rs <c>convolve_commit</c>): the internal key tweaked with the tapret leaf, or with the branch of
    /// the tapret leaf and the partner node. Null with <paramref name="error"/> set when the partner carries an
    /// alternative commitment (<c>check_no_commitment</c>), is misordered (<c>check_ordering</c>), or the
    /// internal key is not a valid x-only key.
    /// </summary>
    public static Bytes32? TapretOutputKey(TapretProof proof, Bytes32 commitment, out DbcError? error)
    {
        ArgumentNullException.ThrowIfNull(proof);
        error = null;
        var leaf = new Bytes32(TapLeafHash.Compute(TapLeafHash.TapscriptLeafVersion, TapretScript(commitment, proof.Nonce)).ToBytes());
        Bytes32 root = leaf;
        if (proof.Partner is { } partner)
        {
            if (!PartnerHasNoCommitment(partner) || !PartnerOrdered(partner, leaf))
            {
                error = DbcError.ImpossibleMessage;
                return null;
            }

            root = Branch(leaf, PartnerNodeHash(partner));
        }

        if (!XOnlyPublicKey.TryParse(proof.InternalPk.Span, out var internalKey))
        {
            error = DbcError.InvalidProof;
            return null;
        }

        Span<byte> tweak = stackalloc byte[32];
        TaprootSpendInfo.ComputeTweak(internalKey, new UInt256(root.Span), tweak);
        if (!internalKey.TryAddTweak(tweak, out var outputKey, out _))
        {
            error = DbcError.ImpossibleMessage;
            return null;
        }

        return new Bytes32(outputKey.ToBytes());
    }

    /// <summary>
    /// A tapscript leaf version as BIP341 allows it (rust-bitcoin <c>LeafVersion::from_consensus</c>, which
    /// bp-core's decoder applies): even, and not the annex tag 0x50.
    /// </summary>
    public static byte CheckLeafVersion(byte version) =>
        (version & 0xFE) == version && version != 0x50
            ? version
            : throw new RgbDecodeException($"tapret right leaf: invalid leaf version 0x{version:x2}");

    /// <summary>bp-core <c>TapretNodePartner::tap_node_hash</c>.</summary>
    public static Bytes32 PartnerNodeHash(TapretPartner partner) => partner switch
    {
        TapretLeftNode l => l.NodeHash,
        TapretRightLeaf rl => new Bytes32(TapLeafHash.Compute(rl.LeafVersion, rl.Script).ToBytes()),
        TapretRightBranch rb => Branch(rb.LeftNodeHash, rb.RightNodeHash),
        _ => throw new ArgumentOutOfRangeException(nameof(partner)),
    };

    /// <summary>
    /// bp-core <c>TapretNodePartner::check_no_commitment</c>: a right-side partner must not be able to hold
    /// another tapret commitment — a right leaf of 64 bytes or more must not start with the 31-byte tapret
    /// prefix, and a right branch's first child hash must not either. A left node can't (the commitment
    /// leaf would have to be its right sibling).
    /// </summary>
    public static bool PartnerHasNoCommitment(TapretPartner partner) => partner switch
    {
        TapretLeftNode => true,
        TapretRightLeaf rl => rl.Script.Length < 64 || !rl.Script.AsSpan(0, 31).SequenceEqual(TapretPrefix),
        TapretRightBranch rb => !rb.LeftNodeHash.Span[..31].SequenceEqual(TapretPrefix),
        _ => false,
    };

    /// <summary>
    /// bp-core <c>TapretNodePartner::check_ordering</c>: a left node hash sorts at or before the commitment
    /// leaf hash, a right leaf or branch at or after it (BIP341 branches sort their children, so this pins
    /// the commitment to the side the proof claims).
    /// </summary>
    public static bool PartnerOrdered(TapretPartner partner, Bytes32 commitmentLeaf) => partner switch
    {
        TapretLeftNode l => l.NodeHash <= commitmentLeaf,
        TapretRightLeaf or TapretRightBranch => commitmentLeaf <= PartnerNodeHash(partner),
        _ => false,
    };

    private static Bytes32 Branch(Bytes32 a, Bytes32 b) =>
        new(TapLeafHash.ComputeBranch(new UInt256(a.Span), new UInt256(b.Span)).ToBytes());
}
