using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Wallet.CoinSelection;

/// <summary>Core's OutputType, the script family of a coin (coins of one type are tried together first).</summary>
public enum CoinOutputType
{
    /// <summary>P2PKH or bare P2SH.</summary>
    Legacy,

    /// <summary>P2SH-wrapped segwit v0.</summary>
    P2shSegwit,

    /// <summary>Native segwit v0.</summary>
    Bech32,

    /// <summary>Segwit v1 (taproot).</summary>
    Bech32m,

    /// <summary>Anything else.</summary>
    Unknown,
}

/// <summary>
/// A spendable coin as coin selection sees it (Core wallet/coinselection.h COutput): value, the size of
/// its signed input, and the facts the eligibility filters look at.
/// </summary>
public sealed record Coin
{
    /// <summary>Creates a coin; <paramref name="inputVBytes"/> is the signed input's virtual size (Core input_bytes).</summary>
    public Coin(OutPoint outPoint, TxOut output, int inputVBytes, int depth, bool fromMe, CoinOutputType type, FeeRate feeRate, int ancestors = 0, int descendants = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        OutPoint = outPoint;
        Output = output;
        InputVBytes = inputVBytes;
        Depth = depth;
        FromMe = fromMe;
        Type = type;
        Ancestors = ancestors;
        Descendants = descendants;
        // Core COutput: fee = input_bytes < 0 ? 0 : feerate.GetFee(input_bytes); effective_value = value - fee.
        Fee = inputVBytes < 0 ? Amount.Zero : feeRate.GetFee(inputVBytes);
    }

    /// <summary>The coin.</summary>
    public OutPoint OutPoint { get; }

    /// <summary>Value and script.</summary>
    public TxOut Output { get; }

    /// <summary>Virtual size of the signed input (-1 when unknown).</summary>
    public int InputVBytes { get; }

    /// <summary>Confirmations (0: unconfirmed).</summary>
    public int Depth { get; }

    /// <summary>Created by a transaction the wallet sent (change): trusted with fewer confirmations.</summary>
    public bool FromMe { get; }

    /// <summary>Script family.</summary>
    public CoinOutputType Type { get; }

    /// <summary>Unconfirmed ancestors in the mempool.</summary>
    public int Ancestors { get; }

    /// <summary>Descendants in the mempool.</summary>
    public int Descendants { get; }

    /// <summary>Fee to spend it at the target rate.</summary>
    public Amount Fee { get; }

    /// <summary>Value minus <see cref="Fee"/>.</summary>
    public SignedAmount EffectiveValue => (SignedAmount)Output.Value - Fee;

    /// <summary>The coin's value.</summary>
    public Amount Value => Output.Value;
}

/// <summary>
/// Core's CoinEligibilityFilter: minimum confirmations for the wallet's own change and for coins from
/// others, and mempool chain limits.
/// </summary>
/// <param name="ConfMine">Minimum depth for coins the wallet sent itself.</param>
/// <param name="ConfTheirs">Minimum depth for coins received from others.</param>
/// <param name="MaxAncestors">Maximum unconfirmed ancestors of a group.</param>
/// <param name="MaxDescendants">Maximum descendants of a coin of a group.</param>
/// <param name="IncludePartialGroups">With avoid-partial-spends, also use a script's partial group when full ones exist.</param>
public readonly record struct EligibilityFilter(int ConfMine, int ConfTheirs, long MaxAncestors, long MaxDescendants, bool IncludePartialGroups = false);

/// <summary>Core's OutputGroup: coins spent together (one coin, or every coin of a script with avoid-partial-spends).</summary>
public sealed class OutputGroup
{
    private readonly List<Coin> _coins = [];

    /// <summary>Creates an empty group for a long-term fee rate.</summary>
    public OutputGroup(FeeRate longTermFeeRate, bool subtractFeeOutputs = false)
    {
        LongTermFeeRate = longTermFeeRate;
        SubtractFeeOutputs = subtractFeeOutputs;
    }

    /// <summary>The coins.</summary>
    public IReadOnlyList<Coin> Coins => _coins;

    /// <summary>Rate at which coins would be spent later (the consolidation rate).</summary>
    public FeeRate LongTermFeeRate { get; }

    /// <summary>Selection uses plain values instead of effective values (fees come out of the outputs).</summary>
    public bool SubtractFeeOutputs { get; }

    /// <summary>True when every coin came from the wallet itself.</summary>
    public bool FromMe { get; private set; } = true;

    /// <summary>Sum of values.</summary>
    public long Value { get; private set; }

    /// <summary>Smallest depth of its coins.</summary>
    public int Depth { get; private set; } = 999;

    /// <summary>Sum of unconfirmed ancestors (may overcount shared ancestors).</summary>
    public long Ancestors { get; private set; }

    /// <summary>Largest descendant count of its coins.</summary>
    public long Descendants { get; private set; }

    /// <summary>Sum of effective values.</summary>
    public long EffectiveValue { get; private set; }

    /// <summary>Fee to spend the coins now.</summary>
    public long Fee { get; private set; }

    /// <summary>Fee to spend the coins at the long-term rate.</summary>
    public long LongTermFee { get; private set; }

    /// <summary>Weight of the signed inputs.</summary>
    public int Weight { get; private set; }

    /// <summary>Adds a coin (Core OutputGroup::Insert).</summary>
    public void Insert(Coin coin)
    {
        ArgumentNullException.ThrowIfNull(coin);
        _coins.Add(coin);
        Fee += coin.Fee.Satoshis;
        LongTermFee += coin.InputVBytes < 0 ? 0 : LongTermFeeRate.GetFee(coin.InputVBytes).Satoshis;
        EffectiveValue += coin.EffectiveValue.Satoshis;
        FromMe &= coin.FromMe;
        Value += coin.Value.Satoshis;
        Depth = Math.Min(Depth, coin.Depth);
        Ancestors += coin.Ancestors;
        Descendants = Math.Max(Descendants, coin.Descendants);
        if (coin.InputVBytes > 0)
        {
            Weight += coin.InputVBytes * 4;
        }
    }

    /// <summary>Core OutputGroup::EligibleForSpending.</summary>
    public bool EligibleForSpending(EligibilityFilter filter) =>
        Depth >= (FromMe ? filter.ConfMine : filter.ConfTheirs) && Ancestors <= filter.MaxAncestors && Descendants <= filter.MaxDescendants;

    /// <summary>The amount selection counts: effective value, or the plain value when fees come from the outputs.</summary>
    public long SelectionAmount => SubtractFeeOutputs ? Value : EffectiveValue;

    /// <summary>Fee now minus fee later: this group's contribution to the waste metric.</summary>
    public long Waste => Fee - LongTermFee;
}
