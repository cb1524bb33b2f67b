using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Wallet.CoinSelection;

/// <summary>
/// Core's CoinSelectionParams: sizes and fee rates that turn a payment into a selection target, a cost of
/// change and a change budget (wallet/spend.cpp CreateTransactionInternal computes them).
/// </summary>
public sealed record SelectionParams
{
    /// <summary>Serialized size of the change output.</summary>
    public int ChangeOutputSize { get; init; }

    /// <summary>Virtual size of the input that will spend the change later.</summary>
    public int ChangeSpendSize { get; init; }

    /// <summary>Minimum change the knapsack solver and CoinGrinder aim for (random, see <see cref="CoinSelectionAlgorithms.GenerateChangeTarget"/>).</summary>
    public long MinChangeTarget { get; init; }

    /// <summary>Below this, change is dropped to fees.</summary>
    public long MinViableChange { get; init; }

    /// <summary>Fee of the change output.</summary>
    public long ChangeFee { get; init; }

    /// <summary>Fee of the change output now plus the fee to spend it later.</summary>
    public long CostOfChange { get; init; }

    /// <summary>The target fee rate.</summary>
    public FeeRate EffectiveFeeRate { get; init; }

    /// <summary>The rate at which coins would be spent later (Core -consolidatefeerate, 10 sat/vB).</summary>
    public FeeRate LongTermFeeRate { get; init; } = new(10_000);

    /// <summary>Change worth less than its spending cost at this rate is dropped (Core -discardfee, 10 sat/vB).</summary>
    public FeeRate DiscardFeeRate { get; init; } = new(10_000);

    /// <summary>Virtual size of the transaction without inputs and change.</summary>
    public int TxNoInputsSize { get; init; }

    /// <summary>Fees come out of the recipients' amounts.</summary>
    public bool SubtractFeeOutputs { get; init; }

    /// <summary>Spend all coins of a script together (Core -avoidpartialspends).</summary>
    public bool AvoidPartialSpends { get; init; }

    /// <summary>Allow unconfirmed coins from others as a last resort.</summary>
    public bool IncludeUnsafeInputs { get; init; }

    /// <summary>Maximum transaction weight (Core MAX_STANDARD_TX_WEIGHT 400,000).</summary>
    public int MaxTxWeight { get; init; } = 400_000;

    /// <summary>Spend unconfirmed change (Core -spendzeroconfchange, default on).</summary>
    public bool SpendZeroConfChange { get; init; } = true;

    /// <summary>Mempool ancestor/descendant limit (Core DEFAULT_ANCESTOR_LIMIT 25).</summary>
    public int MaxAncestors { get; init; } = 25;

    /// <summary>Reject long unconfirmed chains (Core -walletrejectlongchains, default on).</summary>
    public bool RejectLongChains { get; init; } = true;
}

/// <summary>What coin selection could not do.</summary>
public sealed class CoinSelectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CoinSelectionException(bool insufficientFunds, string message) : base(message) => InsufficientFunds = insufficientFunds;

    /// <summary>Creates the exception.</summary>
    public CoinSelectionException() { }

    /// <summary>Creates the exception.</summary>
    public CoinSelectionException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public CoinSelectionException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>True for plain "not enough funds"; false for a specific limit (weight, chain length).</summary>
    public bool InsufficientFunds { get; }
}

/// <summary>
/// Core's selection driver (wallet/spend.cpp): groups coins, walks the eligibility filters from strict
/// (6 confirmations for coins from others) to permissive (unconfirmed change), tries each output type
/// alone first, and in each attempt runs BnB, knapsack, CoinGrinder (above 3x the long-term rate) and
/// SRD, keeping the result with the least waste.
/// </summary>
public static class CoinSelector
{
    /// <summary>Core OUTPUT_GROUP_MAX_ENTRIES: avoid-partial-spends groups hold at most 100 coins.</summary>
    public const int OutputGroupMaxEntries = 100;

    /// <summary>
    /// Selects coins for <paramref name="target"/> (recipients plus non-input fees). Preselected coins
    /// (coin control "must use") are always included; with <paramref name="allowOtherInputs"/> false
    /// they must cover the target alone.
    /// </summary>
    /// <exception cref="CoinSelectionException">No selection exists.</exception>
    public static SelectionResult SelectCoins(
        IReadOnlyList<Coin> available, IReadOnlyList<Coin> preselected, long target, SelectionParams p, Random rng, bool allowOtherInputs = true)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(preselected);
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(rng);
        var presetTotal = preselected.Sum(c => p.SubtractFeeOutputs ? c.Value.Satoshis : c.EffectiveValue.Satoshis);
        var selectionTarget = target - presetTotal;
        if (!allowOtherInputs && selectionTarget > 0)
        {
            throw new CoinSelectionException(true, "the selected coins do not cover the amount and fee; allow other inputs or select more coins");
        }

        if (selectionTarget <= 0)
        {
            var manual = new SelectionResult(target, SelectionAlgorithm.Manual);
            manual.AddInputs(preselected, p.SubtractFeeOutputs, p.LongTermFeeRate);
            manual.RecalculateWaste(p.MinViableChange, p.CostOfChange, p.ChangeFee);
            return manual;
        }

        var availableTotal = p.SubtractFeeOutputs ? available.Sum(c => c.Value.Satoshis) : available.Sum(c => c.EffectiveValue.Satoshis);
        if (selectionTarget > availableTotal)
        {
            throw new CoinSelectionException(true, "insufficient funds");
        }

        var result = AutomaticCoinSelection(available, selectionTarget, p, rng);
        if (preselected.Count > 0)
        {
            var preset = new SelectionResult(presetTotal, SelectionAlgorithm.Manual);
            preset.AddInputs(preselected, p.SubtractFeeOutputs, p.LongTermFeeRate);
            result.Merge(preset);
            result.RecalculateWaste(p.MinViableChange, p.CostOfChange, p.ChangeFee);
            if (result.Weight > p.MaxTxWeight - (p.TxNoInputsSize * 4))
            {
                throw new CoinSelectionException(false, "the selected coins and the automatically chosen ones exceed the maximum transaction weight");
            }
        }

        return result;
    }

    /// <summary>Core AutomaticCoinSelection.</summary>
    public static SelectionResult AutomaticCoinSelection(IReadOnlyList<Coin> available, long valueToSelect, SelectionParams p, Random rng)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(p);
        var maxAncestors = Math.Max(1, p.MaxAncestors);
        var maxDescendants = maxAncestors;
        var coins = available.ToList();
        if (p.AvoidPartialSpends && coins.Count > OutputGroupMaxEntries)
        {
            Shuffle(coins, rng);
        }

        var filters = new List<(EligibilityFilter Filter, bool AllowMixed)>
        {
            // Prefer confirmed coins: six confirmations for coins from others, confirmed change.
            (new EligibilityFilter(1, 6, 0, 0), false),
            (new EligibilityFilter(1, 1, 0, 0), true),
        };
        if (p.SpendZeroConfChange)
        {
            filters.Add((new EligibilityFilter(0, 1, 2, 2), true));
            filters.Add((new EligibilityFilter(0, 1, Math.Min(4, maxAncestors / 3), Math.Min(4, maxDescendants / 3)), true));
            filters.Add((new EligibilityFilter(0, 1, maxAncestors / 2, maxDescendants / 2), true));
            filters.Add((new EligibilityFilter(0, 1, maxAncestors - 1, maxDescendants - 1, IncludePartialGroups: true), true));
            if (p.IncludeUnsafeInputs)
            {
                filters.Add((new EligibilityFilter(0, 0, maxAncestors - 1, maxDescendants - 1, IncludePartialGroups: true), true));
            }

            if (!p.RejectLongChains)
            {
                filters.Add((new EligibilityFilter(0, 1, long.MaxValue, long.MaxValue, IncludePartialGroups: true), true));
            }
        }

        var filtered = GroupOutputs(coins, p, filters.Select(f => f.Filter).ToList(), out var discarded);
        long totalDiscarded = 0;
        long totalUnconfLongChain = 0;
        foreach (var g in discarded)
        {
            totalDiscarded += g.SelectionAmount;
            if (g.Ancestors >= maxAncestors || g.Descendants >= maxDescendants)
            {
                totalUnconfLongChain += g.SelectionAmount;
            }
        }

        var totalAmount = coins.Sum(c => c.Value.Satoshis) - totalDiscarded;
        if (totalAmount < valueToSelect)
        {
            if (totalAmount + totalUnconfLongChain > valueToSelect)
            {
                throw new CoinSelectionException(false, "unconfirmed coins are available, but spending them creates a chain of transactions the mempool rejects");
            }

            throw new CoinSelectionException(true, "insufficient funds");
        }

        CoinSelectionException? detailed = null;
        foreach (var (filter, allowMixed) in filters)
        {
            if (!filtered.TryGetValue(filter, out var typeMap))
            {
                continue;
            }

            var res = AttemptSelection(valueToSelect, typeMap, p, rng, allowMixed, out var error);
            if (res is not null)
            {
                return res;
            }

            detailed ??= error;
        }

        throw detailed ?? new CoinSelectionException(true, "insufficient funds");
    }

    /// <summary>Core AttemptSelection: each output type alone first (least waste wins), then mixed.</summary>
    internal static SelectionResult? AttemptSelection(long target, TypeGroups groups, SelectionParams p, Random rng, bool allowMixed, out CoinSelectionException? error)
    {
        error = null;
        var results = new List<SelectionResult>();
        foreach (var type in groups.ByType.Keys.Order())
        {
            var r = ChooseSelectionResult(target, groups.ByType[type], p, rng, out var e);
            if (e is not null)
            {
                error = e;
                return null;
            }

            if (r is not null)
            {
                results.Add(r);
            }
        }

        if (results.Count > 0)
        {
            return Min(results);
        }

        if (allowMixed && groups.ByType.Count > 1)
        {
            return ChooseSelectionResult(target, groups.All, p, rng, out error);
        }

        return null;
    }

    /// <summary>
    /// Core ChooseSelectionResult: runs the algorithms over one set of groups; returns the least-waste
    /// result, null when none found, or a specific error (weight limits).
    /// </summary>
    public static SelectionResult? ChooseSelectionResult(long target, Groups groups, SelectionParams p, Random rng, out CoinSelectionException? error)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(p);
        error = null;
        var results = new List<SelectionResult>();
        var errors = new List<CoinSelectionException>();
        var maxSelectionWeight = p.MaxTxWeight - (p.TxNoInputsSize * 4);
        if (maxSelectionWeight <= 0)
        {
            error = new CoinSelectionException(false, "the maximum transaction weight is less than the transaction without inputs");
            return null;
        }

        void Failed(SelectionFailure f)
        {
            if (f == SelectionFailure.MaxWeightExceeded)
            {
                errors.Add(new CoinSelectionException(false, "the inputs exceed the maximum transaction weight; send a smaller amount or consolidate the wallet's coins first"));
            }
        }

        // Subtracting fees from outputs frequently breaks changeless input sets: skip BnB then.
        if (!p.SubtractFeeOutputs)
        {
            var bnb = CoinSelectionAlgorithms.SelectCoinsBnB([.. groups.Positive], target, p.CostOfChange, maxSelectionWeight, out var f);
            if (bnb is not null)
            {
                results.Add(bnb);
            }
            else
            {
                Failed(f);
            }
        }

        // The remaining algorithms can create change: deduct its weight.
        maxSelectionWeight -= p.ChangeOutputSize * 4;
        if (maxSelectionWeight < 0 && results.Count == 0)
        {
            error = new CoinSelectionException(false, "the maximum transaction weight is too low to hold a change output");
            return null;
        }

        // The knapsack solver keeps Core's legacy behaviour of also spending negative-value groups.
        var knapsack = CoinSelectionAlgorithms.KnapsackSolver([.. groups.Mixed], target, p.MinChangeTarget, rng, maxSelectionWeight, out var kf);
        if (knapsack is not null)
        {
            results.Add(knapsack);
        }
        else
        {
            Failed(kf);
        }

        // Minimise the input set at fee rates of at least 3x the long-term estimate.
        if (p.EffectiveFeeRate.SatoshisPerKvB > 3 * p.LongTermFeeRate.SatoshisPerKvB)
        {
            var cg = CoinSelectionAlgorithms.CoinGrinder([.. groups.Positive], target, p.MinChangeTarget, maxSelectionWeight, out var cf);
            if (cg is not null)
            {
                cg.RecalculateWaste(p.MinViableChange, p.CostOfChange, p.ChangeFee);
                results.Add(cg);
            }
            else
            {
                Failed(cf);
            }
        }

        var srd = CoinSelectionAlgorithms.SelectCoinsSrd(groups.Positive, target, p.ChangeFee, rng, maxSelectionWeight, out var sf);
        if (srd is not null)
        {
            results.Add(srd);
        }
        else
        {
            Failed(sf);
        }

        if (results.Count == 0)
        {
            error = errors.FirstOrDefault();
            return null;
        }

        // No mempool ancestors are bumped here, so each result's waste is recomputed as is.
        foreach (var r in results)
        {
            r.RecalculateWaste(p.MinViableChange, p.CostOfChange, p.ChangeFee);
        }

        return Min(results);
    }

    /// <summary>Core GroupOutputs: one group per coin, or per script (up to 100 coins) with avoid-partial-spends.</summary>
    internal static Dictionary<EligibilityFilter, TypeGroups> GroupOutputs(List<Coin> coins, SelectionParams p, List<EligibilityFilter> filters, out List<OutputGroup> discarded)
    {
        var filtered = new Dictionary<EligibilityFilter, TypeGroups>();
        discarded = [];
        TypeGroups For(EligibilityFilter f) => filtered.TryGetValue(f, out var t) ? t : filtered[f] = new TypeGroups();

        if (!p.AvoidPartialSpends)
        {
            foreach (var coin in coins)
            {
                var group = new OutputGroup(p.LongTermFeeRate, p.SubtractFeeOutputs);
                group.Insert(coin);
                var accepted = false;
                foreach (var f in filters)
                {
                    if (!group.EligibleForSpending(f))
                    {
                        continue;
                    }

                    For(f).Push(group, coin.Type, insertPositive: true, insertMixed: true);
                    accepted = true;
                }

                if (!accepted)
                {
                    discarded.Add(group);
                }
            }

            return filtered;
        }

        var all = new Dictionary<(Script, CoinOutputType), List<OutputGroup>>();
        var positive = new Dictionary<(Script, CoinOutputType), List<OutputGroup>>();
        void InsertInto(Dictionary<(Script, CoinOutputType), List<OutputGroup>> map, Coin coin)
        {
            var key = (coin.Output.ScriptPubKey, coin.Type);
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [new OutputGroup(p.LongTermFeeRate, p.SubtractFeeOutputs)];
            }

            if (list[^1].Coins.Count >= OutputGroupMaxEntries)
            {
                list.Add(new OutputGroup(p.LongTermFeeRate, p.SubtractFeeOutputs));
            }

            list[^1].Insert(coin);
        }

        foreach (var coin in coins)
        {
            if (coin.EffectiveValue.Satoshis > 0)
            {
                InsertInto(positive, coin);
            }

            InsertInto(all, coin);
        }

        void PushGroups(Dictionary<(Script, CoinOutputType), List<OutputGroup>> map, bool positiveOnly, List<OutputGroup> discardedGroups)
        {
            foreach (var ((_, type), groupList) in map)
            {
                // Backwards, so the first one handled is the partial group.
                for (var i = groupList.Count - 1; i >= 0; i--)
                {
                    var group = groupList[i];
                    var accepted = false;
                    foreach (var f in filters)
                    {
                        if (!group.EligibleForSpending(f))
                        {
                            continue;
                        }

                        if (i == groupList.Count - 1 && groupList.Count > 1 && !f.IncludePartialGroups)
                        {
                            continue; // a partial group next to full ones
                        }

                        For(f).Push(group, type, insertPositive: positiveOnly, insertMixed: !positiveOnly);
                        accepted = true;
                    }

                    if (!accepted)
                    {
                        discardedGroups.Add(group);
                    }
                }
            }
        }

        PushGroups(all, positiveOnly: false, discarded);
        PushGroups(positive, positiveOnly: true, discarded);
        return filtered;
    }

    private static SelectionResult Min(List<SelectionResult> results)
    {
        var best = results[0];
        for (var i = 1; i < results.Count; i++)
        {
            if (SelectionResult.Compare(results[i], best) < 0)
            {
                best = results[i];
            }
        }

        return best;
    }

    private static void Shuffle<T>(List<T> list, Random rng)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}

/// <summary>Groups usable by one algorithm: positive-only (BnB, SRD, CoinGrinder) and mixed (knapsack).</summary>
public sealed class Groups
{
    /// <summary>Groups with positive selection amount.</summary>
    public List<OutputGroup> Positive { get; } = [];

    /// <summary>All groups.</summary>
    public List<OutputGroup> Mixed { get; } = [];
}

/// <summary>Core OutputGroupTypeMap: groups per output type plus all of them together.</summary>
internal sealed class TypeGroups
{
    public Dictionary<CoinOutputType, Groups> ByType { get; } = [];

    public Groups All { get; } = new();

    public void Push(OutputGroup group, CoinOutputType type, bool insertPositive, bool insertMixed)
    {
        if (group.Coins.Count == 0)
        {
            return;
        }

        if (!ByType.TryGetValue(type, out var groups))
        {
            ByType[type] = groups = new Groups();
        }

        if (insertPositive && group.SelectionAmount > 0)
        {
            groups.Positive.Add(group);
            All.Positive.Add(group);
        }

        if (insertMixed)
        {
            groups.Mixed.Add(group);
            All.Mixed.Add(group);
        }
    }
}
