using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Dlc;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;
using OPSource.Dlc.Transactions;

namespace OPSource.Benchmarks;

/// <summary>
/// The contracts of the DLC benchmark: a single-oracle numeric contract over 17 binary digits with a
/// non-trivial curve (collars, a quadratic rise, a hyperbola tail, two rounding intervals), and a 3-of-5
/// numeric contract with allowed differences (bounded error) over 12 digits with the same shape.
/// </summary>
public static class DlcBenchContracts
{
    public static (OfferDlc Offer, DlcParty Accept, SecretKey OfferKey, SecretKey AcceptKey) Create(string name)
    {
        int digits = name == "single-17" ? 17 : 12;
        int oracles = name == "single-17" ? 1 : 5;
        ulong scale = 1UL << digits; // domain size
        ulong max = (1UL << digits) - 1;
        ulong F(double fraction) => (ulong)(fraction * scale);
        var total = Amount.FromSatoshis(100_000_000);
        // 0 below 15% of the domain, a quadratic rise to 50% of the collateral at 45%, a hyperbola
        // (inverse-price payout) from 45% to 80%, the whole collateral above.
        var function = new PayoutFunction(
            [
                new PayoutFunctionPiece(new PayoutPoint(0, Amount.Zero, 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(F(0.15), Amount.Zero, 0), new PolynomialPayoutCurvePiece([new PayoutPoint(F(0.30), Amount.FromSatoshis(20_000_000), 0)])),
                new PayoutFunctionPiece(new PayoutPoint(F(0.45), Amount.FromSatoshis(50_000_000), 0), new HyperbolaPayoutCurvePiece(true, 0, 150_000_000, 1, 0, 0, -100_000_000.0 * F(0.45))),
                new PayoutFunctionPiece(new PayoutPoint(F(0.80), Amount.FromSatoshis((long)(150_000_000 - (100_000_000.0 * F(0.45) / F(0.80)))), 0), new PolynomialPayoutCurvePiece([])),
                new PayoutFunctionPiece(new PayoutPoint(F(0.80) + 1, total, 0), new PolynomialPayoutCurvePiece([])),
            ],
            new PayoutPoint(max, total, 0));
        var rounding = new RoundingIntervals([new RoundingInterval(0, 100_000), new RoundingInterval(F(0.45), 250_000)]);
        var descriptor = new NumericOutcomeContractDescriptor((ushort)digits, function, rounding);
        var announcements = Enumerable.Range(0, oracles).Select(i =>
        {
            using var key = SecretKey.Create(Bytes(0x40 + i));
            var nonces = Enumerable.Range(0, digits).Select(d => SecretKey.Create(Bytes(0x80 + (i * 32) + d))).ToArray();
            return OracleSigner.Announce(key, nonces, 1_700_000_000, new DigitDecompositionEventDescriptor(2, false, "usd/btc", 0, (ushort)digits), "price-" + i);
        }).ToArray();
        OracleInfo oracleInfo = oracles == 1 ? new SingleOracleInfo(announcements[0]) : new MultiOracleInfo(3, announcements, new OracleParams(6, 4, true));
        var info = new SingleContractInfo(total, new ContractInfoInner(descriptor, oracleInfo));

        var offerKey = SecretKey.Create(Bytes(1));
        var acceptKey = SecretKey.Create(Bytes(2));
        FundingInput Coin(int seed, SecretKey owner)
        {
            var prev = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(Bytes(seed)), 0))], [new TxOut(Amount.FromSatoshis(60_000_000), StandardScripts.PayToWitnessPubKeyHash(owner.PublicKey))], new LockTime(0));
            return FundingInput.Create((ulong)seed, prev, 0, 0xffffffff, 108, Script.Empty);
        }

        var payoutA = StandardScripts.PayToWitnessPubKeyHash(offerKey.PublicKey);
        var payoutB = StandardScripts.PayToWitnessPubKeyHash(acceptKey.PublicKey);
        var offer = new OfferDlc(1, 0, Network.Regtest.GenesisBlockHash.ToBytes(), ContractId.FromBytes(Bytes(9)), info, offerKey.PublicKey, payoutA, 10, Amount.FromSatoshis(50_000_000), [Coin(3, offerKey)], payoutA, 11, 12, 2, 1_700_000_000, 1_700_604_800);
        var accept = new DlcParty(acceptKey.PublicKey, payoutB, 20, [Coin(4, acceptKey)], payoutB, 21, Amount.FromSatoshis(50_000_000));
        return (offer, accept, offerKey, acceptKey);
    }

    private static byte[] Bytes(int seed)
    {
        var b = new byte[32];
        b[31] = (byte)seed;
        b[30] = (byte)(seed >> 8);
        b[0] = 1;
        return b;
    }

    /// <summary><c>dlc-run</c>: one timed build + sign + verify per contract (quick look; docs use BenchmarkDotNet).</summary>
    public static int Run(TextWriter output)
    {
        foreach (var name in new[] { "single-17", "3of5-diff" })
        {
            var (offer, accept, offerKey, _) = Create(name);
            var sw = Stopwatch.StartNew();
            var setup = DlcSetup.Create(offer, accept);
            var built = sw.Elapsed;
            var sigs = CetSigning.SignCets(setup.Plan, setup.Transactions, offerKey);
            var signedAt = sw.Elapsed;
            var bad = CetSigning.VerifyCets(setup.Plan, setup.Transactions, offerKey.PublicKey, sigs);
            var total = sw.Elapsed;
            output.WriteLine($"{name}: {setup.Plan.Cets.Count} CETs, {setup.Plan.Slots.Count} adaptor signatures; build {built.TotalSeconds:0.00} s, sign {(signedAt - built).TotalSeconds:0.00} s, verify {(total - signedAt).TotalSeconds:0.00} s, total {total.TotalSeconds:0.00} s (verify {(bad < 0 ? "ok" : "FAILED at " + bad)})");
        }

        return 0;
    }
}

/// <summary>
/// One job for operations of seconds: no pilot, one warm-up and three measured iterations, in process with an hour
/// per benchmark (3-of-5 single-core signing takes minutes on a loaded machine; the
/// out-of-process build of this project alone takes minutes on the shared 2-core machine).
/// </summary>
public sealed class DlcBenchmarkConfig : ManualConfig
{
    public DlcBenchmarkConfig() =>
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
}

/// <summary>
/// Build (curve evaluation, compression, CETs), adaptor-sign and verify every CET of the two benchmark
/// contracts. Signing and verification run on all cores; the single-core sign is the in-run reference.
/// </summary>
[Config(typeof(DlcBenchmarkConfig))]
public class DlcBenchmarks
{
    private OfferDlc _offer = null!;
    private DlcParty _accept = null!;
    private SecretKey _key = null!;
    private DlcSetup _setup = null!;
    private AdaptorSignature[] _sigs = [];

    [Params("single-17", "3of5-diff")]
    public string Contract { get; set; } = "single-17";

    [GlobalSetup]
    public void Setup()
    {
        (_offer, _accept, _key, _) = DlcBenchContracts.Create(Contract);
        _setup = DlcSetup.Create(_offer, _accept);
        _sigs = CetSigning.SignCets(_setup.Plan, _setup.Transactions, _key);
    }

    [Benchmark]
    public int BuildSignVerify()
    {
        var setup = DlcSetup.Create(_offer, _accept);
        var sigs = CetSigning.SignCets(setup.Plan, setup.Transactions, _key);
        return CetSigning.VerifyCets(setup.Plan, setup.Transactions, _key.PublicKey, sigs);
    }

    [Benchmark]
    public int Build() => DlcSetup.Create(_offer, _accept).Plan.Slots.Count;

    [Benchmark]
    public int Sign() => CetSigning.SignCets(_setup.Plan, _setup.Transactions, _key).Length;

    [Benchmark(Baseline = true)]
    public int SignOneCore() => CetSigning.SignCets(_setup.Plan, _setup.Transactions, _key, 1).Length;

    [Benchmark]
    public int Verify() => CetSigning.VerifyCets(_setup.Plan, _setup.Transactions, _key.PublicKey, _sigs);
}
