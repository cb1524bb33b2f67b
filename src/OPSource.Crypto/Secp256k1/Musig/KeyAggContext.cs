using System.Security.Cryptography;

namespace OPSource.Crypto.Secp256k1.Musig;

/// <summary>
/// The result of BIP327 KeyAgg plus any tweaks applied since: the aggregate point Q and the
/// accumulated tweak state (gacc, tacc). Immutable: <see cref="ApplyTweak"/> returns a new
/// context. Key-aggregation coefficients are computed once and cached, so signing and
/// verification in a session never rehash the key list.
/// </summary>
public sealed class KeyAggContext
{
    private readonly PublicKey[] _keys;
    private readonly byte[] _encodedKeys; // u * 33 bytes, the cbytes(pk_i) in signer order
    private readonly Scalar[] _coefficients; // a_i for each position

    private KeyAggContext(PublicKey[] keys, byte[] encodedKeys, Scalar[] coefficients, GroupElement q, Scalar gacc, Scalar tacc, int tweakCount)
    {
        _keys = keys;
        _encodedKeys = encodedKeys;
        _coefficients = coefficients;
        Q = q;
        Gacc = gacc;
        Tacc = tacc;
        TweakCount = tweakCount;
    }

    /// <summary>The individual public keys in the order they were aggregated.</summary>
    public IReadOnlyList<PublicKey> PublicKeys => _keys;

    /// <summary>How many tweaks have been applied on top of plain key aggregation.</summary>
    public int TweakCount { get; }

    /// <summary>The (tweaked) aggregate key as a BIP340 x-only key, the key a MuSig2 signature verifies under.</summary>
    public XOnlyPublicKey XOnlyPublicKey
    {
        get
        {
            return new PublicKey(Q).ToXOnly(out _);
        }
    }

    /// <summary>The (tweaked) aggregate key as a full point, needed for plain (BIP32-style) tweaking and BIP328.</summary>
    public PublicKey PublicKey
    {
        get
        {
            return new PublicKey(Q);
        }
    }

    internal GroupElement Q { get; }

    internal Scalar Gacc { get; }

    internal Scalar Tacc { get; }

    /// <summary>
    /// BIP327 KeyAgg over the keys in the given order (call <see cref="Musig2.SortKeys"/> first
    /// for an order-independent aggregate key).
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="MusigException">The aggregate is the point at infinity.</exception>
    public static KeyAggContext Create(IReadOnlyList<PublicKey> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        var u = publicKeys.Count;
        if (u == 0)
        {
            throw new ArgumentException("musig: at least one public key is required", nameof(publicKeys));
        }

        var keys = new PublicKey[u];
        var encoded = new byte[u * 33];
        for (var i = 0; i < u; i++)
        {
            keys[i] = publicKeys[i];
            keys[i].WriteCompressed(encoded.AsSpan(i * 33, 33));
        }

        // BIP327 HashKeys: L = hash_KeyAgg list(pk_1 || ... || pk_u).
        Span<byte> l = stackalloc byte[32];
        TaggedHashes.Hash(TaggedHashes.KeyAggList, encoded, l);

        // BIP327 GetSecondKey: the first key different from pk_1, or 33 zero bytes if none.
        ReadOnlySpan<byte> second = new byte[33];
        var first = encoded.AsSpan(0, 33);
        for (var j = 1; j < u; j++)
        {
            var candidate = encoded.AsSpan(j * 33, 33);
            if (!candidate.SequenceEqual(first))
            {
                second = candidate;
                break;
            }
        }

        var coefficients = new Scalar[u];
        Span<byte> input = stackalloc byte[32 + 33];
        l.CopyTo(input);
        var q = JacobianPoint.Infinity;
        for (var i = 0; i < u; i++)
        {
            var pk = encoded.AsSpan(i * 33, 33);
            if (pk.SequenceEqual(second))
            {
                // BIP327 KeyAggCoeffInternal: the second distinct key gets coefficient 1 (saves one multiplication).
                coefficients[i] = Scalar.One;
            }
            else
            {
                // BIP327 KeyAggCoeffInternal: a_i = int(hash_KeyAgg coefficient(L || pk_i)) mod n.
                pk.CopyTo(input[32..]);
                coefficients[i] = TaggedHashes.HashToScalar(TaggedHashes.KeyAggCoefficient, input);
            }

            // BIP327 KeyAgg: Q = a_1*P_1 + ... + a_u*P_u (all public, variable time is fine); a_i = 1 needs no multiplication.
            q = coefficients[i] == Scalar.One
                ? q.AddVariable(keys[i].Point)
                : q.AddVariable(EcMult.MultiplyAddVariable(keys[i].Point, coefficients[i], Scalar.Zero));
        }

        var qAffine = q.ToAffineVariable();
        if (qAffine.IsInfinity)
        {
            // BIP327 KeyAgg: fail if Q is infinite.
            throw new MusigException("musig: the aggregate public key is the point at infinity");
        }

        // BIP327 KeyAgg: gacc = 1, tacc = 0.
        return new KeyAggContext(keys, encoded, coefficients, qAffine, Scalar.One, Scalar.Zero, 0);
    }

    /// <summary>
    /// BIP327 ApplyTweak. An x-only tweak (Taproot output key, BIP341) first negates Q when its
    /// Y is odd; a plain tweak (BIP32 unhardened derivation) adds t*G to Q as is.
    /// </summary>
    /// <param name="tweak32">The 32-byte big-endian tweak.</param>
    /// <param name="isXOnly">True for an x-only tweak, false for a plain tweak.</param>
    /// <exception cref="MusigException">The tweak is not below n, or the result is infinity.</exception>
    public KeyAggContext ApplyTweak(ReadOnlySpan<byte> tweak32, bool isXOnly)
    {
        if (tweak32.Length != 32)
        {
            throw new ArgumentException("musig: a tweak is 32 bytes", nameof(tweak32));
        }

        // BIP327 ApplyTweak: fail if t >= n.
        if (!Scalar.TryCreate(tweak32, out var t))
        {
            throw new MusigException("musig: the tweak must be less than n");
        }

        // BIP327 ApplyTweak: g = -1 if is_xonly_t and not has_even_y(Q), else 1.
        var negate = isXOnly && !Q.HasEvenY;
        var g = negate ? -Scalar.One : Scalar.One;

        // BIP327 ApplyTweak: Q' = g*Q + t*G; fail if infinite.
        var qTweaked = CurveOps.MulAddGPublic(Q, g, t);
        if (qTweaked.IsInfinity)
        {
            throw new MusigException("musig: the result of tweaking cannot be infinity");
        }

        // BIP327 ApplyTweak: gacc' = g*gacc, tacc' = t + g*tacc (mod n).
        return new KeyAggContext(_keys, _encodedKeys, _coefficients, qTweaked, g * Gacc, t + (g * Tacc), TweakCount + 1);
    }

    /// <summary>True when <paramref name="publicKey"/> is one of the aggregated keys.</summary>
    public bool Contains(PublicKey publicKey) => IndexOf(publicKey) >= 0;

    /// <summary>
    /// BIP327 GetSessionKeyAggCoeff: the cached coefficient of the key, failing when the key is
    /// not part of the aggregate.
    /// </summary>
    internal Scalar CoefficientOf(ReadOnlySpan<byte> compressed33)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_encodedKeys.AsSpan(i * 33, 33).SequenceEqual(compressed33))
            {
                return _coefficients[i];
            }
        }

        // BIP327 GetSessionKeyAggCoeff: fail if pk not in pk_1..u.
        throw new MusigException("musig: the signer's public key must be included in the list of public keys");
    }

    private int IndexOf(PublicKey publicKey)
    {
        Span<byte> c = stackalloc byte[33];
        publicKey.WriteCompressed(c);
        for (var i = 0; i < _keys.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(_encodedKeys.AsSpan(i * 33, 33), c))
            {
                return i;
            }
        }

        return -1;
    }
}
