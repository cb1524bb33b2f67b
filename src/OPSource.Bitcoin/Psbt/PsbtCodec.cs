using System.Buffers.Binary;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Psbt;

/// <summary>Encoders and decoders for PSBT value formats.</summary>
internal static class PsbtCodec
{
    public static bool IsValidPubKey(ReadOnlySpan<byte> key) =>
        (key.Length == 33 || key.Length == 65) && PublicKey.TryParse(key, out _);

    public static bool TryReadTxOut(ReadOnlySpan<byte> v, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TxOut? txOut) =>
        ConsensusEncoding.TryDecode(v, out txOut, out _);

    public static RootedKeyPath ReadKeyOrigin(ReadOnlySpan<byte> v)
    {
        var path = new uint[(v.Length - 4) / 4];
        for (var i = 0; i < path.Length; i++)
        {
            path[i] = BinaryPrimitives.ReadUInt32LittleEndian(v.Slice(4 + (4 * i), 4));
        }

        return new RootedKeyPath(new KeyFingerprint(v[..4]), new KeyPath(path));
    }

    public static void WriteKeyOrigin(BitcoinWriter w, RootedKeyPath origin)
    {
        Span<byte> fp = stackalloc byte[4];
        origin.MasterFingerprint.WriteTo(fp);
        w.WriteBytes(fp);
        foreach (var i in origin.KeyPath.Indexes)
        {
            w.WriteUInt32LE(i);
        }
    }

    public static byte[] WriteKeyOrigin(RootedKeyPath origin)
    {
        var w = new BitcoinWriter(4 + (4 * origin.KeyPath.Length));
        WriteKeyOrigin(w, origin);
        return w.ToArray();
    }

    /// <summary>BIP371 PSBT_OUT_TAP_TREE: {depth, leaf version, script}* forming a complete tree in DFS order.</summary>
    public static bool TryReadTapTree(ReadOnlySpan<byte> v, out List<PsbtTapLeaf>? leaves, out string? error)
    {
        leaves = null;
        if (v.IsEmpty)
        {
            error = "must not be empty";
            return false;
        }

        var list = new List<PsbtTapLeaf>();
        var pending = new Stack<int>();
        var r = new BitcoinReader(v);
        while (!r.IsAtEnd)
        {
            if (!r.TryReadUInt8(out var depth) || !r.TryReadUInt8(out var leafVersion) || !r.TryReadVarBytes(out var script))
            {
                error = "is truncated";
                return false;
            }

            // BIP341: at most 128 levels; leaf versions are even.
            if (depth > ConsensusLimits.TaprootControlMaxNodeCount)
            {
                error = $"leaf {list.Count} depth {depth} exceeds 128";
                return false;
            }

            if ((leafVersion & 1) != 0)
            {
                error = $"leaf {list.Count} has an invalid leaf version 0x{leafVersion:x2}";
                return false;
            }

            // Leaves come in depth-first order: merge siblings bottom-up (Core TaprootBuilder::Add).
            int d = depth;
            if (pending.Count > 0 && (pending.Peek() > d || pending.Peek() == 0))
            {
                if (pending.Peek() == 0 || pending.Peek() > d)
                {
                    error = "is malformed (leaves are not in depth-first order)";
                    return false;
                }
            }

            while (pending.Count > 0 && pending.Peek() == d)
            {
                pending.Pop();
                d--;
                if (d < 0)
                {
                    error = "is malformed (more leaves than the depths allow)";
                    return false;
                }
            }

            pending.Push(d);
            list.Add(new PsbtTapLeaf(depth, leafVersion, new Script(script)));
        }

        if (pending.Count != 1 || pending.Peek() != 0)
        {
            error = "is malformed (incomplete tree)";
            return false;
        }

        leaves = list;
        error = null;
        return true;
    }
}
