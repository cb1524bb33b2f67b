using OPSource.Bitcoin.Transactions;

namespace OPSource.Wallet.CoinSelection;

/// <summary>Which algorithm produced a selection (Core SelectionAlgorithm).</summary>
public enum SelectionAlgorithm
{
    /// <summary>Branch and Bound: an input set without change.</summary>
    BranchAndBound,

    /// <summary>The knapsack solver (Core's original algorithm).</summary>
    Knapsack,

    /// <summary>Single Random Draw.</summary>
    SingleRandomDraw,

    /// <summary>CoinGrinder: the lightest input set with change, at high fee rates.</summary>
    CoinGrinder,

    /// <summary>Coins the caller chose (coin control) were enough.</summary>
    Manual,
}

/// <summary>A set of coins chosen to fund a target (Core wallet/coinselection.h SelectionResult).</summary>
public sealed class SelectionResult
{
    private readonly Dictionary<OutPoint, Coin> _inputs = [];
    private readonly Dictionary<OutPoint, long> _longTermFees = [];

    /// <summary>Creates an empty result.</summary>
    public SelectionResult(long target, SelectionAlgorithm algorithm)
    {
        Target = target;
        Algorithm = algorithm;
    }

    /// <summary>Recipients plus the fees of everything but the inputs.</summary>
    public long Target { get; private set; }

    /// <summary>The algorithm.</summary>
    public SelectionAlgorithm Algorithm { get; private set; }

    /// <summary>The chosen coins.</summary>
    public IReadOnlyCollection<Coin> Inputs => _inputs.Values;

    /// <summary>Effective values were used (false when fees come out of the outputs).</summary>
    public bool UseEffective { get; private set; }

    /// <summary>The waste metric, once computed.</summary>
    public long? Waste { get; private set; }

    /// <summary>False when the search stopped at its try limit.</summary>
    public bool AlgorithmCompleted { get; internal set; } = true;

    /// <summary>Number of selections the search evaluated.</summary>
    public int SelectionsEvaluated { get; internal set; }

    /// <summary>Weight of the selected inputs.</summary>
    public int Weight { get; private set; }

    /// <summary>Sum of the inputs' values.</summary>
    public long SelectedValue => _inputs.Values.Sum(c => c.Value.Satoshis);

    /// <summary>Sum of the inputs' effective values.</summary>
    public long SelectedEffectiveValue => _inputs.Values.Sum(c => c.EffectiveValue.Satoshis);

    /// <summary>Adds every coin of a group.</summary>
    public void AddInput(OutputGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        Insert(group.Coins, group.LongTermFeeRate);
        UseEffective = !group.SubtractFeeOutputs;
        Weight += group.Weight;
    }

    /// <summary>Adds preselected coins.</summary>
    public void AddInputs(IEnumerable<Coin> coins, bool subtractFeeOutputs, Bitcoin.FeeRate longTermFeeRate)
    {
        ArgumentNullException.ThrowIfNull(coins);
        var list = coins.ToList();
        Insert(list, longTermFeeRate);
        UseEffective = !subtractFeeOutputs;
        Weight += list.Sum(c => Math.Max(c.InputVBytes, 0) * 4);
    }

    /// <summary>Combines with another result over different coins (Core SelectionResult::Merge).</summary>
    public void Merge(SelectionResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var c in other.Inputs)
        {
            if (!_inputs.TryAdd(c.OutPoint, c))
            {
                throw new InvalidOperationException($"coin selection: coin {c.OutPoint} selected twice");
            }

            _longTermFees[c.OutPoint] = other._longTermFees[c.OutPoint];
        }

        Target += other.Target;
        UseEffective |= other.UseEffective;
        if (Algorithm == SelectionAlgorithm.Manual)
        {
            Algorithm = other.Algorithm;
        }

        Weight += other.Weight;
    }

    /// <summary>Forgets every input.</summary>
    public void Clear()
    {
        _inputs.Clear();
        _longTermFees.Clear();
        Waste = null;
        Weight = 0;
    }

    /// <summary>
    /// Core SelectionResult::RecalculateWaste: sum over inputs of (fee now - fee at the long-term rate),
    /// plus the cost of change when change is made, otherwise the excess given to fees.
    /// </summary>
    public void RecalculateWaste(long minViableChange, long changeCost, long changeFee)
    {
        if (_inputs.Count == 0)
        {
            throw new InvalidOperationException("coin selection: waste of an empty selection");
        }

        long waste = 0;
        foreach (var coin in _inputs.Values)
        {
            waste += coin.Fee.Satoshis - _longTermFees[coin.OutPoint];
        }

        if (GetChange(minViableChange, changeFee) != 0)
        {
            waste += changeCost;
        }
        else
        {
            var selected = UseEffective ? SelectedEffectiveValue : SelectedValue;
            waste += selected - Target;
        }

        Waste = waste;
    }

    /// <summary>
    /// Core SelectionResult::GetChange: what is left for a change output after the target and the change
    /// output's own fee; 0 when below <paramref name="minViableChange"/> (no change output).
    /// </summary>
    public long GetChange(long minViableChange, long changeFee)
    {
        var change = UseEffective ? SelectedEffectiveValue - Target - changeFee : SelectedValue - Target;
        return change < minViableChange ? 0 : change;
    }

    /// <summary>Lower waste is better; on equal waste, more inputs (Core operator&lt;).</summary>
    internal static int Compare(SelectionResult a, SelectionResult b)
    {
        var wa = a.Waste ?? throw new InvalidOperationException("coin selection: waste not computed");
        var wb = b.Waste ?? throw new InvalidOperationException("coin selection: waste not computed");
        if (wa != wb)
        {
            return wa.CompareTo(wb);
        }

        return b._inputs.Count.CompareTo(a._inputs.Count);
    }

    private void Insert(IEnumerable<Coin> coins, Bitcoin.FeeRate longTermFeeRate)
    {
        foreach (var c in coins)
        {
            if (!_inputs.TryAdd(c.OutPoint, c))
            {
                throw new InvalidOperationException($"coin selection: coin {c.OutPoint} selected twice");
            }

            // Core OutputGroup::Insert: long_term_fee = input_bytes < 0 ? 0 : long_term_feerate.GetFee(input_bytes).
            _longTermFees[c.OutPoint] = c.InputVBytes < 0 ? 0 : longTermFeeRate.GetFee(c.InputVBytes).Satoshis;
        }
    }
}
