using System.Security.Cryptography;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Dlc.Messages;

/// <summary>
/// A 32-byte DLC identifier: the <c>temporary_contract_id</c> of an offer or the <c>contract_id</c>
/// derived from the funding transaction (Protocol.md "Definition of contract_id"). Shown as 64 hex
/// digits in wire order. <c>default</c> is the all-zero id.
/// </summary>
public readonly struct ContractId : IEquatable<ContractId>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 32;

    private readonly byte[]? _bytes;

    private ContractId(byte[] bytes) => _bytes = bytes;

    /// <summary>The id's bytes (a copy).</summary>
    public byte[] ToBytes() => _bytes is null ? new byte[Size] : (byte[])_bytes.Clone();

    /// <summary>The id's bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes ?? new byte[Size];

    /// <summary>An id from 32 bytes.</summary>
    public static ContractId FromBytes(ReadOnlySpan<byte> bytes32)
    {
        if (bytes32.Length != Size)
        {
            throw new ArgumentException($"contract id: must be 32 bytes, got {bytes32.Length}", nameof(bytes32));
        }

        return new ContractId(bytes32.ToArray());
    }

    /// <summary>A fresh random id (Protocol.md: the offerer sets <c>temporary_contract_id</c> to a random value).</summary>
    public static ContractId NewRandom() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>Parses 64 hex digits.</summary>
    public static bool TryParse(string? hex, out ContractId id)
    {
        id = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        try
        {
            id = new ContractId(Convert.FromHexString(hex));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses 64 hex digits or throws <see cref="DlcFormatException"/>.</summary>
    public static ContractId Parse(string hex) =>
        TryParse(hex, out var id) ? id : throw new DlcFormatException("contract id", "expected 64 hex digits");

    /// <summary>
    /// Protocol.md "Definition of contract_id": funding_txid XOR temporary_contract_id, with
    /// funding_output_index XORed into the last two bytes (big-endian). The txid is taken in its displayed
    /// byte order, as rust-dlc and the dlcspecs vectors (contract_id_test.json) do.
    /// </summary>
    public static ContractId Compute(TxId fundingTxId, ushort fundingOutputIndex, ContractId temporaryContractId)
    {
        Span<byte> txid = stackalloc byte[Size];
        fundingTxId.WriteTo(txid); // internal (little-endian) order
        var result = new byte[Size];
        var temp = temporaryContractId.Span;
        for (int i = 0; i < Size; i++)
        {
            result[i] = (byte)(txid[Size - 1 - i] ^ temp[i]);
        }

        result[30] ^= (byte)(fundingOutputIndex >> 8);
        result[31] ^= (byte)fundingOutputIndex;
        return new ContractId(result);
    }

    /// <inheritdoc />
    public bool Equals(ContractId other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ContractId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hc = new HashCode();
        hc.AddBytes(Span);
        return hc.ToHashCode();
    }

    /// <summary>64 lower-case hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(Span);

    /// <summary>Equality.</summary>
    public static bool operator ==(ContractId left, ContractId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ContractId left, ContractId right) => !left.Equals(right);
}
