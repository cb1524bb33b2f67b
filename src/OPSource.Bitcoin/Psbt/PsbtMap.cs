using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Psbt;

/// <summary>Which of the three PSBT map kinds a map is; drives key-type meaning and field order.</summary>
public enum PsbtMapKind
{
    /// <summary>The single global map.</summary>
    Global,

    /// <summary>A per-input map.</summary>
    Input,

    /// <summary>A per-output map.</summary>
    Output,
}

/// <summary>
/// One raw key-value pair exactly as serialized (key = compact-size type followed by key data),
/// kept so unknown and proprietary fields round-trip byte-exactly (BIP174).
/// </summary>
public sealed class PsbtEntry
{
    private readonly byte[] _key;
    private readonly byte[] _value;

    internal PsbtEntry(byte[] key, byte[] value, ulong keyType, int keyDataOffset)
    {
        _key = key;
        _value = value;
        KeyType = keyType;
        KeyDataOffset = keyDataOffset;
    }

    /// <summary>Creates an entry from a key type, key data and value.</summary>
    public static PsbtEntry Create(ulong keyType, ReadOnlySpan<byte> keyData, ReadOnlySpan<byte> value)
    {
        var w = new BitcoinWriter(9 + keyData.Length);
        w.WriteCompactSize(keyType);
        var offset = (int)w.BytesWritten;
        w.WriteBytes(keyData);
        return new PsbtEntry(w.ToArray(), value.ToArray(), keyType, offset);
    }

    /// <summary>The BIP174 key type (compact size at the start of the key).</summary>
    public ulong KeyType { get; }

    internal int KeyDataOffset { get; }

    /// <summary>The whole key (type and key data).</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>The key data following the key type.</summary>
    public ReadOnlySpan<byte> KeyData => _key.AsSpan(KeyDataOffset);

    /// <summary>The value bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    internal ReadOnlyMemory<byte> KeyDataMemory => _key.AsMemory(KeyDataOffset);

    internal ReadOnlyMemory<byte> ValueMemory => _value;

    /// <summary>True when both key and value are identical.</summary>
    public bool SameAs(PsbtEntry other) => Key.SequenceEqual(other.Key) && Value.SequenceEqual(other.Value);

    /// <summary>Hex of key and value (PSBT fields are public data).</summary>
    public override string ToString() => Hex.Encode(_key) + ":" + Hex.Encode(_value);
}

/// <summary>
/// An immutable ordered PSBT key-value map. Parsing preserves the original order; additions are
/// inserted at the position Bitcoin Core's serializer would give them so role outputs match Core.
/// </summary>
public sealed class PsbtMap
{
    private readonly PsbtEntry[] _entries;

    // True when the entries are known to be in Core's order (a map from Canonical(), or one derived from it by
    // With/Without, which keep the order): Canonical() then returns the map itself instead of sorting again.
    private readonly bool _canonical;

    internal PsbtMap(PsbtMapKind kind, PsbtEntry[] entries, bool canonical = false)
    {
        Kind = kind;
        _entries = entries;
        _canonical = canonical || entries.Length == 0;
    }

    /// <summary>An empty map of the given kind.</summary>
    public static PsbtMap Empty(PsbtMapKind kind) => new(kind, [], canonical: true);

    /// <summary>The map kind.</summary>
    public PsbtMapKind Kind { get; }

    /// <summary>The entries in serialization order.</summary>
    public IReadOnlyList<PsbtEntry> Entries => _entries;

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Length;

    /// <summary>The entry with this type and empty key data, if any.</summary>
    public PsbtEntry? Get(ulong keyType)
    {
        foreach (var e in _entries)
        {
            if (e.KeyType == keyType && e.KeyData.IsEmpty)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>The entry with exactly this key, if any.</summary>
    public PsbtEntry? Find(ReadOnlySpan<byte> key)
    {
        foreach (var e in _entries)
        {
            if (e.Key.SequenceEqual(key))
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>True when any entry has this key type.</summary>
    public bool Has(ulong keyType) => _entries.Any(e => e.KeyType == keyType);

    /// <summary>All entries of one key type, in order.</summary>
    public IEnumerable<PsbtEntry> All(ulong keyType) => _entries.Where(e => e.KeyType == keyType);

    /// <summary>A copy with the entry set: replaced in place when its key exists, else inserted in canonical order.</summary>
    public PsbtMap With(PsbtEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        for (var i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Key.SequenceEqual(entry.Key))
            {
                var copy = (PsbtEntry[])_entries.Clone();
                copy[i] = entry;
                return new PsbtMap(Kind, copy, _canonical);
            }
        }

        var pos = _entries.Length;
        for (var i = 0; i < _entries.Length; i++)
        {
            if (PsbtFieldOrder.Compare(Kind, _entries[i], entry) > 0)
            {
                pos = i;
                break;
            }
        }

        return new PsbtMap(Kind, [.. _entries.AsSpan(0, pos), entry, .. _entries.AsSpan(pos)], _canonical);
    }

    /// <summary>
    /// A copy in Bitcoin Core's serialization order (psbt.h): roles re-serialize like Core, while
    /// parsing alone keeps the original order for byte-exact round trips.
    /// </summary>
    public PsbtMap Canonical() => _canonical
        ? this
        : new(Kind, [.. _entries.OrderBy(e => e, Comparer<PsbtEntry>.Create((a, b) => PsbtFieldOrder.Compare(Kind, a, b)))], canonical: true);

    /// <summary>A copy with the entry for (type, key data) set.</summary>
    public PsbtMap With(ulong keyType, ReadOnlySpan<byte> keyData, ReadOnlySpan<byte> value) =>
        With(PsbtEntry.Create(keyType, keyData, value));

    /// <summary>A copy without entries matching the predicate.</summary>
    public PsbtMap Without(Func<PsbtEntry, bool> predicate) => new(Kind, _entries.Where(e => !predicate(e)).ToArray(), _canonical);

    /// <summary>A copy without any entry of the given key types.</summary>
    public PsbtMap WithoutTypes(params ulong[] keyTypes) => Without(e => keyTypes.Contains(e.KeyType));

    internal void WriteTo(BitcoinWriter writer)
    {
        foreach (var e in _entries)
        {
            writer.WriteVarBytes(e.Key);
            writer.WriteVarBytes(e.Value);
        }

        writer.WriteUInt8(0);
    }
}

/// <summary>Bitcoin Core's serialization order of fields (psbt.h Serialize methods).</summary>
internal static class PsbtFieldOrder
{
    public static int Compare(PsbtMapKind kind, PsbtEntry a, PsbtEntry b)
    {
        var ra = Rank(kind, a.KeyType);
        var rb = Rank(kind, b.KeyType);
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }

        if (kind == PsbtMapKind.Input && a.KeyType == PsbtKeys.InPartialSig)
        {
            // Core psbt.h: partial_sigs is a std::map keyed by CKeyID (HASH160 of the pubkey).
            Span<byte> ha = stackalloc byte[20];
            Span<byte> hb = stackalloc byte[20];
            OPSource.Crypto.Hashes.Hash160(a.KeyData, ha);
            OPSource.Crypto.Hashes.Hash160(b.KeyData, hb);
            return ha.SequenceCompareTo(hb);
        }

        // Core: other maps (std::map over pubkeys, hashes, raw unknown keys) order by key bytes.
        return a.Key.SequenceCompareTo(b.Key);
    }

    private static int Rank(PsbtMapKind kind, ulong type) => kind switch
    {
        PsbtMapKind.Global => type switch
        {
            <= 0x06 => (int)type,
            0xfb => 7,
            0xfc => 100,
            _ => 200,
        },
        PsbtMapKind.Input => type switch
        {
            <= 0x06 => (int)type,
            0x0a => 7,
            0x0b => 8,
            0x0c => 9,
            0x0d => 10,
            0x13 => 11,
            0x14 => 12,
            0x15 => 13,
            0x16 => 14,
            0x17 => 15,
            0x18 => 16,
            0x1a => 17,
            0x1b => 18,
            0x1c => 19,
            0x07 => 20,
            0x08 => 21,
            0x0e => 30,
            0x0f => 31,
            0x10 => 32,
            0x11 => 33,
            0x12 => 34,
            0xfc => 100,
            _ => 200,
        },
        _ => type switch
        {
            <= 0x08 => (int)type,
            0xfc => 100,
            _ => 200,
        },
    };
}
