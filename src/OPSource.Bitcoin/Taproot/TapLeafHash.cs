using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Taproot;

/// <summary>
/// BIP341 tapleaf hash: hash_TapLeaf(leaf_version || compact_size(len) || script). Shown in natural
/// byte order (as BIP341's vectors and PSBTs show it), not reversed.
/// </summary>
public readonly record struct TapLeafHash(UInt256 Value)
{
    /// <summary>BIP342 TAPROOT_LEAF_TAPSCRIPT.</summary>
    public const byte TapscriptLeafVersion = 0xc0;

    /// <summary>Computes the hash of a leaf; <paramref name="leafVersion"/> must be even (BIP341).</summary>
    public static TapLeafHash Compute(byte leafVersion, Script script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return Compute(leafVersion, script.Span);
    }

    /// <summary>Computes the hash of a leaf from raw script bytes.</summary>
    public static TapLeafHash Compute(byte leafVersion, ReadOnlySpan<byte> script)
    {
        if ((leafVersion & 1) != 0)
        {
            throw new ArgumentException("taproot: leaf version must be even (BIP341)", nameof(leafVersion));
        }

        var buffer = new byte[1 + CompactSize.GetSize((ulong)script.Length) + script.Length];
        buffer[0] = leafVersion;
        var n = CompactSize.Write(buffer.AsSpan(1), (ulong)script.Length);
        script.CopyTo(buffer.AsSpan(1 + n));
        Span<byte> hash = stackalloc byte[32];
        Hashes.TaggedHash("TapLeaf", buffer, hash);
        return new TapLeafHash(new UInt256(hash));
    }

    /// <summary>
    /// BIP341 hash_TapBranch of two child hashes, ordered lexicographically by their bytes.
    /// </summary>
    public static UInt256 ComputeBranch(UInt256 a, UInt256 b)
    {
        Span<byte> buffer = stackalloc byte[64];
        a.WriteTo(buffer);
        b.WriteTo(buffer[32..]);
        if (buffer[..32].SequenceCompareTo(buffer[32..]) > 0)
        {
            b.WriteTo(buffer);
            a.WriteTo(buffer[32..]);
        }

        Span<byte> hash = stackalloc byte[32];
        Hashes.TaggedHash("TapBranch", buffer, hash);
        return new UInt256(hash);
    }

    /// <summary>The 32 bytes.</summary>
    public byte[] ToBytes() => Value.ToBytes();

    /// <summary>Writes the 32 bytes.</summary>
    public void WriteTo(Span<byte> destination) => Value.WriteTo(destination);

    /// <summary>Hex in natural byte order.</summary>
    public override string ToString() => Hex.Encode(ToBytes());
}
