using System.Buffers.Binary;
using System.Security.Cryptography;
using OPSource.Crypto;

namespace OPSource.Dao.Log;

/// <summary>
/// Every hash of the DAO protocol, each a BIP340 tagged hash (SHA256(SHA256(tag)||SHA256(tag)||data)) under
/// its own tag, so no message of one kind can be replayed as another (domain separation, BIP340 "Tagged
/// Hashes"). Integers are little-endian. docs/dao.md specifies each layout.
/// </summary>
public static class DaoHashes
{
    /// <summary>Tag of an event hash (the hash chain).</summary>
    public const string EventTag = "OPSource/dao/event";

    /// <summary>Tag of a vote's signed message.</summary>
    public const string VoteTag = "OPSource/dao/vote";

    /// <summary>Tag of a token transfer's signed message.</summary>
    public const string TransferTag = "OPSource/dao/transfer";

    /// <summary>Tag of a proposal id (the proposer signs the id).</summary>
    public const string ProposalTag = "OPSource/dao/proposal";

    /// <summary>Tag of an inner Merkle node.</summary>
    public const string MerkleTag = "OPSource/dao/merkle";

    /// <summary>Tag of an anchor commitment.</summary>
    public const string AnchorTag = "OPSource/dao/anchor";

    /// <summary>The 4 bytes before the commitment in an anchor's OP_RETURN push.</summary>
    public static ReadOnlySpan<byte> AnchorMagic => "ODAO"u8;

    /// <summary>
    /// Event hash: tagged(EventTag, prev[32] || seq u64 || height u32 || SHA256(body UTF-8)[32] || sig[0 or 64]).
    /// </summary>
    public static byte[] Event(ReadOnlySpan<byte> prev32, long seq, int height, ReadOnlySpan<byte> bodyUtf8, ReadOnlySpan<byte> signature)
    {
        Span<byte> buffer = stackalloc byte[32 + 8 + 4 + 32 + 64];
        prev32.CopyTo(buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[32..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(buffer[40..], height);
        SHA256.HashData(bodyUtf8, buffer[44..76]);
        signature.CopyTo(buffer[76..]);
        var hash = new byte[32];
        Hashes.TaggedHash(EventTag, buffer[..(76 + signature.Length)], hash);
        return hash;
    }

    /// <summary>Vote message: tagged(VoteTag, dao_id[32] || proposal_id[32] || choice u8 || nonce u64).</summary>
    public static void Vote(ReadOnlySpan<byte> daoId, ReadOnlySpan<byte> proposalId, byte choice, ulong nonce, Span<byte> output32)
    {
        Span<byte> buffer = stackalloc byte[32 + 32 + 1 + 8];
        daoId.CopyTo(buffer);
        proposalId.CopyTo(buffer[32..]);
        buffer[64] = choice;
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[65..], nonce);
        Hashes.TaggedHash(VoteTag, buffer, output32);
    }

    /// <summary>Transfer message: tagged(TransferTag, dao_id[32] || from[32] || to[32] || amount u64 || nonce u64).</summary>
    public static void Transfer(ReadOnlySpan<byte> daoId, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to, ulong amount, ulong nonce, Span<byte> output32)
    {
        Span<byte> buffer = stackalloc byte[32 * 3 + 16];
        daoId.CopyTo(buffer);
        from.CopyTo(buffer[32..]);
        to.CopyTo(buffer[64..]);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[96..], amount);
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[104..], nonce);
        Hashes.TaggedHash(TransferTag, buffer, output32);
    }

    /// <summary>Proposal id: tagged(ProposalTag, SHA256(body UTF-8)); the body names the DAO, so the id is DAO-specific.</summary>
    public static byte[] ProposalId(ReadOnlySpan<byte> bodyUtf8)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(bodyUtf8, digest);
        var id = new byte[32];
        Hashes.TaggedHash(ProposalTag, digest, id);
        return id;
    }

    /// <summary>Anchor commitment: tagged(AnchorTag, dao_id[32] || count u64 || root[32]).</summary>
    public static byte[] AnchorCommitment(ReadOnlySpan<byte> daoId, long count, ReadOnlySpan<byte> root)
    {
        Span<byte> buffer = stackalloc byte[72];
        daoId.CopyTo(buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[32..], count);
        root.CopyTo(buffer[40..]);
        var output = new byte[32];
        Hashes.TaggedHash(AnchorTag, buffer, output);
        return output;
    }

    /// <summary>The anchor's output script: OP_RETURN, one 36-byte push of "ODAO" || commitment.</summary>
    public static byte[] AnchorScript(ReadOnlySpan<byte> commitment32)
    {
        var script = new byte[2 + 36];
        script[0] = 0x6a; // OP_RETURN
        script[1] = 36; // direct push of 36 bytes
        AnchorMagic.CopyTo(script.AsSpan(2));
        commitment32.CopyTo(script.AsSpan(6));
        return script;
    }

    /// <summary>
    /// Merkle root over event hashes: leaves are the hashes in log order; a level pairs neighbours as
    /// tagged(MerkleTag, left || right) and carries an odd last node up unchanged (no duplication, so
    /// distinct lists never share a root the way Bitcoin's duplicated-last-node tree can, CVE-2012-2459).
    /// </summary>
    public static byte[] MerkleRoot(IReadOnlyList<byte[]> leaves, int count)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (count < 1 || count > leaves.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        var level = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            level[i] = leaves[i];
        }

        var n = count;
        Span<byte> pair = stackalloc byte[64];
        while (n > 1)
        {
            var next = 0;
            for (var i = 0; i < n; i += 2)
            {
                if (i + 1 == n)
                {
                    level[next++] = level[i];
                    break;
                }

                level[i].CopyTo(pair);
                level[i + 1].CopyTo(pair[32..]);
                var node = new byte[32];
                Hashes.TaggedHash(MerkleTag, pair, node);
                level[next++] = node;
            }

            n = next;
        }

        return level[0];
    }

    /// <summary>Inclusion proof of leaf <paramref name="index"/> among the first <paramref name="count"/>: sibling hashes bottom-up, each with its side.</summary>
    public static IReadOnlyList<(byte[] Sibling, bool SiblingOnLeft)> MerkleProof(IReadOnlyList<byte[]> leaves, int count, int index)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (index < 0 || index >= count || count > leaves.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        var proof = new List<(byte[], bool)>();
        var level = leaves.Take(count).ToList();
        var position = index;
        Span<byte> pair = stackalloc byte[64];
        while (level.Count > 1)
        {
            var sibling = position ^ 1;
            if (sibling < level.Count)
            {
                proof.Add((level[sibling], sibling < position));
            }

            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
            {
                if (i + 1 == level.Count)
                {
                    next.Add(level[i]);
                    break;
                }

                level[i].CopyTo(pair);
                level[i + 1].CopyTo(pair[32..]);
                var node = new byte[32];
                Hashes.TaggedHash(MerkleTag, pair, node);
                next.Add(node);
            }

            level = next;
            position /= 2;
        }

        return proof;
    }

    /// <summary>Folds an inclusion proof from a leaf to the root.</summary>
    public static byte[] FoldProof(ReadOnlySpan<byte> leaf, IEnumerable<(byte[] Sibling, bool SiblingOnLeft)> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        var current = leaf.ToArray();
        Span<byte> pair = stackalloc byte[64];
        foreach (var (sibling, left) in proof)
        {
            (left ? sibling : current).CopyTo(pair);
            (left ? current : sibling).CopyTo(pair[32..]);
            var node = new byte[32];
            Hashes.TaggedHash(MerkleTag, pair, node);
            current = node;
        }

        return current;
    }
}
