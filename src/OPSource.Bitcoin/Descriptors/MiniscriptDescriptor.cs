using System.Diagnostics.CodeAnalysis;
using System.Text;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Descriptors;

/// <summary>
/// A BIP379 miniscript inside <c>wsh()</c> (P2WSH context) or as a <c>tr()</c> leaf (Tapscript
/// context), over descriptor key expressions. Core accepts it only when sane and satisfiable
/// (descriptor.cpp ParseScript), and so does the parser here.
/// </summary>
public sealed class MiniscriptDescriptor : Descriptor
{
    internal MiniscriptDescriptor(MiniscriptNode<KeyExpression> node) => Miniscript = node;

    /// <inheritdoc />
    public override DescriptorType Type => DescriptorType.Miniscript;

    /// <summary>The miniscript over the descriptor's key expressions.</summary>
    public MiniscriptNode<KeyExpression> Miniscript { get; }

    /// <summary>P2WSH (inside wsh) or Tapscript (a tr leaf).</summary>
    public MiniscriptContext Context => Miniscript.Context;

    /// <inheritdoc />
    public override IReadOnlyList<KeyExpression> Keys => [.. Miniscript.AllKeys()];

    /// <summary>Core MaxSatSize for miniscript: the largest satisfaction witness in bytes (elements with their length prefixes, high-R ECDSA signatures).</summary>
    public int MaxSatisfactionSize => Miniscript.MaxWitnessSize ?? 0;

    /// <summary>Core MaxSatisfactionElems: the most witness elements a satisfaction needs (not counting the script and control block).</summary>
    public int MaxSatisfactionElements => Miniscript.MaxStackSize ?? 0;

    /// <summary>The miniscript with the keys derived at <paramref name="index"/> (multipath descriptors: call <see cref="Descriptor.Expand"/> first).</summary>
    public MiniscriptNode<PublicKey> Derive(uint index)
    {
        if (IsMultipath)
        {
            throw new InvalidOperationException("descriptor: multipath descriptor (BIP389); call Expand() and derive each path");
        }

        return Miniscript.MapKeys(k => k.Derive(index, 0).Key, MiniscriptPublicKeys.Default.KeyComparer);
    }

    internal override Descriptor MapKeys(Func<KeyExpression, KeyExpression> map) =>
        new MiniscriptDescriptor(Miniscript.MapKeys(map, DescriptorKeyComparer.Instance));

    internal override byte[] BuildScript(uint index, bool tapscript) => Miniscript.ToScript(new DerivedKeys(index)).ToBytes();

    /// <summary>Writes keys in their public descriptor form.</summary>
    internal static IMiniscriptKeyFormatter<KeyExpression> PublicKeyText => KeyText.Public;

    internal override void Append(StringBuilder sb, bool includePrivate) =>
        sb.Append(Miniscript.ToString(includePrivate ? KeyText.Private : KeyText.Public));

    /// <summary>Writes descriptor keys as descriptor text.</summary>
    private sealed class KeyText(bool includePrivate) : IMiniscriptKeyFormatter<KeyExpression>
    {
        public static readonly KeyText Public = new(false);
        public static readonly KeyText Private = new(true);

        public string? Format(KeyExpression key, MiniscriptContext context) => key.ToString(includePrivate);
    }

    /// <summary>Keys derived at one index: compressed in P2WSH, x-only in Tapscript.</summary>
    private sealed class DerivedKeys(uint index) : IMiniscriptKeyEncoder<KeyExpression>
    {
        public byte[] ToPushBytes(KeyExpression key, MiniscriptContext context) =>
            key.Derive(index, 0).Serialize(context == MiniscriptContext.Tapscript);

        public byte[] ToHash160(KeyExpression key, MiniscriptContext context)
        {
            var hash = new byte[20];
            Hashes.Hash160(ToPushBytes(key, context), hash);
            return hash;
        }
    }
}

/// <summary>
/// Core's KeyParser::KeyCompare for the duplicate-key rule: two key expressions are the same key
/// when they give the same public key at position 0 (first multipath alternative).
/// </summary>
internal sealed class DescriptorKeyComparer : IEqualityComparer<KeyExpression>
{
    public static readonly DescriptorKeyComparer Instance = new();

    public bool Equals(KeyExpression? x, KeyExpression? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        return TryKey(x, out var a) && TryKey(y, out var b) ? a == b : x.ToString() == y.ToString();
    }

    public int GetHashCode(KeyExpression obj) => TryKey(obj, out var key) ? key.GetHashCode() : StringComparer.Ordinal.GetHashCode(obj.ToString());

    private static bool TryKey(KeyExpression key, out PublicKey result)
    {
        // Keys that need a private key to derive (hardened steps below an xpub) compare by their text.
        if (!key.CanDerive)
        {
            result = default;
            return false;
        }

        result = key.Derive(0, 0).Key;
        return true;
    }
}

/// <summary>Reads miniscript keys with the descriptor key grammar (the parser supplies the callback, which returns null after recording its error).</summary>
internal sealed class DescriptorMiniscriptKeys(DescriptorParser parser, Func<string, MiniscriptContext, KeyExpression?> parse) : IMiniscriptKeyParser<KeyExpression>
{
    /// <summary>The descriptor error of the first key that failed, reported instead of the miniscript one (Core m_key_parsing_error).</summary>
    public DescriptorError? KeyError { get; private set; }

    public IEqualityComparer<KeyExpression> KeyComparer => DescriptorKeyComparer.Instance;

    public bool TryParseKey(string text, MiniscriptContext context, [MaybeNullWhen(false)] out KeyExpression key, [NotNullWhen(false)] out BitcoinError? error)
    {
        key = parse(text, context);
        if (key is not null)
        {
            error = null;
            return true;
        }

        var keyError = parser.TakeError() ?? new DescriptorError(DescriptorErrorKind.InvalidKey, "descriptor: miniscript key is not valid");
        KeyError ??= keyError;
        error = keyError;
        return false;
    }
}
