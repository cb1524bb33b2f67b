using OPSource.Bitcoin.Keys;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Addresses;

/// <summary>
/// The address a BIP44/49/84/86 account gives each derived key, and the BIP86 key-path-only
/// taproot tweak. Use with <see cref="AccountPath"/> and <see cref="ExtPubKey"/>.
/// </summary>
public static class AccountAddresses
{
    /// <summary>The address type each purpose produces.</summary>
    public static AddressType AddressTypeOf(AccountPurpose purpose) => purpose switch
    {
        AccountPurpose.Bip44 => AddressType.P2pkh,
        AccountPurpose.Bip49 => AddressType.P2sh,
        AccountPurpose.Bip84 => AddressType.P2wpkh,
        AccountPurpose.Bip86 => AddressType.P2tr,
        _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
    };

    /// <summary>
    /// The address of a derived key: BIP44 P2PKH (compressed key), BIP49 P2SH-P2WPKH,
    /// BIP84 P2WPKH, BIP86 P2TR with no script tree.
    /// </summary>
    public static Address ForKey(PublicKey key, AccountPurpose purpose, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return purpose switch
        {
            AccountPurpose.Bip44 => Address.P2pkh(key, network),
            AccountPurpose.Bip49 => Address.P2shP2wpkh(key, network),
            AccountPurpose.Bip84 => Address.P2wpkh(key, network),
            AccountPurpose.Bip86 => Address.P2tr(Bip86OutputKey(key), network),
            _ => throw new ArgumentOutOfRangeException(nameof(purpose)),
        };
    }

    /// <summary>
    /// The address at <c>change/index</c> below an account-level extended public key
    /// (<c>m/purpose'/coin'/account'</c>).
    /// </summary>
    public static Address Derive(ExtPubKey accountKey, AccountPurpose purpose, Network network, bool change, uint index)
    {
        ArgumentNullException.ThrowIfNull(accountKey);
        return ForKey(accountKey.Derive(change ? 1u : 0u).Derive(index).PublicKey, purpose, network);
    }

    /// <summary>
    /// BIP86: the output key Q = P + int(hash_TapTweak(bytes(P)))·G, with P the x-only internal
    /// key and no script tree (BIP341 taproot_output_script with an empty tree).
    /// </summary>
    public static XOnlyPublicKey Bip86OutputKey(PublicKey internalKey)
    {
        return Bip86OutputKey(internalKey.ToXOnly(out _));
    }

    /// <summary>BIP86 output key of an x-only internal key.</summary>
    public static XOnlyPublicKey Bip86OutputKey(XOnlyPublicKey internalKey)
    {
        Span<byte> tweak = stackalloc byte[32];
        // BIP86: "t = hash_TapTweak(bytes(P))" — no merkle root is appended.
        Hashes.TaggedHash("TapTweak", internalKey.ToBytes(), tweak);
        return internalKey.TryAddTweak(tweak, out var outputKey, out _)
            ? outputKey
            : throw new InvalidOperationException("bip86: taproot tweak gave an invalid key (probability < 2^-127)");
    }
}
