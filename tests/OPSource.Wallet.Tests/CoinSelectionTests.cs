using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Wallet.CoinSelection;

namespace OPSource.Wallet.Tests;

/// <summary>
/// The coin selection port on Bitcoin Core's own known cases (src/wallet/test/coinselector_tests.cpp and
/// coinselection_tests.cpp, v29): the waste metric, effective values, Branch and Bound, the knapsack solver and
/// CoinGrinder, including CoinGrinder's exact search counts (which catch any divergence of the search order).
/// </summary>
public sealed class CoinSelectionTests
{
    private const long Cent = 1_000_000;
    private const long Coin = 100_000_000;
    private const int MaxStandardTxWeight = 400_000; // Core policy.h MAX_STANDARD_TX_WEIGHT
    private static int _next;

    // Core CoinEligibilityFilter(conf_mine, conf_theirs, max_ancestors): max_descendants = max_ancestors.
    private static readonly EligibilityFilter FilterStandard = new(1, 6, 0, 0);
    private static readonly EligibilityFilter FilterConfirmed = new(1, 1, 0, 0);
    private static readonly EligibilityFilter FilterStandardExtra = new(6, 6, 0, 0);

    private static OPSource.Wallet.CoinSelection.Coin MakeCoin(long value, int inputVBytes, FeeRate feeRate, int depth = 144, bool fromMe = false)
    {
        var id = new byte[32];
        BitConverter.TryWriteBytes(id, Interlocked.Increment(ref _next));
        return new OPSource.Wallet.CoinSelection.Coin(new OutPoint(new TxId(new UInt256(id)), 0), new TxOut(Amount.FromSatoshis(value), Script.Empty), inputVBytes, depth, fromMe, CoinOutputType.Bech32, feeRate);
    }

    private static OutputGroup Group(OPSource.Wallet.CoinSelection.Coin coin, FeeRate longTerm, bool subtractFeeOutputs = false)
    {
        var g = new OutputGroup(longTerm, subtractFeeOutputs);
        g.Insert(coin);
        return g;
    }

    private static List<long> Values(SelectionResult r) => [.. r.Inputs.Select(c => c.Value.Satoshis).Order()];

    // ---------------------------------------------------------------- waste (coinselector_tests.cpp waste_test)

    private const long Fee = 100;
    private const long MinViableChange = 300;
    private const long ChangeCost = 125;
    private const long ChangeFee = 30;
    private const long FeeDiff = 40;
    private const long Excess = 80;
    private const long InAmount = 3 * Coin;
    private const long Target = 2 * Coin;
    private const long ExactTarget = InAmount - (Fee * 2);

    /// <summary>Two coins (1 and 2 BTC) whose input fee is <paramref name="fee"/> now and <paramref name="longTermFee"/> at the long-term rate (100 vB inputs).</summary>
    private static SelectionResult Selection(long target, long fee, long longTermFee)
    {
        var r = new SelectionResult(target, SelectionAlgorithm.Manual);
        var rate = new FeeRate(fee * 10);
        r.AddInputs([MakeCoin(1 * Coin, 100, rate), MakeCoin(2 * Coin, 100, rate)], subtractFeeOutputs: false, new FeeRate(longTermFee * 10));
        return r;
    }

    private static long Waste(SelectionResult r, long changeCost = ChangeCost)
    {
        r.RecalculateWaste(MinViableChange, changeCost, ChangeFee);
        return r.Waste!.Value;
    }

    [Fact]
    public void Waste_metric_matches_cores_cases()
    {
        // With change: the change cost plus (fee - long-term fee) per input.
        var withChange = Waste(Selection(Target, Fee, Fee - FeeDiff));
        Assert.Equal((FeeDiff * 2) + ChangeCost, withChange);
        Assert.True(Waste(Selection(Target, Fee * 2, Fee - FeeDiff)) > withChange);
        var cheaperLater = Waste(Selection(Target, Fee, Fee + FeeDiff));
        Assert.Equal((FeeDiff * -2) + ChangeCost, cheaperLater);
        Assert.True(cheaperLater < withChange);

        // Without change: the excess instead of the change cost.
        var noChange1 = Waste(Selection(ExactTarget - Excess, Fee, Fee - FeeDiff));
        Assert.Equal((FeeDiff * 2) + Excess, noChange1);
        var noChange2 = Waste(Selection(ExactTarget - Excess, Fee, Fee + FeeDiff));
        Assert.Equal((FeeDiff * -2) + Excess, noChange2);
        Assert.True(noChange2 < noChange1);

        Assert.Equal(ChangeCost, Waste(Selection(Target, Fee, Fee)));
        Assert.Equal(Excess, Waste(Selection(ExactTarget - Excess, Fee, Fee)));
        Assert.Equal(0, Waste(Selection(ExactTarget, Fee, Fee)));
        Assert.Equal(0, Waste(Selection(Target, Fee, Fee + FeeDiff), changeCost: FeeDiff * 2));
        Assert.Equal(0, Waste(Selection(ExactTarget - (FeeDiff * 2), Fee, Fee + FeeDiff)));
        Assert.Equal(-2 * FeeDiff, Waste(Selection(ExactTarget, Fee, Fee + FeeDiff)));
        Assert.Equal(-55, Waste(Selection(Target, Fee, Fee + 90)));
    }

    [Fact]
    public void Effective_value_is_value_minus_the_input_fee_at_the_rate()
    {
        // coinselector_tests.cpp effective_value_test
        Assert.Equal(9852, MakeCoin(10_000, 148, new FeeRate(1000)).EffectiveValue.Satoshis);
        Assert.Equal(10_000, MakeCoin(10_000, -1, new FeeRate(1000)).EffectiveValue.Satoshis);
        Assert.Equal(-4800, MakeCoin(10_000, 148, new FeeRate(100_000)).EffectiveValue.Satoshis);
    }

    // ---------------------------------------------------------------- Branch and Bound (coinselection_tests.cpp)

    // coinselection_tests.cpp default parameters: 5 sat/vB now, 10 sat/vB long term, 3 sat/vB discard, P2WPKH sizes.
    private static readonly FeeRate Effective = new(5000);
    private static readonly FeeRate LongTerm = new(10_000);
    private static readonly long CostOfChange = new FeeRate(3000).GetFee(68).Satoshis + Effective.GetFee(31).Satoshis; // 204 + 155

    /// <summary>A group holding one 68 vB coin whose effective value at <paramref name="rate"/> is <paramref name="effectiveValue"/>.</summary>
    private static OutputGroup EffectiveCoin(long effectiveValue, FeeRate rate) =>
        Group(MakeCoin(effectiveValue + rate.GetFee(68).Satoshis, 68, rate, depth: 1), LongTerm);

    private static void AssertBnB(List<OutputGroup> pool, long target, long[] expectedEffective, FeeRate rate)
    {
        var result = CoinSelectionAlgorithms.SelectCoinsBnB(pool, target, CostOfChange, MaxStandardTxWeight, out _);
        Assert.NotNull(result);
        Assert.Equal(SelectionAlgorithm.BranchAndBound, result.Algorithm);
        Assert.Equal(expectedEffective.Select(v => v + rate.GetFee(68).Satoshis).Order().ToList(), Values(result));
    }

    [Fact]
    public void Branch_and_bound_finds_cores_changeless_solutions()
    {
        var pool = new List<OutputGroup> { EffectiveCoin(1 * Cent, Effective), EffectiveCoin(3 * Cent, Effective), EffectiveCoin(5 * Cent, Effective) };
        AssertBnB(pool, 1 * Cent, [1 * Cent], Effective);
        AssertBnB(pool, 3 * Cent, [3 * Cent], Effective);
        AssertBnB(pool, 5 * Cent, [5 * Cent], Effective);
        AssertBnB(pool, 4 * Cent, [1 * Cent, 3 * Cent], Effective);
        AssertBnB(pool, 9 * Cent, [1 * Cent, 3 * Cent, 5 * Cent], Effective);
        AssertBnB(pool, (4 * Cent) - CostOfChange, [1 * Cent, 3 * Cent], Effective); // overshoot up to the cost of change
        Assert.Null(CoinSelectionAlgorithms.SelectCoinsBnB(pool, 10 * Cent, CostOfChange, MaxStandardTxWeight, out var failure));
        Assert.Equal(SelectionFailure.NoSolution, failure);
    }

    [Fact]
    public void Branch_and_bound_prefers_more_inputs_below_the_long_term_rate_and_fewer_above()
    {
        // coinselection_tests.cpp bnb_feerate_sensitivity_test
        var low = new List<OutputGroup> { EffectiveCoin(2 * Cent, Effective), EffectiveCoin(3 * Cent, Effective), EffectiveCoin(5 * Cent, Effective), EffectiveCoin(10 * Cent, Effective) };
        AssertBnB(low, 10 * Cent, [2 * Cent, 3 * Cent, 5 * Cent], Effective);
        var high = new FeeRate(25_000);
        var pool = new List<OutputGroup> { EffectiveCoin(2 * Cent, high), EffectiveCoin(3 * Cent, high), EffectiveCoin(5 * Cent, high), EffectiveCoin(10 * Cent, high) };
        AssertBnB(pool, 10 * Cent, [10 * Cent], high);
    }

    [Fact]
    public void Branch_and_bound_skips_negative_coins_and_reports_the_weight_limit()
    {
        // coinselector_tests.cpp bnb_search_test: 1 sat cannot make 1 cent; a 1 cent coin with fees from the outputs can.
        var rate = new FeeRate(3000);
        Assert.Null(CoinSelectionAlgorithms.SelectCoinsBnB([Group(MakeCoin(1, -1, rate), new FeeRate(1000))], 1 * Cent, 0, MaxStandardTxWeight, out _));
        var sffo = CoinSelectionAlgorithms.SelectCoinsBnB([Group(MakeCoin(1 * Cent, 40, rate), new FeeRate(1000), subtractFeeOutputs: true)], 1 * Cent, CostOfChange, MaxStandardTxWeight, out _);
        Assert.Equal(1 * Cent, sffo!.SelectedValue);

        // Inputs [10, 9, 8, 5 (too heavy), 3, 1] cents, fees from the outputs, target 16: the weight limit is named;
        // a light 5 then gives 8 + 5 + 3 (of the equally wasteful {10, 5, 1} and {8, 5, 3}, BnB keeps the later).
        var five = new FeeRate(5000);
        List<OutputGroup> Pool(bool lightFive)
        {
            var p = new List<OutputGroup>();
            foreach (var (cents, vbytes) in new[] { (10L, 68), (9L, 68), (8L, 68), (5L, MaxStandardTxWeight), (3L, 68), (1L, 68) })
            {
                p.Add(Group(MakeCoin(cents * Cent, vbytes, five), new FeeRate(0), subtractFeeOutputs: true));
            }

            if (lightFive)
            {
                p.Add(Group(MakeCoin(5 * Cent, 68, five), new FeeRate(0), subtractFeeOutputs: true));
            }

            return p;
        }

        Assert.Null(CoinSelectionAlgorithms.SelectCoinsBnB(Pool(false), 16 * Cent, 0, MaxStandardTxWeight, out var failure));
        Assert.Equal(SelectionFailure.MaxWeightExceeded, failure);
        var result = CoinSelectionAlgorithms.SelectCoinsBnB(Pool(true), 16 * Cent, 0, MaxStandardTxWeight, out _);
        Assert.Equal([3 * Cent, 5 * Cent, 8 * Cent], Values(result!));
    }

    // ---------------------------------------------------------------- knapsack (coinselector_tests.cpp knapsack_solver_test)

    private static List<OutputGroup> Eligible(IEnumerable<OPSource.Wallet.CoinSelection.Coin> coins, EligibilityFilter filter) =>
        [.. coins.Select(c => Group(c, new FeeRate(0))).Where(g => g.EligibleForSpending(filter))];

    private static SelectionResult? Knapsack(List<OPSource.Wallet.CoinSelection.Coin> coins, EligibilityFilter filter, long target, Random rng) =>
        CoinSelectionAlgorithms.KnapsackSolver(Eligible(coins, filter), target, Cent, rng, MaxStandardTxWeight, out _);

    private static OPSource.Wallet.CoinSelection.Coin Plain(long value, int depth = 144, bool fromMe = false) => MakeCoin(value, -1, new FeeRate(0), depth, fromMe);

    [Fact]
    public void Knapsack_solves_cores_cases()
    {
        for (var run = 0; run < 20; run++)
        {
            var rng = new Random(run);
            var coins = new List<OPSource.Wallet.CoinSelection.Coin>();
            Assert.Null(Knapsack(coins, FilterStandard, 1 * Cent, rng));
            coins.Add(Plain(1 * Cent, depth: 4));
            Assert.Null(Knapsack(coins, FilterStandard, 1 * Cent, rng)); // a new coin from others is not mature enough
            Assert.Equal(1 * Cent, Knapsack(coins, FilterConfirmed, 1 * Cent, rng)!.SelectedValue);
            coins.Add(Plain(2 * Cent));
            Assert.Null(Knapsack(coins, FilterStandard, 3 * Cent, rng));
            Assert.Equal(3 * Cent, Knapsack(coins, FilterConfirmed, 3 * Cent, rng)!.SelectedValue);
            coins.Add(Plain(5 * Cent));
            coins.Add(Plain(10 * Cent, depth: 3, fromMe: true));
            coins.Add(Plain(20 * Cent));
            Assert.Null(Knapsack(coins, FilterStandard, 38 * Cent, rng));
            Assert.Null(Knapsack(coins, FilterStandardExtra, 38 * Cent, rng));
            Assert.Equal(37 * Cent, Knapsack(coins, FilterStandard, 37 * Cent, rng)!.SelectedValue);
            Assert.Equal(38 * Cent, Knapsack(coins, FilterConfirmed, 38 * Cent, rng)!.SelectedValue);
            var r5 = Knapsack(coins, FilterConfirmed, 34 * Cent, rng)!;
            Assert.Equal(35 * Cent, r5.SelectedValue);
            var r6 = Knapsack(coins, FilterConfirmed, 7 * Cent, rng)!;
            Assert.Equal((7 * Cent, 2), (r6.SelectedValue, r6.Inputs.Count));
            var r7 = Knapsack(coins, FilterConfirmed, 8 * Cent, rng)!;
            Assert.Equal((8 * Cent, 3), (r7.SelectedValue, r7.Inputs.Count));
            var r8 = Knapsack(coins, FilterConfirmed, 9 * Cent, rng)!;
            Assert.Equal((10 * Cent, 1), (r8.SelectedValue, r8.Inputs.Count));

            coins = [Plain(6 * Cent), Plain(7 * Cent), Plain(8 * Cent), Plain(20 * Cent), Plain(30 * Cent)];
            Assert.Equal(71 * Cent, Knapsack(coins, FilterConfirmed, 71 * Cent, rng)!.SelectedValue);
            Assert.Null(Knapsack(coins, FilterConfirmed, 72 * Cent, rng));
            var r10 = Knapsack(coins, FilterConfirmed, 16 * Cent, rng)!;
            Assert.Equal((20 * Cent, 1), (r10.SelectedValue, r10.Inputs.Count));
            coins.Add(Plain(5 * Cent));
            var r11 = Knapsack(coins, FilterConfirmed, 16 * Cent, rng)!;
            Assert.Equal((18 * Cent, 3), (r11.SelectedValue, r11.Inputs.Count));
            coins.Add(Plain(18 * Cent));
            var r12 = Knapsack(coins, FilterConfirmed, 16 * Cent, rng)!;
            Assert.Equal((18 * Cent, 1), (r12.SelectedValue, r12.Inputs.Count)); // on a tie the biggest coin wins
            var r13 = Knapsack(coins, FilterConfirmed, 11 * Cent, rng)!;
            Assert.Equal((11 * Cent, 2), (r13.SelectedValue, r13.Inputs.Count));
            coins.AddRange([Plain(1 * Coin), Plain(2 * Coin), Plain(3 * Coin), Plain(4 * Coin)]);
            var r14 = Knapsack(coins, FilterConfirmed, 95 * Cent, rng)!;
            Assert.Equal((1 * Coin, 1), (r14.SelectedValue, r14.Inputs.Count));
            var r15 = Knapsack(coins, FilterConfirmed, 195 * Cent, rng)!;
            Assert.Equal((2 * Coin, 1), (r15.SelectedValue, r15.Inputs.Count));

            // Fractions of a cent: small change avoidance.
            coins = [Plain(Cent / 10), Plain(Cent * 2 / 10), Plain(Cent * 3 / 10), Plain(Cent * 4 / 10), Plain(Cent * 5 / 10)];
            Assert.Equal(Cent, Knapsack(coins, FilterConfirmed, Cent, rng)!.SelectedValue);
            coins.Add(Plain(1111 * Cent));
            Assert.Equal(Cent, Knapsack(coins, FilterConfirmed, Cent, rng)!.SelectedValue);
            coins.AddRange([Plain(Cent * 6 / 10), Plain(Cent * 7 / 10)]);
            Assert.Equal(Cent, Knapsack(coins, FilterConfirmed, Cent, rng)!.SelectedValue);

            // The 'mtgox' case: ten of twenty 50k coins, exactly.
            coins = [.. Enumerable.Range(0, 20).Select(_ => Plain(50_000 * Coin))];
            var r19 = Knapsack(coins, FilterConfirmed, 500_000 * Coin, rng)!;
            Assert.Equal((500_000 * Coin, 10), (r19.SelectedValue, r19.Inputs.Count));

            coins = [Plain(Cent * 5 / 10), Plain(Cent * 6 / 10), Plain(Cent * 7 / 10), Plain(1111 * Cent)];
            var r20 = Knapsack(coins, FilterConfirmed, Cent, rng)!;
            Assert.Equal((1111 * Cent, 1), (r20.SelectedValue, r20.Inputs.Count));
            coins = [Plain(Cent * 4 / 10), Plain(Cent * 6 / 10), Plain(Cent * 8 / 10), Plain(1111 * Cent)];
            var r21 = Knapsack(coins, FilterConfirmed, Cent, rng)!;
            Assert.Equal((Cent, 2), (r21.SelectedValue, r21.Inputs.Count));

            coins = [Plain(Cent * 5 / 100), Plain(Cent), Plain(Cent * 100)];
            var r22 = Knapsack(coins, FilterConfirmed, Cent * 10001 / 100, rng)!;
            Assert.Equal((Cent * 10105 / 100, 3), (r22.SelectedValue, r22.Inputs.Count));
            var r23 = Knapsack(coins, FilterConfirmed, Cent * 9990 / 100, rng)!;
            Assert.Equal((101 * Cent, 2), (r23.SelectedValue, r23.Inputs.Count));
        }
    }

    [Fact]
    public void Knapsack_with_many_equal_inputs_and_the_sort_order()
    {
        var rng = new Random(7);
        for (long amount = 1500; amount < Coin; amount *= 10)
        {
            var coins = Enumerable.Range(0, 676).Select(_ => Plain(amount)).ToList();
            var r = Knapsack(coins, FilterConfirmed, 2000, rng)!;
            if (amount - 2000 < Cent)
            {
                var count = (int)Math.Ceiling((2000.0 + Cent) / amount);
                Assert.Equal((amount * count, count), (r.SelectedValue, r.Inputs.Count));
            }
            else
            {
                Assert.Equal((amount, 1), (r.SelectedValue, r.Inputs.Count));
            }
        }

        // ApproximateBestSubset: 1000 coins of 1000 BTC and one of 3 BTC make 1003 BTC in two coins.
        var many = Enumerable.Range(0, 1000).Select(_ => Plain(1000 * Coin)).Append(Plain(3 * Coin)).ToList();
        var best = Knapsack(many, FilterStandard, 1003 * Coin, rng)!;
        Assert.Equal((1003 * Coin, 2), (best.SelectedValue, best.Inputs.Count));
    }

    // ---------------------------------------------------------------- CoinGrinder (coinselector_tests.cpp coin_grinder_tests)

    private static readonly FeeRate GrinderRate = new(5000);
    private static readonly FeeRate GrinderLongTerm = new(2000);

    private static SelectionResult? Grinder(long target, int maxWeight, IEnumerable<(long Value, int VBytes)> coins, out SelectionFailure failure) =>
        CoinSelectionAlgorithms.CoinGrinder([.. coins.Select(c => Group(MakeCoin(c.Value, c.VBytes, GrinderRate), GrinderLongTerm)).Where(g => g.EffectiveValue > 0)], target, Cent, maxWeight, out failure);

    [Fact]
    public void Coin_grinder_finds_the_lightest_set_with_cores_search_counts()
    {
        // 2) Every solution exceeds the weight limit.
        var twenty = Enumerable.Range(0, 10).SelectMany(_ => new[] { (1 * Coin, 68), (2 * Coin, 68) });
        Assert.Null(Grinder((long)(29.5m * Coin), 3000, twenty, out var failure));
        Assert.Equal(SelectionFailure.MaxWeightExceeded, failure);

        // 3) The lowest-weight solution when some combinations exceed the limit: 10 × 2 BTC + 17 × 0.33 BTC in 37 tries.
        var mixed = Enumerable.Range(0, 60).Select(_ => ((long)(0.33m * Coin), 68)).Concat(Enumerable.Range(0, 10).Select(_ => (2 * Coin, 68)));
        var r3 = Grinder((long)(25.33m * Coin), 10_000, mixed, out _)!;
        Assert.Equal([.. Enumerable.Repeat((long)(0.33m * Coin), 17), .. Enumerable.Repeat(2 * Coin, 10)], Values(r3));
        Assert.Equal(37, r3.SelectionsEvaluated);

        // 4) Two lighter 1 BTC coins beat one heavier 2 BTC coin, in 3 tries.
        var r4 = Grinder((long)(1.9m * Coin), 400_000, [(2 * Coin, 148), (1 * Coin, 68), (1 * Coin, 68)], out _)!;
        Assert.Equal([1 * Coin, 1 * Coin], Values(r4));
        Assert.Equal(3, r4.SelectionsEvaluated);

        // 5) Mixed weights: heavy {3,6,9,12,15}, medium {2,5,8,11,14}, light {1,4,7,10,13} BTC; 14 + 13 + 4 in 92 tries.
        var pool = new List<(long, int)>();
        for (var j = 0; j < 5; j++)
        {
            pool.Add(((3 + (3 * j)) * Coin, 350));
            pool.Add(((2 + (3 * j)) * Coin, 250));
            pool.Add(((1 + (3 * j)) * Coin, 150));
        }

        var r5 = Grinder(30 * Coin, 400_000, pool, out _)!;
        Assert.Equal([4 * Coin, 13 * Coin, 14 * Coin], Values(r5));
        Assert.Equal(92, r5.SelectionsEvaluated);
    }
}
