using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace OPSource.Bitcoin.Keys;

/// <summary>
/// A BIP32 derivation path such as <c>m/84'/0'/0'/0/5</c>: a sequence of 32-bit child indexes,
/// hardened when the top bit is set. Immutable.
/// </summary>
public sealed class KeyPath : IEquatable<KeyPath>
{
    /// <summary>BIP32: indexes i &gt;= 2^31 are hardened; i_H = i + 2^31.</summary>
    public const uint HardenedBit = 0x80000000u;

    /// <summary>The empty path (the master key itself, <c>m</c>).</summary>
    public static KeyPath Root { get; } = new([]);

    private readonly uint[] _indexes;

    private KeyPath(uint[] indexes) => _indexes = indexes;

    /// <summary>Builds a path from raw child indexes (hardened ones carry <see cref="HardenedBit"/>).</summary>
    public KeyPath(params ReadOnlySpan<uint> indexes) => _indexes = indexes.ToArray();

    /// <summary>The child indexes, from the root down.</summary>
    public IReadOnlyList<uint> Indexes => _indexes;

    /// <summary>Number of derivation steps (the depth below the key this path starts from).</summary>
    public int Length => _indexes.Length;

    /// <summary>The last index, or null for <see cref="Root"/>.</summary>
    public uint? LastIndex => _indexes.Length == 0 ? null : _indexes[^1];

    /// <summary>True when any step is hardened (so it cannot be derived from a public key).</summary>
    public bool HasHardenedStep => _indexes.Any(IsHardened);

    /// <summary>The path without its last step; <see cref="Root"/> stays <see cref="Root"/>.</summary>
    public KeyPath Parent => _indexes.Length == 0 ? this : new KeyPath(_indexes[..^1]);

    /// <summary>True when <paramref name="index"/> is hardened.</summary>
    public static bool IsHardened(uint index) => (index & HardenedBit) != 0;

    /// <summary>The hardened form of a normal index (<c>i'</c>).</summary>
    public static uint Harden(uint index) => index < HardenedBit
        ? index | HardenedBit
        : throw new ArgumentOutOfRangeException(nameof(index), "keypath: index must be below 2^31 to be hardened");

    /// <summary>This path with one more step.</summary>
    public KeyPath Derive(uint index) => new([.. _indexes, index]);

    /// <summary>This path with one more normal (<paramref name="hardened"/> false) or hardened step.</summary>
    public KeyPath Derive(uint index, bool hardened) => Derive(hardened ? Harden(index) : index < HardenedBit
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), "keypath: normal index must be below 2^31"));

    /// <summary>This path followed by <paramref name="suffix"/>.</summary>
    public KeyPath Derive(KeyPath suffix)
    {
        ArgumentNullException.ThrowIfNull(suffix);
        return new KeyPath([.. _indexes, .. suffix._indexes]);
    }

    /// <summary>
    /// Parses <c>m/84'/0'/0'/0/5</c>, <c>84h/0h</c>, <c>m/44H/1H</c> (with or without the leading
    /// <c>m</c>). Each index must be below 2^31 before the hardened marker.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out KeyPath? path, [NotNullWhen(false)] out KeyError? error)
    {
        path = null;
        if (text is null)
        {
            error = new KeyError(KeyErrorKind.Empty, "keypath: is empty");
            return false;
        }

        var s = text.Trim();
        if (s.Length == 0)
        {
            error = new KeyError(KeyErrorKind.Empty, "keypath: is empty");
            return false;
        }

        var parts = s.Split('/');
        var start = 0;
        if (parts[0] is "m" or "M")
        {
            start = 1;
        }

        if (start == 1 && parts.Length == 1)
        {
            path = Root;
            error = null;
            return true;
        }

        // One step grammar for every BIP32 path in the library (KeyPathSyntax); plain keypaths also accept H.
        if (!KeyPathSyntax.TryParseSteps(parts.AsSpan(start), KeyPathGrammar.UpperCaseHardened, out var parsed, out var stepError))
        {
            error = new KeyError(KeyErrorKind.InvalidPath, stepError.Kind == KeyPathErrorKind.OutOfRange
                ? string.Create(CultureInfo.InvariantCulture,
                    $"keypath: step {stepError.Step} '{stepError.StepText}' is out of range (index must be below 2^31)")
                : string.Create(CultureInfo.InvariantCulture,
                    $"keypath: step {stepError.Step} '{stepError.StepText}' is not a number with an optional ' h or H suffix"), StepPosition(text, parts, start, stepError.Step));
            return false;
        }

        var indexes = new uint[parsed.Steps.Length];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = parsed.Steps[i][0];
        }

        path = new KeyPath(indexes);
        error = null;
        return true;
    }

    /// <summary>Parses a path; throws <see cref="BitcoinFormatException"/> naming the bad step.</summary>
    public static KeyPath Parse(string text) =>
        TryParse(text, out var path, out var error) ? path : throw error.ToException();

    /// <summary>The character index in <paramref name="text"/> where 1-based step <paramref name="step"/> of the trimmed, split path starts.</summary>
    private static int StepPosition(string text, string[] parts, int start, int step)
    {
        var position = text.Length - text.TrimStart().Length;
        for (var k = 0; k < start + step - 1 && k < parts.Length; k++)
        {
            position += parts[k].Length + 1;
        }

        return position;
    }

    /// <summary><c>m/84'/0'/0'/0/5</c> form.</summary>
    public override string ToString() => ToString(true, '\'');

    /// <summary>Formats with or without the leading <c>m</c>, using <paramref name="hardenedMarker"/> (' h or H).</summary>
    public string ToString(bool withRoot, char hardenedMarker = '\'')
    {
        var sb = new StringBuilder(withRoot ? "m" : string.Empty);
        for (var i = 0; i < _indexes.Length; i++)
        {
            if (withRoot || i > 0)
            {
                sb.Append('/');
            }

            var index = _indexes[i];
            sb.Append((index & ~HardenedBit).ToString(CultureInfo.InvariantCulture));
            if (IsHardened(index))
            {
                sb.Append(hardenedMarker);
            }
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public bool Equals(KeyPath? other) => other is not null && _indexes.AsSpan().SequenceEqual(other._indexes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as KeyPath);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var index in _indexes)
        {
            hash.Add(index);
        }

        return hash.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(KeyPath? left, KeyPath? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(KeyPath? left, KeyPath? right) => !(left == right);
}

/// <summary>
/// The first 4 bytes of a key's HASH160 identifier (BIP32 "key fingerprint"), used for
/// parent links in serialized keys and for key origins in descriptors and PSBTs.
/// </summary>
public readonly record struct KeyFingerprint
{
    private readonly uint _value;

    /// <summary>Builds a fingerprint from its 4 serialized bytes (big-endian, as written in xpubs).</summary>
    public KeyFingerprint(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 4)
        {
            throw new ArgumentException("fingerprint: must be 4 bytes", nameof(bytes));
        }

        _value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private KeyFingerprint(uint value) => _value = value;

    /// <summary>The zero fingerprint BIP32 uses as the parent of a master key.</summary>
    public static KeyFingerprint Zero => default;

    /// <summary>The fingerprint as a big-endian integer (first byte most significant).</summary>
    public uint Value => _value;

    /// <summary>Writes the 4 bytes.</summary>
    public void WriteTo(Span<byte> destination) =>
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination, _value);

    /// <summary>Builds a fingerprint from its big-endian integer value.</summary>
    public static KeyFingerprint FromValue(uint value) => new(value);

    /// <summary>Parses 8 hex digits (e.g. <c>73c5da0a</c>).</summary>
    public static bool TryParse(string? text, out KeyFingerprint fingerprint)
    {
        fingerprint = default;
        if (text is null || text.Length != 8 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        fingerprint = new KeyFingerprint(uint.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>Parses 8 hex digits; throws <see cref="BitcoinFormatException"/> otherwise.</summary>
    public static KeyFingerprint Parse(string text) => TryParse(text, out var f)
        ? f
        : throw new KeyError(KeyErrorKind.InvalidOrigin, "fingerprint: must be 8 hex digits").ToException();

    /// <summary>8 lower-case hex digits.</summary>
    public override string ToString() => _value.ToString("x8", CultureInfo.InvariantCulture);
}

/// <summary>
/// A key origin: the master key's fingerprint and the path from it, written
/// <c>[d34db33f/84'/0'/0']</c> in descriptors (BIP380) and stored in PSBT key paths (BIP174).
/// </summary>
public sealed record RootedKeyPath(KeyFingerprint MasterFingerprint, KeyPath KeyPath)
{
    /// <summary>The origin of a further derived key.</summary>
    public RootedKeyPath Derive(uint index) => this with { KeyPath = KeyPath.Derive(index) };

    /// <summary>The origin of a further derived key.</summary>
    public RootedKeyPath Derive(KeyPath suffix) => this with { KeyPath = KeyPath.Derive(suffix) };

    /// <summary>Parses <c>d34db33f/84'/0'/0'</c>, with or without surrounding brackets.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out RootedKeyPath? origin, [NotNullWhen(false)] out KeyError? error)
    {
        origin = null;
        var s = text?.Trim() ?? string.Empty;
        if (s.StartsWith('[') != s.EndsWith(']'))
        {
            error = new KeyError(KeyErrorKind.InvalidOrigin, "key origin: unbalanced brackets");
            return false;
        }

        if (s.StartsWith('['))
        {
            s = s[1..^1];
        }

        var slash = s.IndexOf('/', StringComparison.Ordinal);
        var fingerprintText = slash < 0 ? s : s[..slash];
        // BIP380: "exactly 8 hex characters for the fingerprint of the key where the derivation starts".
        if (!KeyFingerprint.TryParse(fingerprintText, out var fingerprint))
        {
            error = new KeyError(KeyErrorKind.InvalidOrigin, "key origin: fingerprint must be 8 hex digits");
            return false;
        }

        var path = KeyPath.Root;
        if (slash >= 0 && s[(slash + 1)..].StartsWith('m'))
        {
            error = new KeyError(KeyErrorKind.InvalidOrigin, "key origin: path after the fingerprint must not start with m");
            return false;
        }

        if (slash >= 0 && !KeyPath.TryParse(s[(slash + 1)..], out path, out error))
        {
            error = error.Prefixed("key origin: ");
            return false;
        }

        if (slash >= 0 && path.Length == 0)
        {
            error = new KeyError(KeyErrorKind.InvalidOrigin, "key origin: path after the fingerprint is empty");
            return false;
        }

        origin = new RootedKeyPath(fingerprint, path!);
        error = null;
        return true;
    }

    /// <summary>Parses a key origin; throws <see cref="BitcoinFormatException"/> on error.</summary>
    public static RootedKeyPath Parse(string text) =>
        TryParse(text, out var origin, out var error) ? origin : throw error.ToException();

    /// <summary>The descriptor key-origin form, <c>[d34db33f/84'/0'/0']</c> (BIP380).</summary>
    public string ToDescriptorString() => "[" + ToString() + "]";

    /// <summary><c>d34db33f/84'/0'/0'</c> (no brackets; see <see cref="ToDescriptorString"/>).</summary>
    public override string ToString() => KeyPath.Length == 0
        ? MasterFingerprint.ToString()
        : MasterFingerprint + "/" + KeyPath.ToString(false);
}
