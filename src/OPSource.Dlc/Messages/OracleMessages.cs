using OPSource.Crypto.Secp256k1;

namespace OPSource.Dlc.Messages;

/// <summary>A BIP340 signature made by an oracle: the nonce's x coordinate R and the scalar s.</summary>
public sealed class OracleSignature : IEquatable<OracleSignature>
{
    private readonly byte[] _bytes;

    private OracleSignature(byte[] bytes) => _bytes = bytes;

    /// <summary>Wraps 64 bytes (R ‖ s); the contents are checked when verifying.</summary>
    public static OracleSignature FromBytes(ReadOnlySpan<byte> bytes64)
    {
        if (bytes64.Length != Schnorr.SignatureSize)
        {
            throw new ArgumentException($"oracle signature: must be 64 bytes, got {bytes64.Length}", nameof(bytes64));
        }

        return new OracleSignature(bytes64.ToArray());
    }

    /// <summary>The 64 bytes.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The nonce R (x only), bytes 0..32.</summary>
    public ReadOnlySpan<byte> NonceBytes => _bytes.AsSpan(0, 32);

    /// <summary>The scalar s, bytes 32..64 (the attestation secret for this nonce).</summary>
    public ReadOnlySpan<byte> ScalarBytes => _bytes.AsSpan(32, 32);

    /// <summary>A copy of the 64 bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <inheritdoc />
    public bool Equals(OracleSignature? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as OracleSignature);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hc = new HashCode();
        hc.AddBytes(_bytes);
        return hc.ToHashCode();
    }

    /// <summary>128 hex digits.</summary>
    public override string ToString() => Convert.ToHexStringLower(_bytes);
}

/// <summary>What an oracle will attest to (Oracle.md "Event descriptor").</summary>
public abstract record EventDescriptor
{
    private protected EventDescriptor()
    {
    }

    /// <summary>How many nonces an announcement of this event carries.</summary>
    public abstract int ExpectedNonceCount { get; }
}

/// <summary>An event with an enumerated set of outcomes (one nonce, TLV type 55302).</summary>
/// <param name="Outcomes">The outcome strings (not their hashes).</param>
public sealed record EnumEventDescriptor(IReadOnlyList<string> Outcomes) : EventDescriptor
{
    /// <inheritdoc />
    public override int ExpectedNonceCount => 1;
}

/// <summary>A numeric event signed digit by digit (TLV type 55306).</summary>
/// <param name="Base">Base of the digits (2 for binary).</param>
/// <param name="IsSigned">Whether an extra first nonce signs "+" or "-".</param>
/// <param name="Unit">Unit of the outcome.</param>
/// <param name="Precision">Base exponent applied to the composed digits.</param>
/// <param name="NbDigits">Number of digits signed.</param>
public sealed record DigitDecompositionEventDescriptor(ushort Base, bool IsSigned, string Unit, int Precision, ushort NbDigits) : EventDescriptor
{
    /// <inheritdoc />
    public override int ExpectedNonceCount => NbDigits + (IsSigned ? 1 : 0);

    /// <summary>The largest attestable value, base^nb_digits - 1 (saturating at <see cref="ulong.MaxValue"/>).</summary>
    public ulong MaxValue
    {
        get
        {
            UInt128 v = 1;
            for (int i = 0; i < NbDigits; i++)
            {
                v *= Base;
                if (v > ulong.MaxValue)
                {
                    return ulong.MaxValue;
                }
            }

            return (ulong)(v - 1);
        }
    }
}

/// <summary>An event an oracle will attest (Messaging.md <c>oracle_event</c>, TLV type 55330).</summary>
/// <param name="Nonces">One nonce per signature, in signing order (first for the sign or the leftmost digit).</param>
/// <param name="EventMaturityEpoch">Earliest expected attestation time, UNIX seconds.</param>
/// <param name="Descriptor">What is attested.</param>
/// <param name="EventId">The oracle's name for the event.</param>
public sealed record OracleEvent(IReadOnlyList<XOnlyPublicKey> Nonces, uint EventMaturityEpoch, EventDescriptor Descriptor, string EventId);

/// <summary>An oracle's signed commitment to an event (Messaging.md <c>oracle_announcement</c>, TLV type 55332).</summary>
/// <param name="AnnouncementSignature">BIP340 signature over SHA256 of the serialized event.</param>
/// <param name="OraclePublicKey">The oracle's key.</param>
/// <param name="Event">The event.</param>
public sealed record OracleAnnouncement(OracleSignature AnnouncementSignature, XOnlyPublicKey OraclePublicKey, OracleEvent Event);

/// <summary>An oracle's signatures over an event's outcome (Messaging.md <c>oracle_attestation</c>, TLV type 55400).</summary>
/// <param name="EventId">The event.</param>
/// <param name="OraclePublicKey">The oracle's key.</param>
/// <param name="Signatures">One per nonce, in the event's nonce order.</param>
/// <param name="Outcomes">The signed strings, in the same order.</param>
public sealed record OracleAttestation(string EventId, XOnlyPublicKey OraclePublicKey, IReadOnlyList<OracleSignature> Signatures, IReadOnlyList<string> Outcomes);
