using OPSource.Bitcoin.Keys;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Layers.Rsk;

/// <summary>Which BIP44 coin type an account path uses.</summary>
public enum RskDerivation
{
    /// <summary>RSK's own: m/44'/137'/0'/0/i on mainnet, m/44'/37310'/0'/0/i on testnet and regtest.</summary>
    Rsk,

    /// <summary>Ethereum's m/44'/60'/0'/0/i (what MetaMask-style wallets derive on any EVM chain).</summary>
    Ethereum,
}

/// <summary>
/// An RSK account derived from a BIP32 seed: the secp256k1 key at the BIP44 path and its address. Owns the secret
/// key; dispose it when done (the key's buffer is zeroed).
/// </summary>
public sealed class RskAccount : IDisposable
{
    private readonly SecretKey _key;

    private RskAccount(SecretKey key, KeyPath path)
    {
        _key = key;
        Path = path;
        Address = RskAddress.FromPublicKey(key.PublicKey);
    }

    /// <summary>The BIP32 path the key was derived at.</summary>
    public KeyPath Path { get; }

    /// <summary>The account address.</summary>
    public RskAddress Address { get; }

    /// <summary>The public key.</summary>
    public PublicKey PublicKey => _key.PublicKey;

    /// <summary>The signing key (owned by this account).</summary>
    internal SecretKey Key => _key;

    /// <summary>The BIP44 path of account index <paramref name="index"/>: m/44'/coin'/0'/0/index.</summary>
    public static KeyPath PathFor(RskChain chain, uint index, RskDerivation derivation = RskDerivation.Rsk)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (KeyPath.IsHardened(index))
        {
            throw new RskException(RskErrorKind.InvalidRequest, $"rsk account: index {index} must be below 2^31");
        }

        var coin = derivation == RskDerivation.Ethereum ? 60u : chain.CoinType;
        return new KeyPath(KeyPath.Harden(44), KeyPath.Harden(coin), KeyPath.Harden(0), 0, index);
    }

    /// <summary>Derives account <paramref name="index"/> from a BIP32 seed (16..64 bytes; a BIP39 seed is 64).</summary>
    public static RskAccount FromSeed(ReadOnlySpan<byte> seed, RskChain chain, uint index, RskDerivation derivation = RskDerivation.Rsk)
    {
        var path = PathFor(chain, index, derivation);
        using var master = ExtKey.CreateMaster(seed);
        using var child = master.Derive(path);
        Span<byte> secret = stackalloc byte[SecretKey.Size];
        try
        {
            child.PrivateKey.WriteTo(secret);
            return new RskAccount(SecretKey.Create(secret), path);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>An account for a raw 32-byte secret key (tests, imported keys); the path is the root.</summary>
    public static RskAccount FromSecretKey(ReadOnlySpan<byte> secret32) => new(SecretKey.Create(secret32), KeyPath.Root);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"RskAccount({Address}, {Path})";
}
