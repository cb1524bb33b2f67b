namespace OPSource.Crypto.Secp256k1;

/// <summary>A BIP340 x-only public key: the point with this x and even Y.</summary>
public readonly struct XOnlyPublicKey : IEquatable<XOnlyPublicKey>
{
    private readonly GroupElement _point;
    private readonly bool _valid;

    internal XOnlyPublicKey(in GroupElement evenPoint)
    {
        if (evenPoint.IsInfinity || !evenPoint.HasEvenY)
        {
            throw new ArgumentException("secp256k1: x-only key needs a finite point with even Y", nameof(evenPoint));
        }

        _point = evenPoint;
        _valid = true;
    }

    /// <summary>Serialized size.</summary>
    public const int Size = 32;

    internal GroupElement Point
    {
        get
        {
            if (!_valid)
            {
                throw new InvalidOperationException("secp256k1: default(XOnlyPublicKey) is not a key");
            }

            return _point;
        }
    }

    /// <summary>BIP340 lift_x: false if the 32 bytes are not an x coordinate (&lt; p) on the curve.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes32, out XOnlyPublicKey key)
    {
        key = default;
        if (bytes32.Length != Size || !FieldElement.TryCreate(bytes32, out FieldElement x) || !GroupElement.TryLiftX(x, out GroupElement p))
        {
            return false;
        }

        key = new XOnlyPublicKey(p);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static XOnlyPublicKey Parse(ReadOnlySpan<byte> bytes32)
    {
        if (!TryParse(bytes32, out XOnlyPublicKey key))
        {
            throw new FormatException(bytes32.Length != Size
                ? $"x-only public key: length must be 32 bytes, got {bytes32.Length}"
                : "x-only public key: x is not on the curve or is >= p");
        }

        return key;
    }

    /// <summary>Writes the 32-byte x coordinate.</summary>
    public void WriteTo(Span<byte> destination32) => Point.X.WriteTo(destination32[..Size]);

    /// <summary>The 32-byte x coordinate.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        WriteTo(b);
        return b;
    }

    /// <summary>
    /// BIP341 taproot output key Q = P + t*G (libsecp xonly_pubkey_tweak_add + xonly_pubkey_from_pubkey):
    /// false if t &gt;= n or Q is infinity.
    /// </summary>
    public bool TryAddTweak(ReadOnlySpan<byte> tweak32, out XOnlyPublicKey outputKey, out bool outputYIsOdd)
    {
        outputKey = default;
        outputYIsOdd = false;
        if (!TryAddTweakFull(tweak32, out GroupElement q))
        {
            return false;
        }

        outputYIsOdd = !q.HasEvenY;
        outputKey = new XOnlyPublicKey(outputYIsOdd ? q.Negate() : q);
        return true;
    }

    /// <summary>P + t*G as a full public key (libsecp xonly_pubkey_tweak_add).</summary>
    public bool TryAddTweak(ReadOnlySpan<byte> tweak32, out PublicKey output)
    {
        output = default;
        if (!TryAddTweakFull(tweak32, out GroupElement q))
        {
            return false;
        }

        output = new PublicKey(q);
        return true;
    }

    private bool TryAddTweakFull(ReadOnlySpan<byte> tweak32, out GroupElement q)
    {
        q = default;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t))
        {
            return false;
        }

        q = EcMult.MultiplyAddVariable(Point, Scalar.One, t).ToAffineVariable();
        return !q.IsInfinity;
    }

    /// <summary>
    /// libsecp xonly_pubkey_tweak_add_check: true if this key (as output key Q with the given parity)
    /// equals internalKey + t*G.
    /// </summary>
    public bool CheckTweakAdd(in XOnlyPublicKey internalKey, ReadOnlySpan<byte> tweak32, bool outputYIsOdd)
    {
        if (!internalKey.TryAddTweakFull(tweak32, out GroupElement q))
        {
            return false;
        }

        return q.X == Point.X && q.Y.IsOdd == outputYIsOdd;
    }

    /// <summary>The full public key with even Y.</summary>
    public PublicKey ToPublicKey() => new(Point);

    public bool Equals(XOnlyPublicKey other) => _valid == other._valid && (!_valid || _point.X == other._point.X);

    public override bool Equals(object? obj) => obj is XOnlyPublicKey other && Equals(other);

    public override int GetHashCode() => _valid ? _point.X.GetHashCode() : 0;

    public static bool operator ==(XOnlyPublicKey left, XOnlyPublicKey right) => left.Equals(right);

    public static bool operator !=(XOnlyPublicKey left, XOnlyPublicKey right) => !left.Equals(right);

    /// <summary>Hex of the 32-byte x coordinate.</summary>
    public override string ToString()
    {
        if (!_valid)
        {
            return "XOnlyPublicKey(default)";
        }

        Span<byte> b = stackalloc byte[Size];
        WriteTo(b);
        return Convert.ToHexStringLower(b);
    }
}
