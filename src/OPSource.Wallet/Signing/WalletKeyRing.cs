using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Signing;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Wallet.Signing;

/// <summary>
/// The private keys of an unlocked wallet: extended keys with their BIP32 origins (a BIP39 master, or
/// the xprvs of imported descriptors) and single keys (WIF), held in a <see cref="SigningKeyStore"/>. It
/// is the wallet's <see cref="ISigningKeyProvider"/>: the PSBT signer asks it for the key of each BIP32 /
/// taproot derivation in an input (the store derives it from the root with that fingerprint and checks
/// the public key, as a hardware signer does) and of each key or key hash in the input's scripts.
/// Disposing wipes every key.
/// </summary>
public sealed class WalletKeyRing : ISigningKeyProvider, IDisposable
{
    private readonly SigningKeyStore _store = new();
    private readonly HashSet<KeyFingerprint> _fingerprints = [];
    private bool _disposed;

    /// <summary>Master fingerprints (and origins' fingerprints) this ring can sign for.</summary>
    public IReadOnlySet<KeyFingerprint> Fingerprints => _fingerprints;

    /// <summary>True when the ring holds no key.</summary>
    public bool IsEmpty { get; private set; } = true;

    /// <summary>A ring holding a BIP32 master key (from a BIP39 seed); takes ownership.</summary>
    public static WalletKeyRing FromMaster(ExtKey master)
    {
        ArgumentNullException.ThrowIfNull(master);
        var ring = new WalletKeyRing();
        ring.AddExtendedKey(master, new RootedKeyPath(master.Fingerprint, KeyPath.Root));
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
        _store.AddExtendedKey(key, origin);
        _fingerprints.Add(origin.MasterFingerprint);
        IsEmpty = false;
    }

    /// <summary>Adds a single private key (WIF import); takes ownership.</summary>
    public void AddKey(SecretKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _store.AddKey(key);
        IsEmpty = false;
    }

    /// <summary>Adds the private keys of a descriptor.</summary>
    public void Add(Descriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var s in descriptor.GetSecrets())
        {
            if (s.ExtKey is not null)
            {
                AddExtendedKey(s.ExtKey, s.Origin!);
            }
            else if (s.Key is not null)
            {
                AddKey(s.Key);
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
        var before = psbt.Inputs.Select(SignatureCount).ToList();
        psbt.TrySign(this, out var signed, out refusals);
        signedInputs = [.. Enumerable.Range(0, psbt.Inputs.Count).Where(i => SignatureCount(signed.Inputs[i]) > before[i])];
        return signed;
    }

    /// <summary>True when the ring holds a private key of some key of a descriptor's output (a check that a secret matches its descriptors).</summary>
    public bool CanSignAny(DescriptorSpendInfo spendInfo)
    {
        ArgumentNullException.ThrowIfNull(spendInfo);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var k in spendInfo.KeyOrigins)
        {
            var pub = k.PublicKey.ToCompressed();
            if (TryGetKey(k.Origin, pub, out _) || TransactionSigner.FindEcdsaKey([], this, pub, witnessV0: false) is not null)
            {
                return true;
            }
        }

        foreach (var k in spendInfo.TapKeyOrigins)
        {
            if (TryGetKey(k.Origin, k.Key.ToBytes(), out _) || TryGetKey(k.Key, out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public bool TryGetKey(ReadOnlySpan<byte> keyHash160, [NotNullWhen(true)] out SecretKey? key, out bool compressed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _store.TryGetKey(keyHash160, out key, out compressed);
    }

    /// <inheritdoc/>
    public bool TryGetKey(XOnlyPublicKey xOnly, [NotNullWhen(true)] out SecretKey? key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _store.TryGetKey(xOnly, out key);
    }

    /// <inheritdoc/>
    public bool TryGetKey(RootedKeyPath origin, ReadOnlySpan<byte> publicKey, [NotNullWhen(true)] out SecretKey? key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _store.TryGetKey(origin, publicKey, out key);
    }

    /// <inheritdoc/>
    public bool TryGetTweakedKey(SecretKey internalKey, UInt256? merkleRoot, [NotNullWhen(true)] out SecretKey? tweaked)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _store.TryGetTweakedKey(internalKey, merkleRoot, out tweaked);
    }

    private static int SignatureCount(PsbtInput input) =>
        input.PartialSignatures.Count + input.TapScriptSignatures.Count + (input.TapKeySignature is null ? 0 : 1) + (input.IsFinalized ? 1000 : 0);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _store.Dispose();
        _fingerprints.Clear();
    }
}
