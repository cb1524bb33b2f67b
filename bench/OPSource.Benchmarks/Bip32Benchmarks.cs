using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;

namespace OPSource.Benchmarks;

/// <summary>
/// BIP32/BIP84 receive-address generation: 1,000 addresses m/84'/0'/0'/0/i as P2WPKH strings,
/// the way a watch-only wallet (from the account xpub) and a signing wallet (from the master key) do it.
/// </summary>
[MemoryDiagnoser]
public class Bip32Benchmarks
{
    private const int Count = 1000;
    private ExtKey _master = null!;
    private ExtPubKey _accountXpub = null!;
    private readonly AccountPath _account = new(AccountPurpose.Bip84, Network.Mainnet);

    [GlobalSetup]
    public void Setup()
    {
        using var mnemonic = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        using var seed = mnemonic.DeriveSeed();
        _master = ExtKey.CreateMaster(seed);
        using var account = _master.Derive(_account.KeyPath);
        _accountXpub = account.Neuter();
    }

    [GlobalCleanup]
    public void Cleanup() => _master.Dispose();

    /// <summary>Watch-only: CKDpub from the account xpub (receive chain derived once), then HASH160 + bech32.</summary>
    [Benchmark(Baseline = true)]
    public int ReceiveAddresses_FromAccountXpub()
    {
        var chain = _accountXpub.Derive(0);
        var total = 0;
        for (uint i = 0; i < Count; i++)
        {
            total += Address.P2wpkh(chain.Derive(i).PublicKey, Network.Mainnet).ToString().Length;
        }

        return total;
    }

    /// <summary>Signing wallet: full private derivation of m/84'/0'/0'/0/i from the master key for every address.</summary>
    [Benchmark]
    public int ReceiveAddresses_FromMasterFullPath()
    {
        var total = 0;
        for (uint i = 0; i < Count; i++)
        {
            using var key = _master.Derive(_account.ReceivePath(i));
            total += Address.P2wpkh(key.PublicKey, Network.Mainnet).ToString().Length;
        }

        return total;
    }

    /// <summary>BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds) + master key, for scale.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public int MnemonicToMasterKey()
    {
        using var mnemonic = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        using var seed = mnemonic.DeriveSeed();
        using var master = ExtKey.CreateMaster(seed);
        return master.Depth;
    }
}
