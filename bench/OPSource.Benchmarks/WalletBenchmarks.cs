using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.Wallet;
using OPSource.Wallet.CoinSelection;

namespace OPSource.Benchmarks;

/// <summary>
/// Addresses a wallet derives per second, for each template: the descriptor step alone (BIP32 public derivation,
/// script, address text) and the wallet's own reveal (gap-limit lookahead index and changeset included).
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*WalletAddress*' --job short
/// </summary>
[MemoryDiagnoser]
public class WalletAddressBenchmarks
{
    private const int Count = 1000;
    private Descriptor _external = null!;
    private Descriptor _internal = null!;

    /// <summary>The account template.</summary>
    [Params(WalletTemplate.Bip44, WalletTemplate.Bip49, WalletTemplate.Bip84, WalletTemplate.Bip86)]
    public WalletTemplate Template { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        using var master = ExtKey.CreateMaster(SHA256.HashData("wallet address benchmark"u8));
        (_external, _internal) = DescriptorTemplates.Account(master, Template, Network.Regtest);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Count)]
    public string Descriptor_to_address()
    {
        var last = "";
        for (uint i = 0; i < Count; i++)
        {
            var script = _external.GetScriptPubKeys(i)[0];
            last = Address.TryFromScriptPubKey(script.ToBytes(), Network.Regtest, out var a) ? a.ToString() : "";
        }

        return last;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public string Wallet_reveal_next_address()
    {
        var wallet = DescriptorWallet.Create(_external, _internal, Network.Regtest, out _);
        var last = "";
        for (var i = 0; i < Count; i++)
        {
            last = wallet.RevealNextAddress(WalletKeychain.External).Address!.ToString();
        }

        return last;
    }
}

/// <summary>
/// Coin selection for a wallet of 10,000 UTXOs (P2WPKH, values spread log-uniformly over 10,000 sat to 1 BTC, fixed
/// seed): Core's full flow (eligibility filters, BnB, CoinGrinder, knapsack and SRD, least waste wins) at a low fee
/// rate (BnB and knapsack carry the load) and a high one (CoinGrinder runs), for a payment of 0.05 and of 3 BTC.
/// dotnet run -c Release --project bench/OPSource.Benchmarks -- --filter '*CoinSelection*' --job short
/// </summary>
[MemoryDiagnoser]
public class CoinSelectionBenchmarks
{
    private const int Utxos = 10_000;
    private List<Coin> _coins = [];
    private SelectionParams _params = null!;

    /// <summary>Fee rate, sat/vB.</summary>
    [Params(2, 40)]
    public int FeeRateSatVb { get; set; }

    /// <summary>Payment, in satoshis.</summary>
    [Params(5_000_000, 300_000_000)]
    public long Target { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(20261207);
        var rate = FeeRate.FromSatoshisPerVByte(FeeRateSatVb);
        _coins = [];
        for (var i = 0; i < Utxos; i++)
        {
            var id = new byte[32];
            BitConverter.TryWriteBytes(id, i + 1);
            var value = (long)Math.Exp(Math.Log(10_000) + (rng.NextDouble() * (Math.Log(100_000_000) - Math.Log(10_000))));
            var depth = 1 + rng.Next(500);
            _coins.Add(new Coin(new OutPoint(new TxId(new UInt256(id)), 0), new TxOut(Amount.FromSatoshis(value), Script.Empty), 68, depth, fromMe: rng.Next(4) == 0, CoinOutputType.Bech32, rate));
        }

        // Core's parameters for a P2WPKH change output (31 bytes, spent with 68 vB), 10 sat/vB long-term, 3 sat/vB discard.
        var changeFee = rate.GetFee(31).Satoshis;
        var minViable = new FeeRate(3000).GetFee(68).Satoshis;
        _params = new SelectionParams
        {
            ChangeOutputSize = 31,
            ChangeSpendSize = 68,
            MinChangeTarget = CoinSelectionAlgorithms.GenerateChangeTarget(Target, changeFee, new Random(1)),
            MinViableChange = minViable,
            ChangeFee = changeFee,
            CostOfChange = minViable + changeFee,
            EffectiveFeeRate = rate,
            LongTermFeeRate = new FeeRate(10_000),
            DiscardFeeRate = new FeeRate(3000),
            TxNoInputsSize = 11 + 31,
        };
    }

    [Benchmark]
    public long Select_from_10000_utxos() =>
        CoinSelector.SelectCoins(_coins, [], Target, _params, new Random(7)).SelectedValue;
}
