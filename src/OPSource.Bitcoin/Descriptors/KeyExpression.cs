using System.Globalization;
using System.Text;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Musig;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>What a trailing derivation step does (BIP380 <c>/*</c>, <c>/*'</c>).</summary>
public enum DeriveType
{
    /// <summary>Not ranged: the key is fixed.</summary>
    None,

    /// <summary>Ranged with unhardened children (<c>/*</c>).</summary>
    Unhardened,

    /// <summary>Ranged with hardened children (<c>/*'</c> or <c>/*h</c>).</summary>
    Hardened,
}

/// <summary>One derivation step; several alternatives make it a BIP389 multipath step (<c>&lt;0;1&gt;</c>).</summary>
public sealed class PathStep : IEquatable<PathStep>
{
    private readonly uint[] _alternatives;

    internal PathStep(uint[] alternatives) => _alternatives = alternatives;

    /// <summary>The child numbers (hardened bit included); one unless this is a multipath step.</summary>
    public IReadOnlyList<uint> Alternatives => _alternatives;

    /// <summary>True for a BIP389 <c>&lt;a;b;...&gt;</c> step.</summary>
    public bool IsMultipath => _alternatives.Length > 1;

    internal uint Select(int path) => _alternatives.Length == 1 ? _alternatives[0] : _alternatives[path];

    internal static string Format(uint index, bool apostrophe) =>
        KeyPath.IsHardened(index)
            ? (index & ~KeyPath.HardenedBit).ToString(CultureInfo.InvariantCulture) + (apostrophe ? "'" : "h")
            : index.ToString(CultureInfo.InvariantCulture);

    internal string ToString(bool apostrophe) => _alternatives.Length == 1
        ? Format(_alternatives[0], apostrophe)
        : "<" + string.Join(';', _alternatives.Select(a => Format(a, apostrophe))) + ">";

    /// <inheritdoc />
    public override string ToString() => ToString(false);

    /// <inheritdoc />
    public bool Equals(PathStep? other) => other is not null && _alternatives.AsSpan().SequenceEqual(other._alternatives);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PathStep);

    /// <inheritdoc />
    public override int GetHashCode() => _alternatives.Length == 0 ? 0 : HashCode.Combine(_alternatives.Length, _alternatives[0]);
}

/// <summary>A public key produced by a key expression for one index: the point and how scripts serialize it.</summary>
internal readonly record struct DerivedKey(PublicKey Key, bool Compressed)
{
    public byte[] Serialize() => Compressed ? Key.ToCompressed() : Key.ToUncompressed();

    public byte[] SerializeXOnly() => Key.ToXOnly(out _).ToBytes();

    public byte[] Serialize(bool xOnly) => xOnly ? SerializeXOnly() : Serialize();
}

/// <summary>
/// A BIP380 KEY expression: an optional origin <c>[fingerprint/path]</c> and a hex public key,
/// WIF private key, extended key with derivation path, or (BIP390) a <c>musig(...)</c> aggregate.
/// Private material stays inside and is only written by <see cref="ToString(bool)"/> with <c>true</c>.
/// </summary>
public abstract class KeyExpression
{
    private protected KeyExpression(RootedKeyPath? origin, bool apostrophe)
    {
        Origin = origin;
        Apostrophe = apostrophe;
    }

    /// <summary>The key origin (master fingerprint and path to this key), when given.</summary>
    public RootedKeyPath? Origin { get; }

    /// <summary>True when the text used <c>'</c> as hardened marker, so it is written back the same way.</summary>
    public bool Apostrophe { get; }

    /// <summary>True when the key depends on the derivation index (<c>/*</c>).</summary>
    public abstract bool IsRange { get; }

    /// <summary>True when the expression holds a private key (WIF or xprv).</summary>
    public abstract bool HasPrivateKeys { get; }

    /// <summary>Number of BIP389 paths (1 when not multipath).</summary>
    public abstract int MultipathCount { get; }

    /// <summary>True when deriving needs hardened steps, so the public form alone cannot produce the keys.</summary>
    public virtual bool HasHardenedDerivation => false;

    /// <summary>False when deriving needs a private key this expression lacks (hardened steps below an xpub): <c>Derive</c> would throw.</summary>
    internal virtual bool CanDerive => true;

    /// <summary>True when the key is uncompressed (65-byte serialization).</summary>
    public virtual bool IsUncompressed => false;

    /// <summary>True when the key was written as a 32-byte x-only key.</summary>
    public virtual bool IsXOnly => false;

    internal abstract DerivedKey Derive(uint index, int path);

    internal abstract KeyExpression SelectPath(int path);

    /// <summary>The key as Core's normalised public form writes it (see <see cref="Descriptor.ToNormalizedString"/>).</summary>
    internal virtual KeyExpression Normalize() => this;

    internal abstract void Dispose();

    /// <summary>
    /// For keys with equal public forms: both hold private material in the same form, or neither does
    /// (compared without touching the secret, which the public key determines).
    /// </summary>
    internal virtual bool HasSamePrivateForm(KeyExpression other) => HasPrivateKeys == other.HasPrivateKeys;

    /// <summary>The expression text: public form, or private form when <paramref name="includePrivate"/> and it holds private keys.</summary>
    public string ToString(bool includePrivate)
    {
        var sb = new StringBuilder();
        if (Origin is not null)
        {
            sb.Append('[').Append(Origin.MasterFingerprint.ToString());
            foreach (var step in Origin.KeyPath.Indexes)
            {
                sb.Append('/').Append(PathStep.Format(step, Apostrophe));
            }

            sb.Append(']');
        }

        AppendBody(sb, includePrivate);
        return sb.ToString();
    }

    /// <summary>The public form.</summary>
    public override string ToString() => ToString(false);

    private protected abstract void AppendBody(StringBuilder sb, bool includePrivate);

    private protected static void AppendPath(StringBuilder sb, IReadOnlyList<PathStep> path, DeriveType derive, bool apostrophe)
    {
        foreach (var step in path)
        {
            sb.Append('/').Append(step.ToString(apostrophe));
        }

        if (derive != DeriveType.None)
        {
            sb.Append("/*");
            if (derive == DeriveType.Hardened)
            {
                sb.Append(apostrophe ? '\'' : 'h');
            }
        }
    }
}

/// <summary>A fixed key: hex (33/65-byte SEC1 or 32-byte x-only) or a WIF private key.</summary>
public sealed class ConstKeyExpression : KeyExpression
{
    private readonly Wif? _wif;
    private readonly Network? _wifNetwork;

    internal ConstKeyExpression(RootedKeyPath? origin, bool apostrophe, PublicKey key, bool compressed, bool xOnly, Wif? wif, Network? wifNetwork)
        : base(origin, apostrophe)
    {
        PublicKey = key;
        Compressed = compressed;
        XOnly = xOnly;
        _wif = wif;
        _wifNetwork = wifNetwork;
    }

    /// <summary>The public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>False for 65-byte keys (and WIF keys without the compression flag).</summary>
    public bool Compressed { get; }

    /// <summary>True when written as a 32-byte BIP340 key (only valid inside tr()).</summary>
    public bool XOnly { get; }

    /// <inheritdoc />
    public override bool IsRange => false;

    /// <inheritdoc />
    public override bool HasPrivateKeys => _wif is not null;

    /// <inheritdoc />
    public override int MultipathCount => 1;

    /// <inheritdoc />
    public override bool IsUncompressed => !Compressed;

    /// <inheritdoc />
    public override bool IsXOnly => XOnly;

    internal override DerivedKey Derive(uint index, int path) => new(PublicKey, Compressed);

    /// <summary>The WIF private key, when the expression holds one (for key stores).</summary>
    internal Wif? WifKey => _wif;

    internal override KeyExpression SelectPath(int path) => this;

    // Core descriptor.cpp OriginPubkeyProvider::ToNormalizedString: the origin's hardened steps as 'h'.
    internal override KeyExpression Normalize() => new ConstKeyExpression(Origin, false, PublicKey, Compressed, XOnly, null, null);

    internal override void Dispose() => _wif?.Dispose();

    /// <summary>A WIF also carries its network's version byte, written back in the private form.</summary>
    internal override bool HasSamePrivateForm(KeyExpression other) =>
        other is ConstKeyExpression c && (_wif is null ? c._wif is null : c._wif is not null && _wif.Prefix == c._wif.Prefix);

    private protected override void AppendBody(StringBuilder sb, bool includePrivate)
    {
        if (includePrivate && _wif is not null)
        {
            sb.Append(_wif.ToString(_wifNetwork!));
        }
        else if (XOnly)
        {
            sb.Append(Hex.Encode(PublicKey.ToXOnly(out _).ToBytes()));
        }
        else
        {
            sb.Append(Hex.Encode(Compressed ? PublicKey.ToCompressed() : PublicKey.ToUncompressed()));
        }
    }
}

/// <summary>An extended key (xpub/tpub or xprv/tprv) with a derivation path and optional range or multipath.</summary>
public sealed class ExtendedKeyExpression : KeyExpression
{
    private readonly ExtKey? _private;
    private readonly ExtKeyVersion _version;
    private readonly PathStep[] _path;
    private readonly Dictionary<int, ExtPubKey> _prefixCache = [];
    private readonly Lock _cacheLock = new();

    internal ExtendedKeyExpression(RootedKeyPath? origin, bool apostrophe, ExtPubKey publicKey, ExtKey? privateKey, ExtKeyVersion version, PathStep[] path, DeriveType derive)
        : base(origin, apostrophe)
    {
        ExtPubKey = publicKey;
        _private = privateKey;
        _version = version;
        _path = path;
        DeriveType = derive;
    }

    /// <summary>The extended public key (the neutered xprv for private expressions).</summary>
    public ExtPubKey ExtPubKey { get; }

    /// <summary>The derivation steps after the key (not counting the final <c>*</c>).</summary>
    public IReadOnlyList<PathStep> Path => _path;

    /// <summary>The extended private key, when the expression holds one (for key stores).</summary>
    internal ExtKey? PrivateExtKey => _private;

    /// <summary>Whether and how the last step ranges.</summary>
    public DeriveType DeriveType { get; }

    /// <inheritdoc />
    public override bool IsRange => DeriveType != DeriveType.None;

    /// <inheritdoc />
    public override bool HasPrivateKeys => _private is not null;

    /// <inheritdoc />
    public override bool HasHardenedDerivation => DeriveType == DeriveType.Hardened || _path.Any(s => s.Alternatives.Any(KeyPath.IsHardened));

    /// <inheritdoc />
    internal override bool CanDerive => _private is not null || !HasHardenedDerivation;

    /// <inheritdoc />
    public override int MultipathCount => _path.FirstOrDefault(p => p.IsMultipath)?.Alternatives.Count ?? 1;

    internal override DerivedKey Derive(uint index, int path)
    {
        // BIP32: hardened steps need the private key; the prefix before the range is cached.
        if (DeriveType == DeriveType.Hardened)
        {
            if (_private is null)
            {
                throw NeedsPrivateKey("hardened children (/*h)");
            }

            using var child = _private.Derive(new KeyPath([.. _path.Select(s => s.Select(path)), KeyPath.Harden(index)]));
            return new DerivedKey(child.PublicKey, true);
        }

        var prefix = Prefix(path);
        return new DerivedKey(DeriveType == DeriveType.None ? prefix.PublicKey : prefix.Derive(index).PublicKey, true);
    }

    // BIP32: hardened children derive from the private key only; the descriptor parses (as in Core) but cannot derive.
    private static BitcoinFormatException NeedsPrivateKey(string what) =>
        new(new DescriptorError(DescriptorErrorKind.NeedsPrivateKey, $"descriptor: cannot derive {what} below an extended public key without its private key (BIP32)"));

    private ExtPubKey Prefix(int path)
    {
        lock (_cacheLock)
        {
            if (_prefixCache.TryGetValue(path, out var cached))
            {
                return cached;
            }

            var steps = new KeyPath([.. _path.Select(s => s.Select(path))]);
            ExtPubKey result;
            if (_private is not null)
            {
                using var child = _private.Derive(steps);
                result = child.Neuter();
            }
            else if (steps.HasHardenedStep)
            {
                throw NeedsPrivateKey("a hardened step");
            }
            else
            {
                result = ExtPubKey.Derive(steps);
            }

            _prefixCache[path] = result;
            return result;
        }
    }

    internal override KeyExpression Normalize()
    {
        // Core descriptor.cpp BIP32PubkeyProvider::ToNormalizedString: derive the xprv to the last
        // hardened step and extend the origin, so the xpub can derive the rest.
        var last = Array.FindLastIndex(_path, s => s.Alternatives.Any(KeyPath.IsHardened));
        // The normalised form always writes hardened steps as 'h' (OriginPubkeyProvider::OriginString and
        // BIP32PubkeyProvider::ToString with normalized=true), whatever the text used.
        if (_private is null || last < 0 || DeriveType == DeriveType.Hardened || _path.Take(last + 1).Any(s => s.IsMultipath))
        {
            return new ExtendedKeyExpression(Origin, false, ExtPubKey, null, _version, _path, DeriveType);
        }

        var steps = new KeyPath([.. _path.Take(last + 1).Select(s => s.Alternatives[0])]);
        using var derived = _private.Derive(steps);
        var origin = Origin is null
            ? new RootedKeyPath(_private.Fingerprint, steps)
            : new RootedKeyPath(Origin.MasterFingerprint, Origin.KeyPath.Derive(steps));
        return new ExtendedKeyExpression(origin, false, derived.Neuter(), null, _version.Public, _path[(last + 1)..], DeriveType);
    }

    internal override KeyExpression SelectPath(int path) => MultipathCount == 1
        ? this
        : new ExtendedKeyExpression(Origin, Apostrophe, ExtPubKey, _private, _version, [.. _path.Select(s => new PathStep([s.Select(path)]))], DeriveType);

    internal override void Dispose() => _private?.Dispose();

    private protected override void AppendBody(StringBuilder sb, bool includePrivate)
    {
        sb.Append(includePrivate && _private is not null ? _private.ToBase58(_version.Private) : ExtPubKey.ToString(_version.Public));
        AppendPath(sb, _path, DeriveType, Apostrophe);
    }
}

/// <summary>
/// BIP390 <c>musig(KEY,...)</c>: the BIP327 KeyAgg aggregate of the participants (sorted with
/// KeySort first), optionally followed by unhardened derivation from the BIP328 synthetic xpub.
/// </summary>
public sealed class MusigKeyExpression : KeyExpression
{
    // BIP328: chain code of the synthetic extended key of a MuSig2 aggregate.
    private static readonly byte[] SyntheticChainCode = Hex.Parse("868087ca02a6f974c4598924c36b57762d32cb45717167e300622c7167e38965");

    private readonly KeyExpression[] _participants;
    private readonly PathStep[] _path;

    internal MusigKeyExpression(KeyExpression[] participants, PathStep[] path, DeriveType derive)
        : base(null, participants.Any(p => p.Apostrophe))
    {
        _participants = participants;
        _path = path;
        DeriveType = derive;
    }

    /// <summary>The participant keys in aggregation order.</summary>
    public IReadOnlyList<KeyExpression> Participants => _participants;

    /// <summary>Unhardened steps applied to the aggregate (BIP390).</summary>
    public IReadOnlyList<PathStep> Path => _path;

    /// <summary>Whether the aggregate's last step ranges.</summary>
    public DeriveType DeriveType { get; }

    /// <inheritdoc />
    public override bool IsRange => DeriveType != DeriveType.None || _participants.Any(p => p.IsRange);

    /// <inheritdoc />
    public override bool HasPrivateKeys => _participants.Any(p => p.HasPrivateKeys);

    /// <inheritdoc />
    public override bool HasHardenedDerivation => _participants.Any(p => p.HasHardenedDerivation);

    /// <inheritdoc />
    internal override bool CanDerive => _participants.All(p => p.CanDerive) && DeriveType != DeriveType.Hardened && !_path.Any(s => s.Alternatives.Any(KeyPath.IsHardened));

    /// <inheritdoc />
    public override int MultipathCount => Math.Max(_path.FirstOrDefault(p => p.IsMultipath)?.Alternatives.Count ?? 1, _participants.Max(p => p.MultipathCount));

    internal override DerivedKey Derive(uint index, int path)
    {
        var keys = new PublicKey[_participants.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = _participants[i].Derive(index, path).Key;
        }

        var aggregate = KeyAgg(keys);
        if (_path.Length == 0 && DeriveType == DeriveType.None)
        {
            return new DerivedKey(aggregate, true);
        }

        // BIP328: xpub with depth 0, zero parent fingerprint and child number, fixed chain code.
        var synthetic = new ExtPubKey(aggregate, SyntheticChainCode, 0, KeyFingerprint.Zero, 0);
        var steps = _path.Select(s => s.Select(path)).ToList();
        if (DeriveType == DeriveType.Unhardened)
        {
            steps.Add(index);
        }

        return new DerivedKey(synthetic.Derive(new KeyPath([.. steps])).PublicKey, true);
    }

    /// <summary>BIP390 aggregate point (not yet x-only) of the participants, via the shared BIP327 implementation.</summary>
    internal static PublicKey KeyAgg(IReadOnlyList<PublicKey> keys)
    {
        try
        {
            // BIP390: participants are sorted with BIP327 KeySort before KeyAgg.
            return KeyAggContext.Create(Musig2.SortKeys(keys)).PublicKey;
        }
        catch (MusigException e)
        {
            // BIP327 KeyAgg fails only when the aggregate is the point at infinity.
            throw new InvalidOperationException("musig: the aggregate public key is the point at infinity (BIP327)", e);
        }
    }

    internal override KeyExpression Normalize() => new MusigKeyExpression([.. _participants.Select(p => p.Normalize())], _path, DeriveType);

    internal override KeyExpression SelectPath(int path) => MultipathCount == 1
        ? this
        : new MusigKeyExpression([.. _participants.Select(p => p.SelectPath(path))], [.. _path.Select(s => new PathStep([s.Select(path)]))], DeriveType);

    internal override void Dispose()
    {
        foreach (var p in _participants)
        {
            p.Dispose();
        }
    }

    internal override bool HasSamePrivateForm(KeyExpression other) =>
        other is MusigKeyExpression m && m._participants.Length == _participants.Length
        && _participants.Zip(m._participants).All(pair => pair.First.HasSamePrivateForm(pair.Second));

    private protected override void AppendBody(StringBuilder sb, bool includePrivate)
    {
        sb.Append("musig(").Append(string.Join(',', _participants.Select(p => p.ToString(includePrivate)))).Append(')');
        AppendPath(sb, _path, DeriveType, Apostrophe);
    }
}
