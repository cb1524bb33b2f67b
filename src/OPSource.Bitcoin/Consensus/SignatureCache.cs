using System.Collections.Concurrent;
using System.Security.Cryptography;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Consensus;

/// <summary>
/// A bounded, thread-safe set of signature checks already found valid (Core script/sigcache.h), so
/// a transaction verified once (say at mempool acceptance) costs no elliptic-curve work when seen
/// again. Entries are salted SHA256 digests of (kind, sighash, public key, signature); only
/// successes are stored, so the cache can never turn an invalid signature valid.
/// </summary>
public sealed class SignatureCache
{
    private readonly byte[] _salt = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<Entry, byte> _entries = new();

    /// <summary>A cache holding at most <paramref name="maxEntries"/> entries (Core's default is about 32 MiB worth).</summary>
    public SignatureCache(int maxEntries = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        MaxEntries = maxEntries;
    }

    /// <summary>The capacity; when full, an arbitrary eighth of the entries is dropped.</summary>
    public int MaxEntries { get; }

    /// <summary>Number of cached valid signatures.</summary>
    public int Count => _entries.Count;

    internal bool Contains(in Entry entry) => _entries.ContainsKey(entry);

    internal void Add(in Entry entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Core uses a cuckoo cache with random eviction; dropping an arbitrary slice is the same in spirit.
            var drop = Math.Max(1, MaxEntries / 8);
            foreach (var key in _entries.Keys.Take(drop))
            {
                _entries.TryRemove(key, out _);
            }
        }

        _entries.TryAdd(entry, 0);
    }

    internal Entry ComputeEntry(byte kind, ReadOnlySpan<byte> sighash, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_salt);
        hash.AppendData([kind, (byte)publicKey.Length, (byte)signature.Length]);
        hash.AppendData(sighash);
        hash.AppendData(publicKey);
        hash.AppendData(signature);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return new Entry(
            BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]),
            BitConverter.ToUInt64(digest[16..]), BitConverter.ToUInt64(digest[24..]));
    }

    internal readonly record struct Entry(ulong A, ulong B, ulong C, ulong D);
}

/// <summary>
/// A <see cref="TransactionSignatureChecker"/> that consults a <see cref="SignatureCache"/> before
/// doing elliptic-curve work and records successes (Core CachingTransactionSignatureChecker).
/// </summary>
public sealed class CachingTransactionSignatureChecker : TransactionSignatureChecker
{
    private readonly SignatureCache _cache;
    private readonly bool _store;

    /// <summary>
    /// A caching checker; with <paramref name="store"/> false the cache is only read (Core does not
    /// store when validating blocks, whose signatures are unlikely to be seen again).
    /// </summary>
    public CachingTransactionSignatureChecker(Transaction transaction, int inputIndex, TxOut spentOutput, PrecomputedTransactionData? precomputed, SignatureCache cache, bool store = true)
        : base(transaction, inputIndex, spentOutput, precomputed)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _store = store;
    }

    /// <inheritdoc/>
    protected override bool VerifyEcdsa(ReadOnlySpan<byte> derSignature, ReadOnlySpan<byte> publicKeyBytes, in PublicKey publicKey, ReadOnlySpan<byte> sighash)
    {
        var entry = _cache.ComputeEntry((byte)'E', sighash, publicKeyBytes, derSignature);
        if (_cache.Contains(entry))
        {
            return true;
        }

        var valid = base.VerifyEcdsa(derSignature, publicKeyBytes, publicKey, sighash);
        if (valid && _store)
        {
            _cache.Add(entry);
        }

        return valid;
    }

    /// <inheritdoc/>
    protected override bool VerifySchnorr(ReadOnlySpan<byte> signature64, ReadOnlySpan<byte> publicKey32, ReadOnlySpan<byte> sighash)
    {
        var entry = _cache.ComputeEntry((byte)'S', sighash, publicKey32, signature64);
        if (_cache.Contains(entry))
        {
            return true;
        }

        var valid = base.VerifySchnorr(signature64, publicKey32, sighash);
        if (valid && _store)
        {
            _cache.Add(entry);
        }

        return valid;
    }
}
