namespace OPSource.Wallet.CoinSelection;

/// <summary>Why an algorithm found nothing.</summary>
public enum SelectionFailure
{
    /// <summary>No solution within the rules (not enough value, or the algorithm's range not hit).</summary>
    NoSolution,

    /// <summary>Solutions exist only above the maximum transaction weight.</summary>
    MaxWeightExceeded,
}

/// <summary>
/// Bitcoin Core's coin selection algorithms, ported from wallet/coinselection.cpp (v29): Branch and
/// Bound, CoinGrinder, Single Random Draw and the knapsack solver. They work on
/// <see cref="OutputGroup"/>s and return a <see cref="SelectionResult"/> or the failure.
/// </summary>
public static class CoinSelectionAlgorithms
{
    /// <summary>Core coinselection.h CHANGE_LOWER: lower bound of the random change target.</summary>
    public const long ChangeLower = 50_000;

    /// <summary>Core coinselection.h CHANGE_UPPER: upper bound of the random change target.</summary>
    public const long ChangeUpper = 1_000_000;

    /// <summary>Core coinselection.cpp TOTAL_TRIES: search limit of BnB and CoinGrinder.</summary>
    public const int TotalTries = 100_000;

    // Sort by descending (effective) value, lower waste first on ties (Core "descending").
    private static int Descending(OutputGroup a, OutputGroup b)
    {
        if (a.SelectionAmount == b.SelectionAmount)
        {
            return (a.Fee - a.LongTermFee).CompareTo(b.Fee - b.LongTermFee);
        }

        return b.SelectionAmount.CompareTo(a.SelectionAmount);
    }

    // Sort by descending (effective) value, lower weight first on ties (Core "descending_effval_weight").
    private static int DescendingEffValWeight(OutputGroup a, OutputGroup b)
    {
        if (a.SelectionAmount == b.SelectionAmount)
        {
            return a.Weight.CompareTo(b.Weight);
        }

        return b.SelectionAmount.CompareTo(a.SelectionAmount);
    }

    /// <summary>
    /// Branch and Bound (Core SelectCoinsBnB): a depth-first search for the input set whose value lands
    /// in [target, target + cost of change] (so no change output is needed) with the least waste.
    /// </summary>
    public static SelectionResult? SelectCoinsBnB(List<OutputGroup> pool, long selectionTarget, long costOfChange, int maxSelectionWeight, out SelectionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(pool);
        failure = SelectionFailure.NoSolution;
        var result = new SelectionResult(selectionTarget, SelectionAlgorithm.BranchAndBound);
        long currValue = 0;
        var currSelection = new List<int>();
        var currSelectionWeight = 0;
        long currAvailableValue = 0;
        foreach (var utxo in pool)
        {
            // Effective value calculation should have removed non-positive groups.
            if (utxo.SelectionAmount <= 0)
            {
                throw new ArgumentException("coin selection: BnB pool holds a group with non-positive value", nameof(pool));
            }

            currAvailableValue += utxo.SelectionAmount;
        }

        if (currAvailableValue < selectionTarget || pool.Count == 0)
        {
            return null;
        }

        pool.Sort(Descending);
        long currWaste = 0;
        List<int> bestSelection = [];
        var bestWaste = Bitcoin.Amount.MaxMoney.Satoshis;
        var isFeerateHigh = pool[0].Fee > pool[0].LongTermFee;
        var maxTxWeightExceeded = false;

        var utxoPoolIndex = 0;
        for (var currTry = 0; currTry < TotalTries; currTry++, utxoPoolIndex++)
        {
            var backtrack = false;
            if (currValue + currAvailableValue < selectionTarget ||
                currValue > selectionTarget + costOfChange ||
                (currWaste > bestWaste && isFeerateHigh))
            {
                // Cannot reach the target with what is left, overshot the range, or only getting more wasteful.
                backtrack = true;
            }
            else if (currSelectionWeight > maxSelectionWeight)
            {
                maxTxWeightExceeded = true;
                backtrack = true;
            }
            else if (currValue >= selectionTarget)
            {
                // In range: the excess counts as waste for the comparison.
                currWaste += currValue - selectionTarget;
                if (currWaste <= bestWaste)
                {
                    bestSelection = [.. currSelection];
                    bestWaste = currWaste;
                }

                currWaste -= currValue - selectionTarget;
                backtrack = true;
            }

            if (backtrack)
            {
                if (currSelection.Count == 0)
                {
                    break; // walked back to the first UTXO: every branch searched
                }

                // Add omitted UTXOs back to the lookahead before trying the omission branch of the last included one.
                for (--utxoPoolIndex; utxoPoolIndex > currSelection[^1]; --utxoPoolIndex)
                {
                    currAvailableValue += pool[utxoPoolIndex].SelectionAmount;
                }

                var utxo = pool[utxoPoolIndex];
                currValue -= utxo.SelectionAmount;
                currWaste -= utxo.Fee - utxo.LongTermFee;
                currSelectionWeight -= utxo.Weight;
                currSelection.RemoveAt(currSelection.Count - 1);
            }
            else
            {
                var utxo = pool[utxoPoolIndex];
                currAvailableValue -= utxo.SelectionAmount;

                // Skip an inclusion equivalent to an omitted predecessor (same value and same fee).
                if (currSelection.Count == 0 ||
                    utxoPoolIndex - 1 == currSelection[^1] ||
                    utxo.SelectionAmount != pool[utxoPoolIndex - 1].SelectionAmount ||
                    utxo.Fee != pool[utxoPoolIndex - 1].Fee)
                {
                    currSelection.Add(utxoPoolIndex);
                    currValue += utxo.SelectionAmount;
                    currWaste += utxo.Fee - utxo.LongTermFee;
                    currSelectionWeight += utxo.Weight;
                }
            }
        }

        if (bestSelection.Count == 0)
        {
            failure = maxTxWeightExceeded ? SelectionFailure.MaxWeightExceeded : SelectionFailure.NoSolution;
            return null;
        }

        foreach (var i in bestSelection)
        {
            result.AddInput(pool[i]);
        }

        result.RecalculateWaste(costOfChange, costOfChange, 0);
        return result;
    }

    /// <summary>
    /// CoinGrinder (Core): the input set of least weight that funds the target plus a change budget,
    /// used at fee rates well above the long-term rate.
    /// </summary>
    public static SelectionResult? CoinGrinder(List<OutputGroup> pool, long selectionTarget, long changeTarget, int maxSelectionWeight, out SelectionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(pool);
        failure = SelectionFailure.NoSolution;
        pool.Sort(DescendingEffValWeight);
        var n = pool.Count;
        var lookahead = new long[n];
        var minTailWeight = new int[n];
        long totalAvailable = 0;
        var minGroupWeight = int.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var index = n - 1 - i;
            lookahead[index] = totalAvailable;
            minTailWeight[index] = minGroupWeight;
            totalAvailable += pool[index].SelectionAmount;
            minGroupWeight = Math.Min(minGroupWeight, pool[index].Weight);
        }

        var totalTarget = selectionTarget + changeTarget;
        if (totalAvailable < totalTarget || n == 0)
        {
            return null;
        }

        var currSelection = new List<int>();
        List<int> bestSelection = [];
        long currAmount = 0;
        var bestSelectionAmount = Bitcoin.Amount.MaxMoney.Satoshis;
        var currWeight = 0;
        var bestSelectionWeight = maxSelectionWeight;
        var maxTxWeightExceeded = false;
        var nextUtxo = 0;
        var result = new SelectionResult(selectionTarget, SelectionAlgorithm.CoinGrinder);
        var isDone = false;
        var currTry = 0;

        void DeselectLast()
        {
            var utxo = pool[currSelection[^1]];
            currAmount -= utxo.SelectionAmount;
            currWeight -= utxo.Weight;
            currSelection.RemoveAt(currSelection.Count - 1);
        }

        while (!isDone)
        {
            var shouldShift = false;
            var shouldCut = false;
            var utxo = pool[nextUtxo];
            currAmount += utxo.SelectionAmount;
            currWeight += utxo.Weight;
            currSelection.Add(nextUtxo);
            ++nextUtxo;
            ++currTry;

            var currTail = currSelection[^1];
            if (currAmount + lookahead[currTail] < totalTarget)
            {
                shouldCut = true; // insufficient funds even with the lookahead
            }
            else if (currWeight > bestSelectionWeight)
            {
                if (currWeight > maxSelectionWeight)
                {
                    maxTxWeightExceeded = true;
                }

                // More UTXOs only add weight: CUT when the last one had minimal weight, else SHIFT.
                if (pool[currTail].Weight <= minTailWeight[currTail])
                {
                    shouldCut = true;
                }
                else
                {
                    shouldShift = true;
                }
            }
            else if (currAmount >= totalTarget)
            {
                shouldShift = true; // a solution: adding weight cannot improve it
                if (currWeight < bestSelectionWeight || (currWeight == bestSelectionWeight && currAmount < bestSelectionAmount))
                {
                    bestSelection = [.. currSelection];
                    bestSelectionWeight = currWeight;
                    bestSelectionAmount = currAmount;
                }
            }
            else if (bestSelection.Count > 0 &&
                     currWeight + ((long)minTailWeight[currTail] * ((totalTarget - currAmount + pool[currTail].SelectionAmount - 1) / pool[currTail].SelectionAmount)) > bestSelectionWeight)
            {
                // Even the lightest remaining UTXOs cannot beat the best weight.
                if (pool[currTail].Weight <= minTailWeight[currTail])
                {
                    shouldCut = true;
                }
                else
                {
                    shouldShift = true;
                }
            }

            if (currTry >= TotalTries)
            {
                result.AlgorithmCompleted = false;
                break;
            }

            if (nextUtxo == n)
            {
                shouldCut = true; // end of the pool: nothing left on either branch
            }

            if (shouldCut)
            {
                DeselectLast();
                shouldShift = true;
            }

            while (shouldShift)
            {
                if (currSelection.Count == 0)
                {
                    isDone = true;
                    result.AlgorithmCompleted = true;
                    break;
                }

                nextUtxo = currSelection[^1] + 1;
                DeselectLast();
                shouldShift = false;

                // Skip clones of the UTXO just omitted (equal amount sorts lighter first, so they are no better).
                while (pool[nextUtxo - 1].SelectionAmount == pool[nextUtxo].SelectionAmount)
                {
                    if (nextUtxo >= n - 1)
                    {
                        shouldShift = true;
                        break;
                    }

                    ++nextUtxo;
                }
            }
        }

        result.SelectionsEvaluated = currTry;
        if (bestSelection.Count == 0)
        {
            failure = maxTxWeightExceeded ? SelectionFailure.MaxWeightExceeded : SelectionFailure.NoSolution;
            return null;
        }

        foreach (var i in bestSelection)
        {
            result.AddInput(pool[i]);
        }

        return result;
    }

    /// <summary>
    /// Single Random Draw (Core SelectCoinsSRD): shuffle, then add groups until the target plus
    /// CHANGE_LOWER and the change fee is reached, dropping the least valuable ones when over weight.
    /// </summary>
    public static SelectionResult? SelectCoinsSrd(IReadOnlyList<OutputGroup> pool, long targetValue, long changeFee, Random rng, int maxSelectionWeight, out SelectionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(rng);
        failure = SelectionFailure.NoSolution;
        var result = new SelectionResult(targetValue, SelectionAlgorithm.SingleRandomDraw);
        // Include change: avoid tiny change when the selection barely meets the target.
        targetValue += ChangeLower + changeFee;
        var indexes = Enumerable.Range(0, pool.Count).ToArray();
        rng.Shuffle(indexes);
        // Min-heap on selection amount (Core MinOutputGroupComparator).
        var heap = new PriorityQueue<OutputGroup, long>();
        long selectedEffValue = 0;
        var weight = 0;
        var maxTxWeightExceeded = false;
        foreach (var i in indexes)
        {
            var group = pool[i];
            heap.Enqueue(group, group.SelectionAmount);
            selectedEffValue += group.SelectionAmount;
            weight += group.Weight;
            if (weight > maxSelectionWeight)
            {
                maxTxWeightExceeded = true;
                do
                {
                    var remove = heap.Dequeue();
                    selectedEffValue -= remove.SelectionAmount;
                    weight -= remove.Weight;
                }
                while (heap.Count > 0 && weight > maxSelectionWeight);
            }

            if (selectedEffValue >= targetValue)
            {
                while (heap.Count > 0)
                {
                    result.AddInput(heap.Dequeue());
                }

                return result;
            }
        }

        failure = maxTxWeightExceeded ? SelectionFailure.MaxWeightExceeded : SelectionFailure.NoSolution;
        return null;
    }

    /// <summary>
    /// The knapsack solver (Core KnapsackSolver): an exact match, else the smallest sum of smaller
    /// groups reaching the target (stochastic subset sum) or the smallest larger group.
    /// </summary>
    public static SelectionResult? KnapsackSolver(List<OutputGroup> groups, long targetValue, long changeTarget, Random rng, int maxSelectionWeight, out SelectionFailure failure)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rng);
        failure = SelectionFailure.NoSolution;
        var result = new SelectionResult(targetValue, SelectionAlgorithm.Knapsack);
        var maxWeightExceeded = false;
        OutputGroup? lowestLarger = null;
        var applicable = new List<OutputGroup>();
        long totalLower = 0;
        Shuffle(groups, rng);
        foreach (var group in groups)
        {
            if (group.Weight > maxSelectionWeight)
            {
                maxWeightExceeded = true;
                continue;
            }

            if (group.SelectionAmount == targetValue)
            {
                result.AddInput(group);
                return result;
            }
            else if (group.SelectionAmount < targetValue + changeTarget)
            {
                applicable.Add(group);
                totalLower += group.SelectionAmount;
            }
            else if (lowestLarger is null || group.SelectionAmount < lowestLarger.SelectionAmount)
            {
                lowestLarger = group;
            }
        }

        if (totalLower == targetValue)
        {
            foreach (var g in applicable)
            {
                result.AddInput(g);
            }

            if (result.Weight <= maxSelectionWeight)
            {
                return result;
            }

            maxWeightExceeded = true;
            result.Clear();
        }

        if (totalLower < targetValue)
        {
            if (lowestLarger is null)
            {
                failure = maxWeightExceeded ? SelectionFailure.MaxWeightExceeded : SelectionFailure.NoSolution;
                return null;
            }

            result.AddInput(lowestLarger);
            return result;
        }

        // Solve subset sum by stochastic approximation.
        applicable.Sort(Descending);
        ApproximateBestSubset(rng, applicable, totalLower, targetValue, out var best, out var bestValue, maxSelectionWeight);
        if (bestValue != targetValue && totalLower >= targetValue + changeTarget)
        {
            ApproximateBestSubset(rng, applicable, totalLower, targetValue + changeTarget, out best, out bestValue, maxSelectionWeight);
        }

        // Prefer the bigger coin when the approximation found nothing good or the bigger coin is closer.
        if (lowestLarger is not null &&
            ((bestValue != targetValue && bestValue < targetValue + changeTarget) || lowestLarger.SelectionAmount <= bestValue))
        {
            result.AddInput(lowestLarger);
        }
        else
        {
            for (var i = 0; i < applicable.Count; i++)
            {
                if (best[i])
                {
                    result.AddInput(applicable[i]);
                }
            }

            if (result.Weight > maxSelectionWeight)
            {
                if (lowestLarger is null)
                {
                    failure = SelectionFailure.MaxWeightExceeded;
                    return null;
                }

                result.Clear();
                result.AddInput(lowestLarger);
            }
        }

        return result;
    }

    /// <summary>Core ApproximateBestSubset: 1000 random passes for the subset closest above the target.</summary>
    private static void ApproximateBestSubset(Random rng, List<OutputGroup> groups, long totalLower, long targetValue, out bool[] best, out long bestValue, int maxSelectionWeight, int iterations = 1000)
    {
        best = new bool[groups.Count];
        Array.Fill(best, true);
        bestValue = totalLower;
        var included = new bool[groups.Count];
        for (var rep = 0; rep < iterations && bestValue != targetValue; rep++)
        {
            Array.Clear(included);
            long total = 0;
            var selectedWeight = 0;
            var reachedTarget = false;
            for (var pass = 0; pass < 2 && !reachedTarget; pass++)
            {
                for (var i = 0; i < groups.Count; i++)
                {
                    // First pass: random inclusion; second pass: everything not yet included.
                    if (pass == 0 ? rng.Next(2) == 1 : !included[i])
                    {
                        total += groups[i].SelectionAmount;
                        selectedWeight += groups[i].Weight;
                        included[i] = true;
                        if (total >= targetValue && selectedWeight <= maxSelectionWeight)
                        {
                            reachedTarget = true;
                            if (total < bestValue)
                            {
                                bestValue = total;
                                Array.Copy(included, best, included.Length);
                            }

                            total -= groups[i].SelectionAmount;
                            selectedWeight -= groups[i].Weight;
                            included[i] = false;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Core GenerateChangeTarget: a random minimum change between 50,000 sat and min(2 x payment,
    /// 1,000,000 sat) on top of the change fee, so change amounts do not reveal which output is change.
    /// </summary>
    public static long GenerateChangeTarget(long paymentValue, long changeFee, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (paymentValue <= ChangeLower / 2)
        {
            return changeFee + ChangeLower;
        }

        var upperBound = Math.Min(paymentValue * 2, ChangeUpper);
        return changeFee + rng.NextInt64(upperBound - ChangeLower) + ChangeLower;
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
