using System.Numerics;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Layers.Rsk;

/// <summary>The v, r, s of a signed transaction.</summary>
/// <param name="V">rskj's one-byte v: 27/28 without a chain id, chainId*2 + 35/36 with one (EIP-155).</param>
/// <param name="R">r as an unsigned integer.</param>
/// <param name="S">s as an unsigned integer (low-s: rskj refuses s >= n/2).</param>
public sealed record RskSignature(byte V, BigInteger R, BigInteger S);

/// <summary>
/// A Rootstock transaction as rskj accepts it (<c>org.ethereum.core.Transaction</c>): the 9-field legacy RLP list
/// [nonce, gasPrice, gasLimit, to, value, data, v, r, s] with EIP-155 replay protection in a one-byte v. rskj has no
/// typed (EIP-2718/1559) transactions. Immutable; <see cref="Sign"/> returns a signed copy.
/// </summary>
public sealed record RskTransaction
{
    /// <summary>Half the secp256k1 order rounded down: rskj <c>Transaction.acceptTransactionSignature</c> refuses s &gt;= this.</summary>
    public static readonly BigInteger HalfOrder = BigInteger.Parse("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0", System.Globalization.NumberStyles.HexNumber);

    /// <summary>Account nonce.</summary>
    public required ulong Nonce { get; init; }

    /// <summary>Gas price in wei.</summary>
    public required BigInteger GasPrice { get; init; }

    /// <summary>Gas limit.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>Recipient, or null to create a contract.</summary>
    public RskAddress? To { get; init; }

    /// <summary>Value in wei.</summary>
    public BigInteger Value { get; init; }

    /// <summary>Call data or init code.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>EIP-155 chain id (0: none, the pre-EIP-155 form rskj still accepts).</summary>
    public required int ChainId { get; init; }

    /// <summary>The signature, or null while unsigned.</summary>
    public RskSignature? Signature { get; init; }

    /// <summary>
    /// The RLP rskj signs (<c>getEncodedRaw</c>): the six fields, then for a chain id [chainId, "", ""] (EIP-155).
    /// </summary>
    public byte[] EncodeForSigning()
    {
        Validate();
        return ChainId == 0
            ? Rlp.EncodeList(Fields())
            : Rlp.EncodeList([.. Fields(), Rlp.EncodeString([(byte)ChainId]), Rlp.EncodeString([]), Rlp.EncodeString([])]);
    }

    /// <summary>Keccak-256 of <see cref="EncodeForSigning"/>.</summary>
    public byte[] SigningHash() => Keccak.Hash256(EncodeForSigning());

    /// <summary>The signed transaction's RLP (what <c>eth_sendRawTransaction</c> takes).</summary>
    public byte[] Encode()
    {
        var signature = Signature ?? throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: not signed");
        Validate();
        return Rlp.EncodeList([
            .. Fields(),
            Rlp.EncodeString([signature.V]),
            Rlp.EncodeString(Rlp.UIntBytes(signature.R)),
            Rlp.EncodeString(Rlp.UIntBytes(signature.S)),
        ]);
    }

    /// <summary>The transaction hash: Keccak-256 of the signed RLP.</summary>
    public byte[] Hash() => Keccak.Hash256(Encode());

    /// <summary>Signs with RFC 6979 (deterministic, low-s) for <see cref="ChainId"/>.</summary>
    public RskTransaction Sign(RskAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (ChainId != 0 && !RskChain.IsSignableChainId(ChainId))
        {
            throw new RskException(RskErrorKind.WrongChain, $"rsk transaction: chain id {ChainId} does not fit rskj's one-byte v (1..109)");
        }

        var hash = SigningHash();
        var signature = Ecdsa.SignRecoverable(account.Key, hash);
        Span<byte> compact = stackalloc byte[64];
        signature.WriteCompact(compact, out var recoveryId);
        if (recoveryId > 1)
        {
            // r overflowed n (probability ~2^-128): v cannot express it.
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: signature with an overflowed r; change any field and sign again");
        }

        var v = ChainId == 0 ? 27 + recoveryId : (ChainId * 2) + 35 + recoveryId;
        return this with
        {
            Signature = new RskSignature(
                (byte)v,
                new BigInteger(compact[..32], isUnsigned: true, isBigEndian: true),
                new BigInteger(compact[32..], isUnsigned: true, isBigEndian: true)),
        };
    }

    /// <summary>Recovers the sender's address from the signature.</summary>
    /// <exception cref="RskException">Unsigned, high-s, or a signature that recovers no key.</exception>
    public RskAddress RecoverSender()
    {
        var signature = Signature ?? throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: not signed");
        var recoveryId = signature.V is 27 or 28 ? signature.V - 27 : (signature.V - 35) & 1;
        Span<byte> compact = stackalloc byte[64];
        if (!signature.R.TryWriteBytes(compact[..32][(32 - signature.R.GetByteCount(true))..], out _, isUnsigned: true, isBigEndian: true)
            || !signature.S.TryWriteBytes(compact[32..][(32 - signature.S.GetByteCount(true))..], out _, isUnsigned: true, isBigEndian: true)
            || !RecoverableSignature.TryParseCompact(compact, recoveryId, out var recoverable)
            || !Ecdsa.TryRecover(recoverable, SigningHash(), out var key))
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: the signature recovers no public key");
        }

        return RskAddress.FromPublicKey(key);
    }

    /// <summary>
    /// Decodes a signed or unsigned 9-field transaction as rskj does (one-byte v; chain id from v; 27/28 means none),
    /// and refuses what rskj's signature check refuses (r or s zero or &gt;= n, s &gt;= n/2).
    /// </summary>
    public static RskTransaction Decode(ReadOnlyMemory<byte> rlp)
    {
        var root = Rlp.Decode(rlp);
        if (!root.IsList || root.Items.Count != 9)
        {
            // rskj Transaction(RLPList): "A transaction must have exactly 9 elements".
            throw new RskException(RskErrorKind.InvalidTransaction, $"rsk transaction: must be an RLP list of exactly 9 elements, got {(root.IsList ? root.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) : "a string")}");
        }

        var f = root.Items;
        foreach (var item in f)
        {
            if (item.IsList)
            {
                throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: a field is a list");
            }
        }

        // rskj encodes a zero gas price as the single byte 0x00 (RLP.encodeCoinNonNullZero).
        var gasPrice = f[1].Bytes.Span is [0] ? BigInteger.Zero : Rlp.ReadUInt(f[1], "gasPrice");
        var to = f[3].Bytes.Length switch
        {
            0 => null,
            RskAddress.Size => RskAddress.FromBytes(f[3].Bytes.Span),
            var n => throw new RskException(RskErrorKind.InvalidTransaction, $"rsk transaction: 'to' must be empty or 20 bytes, got {n}"),
        };
        var tx = new RskTransaction
        {
            Nonce = (ulong)Rlp.ReadUInt(f[0], "nonce", 8),
            GasPrice = gasPrice,
            GasLimit = (ulong)Rlp.ReadUInt(f[2], "gasLimit", 8),
            To = to,
            Value = Rlp.ReadUInt(f[4], "value"),
            Data = f[5].Bytes.ToArray(),
            ChainId = 0,
        };
        var vBytes = f[6].Bytes.Span;
        if (vBytes.Length == 0)
        {
            return tx;
        }

        if (vBytes.Length != 1)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: signature v must be one byte (rskj)");
        }

        var v = vBytes[0];
        var r = Rlp.ReadUInt(f[7], "r");
        var s = Rlp.ReadUInt(f[8], "s");
        if (r.IsZero && s.IsZero)
        {
            // The unsigned EIP-155 form [.., chainId, "", ""].
            return tx with { ChainId = v };
        }

        if (v is not (27 or 28) && v < 37)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, $"rsk transaction: v {v} is neither 27/28 nor chainId*2+35/36");
        }

        if (r.IsZero || s.IsZero || r >= Order || s >= Order)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: r and s must be in [1, n-1]");
        }

        if (s >= HalfOrder)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: high s (rskj accepts only s < n/2)");
        }

        var chainId = v is 27 or 28 ? 0 : (v - 35) / 2;
        return tx with { ChainId = chainId, Signature = new RskSignature(v, r, s) };
    }

    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private byte[][] Fields() =>
    [
        Rlp.EncodeString(Rlp.UIntBytes(Nonce)),
        GasPrice.IsZero ? [0x00] : Rlp.EncodeString(Rlp.UIntBytes(GasPrice)),
        Rlp.EncodeString(Rlp.UIntBytes(GasLimit)),
        Rlp.EncodeString(To is null ? [] : To.Bytes),
        Rlp.EncodeString(Rlp.UIntBytes(Value)),
        Rlp.EncodeString(Data.Span),
    ];

    private void Validate()
    {
        if (GasPrice.Sign < 0 || Value.Sign < 0)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: gas price and value must not be negative");
        }

        if (GasPrice.GetByteCount(true) > 32 || Value.GetByteCount(true) > 32)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, "rsk transaction: gas price and value must fit 256 bits");
        }

        if (ChainId is < 0 or > 255)
        {
            throw new RskException(RskErrorKind.InvalidTransaction, $"rsk transaction: chain id {ChainId} does not fit rskj's one byte");
        }
    }
}
