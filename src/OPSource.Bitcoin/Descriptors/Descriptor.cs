using System.Diagnostics.CodeAnalysis;
using System.Text;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>The script expression at the top of a descriptor.</summary>
public enum DescriptorType
{
    /// <summary>BIP381 pk(KEY).</summary>
    Pk,

    /// <summary>BIP381 pkh(KEY).</summary>
    Pkh,

    /// <summary>BIP382 wpkh(KEY).</summary>
    Wpkh,

    /// <summary>BIP381 sh(SCRIPT).</summary>
    Sh,

    /// <summary>BIP382 wsh(SCRIPT).</summary>
    Wsh,

    /// <summary>BIP383 multi(k,KEY,...).</summary>
    Multi,

    /// <summary>BIP383 sortedmulti(k,KEY,...).</summary>
    SortedMulti,

    /// <summary>BIP387 multi_a(k,KEY,...) (tapscript only).</summary>
    MultiA,

    /// <summary>BIP387 sortedmulti_a(k,KEY,...) (tapscript only).</summary>
    SortedMultiA,

    /// <summary>BIP384 combo(KEY).</summary>
    Combo,

    /// <summary>BIP385 raw(HEX).</summary>
    Raw,

    /// <summary>BIP385 addr(ADDRESS).</summary>
    Addr,

    /// <summary>BIP386 tr(KEY[,TREE]).</summary>
    Tr,

    /// <summary>BIP386 rawtr(KEY).</summary>
    RawTr,

    /// <summary>BIP379 miniscript (inside wsh() or as a tr() leaf): <see cref="MiniscriptDescriptor"/>.</summary>
    Miniscript,
}

/// <summary>
/// An output script descriptor (BIP380-390): parse it, print it back (public or private form,
/// with checksum), expand BIP389 multipath forms and derive the scriptPubKeys and addresses it
/// describes. Equality is by the public form and which keys are private (never by rendering secrets), so parse(ToString(d)) == d.
/// Descriptors holding private keys should be disposed to wipe them.
/// </summary>
public abstract partial class Descriptor : IEquatable<Descriptor>, IDisposable
{
    private protected Descriptor()
    {
    }

    /// <summary>The script expression kind.</summary>
    public abstract DescriptorType Type { get; }

    /// <summary>The function name as written in descriptor text (<c>wsh</c>, <c>sortedmulti_a</c>, ...), for display.</summary>
    public string FunctionName => DescriptorParser.NameOf(Type);

    /// <summary>The keys this node uses directly (not those of sub-scripts).</summary>
    public virtual IReadOnlyList<KeyExpression> Keys => [];

    /// <summary>Sub-scripts (sh/wsh inner script, tr leaves).</summary>
    public virtual IReadOnlyList<Descriptor> SubDescriptors => [];

    private IEnumerable<KeyExpression> AllKeys => Keys.Concat(SubDescriptors.SelectMany(d => d.AllKeys));

    /// <summary>True when the scripts depend on a derivation index (some key has <c>/*</c>).</summary>
    public bool IsRange => AllKeys.Any(k => k.IsRange);

    /// <summary>True when a wallet knows how to sign for it given the keys (false for raw() and addr()).</summary>
    public virtual bool IsSolvable => SubDescriptors.All(d => d.IsSolvable);

    /// <summary>True when some key is a WIF or xprv.</summary>
    public bool HasPrivateKeys => AllKeys.Any(k => k.HasPrivateKeys);

    /// <summary>True when some key derives through hardened steps: only the private form can derive scripts.</summary>
    public bool HasHardenedDerivation => AllKeys.Any(k => k.HasHardenedDerivation);

    /// <summary>
    /// True when every key can derive its scripts from what the descriptor holds; false when a hardened step sits
    /// below an extended public key (Core's <c>CanSelfExpand</c>). Deriving such a descriptor throws a
    /// <see cref="BitcoinFormatException"/> with <see cref="DescriptorErrorKind.NeedsPrivateKey"/>.
    /// </summary>
    public bool CanDeriveWithoutPrivateKeys => AllKeys.All(k => k.CanDerive);

    /// <summary>Number of BIP389 paths; 1 when not multipath.</summary>
    public int MultipathCount => AllKeys.Select(k => k.MultipathCount).DefaultIfEmpty(1).Max();

    /// <summary>True for BIP389 <c>&lt;a;b&gt;</c> descriptors (use <see cref="Expand"/> before deriving).</summary>
    public bool IsMultipath => MultipathCount > 1;

    /// <summary>BIP389: the single-path descriptors, one per alternative (this one when not multipath).</summary>
    public IReadOnlyList<Descriptor> Expand()
    {
        var count = MultipathCount;
        if (count == 1)
        {
            return [this];
        }

        var result = new Descriptor[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = SelectPath(i);
        }

        return result;
    }

    internal Descriptor SelectPath(int path) => MapKeys(k => k.SelectPath(path));

    /// <summary>Rebuilds the tree with every key replaced (used for multipath selection and normalisation).</summary>
    internal abstract Descriptor MapKeys(Func<KeyExpression, KeyExpression> map);

    /// <summary>
    /// Core's normalised public form (ToNormalizedString) with checksum: xprv keys with hardened
    /// steps are derived to the last hardened step and written as that xpub with the origin
    /// extended, so the public form can derive every script. Keys ranging over hardened children
    /// (<c>/*h</c>) cannot be normalised and stay as in <see cref="ToString()"/>.
    /// </summary>
    public string ToNormalizedString() => MapKeys(k => k.Normalize()).ToString();

    /// <summary>
    /// The scriptPubKeys for derivation index <paramref name="index"/> (ignored when not ranged):
    /// one script, or up to four for combo() in the BIP384 order pk, pkh, wpkh, sh(wpkh).
    /// </summary>
    public IReadOnlyList<Script> GetScriptPubKeys(uint index)
    {
        if (IsMultipath)
        {
            throw new InvalidOperationException("descriptor: multipath descriptor (BIP389); call Expand() and derive each path");
        }

        if (IsRange && index >= KeyPathHardenedLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(index), "descriptor: derivation index must be below 2^31");
        }

        return [.. BuildOutputs(index).Select(b => new Script(b))];
    }

    private const uint KeyPathHardenedLimit = 0x80000000u;

    /// <summary>The single scriptPubKey for an index; throws for combo() which has several.</summary>
    public Script GetScriptPubKey(uint index)
    {
        var scripts = GetScriptPubKeys(index);
        return scripts.Count == 1 ? scripts[0] : throw new InvalidOperationException("descriptor: combo() yields several scripts; use GetScriptPubKeys");
    }

    /// <summary>The addresses for an index on a network (P2PK and bare multisig outputs have none and are skipped).</summary>
    public IReadOnlyList<Address> GetAddresses(uint index, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var result = new List<Address>();
        foreach (var script in GetScriptPubKeys(index))
        {
            if (Address.TryFromScriptPubKey(script.Span, network, out var address))
            {
                result.Add(address);
            }
        }

        return result;
    }

    /// <summary>
    /// Derives every output for indexes <paramref name="start"/>..<paramref name="end"/> (inclusive;
    /// a non-ranged descriptor yields index 0 only). Addresses are null for scripts without one (P2PK, bare multisig, raw).
    /// </summary>
    public IReadOnlyList<DescriptorOutput> Derive(uint start, uint end, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, end);
        if (!IsRange)
        {
            start = end = 0;
        }

        var result = new List<DescriptorOutput>();
        for (var i = start; ; i++)
        {
            foreach (var script in GetScriptPubKeys(i))
            {
                result.Add(new DescriptorOutput(i, script, Address.TryFromScriptPubKey(script.Span, network, out var a) ? a : null));
            }

            if (i == end)
            {
                break;
            }
        }

        return result;
    }

    internal virtual List<byte[]> BuildOutputs(uint index) => [BuildScript(index, tapscript: false)];

    internal abstract byte[] BuildScript(uint index, bool tapscript);

    internal abstract void Append(StringBuilder sb, bool includePrivate);

    /// <summary>The public form with checksum (private keys replaced by their public keys).</summary>
    public override string ToString() => DescriptorChecksum.Add(ToString(false, false));

    /// <summary>The private form with checksum (WIF/xprv kept); equals <see cref="ToString()"/> when there are no private keys.</summary>
    public string ToPrivateString() => DescriptorChecksum.Add(ToString(true, false));

    /// <summary>The text with or without private keys and checksum.</summary>
    public string ToString(bool includePrivate, bool includeChecksum)
    {
        var sb = new StringBuilder();
        Append(sb, includePrivate);
        var text = sb.ToString();
        return includeChecksum ? DescriptorChecksum.Add(text) : text;
    }

    /// <summary>
    /// Parses a descriptor for <see cref="Network.Mainnet"/> (Bitcoin Core's default chain): a WIF key
    /// must carry the mainnet version byte. Use the overload taking a <see cref="Network"/> for the
    /// test networks.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Descriptor? descriptor, [NotNullWhen(false)] out DescriptorError? error) =>
        DescriptorParser.TryParse(text, Network.Mainnet, out descriptor, out error);

    /// <summary>
    /// Parses a descriptor (checksum optional) for <paramref name="network"/>; errors name the
    /// function, key position and BIP rule broken. WIF keys must carry the network's version byte
    /// (0x80 mainnet, 0xef test networks), as Core's DecodeSecret requires; extended keys are accepted
    /// in either family (xpub/tpub), their version only picks the serialisation.
    /// </summary>
    public static bool TryParse(string? text, Network network, [NotNullWhen(true)] out Descriptor? descriptor, [NotNullWhen(false)] out DescriptorError? error) =>
        DescriptorParser.TryParse(text, network, out descriptor, out error);

    /// <summary>Parses a descriptor for mainnet; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static Descriptor Parse(string text) =>
        TryParse(text, out var descriptor, out var error) ? descriptor : throw error.ToException();

    /// <summary>Parses a descriptor for <paramref name="network"/>; throws <see cref="BitcoinFormatException"/> naming the broken rule.</summary>
    public static Descriptor Parse(string text, Network network) =>
        TryParse(text, network, out var descriptor, out var error) ? descriptor : throw error.ToException();

    /// <inheritdoc />
    /// <remarks>
    /// Equal when the public forms are equal and each key holds private material in the same form (a WIF
    /// with the same version byte, an xprv). A private key is determined by its public key, so no secret
    /// is ever rendered to a string to compare (issue 9: no secret in an immutable string).
    /// </remarks>
    public bool Equals(Descriptor? other)
    {
        if (other is null || ToString(false, false) != other.ToString(false, false))
        {
            return false;
        }

        using var mine = AllKeys.GetEnumerator();
        using var theirs = other.AllKeys.GetEnumerator();
        while (mine.MoveNext())
        {
            if (!theirs.MoveNext() || !mine.Current.HasSamePrivateForm(theirs.Current))
            {
                return false;
            }
        }

        return !theirs.MoveNext();
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Descriptor);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString(false, false));

    /// <summary>Wipes private keys held by the descriptor (shared with descriptors returned by <see cref="Expand"/>).</summary>
    public void Dispose()
    {
        foreach (var key in AllKeys)
        {
            key.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    // The script templates come from StandardScripts; pk() and pkh() also take the 32-byte x-only
    // keys tapscript leaves use (BIP386), so those two hash or push the serialized key directly.
    private protected static byte[] P2sh(byte[] redeem) => StandardScripts.PayToScriptHash(new Script(redeem)).ToBytes();

    private protected static byte[] P2wsh(byte[] witnessScript) => StandardScripts.PayToWitnessScriptHash(new Script(witnessScript)).ToBytes();

    private protected static byte[] P2pkh(byte[] pubKey)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(pubKey, hash);
        return StandardScripts.PayToPubKeyHash(hash).ToBytes();
    }

    private protected static byte[] P2wpkh(byte[] pubKey)
    {
        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(pubKey, hash);
        return StandardScripts.PayToWitnessPubKeyHash(hash).ToBytes();
    }

    private protected static byte[] P2pk(byte[] pubKey) => new ScriptBuilder().Push(pubKey).Add(OpcodeType.OP_CHECKSIG).Build().ToBytes();
}

/// <summary>One derived output: the index, its scriptPubKey and, when the script has one, its address.</summary>
public sealed record DescriptorOutput(uint Index, Script ScriptPubKey, Address? Address);

/// <summary>pk(KEY), pkh(KEY), wpkh(KEY) and combo(KEY).</summary>
public sealed class SingleKeyDescriptor : Descriptor
{
    internal SingleKeyDescriptor(DescriptorType type, KeyExpression key)
    {
        Type = type;
        Key = key;
    }

    /// <inheritdoc />
    public override DescriptorType Type { get; }

    /// <summary>The key.</summary>
    public KeyExpression Key { get; }

    /// <inheritdoc />
    public override IReadOnlyList<KeyExpression> Keys => [Key];

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) => new SingleKeyDescriptor(Type, map(Key));

    internal override byte[] BuildScript(uint index, bool tapscript)
    {
        var key = Key.Derive(index, 0);
        return Type switch
        {
            // BIP386/Core descriptor.cpp: inside tapscript, pk() and pkh() use the x-only key.
            DescriptorType.Pk => P2pk(key.Serialize(tapscript)),
            DescriptorType.Pkh => P2pkh(key.Serialize(tapscript)),
            DescriptorType.Wpkh => P2wpkh(key.Serialize()),
            _ => throw new InvalidOperationException("descriptor: combo() has several scripts"),
        };
    }

    internal override List<byte[]> BuildOutputs(uint index)
    {
        if (Type != DescriptorType.Combo)
        {
            return base.BuildOutputs(index);
        }

        // BIP384: P2PK, P2PKH, and for compressed keys also P2WPKH and P2SH-P2WPKH.
        var key = Key.Derive(index, 0);
        var ser = key.Serialize();
        var outputs = new List<byte[]> { P2pk(ser), P2pkh(ser) };
        if (key.Compressed)
        {
            var wpkh = P2wpkh(ser);
            outputs.Add(wpkh);
            outputs.Add(P2sh(wpkh));
        }

        return outputs;
    }

    internal override void Append(StringBuilder sb, bool includePrivate) =>
        sb.Append(FunctionName).Append('(').Append(Key.ToString(includePrivate)).Append(')');
}

/// <summary>sh(SCRIPT) and wsh(SCRIPT).</summary>
public sealed class WrapperDescriptor : Descriptor
{
    internal WrapperDescriptor(DescriptorType type, Descriptor inner)
    {
        Type = type;
        Inner = inner;
    }

    /// <inheritdoc />
    public override DescriptorType Type { get; }

    /// <summary>The wrapped redeem or witness script.</summary>
    public Descriptor Inner { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Descriptor> SubDescriptors => [Inner];

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) => new WrapperDescriptor(Type, Inner.MapKeys(map));

    internal override byte[] BuildScript(uint index, bool tapscript)
    {
        var inner = Inner.BuildScript(index, false);
        return Type == DescriptorType.Sh ? P2sh(inner) : P2wsh(inner);
    }

    /// <summary>The redeem script (sh) or witness script (wsh) for an index.</summary>
    public Script GetInnerScript(uint index) => new(Inner.BuildScript(index, false));

    internal override void Append(StringBuilder sb, bool includePrivate)
    {
        sb.Append(FunctionName).Append('(');
        Inner.Append(sb, includePrivate);
        sb.Append(')');
    }
}

/// <summary>multi, sortedmulti (BIP383) and multi_a, sortedmulti_a (BIP387).</summary>
public sealed class MultisigDescriptor : Descriptor
{
    private readonly KeyExpression[] _keys;

    internal MultisigDescriptor(DescriptorType type, int threshold, KeyExpression[] keys)
    {
        Type = type;
        Threshold = threshold;
        _keys = keys;
    }

    /// <inheritdoc />
    public override DescriptorType Type { get; }

    /// <summary>Number of signatures required.</summary>
    public int Threshold { get; }

    /// <inheritdoc />
    public override IReadOnlyList<KeyExpression> Keys => _keys;

    private bool Sorted => Type is DescriptorType.SortedMulti or DescriptorType.SortedMultiA;

    private bool IsMultiA => Type is DescriptorType.MultiA or DescriptorType.SortedMultiA;

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) => new MultisigDescriptor(Type, Threshold, [.. _keys.Select(map)]);

    internal override byte[] BuildScript(uint index, bool tapscript)
    {
        var keys = _keys.Select(k => k.Derive(index, 0).Serialize(IsMultiA)).ToList();
        if (Sorted)
        {
            // BIP383/BIP387: sorted lexicographically by serialized key.
            keys.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
        }

        if (IsMultiA)
        {
            // BIP387: <k1> CHECKSIG <k2> CHECKSIGADD ... <kn> CHECKSIGADD <k> NUMEQUAL.
            var script = new ScriptBuilder();
            for (var i = 0; i < keys.Count; i++)
            {
                script.Push(keys[i]).Add(i == 0 ? OpcodeType.OP_CHECKSIG : OpcodeType.OP_CHECKSIGADD);
            }

            return script.PushNumber(Threshold).Add(OpcodeType.OP_NUMEQUAL).Build().ToBytes();
        }

        // BIP383: <k> <key>... <n> CHECKMULTISIG.
        return StandardScripts.Multisig(Threshold, [.. keys.Select(k => (ReadOnlyMemory<byte>)k)]).ToBytes();
    }

    internal override void Append(StringBuilder sb, bool includePrivate)
    {
        sb.Append(FunctionName).Append('(').Append(Threshold);
        foreach (var key in _keys)
        {
            sb.Append(',').Append(key.ToString(includePrivate));
        }

        sb.Append(')');
    }
}

/// <summary>raw(HEX) and addr(ADDRESS) (BIP385): fixed scripts, not solvable.</summary>
public sealed class RawDescriptor : Descriptor
{
    private readonly byte[] _script;

    internal RawDescriptor(DescriptorType type, byte[] script, string? address)
    {
        Type = type;
        _script = script;
        AddressText = address;
    }

    /// <inheritdoc />
    public override DescriptorType Type { get; }

    /// <summary>The address as written, for addr().</summary>
    public string? AddressText { get; }

    /// <inheritdoc />
    public override bool IsSolvable => false;

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) => this;

    internal override byte[] BuildScript(uint index, bool tapscript) => _script;

    internal override void Append(StringBuilder sb, bool includePrivate) =>
        sb.Append(Type == DescriptorType.Raw ? "raw(" + Hex.Encode(_script) : "addr(" + AddressText).Append(')');
}

/// <summary>A BIP386 script tree node: a leaf script or a pair of subtrees.</summary>
public sealed class TapTreeNode
{
    internal TapTreeNode(Descriptor leaf)
    {
        Leaf = leaf;
    }

    internal TapTreeNode(TapTreeNode left, TapTreeNode right)
    {
        Left = left;
        Right = right;
    }

    /// <summary>The leaf script, or null for a branch.</summary>
    public Descriptor? Leaf { get; }

    /// <summary>Left branch (null for a leaf).</summary>
    public TapTreeNode? Left { get; }

    /// <summary>Right branch (null for a leaf).</summary>
    public TapTreeNode? Right { get; }

    internal IEnumerable<Descriptor> Leaves => Leaf is not null ? [Leaf] : Left!.Leaves.Concat(Right!.Leaves);

    internal TapTreeNode MapKeys(Func<KeyExpression, KeyExpression> map) => Leaf is not null ? new(Leaf.MapKeys(map)) : new(Left!.MapKeys(map), Right!.MapKeys(map));

    /// <summary>Adds the leaves depth-first with their depths, the order BIP386 writes them and TaprootBuilder takes them.</summary>
    internal void AddTo(TaprootBuilder builder, uint index, int depth)
    {
        if (Leaf is not null)
        {
            builder.AddLeaf(depth, new Script(Leaf.BuildScript(index, tapscript: true)));
            return;
        }

        Left!.AddTo(builder, index, depth + 1);
        Right!.AddTo(builder, index, depth + 1);
    }

    internal void Append(StringBuilder sb, bool includePrivate)
    {
        if (Leaf is not null)
        {
            Leaf.Append(sb, includePrivate);
            return;
        }

        sb.Append('{');
        Left!.Append(sb, includePrivate);
        sb.Append(',');
        Right!.Append(sb, includePrivate);
        sb.Append('}');
    }
}

/// <summary>tr(KEY[,TREE]) (BIP386) and rawtr(KEY).</summary>
public sealed class TaprootDescriptor : Descriptor
{
    internal TaprootDescriptor(DescriptorType type, KeyExpression internalKey, TapTreeNode? tree)
    {
        Type = type;
        InternalKey = internalKey;
        Tree = tree;
    }

    /// <inheritdoc />
    public override DescriptorType Type { get; }

    /// <summary>The internal key (tr) or the output key itself (rawtr).</summary>
    public KeyExpression InternalKey { get; }

    /// <summary>The script tree, if any.</summary>
    public TapTreeNode? Tree { get; }

    /// <inheritdoc />
    public override IReadOnlyList<KeyExpression> Keys => [InternalKey];

    /// <inheritdoc />
    public override IReadOnlyList<Descriptor> SubDescriptors => Tree is null ? [] : [.. Tree.Leaves];

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) => new TaprootDescriptor(Type, map(InternalKey), Tree?.MapKeys(map));

    internal override byte[] BuildScript(uint index, bool tapscript)
    {
        var xonly = InternalKey.Derive(index, 0).Key.ToXOnly(out _);
        if (Type == DescriptorType.RawTr)
        {
            // BIP386 rawtr: OP_1 <key>, no tweak.
            return StandardScripts.PayToTaproot(xonly).ToBytes();
        }

        return GetSpendInfo(xonly, index).ScriptPubKey.ToBytes();
    }

    private TaprootSpendInfo GetSpendInfo(XOnlyPublicKey internalKey, uint index)
    {
        // BIP386: the tree's leaves are tapscript leaves (version 0xc0) at their nesting depth;
        // BIP341 taproot_output_script tweaks the internal key with the resulting merkle root.
        var builder = new TaprootBuilder();
        Tree?.AddTo(builder, index, 0);
        return builder.Finalize(internalKey);
    }

    internal override void Append(StringBuilder sb, bool includePrivate)
    {
        sb.Append(FunctionName).Append('(').Append(InternalKey.ToString(includePrivate));
        if (Tree is not null)
        {
            sb.Append(',');
            Tree.Append(sb, includePrivate);
        }

        sb.Append(')');
    }
}
