using System.Security.Cryptography;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Wallet.Signing;

namespace OPSource.Wallet.Tests;

/// <summary>Offline helpers: seed wallets and fake blocks that pay them.</summary>
internal static class WalletFixtures
{
    public static readonly Network Net = Network.Regtest;

    public static ExtKey Master(int seed) => ExtKey.CreateMaster(SHA256.HashData(BitConverter.GetBytes(seed)));

    public static (DescriptorWallet Wallet, WalletKeyRing Keys) SeedWallet(WalletTemplate template, int seed = 1)
    {
        var master = Master(seed);
        var (ext, @int) = DescriptorTemplates.Account(master, template, Net);
        var keys = WalletKeyRing.FromMaster(master);
        var wallet = DescriptorWallet.Create(ext, @int, Net, out _, new DescriptorWalletOptions { SigningFingerprints = keys.Fingerprints });
        return (wallet, keys);
    }

    private static int _counter;

    /// <summary>A block at tip+1 of the wallet holding a transaction that pays the given scripts from a made-up coin.</summary>
    public static Transaction Fund(DescriptorWallet wallet, params (Script Spk, long Sats)[] outputs)
    {
        var input = new OutPoint(new TxId(new UInt256(SHA256.HashData(BitConverter.GetBytes(Interlocked.Increment(ref _counter))))), 0);
        var tx = new Transaction(2, [new TxIn(input)], outputs.Select(o => new TxOut(Amount.FromSatoshis(o.Sats), o.Spk)), LockTime.Zero);
        Mine(wallet, tx);
        return tx;
    }

    public static void Mine(DescriptorWallet wallet, params Transaction[] txs)
    {
        var tip = wallet.Tip;
        var coinbase = new Transaction(2, [new TxIn(OutPoint.Null, new ScriptBuilder().PushNumber(tip.Height + 1).Build(), Sequence.Final, Witness.Empty)],
            [new TxOut(Amount.FromSatoshis(50_0000_0000), Script.FromHex("51"))], LockTime.Zero);
        var header = new BlockHeader(4, tip.Hash, default, (uint)(1_700_000_000 + tip.Height * 600), 0x207fffff, 0);
        wallet.ApplyBlock(new Block(header, [coinbase, .. txs]), tip.Height + 1);
    }
}
