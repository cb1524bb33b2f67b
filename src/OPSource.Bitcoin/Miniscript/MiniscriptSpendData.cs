using OPSource.Bitcoin.Encoding;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>The timelock comparisons of BIP65 and BIP112, as Core's CheckLockTime and CheckSequence make them.</summary>
public static class MiniscriptTimelocks
{
    private const uint SequenceDisableFlag = 1u << 31;
    private const uint SequenceLockTimeMask = 0x0000ffff;

    /// <summary>
    /// BIP65: <c>after(required)</c> holds for a transaction with nLockTime <paramref name="txLockTime"/>
    /// when both are heights or both are times and required &lt;= nLockTime (the input's nSequence must
    /// also not be final, which the caller arranges).
    /// </summary>
    public static bool LockTimeSatisfies(uint txLockTime, uint required) =>
        (txLockTime < MiniscriptLimits.LockTimeThreshold) == (required < MiniscriptLimits.LockTimeThreshold) && required <= txLockTime;

    /// <summary>
    /// BIP112: <c>older(required)</c> holds for an input with nSequence <paramref name="txSequence"/>
    /// (in a version 2+ transaction) when its disable flag is clear, both use the same unit (blocks or
    /// 512-second intervals) and the masked required value is at most the masked nSequence.
    /// </summary>
    public static bool SequenceSatisfies(uint txSequence, uint required)
    {
        if ((required & SequenceDisableFlag) != 0)
        {
            // BIP112: a disabled operand makes OP_CSV a NOP.
            return true;
        }

        if ((txSequence & SequenceDisableFlag) != 0)
        {
            return false;
        }

        const uint mask = MiniscriptLimits.SequenceLockTimeTypeFlag | SequenceLockTimeMask;
        var tx = txSequence & mask;
        var req = required & mask;
        return (tx < MiniscriptLimits.SequenceLockTimeTypeFlag) == (req < MiniscriptLimits.SequenceLockTimeTypeFlag) && req <= tx;
    }
}

/// <summary>
/// Satisfaction material for miniscripts over public keys: signatures (or placeholders for size
/// estimates), hash preimages and the spending transaction's nLockTime / input nSequence. Keys
/// match by their script bytes in the context (x-only in Tapscript).
/// </summary>
public sealed class MiniscriptSpendData : MiniscriptSatisfier<PublicKey>
{
    private readonly Dictionary<string, byte[]> _signatures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _placeholders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _preimages = new(StringComparer.Ordinal);
    private readonly Dictionary<byte[], PublicKey> _placeholderElements = new(ReferenceEqualityComparer.Instance);

    /// <summary>Spend data for miniscripts of <paramref name="context"/>.</summary>
    public MiniscriptSpendData(MiniscriptContext context) => Context = context;

    /// <summary>The context signatures are for.</summary>
    public MiniscriptContext Context { get; }

    /// <inheritdoc />
    public override IMiniscriptKeyEncoder<PublicKey> Encoder => MiniscriptPublicKeys.Default;

    /// <summary>The spending transaction's nLockTime, when <c>after()</c> may be used.</summary>
    public uint? LockTime { get; set; }

    /// <summary>The spending input's nSequence (BIP68 encoding), when <c>older()</c> may be used.</summary>
    public uint? Sequence { get; set; }

    /// <summary>Adds a signature (DER + sighash byte, or 64/65-byte BIP340) for <paramref name="key"/>.</summary>
    public MiniscriptSpendData AddSignature(PublicKey key, ReadOnlySpan<byte> signature)
    {
        _signatures[Id(key)] = signature.ToArray();
        return this;
    }

    /// <summary>
    /// Marks a key as able to sign later: satisfactions use a placeholder of the maximum signature
    /// size (72 bytes ECDSA, 65 bytes BIP340) and come back with availability Maybe.
    /// </summary>
    public MiniscriptSpendData AddPlaceholder(PublicKey key)
    {
        _placeholders.Add(Id(key));
        return this;
    }

    /// <summary>Adds a 32-byte preimage; it satisfies sha256, hash256, ripemd160 and hash160 of itself.</summary>
    public MiniscriptSpendData AddPreimage(ReadOnlySpan<byte> preimage)
    {
        var copy = preimage.ToArray();
        Span<byte> h32 = stackalloc byte[32];
        Span<byte> h20 = stackalloc byte[20];
        Hashes.Sha256(copy, h32);
        _preimages["sha256:" + Hex.Encode(h32)] = copy;
        Hashes.Hash256(copy, h32);
        _preimages["hash256:" + Hex.Encode(h32)] = copy;
        Hashes.Ripemd160(copy, h20);
        _preimages["ripemd160:" + Hex.Encode(h20)] = copy;
        Hashes.Hash160(copy, h20);
        _preimages["hash160:" + Hex.Encode(h20)] = copy;
        return this;
    }

    /// <inheritdoc />
    public override MiniscriptAvailability Sign(PublicKey key, out byte[] signature)
    {
        var id = Id(key);
        if (_signatures.TryGetValue(id, out var sig))
        {
            signature = sig;
            return MiniscriptAvailability.Yes;
        }

        if (_placeholders.Contains(id))
        {
            signature = new byte[Context == MiniscriptContext.Tapscript ? 65 : 72];
            _placeholderElements[signature] = key;
            return MiniscriptAvailability.Maybe;
        }

        signature = [];
        return MiniscriptAvailability.No;
    }

    /// <summary>Whether a witness element is a placeholder this object produced, and for which key.</summary>
    public bool IsPlaceholder(byte[] element, out PublicKey key) => _placeholderElements.TryGetValue(element, out key);

    /// <inheritdoc />
    public override bool CheckAfter(uint value) => LockTime is { } lockTime && MiniscriptTimelocks.LockTimeSatisfies(lockTime, value);

    /// <inheritdoc />
    public override bool CheckOlder(uint value) => Sequence is { } sequence && MiniscriptTimelocks.SequenceSatisfies(sequence, value);

    /// <inheritdoc />
    public override MiniscriptAvailability SatisfySha256(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup("sha256:", hash, out preimage);

    /// <inheritdoc />
    public override MiniscriptAvailability SatisfyHash256(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup("hash256:", hash, out preimage);

    /// <inheritdoc />
    public override MiniscriptAvailability SatisfyRipemd160(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup("ripemd160:", hash, out preimage);

    /// <inheritdoc />
    public override MiniscriptAvailability SatisfyHash160(ReadOnlySpan<byte> hash, out byte[] preimage) => Lookup("hash160:", hash, out preimage);

    private MiniscriptAvailability Lookup(string kind, ReadOnlySpan<byte> hash, out byte[] preimage)
    {
        if (_preimages.TryGetValue(kind + Hex.Encode(hash), out var found))
        {
            preimage = found;
            return MiniscriptAvailability.Yes;
        }

        preimage = [];
        return MiniscriptAvailability.No;
    }

    private string Id(PublicKey key) => Hex.Encode(MiniscriptPublicKeys.Default.ToPushBytes(key, Context));
}
