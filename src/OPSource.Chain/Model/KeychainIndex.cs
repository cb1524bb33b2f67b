using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Model;

/// <summary>A descriptor's identity: SHA-256 of its public form with checksum.</summary>
/// <param name="Value">The hash.</param>
public readonly record struct DescriptorId(UInt256 Value)
{
    /// <summary>The id of a descriptor.</summary>
    public static DescriptorId Of(Descriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(descriptor.ToString()), hash);
        return new DescriptorId(new UInt256(hash));
    }

    /// <summary>Parses the hex form.</summary>
    public static DescriptorId Parse(string hex) => new(UInt256.Parse(hex));

    /// <summary>Hex.</summary>
    public override string ToString() => Value.ToString();
}

/// <summary>
/// What changed in a <see cref="KeychainIndex{TKeychain}"/>: the highest revealed derivation index
/// per descriptor. Merging keeps the maximum, so it is associative, commutative and idempotent.
/// </summary>
public sealed record KeychainIndexChangeSet
{
    /// <summary>No change.</summary>
    public static KeychainIndexChangeSet Empty { get; } = new();

    /// <summary>Descriptor to the last index handed out or seen used.</summary>
    public ImmutableDictionary<DescriptorId, uint> LastRevealed { get; init; } = ImmutableDictionary<DescriptorId, uint>.Empty;

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => LastRevealed.IsEmpty;

    /// <summary>Both changes (maximum per descriptor).</summary>
    public KeychainIndexChangeSet Merge(KeychainIndexChangeSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        var b = LastRevealed.ToBuilder();
        foreach (var (id, index) in other.LastRevealed)
        {
            if (!b.TryGetValue(id, out var e) || index > e)
            {
                b[id] = index;
            }
        }

        return new KeychainIndexChangeSet { LastRevealed = b.ToImmutable() };
    }

    /// <inheritdoc/>
    public bool Equals(KeychainIndexChangeSet? other) => other is not null && LastRevealed.Count == other.LastRevealed.Count &&
        LastRevealed.All(kv => other.LastRevealed.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => LastRevealed.Count;
}

/// <summary>A script of a keychain: where it comes from.</summary>
/// <typeparam name="TKeychain">The keychain type.</typeparam>
/// <param name="Keychain">Keychain.</param>
/// <param name="Index">Derivation index (0 for a descriptor without <c>/*</c>).</param>
/// <param name="ScriptPubKey">The script.</param>
public sealed record KeychainScript<TKeychain>(TKeychain Keychain, uint Index, Script ScriptPubKey);

/// <summary>
/// The scripts a wallet watches, derived from one descriptor per keychain: every revealed index plus
/// a lookahead of <see cref="Lookahead"/> unrevealed ones (the gap limit), so payments to addresses
/// handed out by an earlier install of the same wallet are found. Indexing a transaction records the
/// outputs paying to known scripts, marks the scripts used and reveals up to the highest index seen,
/// which moves the lookahead window forward. No I/O.
/// </summary>
/// <typeparam name="TKeychain">The keychain type (receive/change, or any key).</typeparam>
public sealed class KeychainIndex<TKeychain>
    where TKeychain : notnull
{
    // BIP32: child indexes at or above 2^31 are hardened; descriptor ranges stop below it.
    private const uint MaxIndex = 0x7fffffffu;

    private readonly Dictionary<TKeychain, Keychain> _keychains = [];
    private readonly Dictionary<DescriptorId, TKeychain> _byDescriptor = [];
    private readonly Dictionary<Script, (TKeychain Keychain, uint Index)> _scripts = [];
    private readonly Dictionary<OutPoint, (TKeychain Keychain, uint Index)> _outpoints = [];
    private readonly HashSet<(TKeychain, uint)> _used = [];
    private readonly Dictionary<DescriptorId, uint> _pendingRevealed = [];

    /// <summary>Creates an index with a lookahead (gap limit).</summary>
    public KeychainIndex(uint lookahead = 20)
    {
        Lookahead = lookahead;
    }

    /// <summary>Unrevealed scripts watched beyond the last revealed index of each keychain.</summary>
    public uint Lookahead { get; }

    /// <summary>The keychains and their descriptors.</summary>
    public IEnumerable<KeyValuePair<TKeychain, Descriptor>> Keychains => _keychains.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Descriptor));

    /// <summary>Every outpoint indexed so far with its script's origin.</summary>
    public IReadOnlyDictionary<OutPoint, (TKeychain Keychain, uint Index)> OutPoints => _outpoints;

    /// <summary>Number of scripts watched.</summary>
    public int ScriptCount => _scripts.Count;

    /// <summary>
    /// Adds a keychain. A descriptor may belong to only one keychain; multipath descriptors must be
    /// expanded first. Scripts are derived up to the lookahead (and up to an index revealed earlier by
    /// a changeset applied before the keychain was added).
    /// </summary>
    /// <exception cref="ArgumentException">The keychain exists with another descriptor, or the descriptor belongs to another keychain, or it is multipath.</exception>
    public void AddKeychain(TKeychain keychain, Descriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.IsMultipath)
        {
            throw new ArgumentException("keychain index: expand the multipath descriptor (BIP389) into one descriptor per keychain", nameof(descriptor));
        }

        var id = DescriptorId.Of(descriptor);
        if (_keychains.TryGetValue(keychain, out var existing))
        {
            if (existing.Id == id)
            {
                return;
            }

            throw new ArgumentException($"keychain index: keychain '{keychain}' already has another descriptor", nameof(keychain));
        }

        if (_byDescriptor.TryGetValue(id, out var other))
        {
            throw new ArgumentException($"keychain index: the descriptor already belongs to keychain '{other}'", nameof(descriptor));
        }

        var k = new Keychain(descriptor, id);
        _keychains[keychain] = k;
        _byDescriptor[id] = keychain;
        if (_pendingRevealed.Remove(id, out var revealed))
        {
            k.LastRevealed = descriptor.IsRange ? revealed : 0;
        }

        DeriveTo(keychain, k, Target(k));
    }

    /// <summary>The descriptor of a keychain.</summary>
    public Descriptor GetDescriptor(TKeychain keychain) => Get(keychain).Descriptor;

    /// <summary>The last revealed index of a keychain, or null when none was handed out yet.</summary>
    public uint? LastRevealed(TKeychain keychain) => Get(keychain).LastRevealed;

    /// <summary>Where a script comes from, or false when the index does not watch it.</summary>
    public bool TryGetOrigin(Script script, out TKeychain keychain, out uint index)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (_scripts.TryGetValue(script, out var v))
        {
            (keychain, index) = v;
            return true;
        }

        keychain = default!;
        index = 0;
        return false;
    }

    /// <summary>True when the index watches the script.</summary>
    public bool IsMine(Script script) => _scripts.ContainsKey(script);

    /// <summary>The script at an index (derived on demand, without revealing it).</summary>
    public Script ScriptAt(TKeychain keychain, uint index)
    {
        var k = Get(keychain);
        if (!k.Descriptor.IsRange)
        {
            index = 0;
        }

        if (index < k.Scripts.Count)
        {
            return k.Scripts[(int)index];
        }

        return k.Descriptor.GetScriptPubKeys(index)[0];
    }

    /// <summary>True when some indexed output pays to this keychain index.</summary>
    public bool IsUsed(TKeychain keychain, uint index) => _used.Contains((keychain, index));

    /// <summary>The revealed scripts of a keychain, ascending.</summary>
    public IEnumerable<KeychainScript<TKeychain>> RevealedScripts(TKeychain keychain)
    {
        var k = Get(keychain);
        if (k.LastRevealed is not { } last)
        {
            yield break;
        }

        for (uint i = 0; i <= last; i++)
        {
            yield return new KeychainScript<TKeychain>(keychain, i, k.Scripts[(int)i]);
        }
    }

    /// <summary>Every watched script (revealed and lookahead).</summary>
    public IEnumerable<KeychainScript<TKeychain>> AllScripts() =>
        _scripts.Select(kv => new KeychainScript<TKeychain>(kv.Value.Keychain, kv.Value.Index, kv.Key));

    /// <summary>
    /// Hands out the next index of a keychain. A descriptor without <c>/*</c> has only index 0, which is
    /// returned again once revealed.
    /// </summary>
    public KeychainScript<TKeychain> RevealNext(TKeychain keychain, out KeychainIndexChangeSet changeSet)
    {
        var k = Get(keychain);
        uint next = k.LastRevealed is { } last ? (k.Descriptor.IsRange ? checked(last + 1) : 0) : 0;
        if (next > MaxIndex)
        {
            throw new InvalidOperationException($"keychain index: keychain '{keychain}' has used every non-hardened index");
        }

        changeSet = RevealTo(keychain, next);
        return new KeychainScript<TKeychain>(keychain, next, ScriptAt(keychain, next));
    }

    /// <summary>The lowest revealed index nobody paid to yet, or a newly revealed one.</summary>
    public KeychainScript<TKeychain> NextUnused(TKeychain keychain, out KeychainIndexChangeSet changeSet)
    {
        var k = Get(keychain);
        if (k.LastRevealed is { } last)
        {
            for (uint i = 0; i <= last; i++)
            {
                if (!_used.Contains((keychain, i)))
                {
                    changeSet = KeychainIndexChangeSet.Empty;
                    return new KeychainScript<TKeychain>(keychain, i, k.Scripts[(int)i]);
                }
            }
        }

        return RevealNext(keychain, out changeSet);
    }

    /// <summary>Reveals every index up to <paramref name="index"/> (nothing when already revealed).</summary>
    public KeychainIndexChangeSet RevealTo(TKeychain keychain, uint index)
    {
        var k = Get(keychain);
        if (!k.Descriptor.IsRange)
        {
            index = 0;
        }

        if (k.LastRevealed is { } last && last >= index)
        {
            return KeychainIndexChangeSet.Empty;
        }

        k.LastRevealed = index;
        DeriveTo(keychain, k, Target(k));
        return new KeychainIndexChangeSet { LastRevealed = ImmutableDictionary<DescriptorId, uint>.Empty.Add(k.Id, index) };
    }

    /// <summary>Records the outputs of a transaction that pay to watched scripts.</summary>
    /// <returns>Indexes revealed because a lookahead script was paid.</returns>
    public KeychainIndexChangeSet IndexTransaction(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var changes = KeychainIndexChangeSet.Empty;
        var txid = transaction.GetTxId();
        for (var i = 0; i < transaction.Outputs.Count; i++)
        {
            changes = changes.Merge(IndexTxOut(new OutPoint(txid, (uint)i), transaction.Outputs[i]));
        }

        return changes;
    }

    /// <summary>Records one output if it pays to a watched script.</summary>
    public KeychainIndexChangeSet IndexTxOut(OutPoint outPoint, TxOut output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_scripts.TryGetValue(output.ScriptPubKey, out var origin))
        {
            return KeychainIndexChangeSet.Empty;
        }

        _outpoints[outPoint] = origin;
        _used.Add(origin);
        return RevealTo(origin.Keychain, origin.Index);
    }

    /// <summary>True when an input of the transaction spends an indexed output (the wallet sent it).</summary>
    public bool SpendsFromIndex(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return !transaction.IsCoinBase && transaction.Inputs.Any(i => _outpoints.ContainsKey(i.PrevOut));
    }

    /// <summary>Applies a changeset (reveals; indexes of descriptors not added yet are kept until they are).</summary>
    public void ApplyChangeSet(KeychainIndexChangeSet changeSet)
    {
        ArgumentNullException.ThrowIfNull(changeSet);
        foreach (var (id, index) in changeSet.LastRevealed)
        {
            if (_byDescriptor.TryGetValue(id, out var keychain))
            {
                RevealTo(keychain, index);
            }
            else if (!_pendingRevealed.TryGetValue(id, out var e) || index > e)
            {
                _pendingRevealed[id] = index;
            }
        }
    }

    /// <summary>The changeset that recreates the revealed indexes.</summary>
    public KeychainIndexChangeSet InitialChangeSet() => new()
    {
        LastRevealed = _keychains.Values.Where(k => k.LastRevealed is not null).ToImmutableDictionary(k => k.Id, k => k.LastRevealed!.Value),
    };

    private Keychain Get(TKeychain keychain) =>
        _keychains.TryGetValue(keychain, out var k) ? k : throw new KeyNotFoundException($"keychain index: no keychain '{keychain}'");

    private uint Target(Keychain k)
    {
        if (!k.Descriptor.IsRange)
        {
            return 0;
        }

        // Indexes [0, last revealed + lookahead]; with nothing revealed, [0, lookahead - 1].
        var target = k.LastRevealed is { } last ? (ulong)last + Lookahead : (ulong)Math.Max(Lookahead, 1) - 1;
        return (uint)Math.Min(target, MaxIndex);
    }

    private void DeriveTo(TKeychain keychain, Keychain k, uint target)
    {
        for (var i = (uint)k.Scripts.Count; i <= target; i++)
        {
            var scripts = k.Descriptor.GetScriptPubKeys(i);
            k.Scripts.Add(scripts[0]);
            foreach (var s in scripts)
            {
                _scripts.TryAdd(s, (keychain, i));
            }

            if (!k.Descriptor.IsRange)
            {
                break;
            }
        }
    }

    private sealed class Keychain(Descriptor descriptor, DescriptorId id)
    {
        public Descriptor Descriptor { get; } = descriptor;

        public DescriptorId Id { get; } = id;

        public List<Script> Scripts { get; } = [];

        public uint? LastRevealed { get; set; }
    }
}
