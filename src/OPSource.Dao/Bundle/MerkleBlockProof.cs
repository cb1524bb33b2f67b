using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Crypto;

namespace OPSource.Dao.Bundle;

/// <summary>
/// Bitcoin Core's <c>gettxoutproof</c> result (a serialized CMerkleBlock: block header, transaction count, hashes,
/// flag bits) checked as Core's <c>verifytxoutproof</c> does (CPartialMerkleTree::ExtractMatches,
/// src/merkleblock.cpp): the partial tree must use every hash and flag byte, may not duplicate a right child
/// (CVE-2012-2459), and must rebuild the header's Merkle root.
/// </summary>
public static class MerkleBlockProof
{
    // MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT (src/merkleblock.cpp ExtractMatches).
    private const uint MaxTransactions = 4_000_000 / 240;

    /// <summary>Parses and checks a proof; returns the header and the matched txids (internal byte order), or an error.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> proof, out BlockHeader? header, out List<byte[]> matches, out string? error)
    {
        matches = [];
        header = null;
        if (proof.Length < 84 || !BlockHeader.TryParse(proof[..80], out header, out _))
        {
            error = "txout proof is shorter than a block header and transaction count";
            return false;
        }

        var position = 80;
        var transactions = BitConverter.ToUInt32(proof.Slice(position, 4));
        position += 4;
        if (!CompactSize.TryRead(proof[position..], out var hashCount, out var used, out _))
        {
            error = "txout proof: bad hash count";
            return false;
        }

        position += used;
        if (hashCount > (ulong)(proof.Length - position) / 32)
        {
            error = "txout proof: truncated hashes";
            return false;
        }

        var hashes = new List<byte[]>((int)hashCount);
        for (var i = 0; i < (int)hashCount; i++)
        {
            hashes.Add(proof.Slice(position, 32).ToArray());
            position += 32;
        }

        if (!CompactSize.TryRead(proof[position..], out var flagCount, out used, out _) || (ulong)(proof.Length - position - used) != flagCount)
        {
            error = "txout proof: bad flag bytes (or trailing data)";
            return false;
        }

        position += used;
        var bits = new bool[(int)flagCount * 8];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = (proof[position + (i / 8)] & (1 << (i % 8))) != 0;
        }

        if (transactions == 0 || transactions > MaxTransactions || (ulong)hashes.Count > transactions || bits.Length < hashes.Count)
        {
            error = "txout proof: transaction count and hash count are inconsistent";
            return false;
        }

        var height = 0;
        while (Width(transactions, height) > 1)
        {
            height++;
        }

        var bitsUsed = 0;
        var hashesUsed = 0;
        var bad = false;
        var found = new List<byte[]>();
        var root = Traverse(height, 0);
        if (bad)
        {
            error = "txout proof: malformed partial Merkle tree";
            return false;
        }

        if ((bitsUsed + 7) / 8 != (bits.Length + 7) / 8 || hashesUsed != hashes.Count)
        {
            error = "txout proof: not every hash or flag byte was used";
            return false;
        }

        var expected = new byte[32];
        header.MerkleRoot.Value.WriteTo(expected);
        if (!root.AsSpan().SequenceEqual(expected))
        {
            error = "txout proof: the partial tree does not rebuild the block header's Merkle root";
            return false;
        }

        matches = found;
        error = null;
        return true;

        byte[] Traverse(int h, uint pos)
        {
            if (bitsUsed >= bits.Length)
            {
                bad = true;
                return new byte[32];
            }

            var parentOfMatch = bits[bitsUsed++];
            if (h == 0 || !parentOfMatch)
            {
                if (hashesUsed >= hashes.Count)
                {
                    bad = true;
                    return new byte[32];
                }

                var hash = hashes[hashesUsed++];
                if (h == 0 && parentOfMatch)
                {
                    found.Add(hash);
                }

                return hash;
            }

            var left = Traverse(h - 1, pos * 2);
            byte[] right;
            if ((pos * 2) + 1 < Width(transactions, h - 1))
            {
                right = Traverse(h - 1, (pos * 2) + 1);
                if (right.AsSpan().SequenceEqual(left))
                {
                    bad = true; // CVE-2012-2459: a duplicated right child would allow two trees with one root.
                }
            }
            else
            {
                right = left;
            }

            Span<byte> pair = stackalloc byte[64];
            left.CopyTo(pair);
            right.CopyTo(pair[32..]);
            var parent = new byte[32];
            Hashes.Hash256(pair, parent);
            return parent;
        }
    }

    private static uint Width(uint transactions, int height) => (uint)((transactions + (1UL << height) - 1) >> height);
}
