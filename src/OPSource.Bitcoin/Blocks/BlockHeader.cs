using OPSource.Bitcoin.Encoding;
using OPSource.Crypto;

namespace OPSource.Bitcoin.Blocks;

/// <summary>An 80-byte block header (Core's CBlockHeader).</summary>
public sealed record BlockHeader(int Version, BlockHash PreviousBlockHash, TxMerkleNode MerkleRoot, uint Time, uint Bits, uint Nonce) : IConsensusEncodable<BlockHeader>
{
    /// <summary>Serialized size.</summary>
    public const int Size = 80;

    /// <inheritdoc/>
    int IConsensusEncodable<BlockHeader>.SerializedSize => Size;

    /// <summary>Core CBlockHeader serialization: nVersion, hashPrevBlock, hashMerkleRoot, nTime, nBits, nNonce.</summary>
    public void WriteTo(BitcoinWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteTo(writer.GetSpan(Size));
        writer.Advance(Size);
    }

    /// <summary>The block hash: HASH256 of the 80 bytes (display reversed via ToString).</summary>
    public BlockHash GetHash()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        Span<byte> hash = stackalloc byte[32];
        Hashes.Hash256(bytes, hash);
        return new BlockHash(new UInt256(hash));
    }

    /// <summary>Same as <see cref="GetHash"/> (kept for callers written before the header fields were typed).</summary>
    public BlockHash GetBlockHash() => GetHash();

    /// <summary>Same as <see cref="PreviousBlockHash"/> (kept for callers written before the header fields were typed).</summary>
    public BlockHash PreviousBlock => PreviousBlockHash;

    /// <summary>The target encoded by <see cref="Bits"/>.</summary>
    public UInt256 GetTarget() => CompactTarget.Decode(Bits, out _, out _);

    /// <summary>Core CheckProofOfWork of this header's hash against its bits and the network limit.</summary>
    public bool CheckProofOfWork(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return CompactTarget.CheckProofOfWork(GetHash(), Bits, network.PowLimit);
    }

    /// <summary>Writes the 80 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("block header: destination shorter than 80 bytes", nameof(destination));
        }

        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(destination, Version);
        PreviousBlockHash.Value.WriteTo(destination[4..]);
        MerkleRoot.Value.WriteTo(destination[36..]);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[68..], Time);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[72..], Bits);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[76..], Nonce);
    }

    /// <summary>The 80 bytes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads a header.</summary>
    public static bool TryRead(ref BitcoinReader reader, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BlockHeader? header)
    {
        header = null;
        if (!reader.TryReadInt32LE(out var version) || !reader.TryReadUInt256(out var prev) || !reader.TryReadUInt256(out var root) ||
            !reader.TryReadUInt32LE(out var time) || !reader.TryReadUInt32LE(out var bits) || !reader.TryReadUInt32LE(out var nonce))
        {
            return false;
        }

        header = new BlockHeader(version, new BlockHash(prev), new TxMerkleNode(root), time, bits, nonce);
        return true;
    }

    /// <summary>Parses exactly 80 bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out BlockHeader? header, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DecodeError? error)
    {
        header = null;
        if (data.Length != Size)
        {
            error = new DecodeError(DecodeErrorKind.WrongLength, $"block header: must be 80 bytes, got {data.Length}");
            return false;
        }

        if (ConsensusEncoding.TryDecode(data, out header, out error))
        {
            return true;
        }

        error = error.WithContext("block header");
        return false;
    }

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static BlockHeader Parse(ReadOnlySpan<byte> data) =>
        TryParse(data, out var h, out var error) ? h : throw error.ToException();
}
