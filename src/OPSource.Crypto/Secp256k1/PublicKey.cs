namespace OPSource.Crypto.Secp256k1;

/// <summary>A valid secp256k1 public key (never infinity). <c>default</c> is not a key and throws on use.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    private readonly GroupElement _point;
    private readonly bool _valid;

    internal PublicKey(in GroupElement point)
    {
        if (point.IsInfinity)
        {
            throw new ArgumentException("secp256k1: a public key cannot be the point at infinity", nameof(point));
        }

        _point = point;
        _valid = true;
    }

    /// <summary>Compressed SEC1 size.</summary>
    public const int CompressedSize = 33;

    /// <summary>Uncompressed SEC1 size.</summary>
    public const int UncompressedSize = 65;

    internal GroupElement Point
    {
        get
        {
            if (!_valid)
            {
                throw new InvalidOperationException("secp256k1: default(PublicKey) is not a key");
            }

            return _point;
        }
    }

    /// <summary>Parses SEC1 (33 compressed, 65 uncompressed or hybrid) exactly as libsecp256k1's ec_pubkey_parse.</summary>
    public static bool TryParse(ReadOnlySpan<byte> sec1, out PublicKey key)
    {
        if (GroupElement.TryParse(sec1, out GroupElement p))
        {
            key = new PublicKey(p);
            return true;
        }

        key = default;
        return false;
    }

    /// <summary>Parses SEC1 or throws <see cref="FormatException"/>.</summary>
    public static PublicKey Parse(ReadOnlySpan<byte> sec1)
    {
        if (!TryParse(sec1, out PublicKey key))
        {
            throw new FormatException(sec1.Length is 33 or 65
                ? "public key: not a valid secp256k1 point encoding (bad prefix, x/y >= p, or not on the curve)"
                : $"public key: length must be 33 or 65 bytes, got {sec1.Length}");
        }

        return key;
    }

    /// <summary>Writes the 33-byte compressed form.</summary>
    public void WriteCompressed(Span<byte> destination33) => Point.WriteCompressed(destination33);

    /// <summary>The 33-byte compressed form.</summary>
    public byte[] ToCompressed()
    {
        var b = new byte[CompressedSize];
        WriteCompressed(b);
        return b;
    }

    /// <summary>Writes the 65-byte uncompressed form.</summary>
    public void WriteUncompressed(Span<byte> destination65) => Point.WriteUncompressed(destination65);

    /// <summary>The 65-byte uncompressed form.</summary>
    public byte[] ToUncompressed()
    {
        var b = new byte[UncompressedSize];
        WriteUncompressed(b);
        return b;
    }

    /// <summary>The BIP340 x-only key and whether this key's Y was odd (libsecp xonly_pubkey_from_pubkey).</summary>
    public XOnlyPublicKey ToXOnly(out bool yIsOdd)
    {
        GroupElement p = Point;
        yIsOdd = !p.HasEvenY;
        return new XOnlyPublicKey(yIsOdd ? p.Negate() : p);
    }

    /// <summary>P + t*G (libsecp ec_pubkey_tweak_add): false if t &gt;= n or the result is infinity.</summary>
    public bool TryAddTweak(ReadOnlySpan<byte> tweak32, out PublicKey result)
    {
        result = default;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t))
        {
            return false;
        }

        GroupElement q = EcMult.MultiplyAddVariable(Point, Scalar.One, t).ToAffineVariable();
        if (q.IsInfinity)
        {
            return false;
        }

        result = new PublicKey(q);
        return true;
    }

    /// <summary>t*P (libsecp ec_pubkey_tweak_mul): false if t is zero or &gt;= n.</summary>
    public bool TryMultiplyTweak(ReadOnlySpan<byte> tweak32, out PublicKey result)
    {
        result = default;
        if (tweak32.Length != 32 || !Scalar.TryCreate(tweak32, out Scalar t) || t.IsZero)
        {
            return false;
        }

        result = new PublicKey(EcMult.MultiplyAddVariable(Point, t, Scalar.Zero).ToAffineVariable());
        return true;
    }

    /// <summary>-P.</summary>
    public PublicKey Negate() => new(Point.Negate());

    /// <summary>Sum of keys (libsecp ec_pubkey_combine): false if empty or the sum is infinity.</summary>
    public static bool TryCombine(ReadOnlySpan<PublicKey> keys, out PublicKey result)
    {
        result = default;
        if (keys.IsEmpty)
        {
            return false;
        }

        JacobianPoint acc = JacobianPoint.Infinity;
        foreach (PublicKey k in keys)
        {
            acc = acc.AddVariable(k.Point);
        }

        if (acc.IsInfinity)
        {
            return false;
        }

        result = new PublicKey(acc.ToAffineVariable());
        return true;
    }

    public bool Equals(PublicKey other) => _valid == other._valid && (!_valid || _point == other._point);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode() => _valid ? _point.GetHashCode() : 0;

    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);

    /// <summary>Compressed hex.</summary>
    public override string ToString()
    {
        if (!_valid)
        {
            return "PublicKey(default)";
        }

        Span<byte> b = stackalloc byte[CompressedSize];
        WriteCompressed(b);
        return Convert.ToHexStringLower(b);
    }
}
