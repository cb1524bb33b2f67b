using System.Buffers;
using System.Security.Cryptography;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Dwn;

/// <summary>
/// The <c>dataCid</c> of DWN record data: the root CID of the UnixFS file DAG that dwn-sdk-js's
/// <c>Cid.computeDagPbCidFromBytes/FromStream</c> builds with ipfs-unixfs-importer 15 defaults
/// (CIDv1, raw leaves, fixed-size chunks of 262144 bytes, balanced layout with at most 174 links per
/// node, a single chunk reduced to its raw leaf). Multi-chunk files get dag-pb nodes
/// (https://ipld.io/specs/codecs/dag-pb/spec/) whose Data is a UnixFS File message
/// (https://github.com/ipfs/specs/blob/main/UNIXFS.md): Type, filesize, blocksizes.
/// </summary>
public static class DwnDataCid
{
    /// <summary>ipfs-unixfs-importer fixed-size chunker default.</summary>
    public const int ChunkSize = 262144;

    /// <summary>ipfs-unixfs-importer balanced layout default.</summary>
    public const int MaxChildrenPerNode = 174;

    /// <summary>The data CID of bytes held in memory.</summary>
    public static string Compute(ReadOnlySpan<byte> data)
    {
        var leaves = new List<Node>(Math.Max(1, (data.Length + ChunkSize - 1) / ChunkSize));
        var offset = 0;
        do
        {
            var chunk = data.Slice(offset, Math.Min(ChunkSize, data.Length - offset));
            leaves.Add(Leaf(chunk));
            offset += chunk.Length;
        }
        while (offset < data.Length);
        return Root(leaves);
    }

    /// <summary>The data CID of a stream read to its end (chunk by chunk; the data is not held in memory).</summary>
    public static async Task<(string Cid, long Size)> ComputeAsync(Stream data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var leaves = new List<Node>();
            long size = 0;
            while (true)
            {
                var filled = 0;
                while (filled < ChunkSize)
                {
                    var n = await data.ReadAsync(buffer.AsMemory(filled, ChunkSize - filled), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    filled += n;
                }

                // The chunker emits full chunks, then the remainder; an empty input is one empty chunk.
                if (filled > 0 || leaves.Count == 0)
                {
                    leaves.Add(Leaf(buffer.AsSpan(0, filled)));
                    size += filled;
                }

                if (filled < ChunkSize)
                {
                    break;
                }
            }

            return (Root(leaves), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Node Leaf(ReadOnlySpan<byte> chunk) =>
        new(Cid.BinaryFromSha256(Multicodec.Raw, SHA256.HashData(chunk)), chunk.Length, chunk.Length);

    private static string Root(List<Node> leaves)
    {
        if (leaves.Count == 1)
        {
            // reduceSingleLeafToSelf: one chunk is its own root.
            return Multibase.EncodeBase32(leaves[0].Cid);
        }

        var layer = leaves;
        while (true)
        {
            var next = new List<Node>((layer.Count + MaxChildrenPerNode - 1) / MaxChildrenPerNode);
            for (var i = 0; i < layer.Count; i += MaxChildrenPerNode)
            {
                next.Add(Reduce(layer.GetRange(i, Math.Min(MaxChildrenPerNode, layer.Count - i))));
            }

            if (next.Count == 1)
            {
                return Multibase.EncodeBase32(next[0].Cid);
            }

            layer = next;
        }
    }

    private static Node Reduce(List<Node> children)
    {
        // Children without file bytes are not linked (ipfs-unixfs-importer dag-builder/file.js reduce).
        var linked = children.Where(c => c.FileSize > 0).ToList();
        var unixfs = new List<byte>(8 + (linked.Count * 5));
        unixfs.Add(0x08); // field 1 Type, varint
        unixfs.Add(0x02); // File
        unixfs.Add(0x18); // field 3 filesize
        Varint.Write(unixfs, (ulong)linked.Sum(c => c.FileSize));
        foreach (var child in linked)
        {
            unixfs.Add(0x20); // field 4 blocksizes (repeated, not packed)
            Varint.Write(unixfs, (ulong)child.FileSize);
        }

        // dag-pb PBNode: Links (field 2) first, then Data (field 1); PBLink: Hash, Name (empty), Tsize.
        var block = new List<byte>(unixfs.Count + (linked.Count * 48));
        foreach (var child in linked)
        {
            var link = new List<byte>(48) { 0x0a };
            Varint.Write(link, (ulong)child.Cid.Length);
            link.AddRange(child.Cid);
            link.Add(0x12);
            link.Add(0x00);
            link.Add(0x18);
            Varint.Write(link, (ulong)child.TotalSize);
            block.Add(0x12);
            Varint.Write(block, (ulong)link.Count);
            block.AddRange(link);
        }

        block.Add(0x0a);
        Varint.Write(block, (ulong)unixfs.Count);
        block.AddRange(unixfs);
        var bytes = block.ToArray();
        return new Node(
            Cid.BinaryFromSha256(Multicodec.DagPb, SHA256.HashData(bytes)),
            bytes.Length + linked.Sum(c => c.TotalSize),
            linked.Sum(c => c.FileSize));
    }

    /// <summary>A DAG node: its binary CID, Tsize (block plus descendants) and the file bytes below it.</summary>
    private sealed record Node(byte[] Cid, long TotalSize, long FileSize);
}
