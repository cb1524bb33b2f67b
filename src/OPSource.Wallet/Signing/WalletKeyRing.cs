using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Wallet.Signing;

/// <summary>
/// The private keys of an unlocked wallet: extended keys with their BIP32 origins (a BIP39 master, or
/// the xprvs of imported descriptors) and single keys (WIF). It signs a PSBT the way a hardware signer
/// does: for each BIP32 / taproot derivation in an input whose fingerprint and path lead to one of its
/// keys, it derives that key, checks the public key matches, and hands the keys to the PSBT signer.
/// Disposing wipes every key.
/// </summary>
public sealed class WalletKeyRing : IDisposable
{
    private readonly List<(ExtKey Key, RootedKeyPath Origin)> _roots = [];
    private readonly List<SecretKey> _singles = [];
    private bool _disposed;

    /// <summary>Master fingerprints (and origins' fingerprints) this ring can sign for.</summary>
    public IReadOnlySet<KeyFingerprint> Fingerprints => _roots.Select(r => r.Origin.MasterFingerprint).ToHashSet();

    /// <summary>A ring holding a BIP32 master key (from a BIP39 seed); takes ownership.</summary>
    public static WalletKeyRing FromMaster(ExtKey master)
    {
        ArgumentNullException.ThrowIfNull(master);
        var ring = new WalletKeyRing();
        ring._roots.Add((master, new RootedKeyPath(master.Fingerprint, KeyPath.Root)));
        return ring;
    }

    /// <summary>A ring holding a descriptor's private keys (copies; the descriptor keeps its own).</summary>
    public static WalletKeyRing FromDescriptors(IEnumerable<Descriptor> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        var ring = new WalletKeyRing();
        foreach (var d in descriptors)
        {
            ring.Add(d);
        }

        return ring;
    }

    /// <summary>Adds an extended private key whose origin is <paramref name="origin"/>; takes ownership.</summary>
    public void AddExtendedKey(ExtKey key, RootedKeyPath origin)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(origin);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _roots.Add((key, origin));
    }

    /// <summary>Adds a single private key (WIF import); takes ownership.</summary>
    public void AddKey(SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _singles.Add(key);
    }

    /// <summary>True when the ring holds no key.</summary>
    public bool IsEmpty => _roots.Count == 0 && _singles.Count == 0;

    /// <summary>Adds the private keys of a descriptor.</summary>
    public void Add(Descriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var s in descriptor.GetSecrets())
        {
            if (s.ExtKey is not null)
            {
                _roots.Add((s.ExtKey, s.Origin!));
            }
            else if (s.Key is not null)
            {
                _singles.Add(s.Key);
            }
        }
    }

    /// <summary>
    /// Signs every input of <paramref name="psbt"/> this ring has keys for; returns the PSBT and the
    /// indexes of the inputs that gained a signature. Inputs refused by the BIP174 signer checks are
    /// left unsigned.
    /// </summary>
    public Psbt Sign(Psbt psbt, out IReadOnlyList<int> signedInputs, out IReadOnlyList<string> refusals)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var keys = new List<SecretKey>();
        try
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var input in psbt.Inputs)
            {
                foreach (var d in input.Bip32Derivations)
                {
                    AddDerived(d.Origin, d.PublicKey.ToCompressed(), xOnly: false);
                }

                foreach (var d in input.TapBip32Derivations)
                {
                    AddDerived(d.Origin, d.Key.ToBytes(), xOnly: true);
                }
            }

            foreach (var single in _singles)
            {
                keys.Add(Copy(single));
            }

            var before = psbt.Inputs.Select(SignatureCount).ToList();
            psbt.TrySign(keys, out var signed, out refusals);
            signedInputs = [.. Enumerable.Range(0, psbt.Inputs.Count).Where(i => SignatureCount(signed.Inputs[i]) > before[i])];
            return signed;

            void AddDerived(RootedKeyPath origin, byte[] expected, bool xOnly)
            {
                var id = origin.ToString() + (xOnly ? "x" : "c");
                if (seen.Add(id) && TryDerive(origin, expected, xOnly) is { } key)
                {
                    keys.Add(key);
                }
            }
        }
        finally
        {
            foreach (var k in keys)
            {
                k.Dispose();
            }
        }
    }

    /// <summary>The private key at <paramref name="origin"/> when this ring holds it and its public key is <paramref name="expected"/>.</summary>
    private SecretKey? TryDerive(RootedKeyPath origin, ReadOnlySpan<byte> expected, bool xOnly)
    {
        foreach (var (root, rootOrigin) in _roots)
        {
            if (origin.MasterFingerprint != rootOrigin.MasterFingerprint || !StartsWith(origin.KeyPath, rootOrigin.KeyPath))
            {
                continue;
            }

            var rest = new KeyPath([.. origin.KeyPath.Indexes.Skip(rootOrigin.KeyPath.Length)]);
            using var child = root.Derive(rest);
            var pub = xOnly ? child.PublicKey.ToXOnly(out _).ToBytes() : child.PublicKey.ToCompressed();
            if (pub.AsSpan().SequenceEqual(expected))
            {
                return Copy(child.PrivateKey);
            }
        }

        return null;
    }

    /// <summary>True when the ring holds a private key of some key of a descriptor's output (a check that a secret matches its descriptors).</summary>
    public bool CanSignAny(DescriptorSpendInfo spendInfo)
    {
        ArgumentNullException.ThrowIfNull(spendInfo);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var k in spendInfo.KeyOrigins)
        {
            using var key = TryDerive(k.Origin, k.PublicKey.ToCompressed(), xOnly: false);
            if (key is not null || _singles.Any(s => s.PublicKey.Equals(k.PublicKey)))
            {
                return true;
            }
        }

        foreach (var k in spendInfo.TapKeyOrigins)
        {
            using var key = TryDerive(k.Origin, k.Key.ToBytes(), xOnly: true);
            if (key is not null || _singles.Any(s => s.XOnlyPublicKey.Equals(k.Key)))
            {
                return true;
            }
        }

        return false;
    }

    private static int SignatureCount(PsbtInput input) =>
        input.PartialSignatures.Count + input.TapScriptSignatures.Count + (input.TapKeySignature is null ? 0 : 1) + (input.IsFinalized ? 1000 : 0);

    private static bool StartsWith(KeyPath path, KeyPath prefix)
    {
        if (prefix.Length > path.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (path.Indexes[i] != prefix.Indexes[i])
            {
                return false;
            }
        }

        return true;
    }

    private static SecretKey Copy(SecretKey key)
    {
        Span<byte> bytes = stackalloc byte[SecretKey.Size];
        try
        {
            key.WriteTo(bytes);
            return SecretKey.Create(bytes);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (k, _) in _roots)
        {
            k.Dispose();
        }

        foreach (var k in _singles)
        {
            k.Dispose();
        }

        _roots.Clear();
        _singles.Clear();
    }
}
