using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Funding;
using OPSource.Wallet.CoinSelection;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet;

/// <summary>A payment: a script (an address's, or OP_RETURN data) and an amount.</summary>
/// <param name="ScriptPubKey">Destination script.</param>
/// <param name="Amount">Amount (zero for OP_RETURN).</param>
public sealed record Recipient(Script ScriptPubKey, Amount Amount);

/// <summary>What to build (Core's recipients plus CCoinControl).</summary>
public sealed record SendRequest
{
    /// <summary>Outputs in order (OP_RETURN outputs included as recipients of zero).</summary>
    public IReadOnlyList<Recipient> Recipients { get; init; } = [];

    /// <summary>Target fee rate.</summary>
    public required FeeRate FeeRate { get; init; }

    /// <summary>
    /// Send everything (Core <c>sendall</c>): every eligible coin (or only <see cref="MustUse"/> when other
    /// inputs are not allowed) goes to the first recipient whose amount is ignored; no change.
    /// </summary>
    public bool SendMax { get; init; }

    /// <summary>Coins that must be spent (coin control).</summary>
    public IReadOnlyList<OutPoint> MustUse { get; init; } = [];

    /// <summary>Coins that must not be spent (coin control).</summary>
    public IReadOnlySet<OutPoint> MustNotUse { get; init; } = new HashSet<OutPoint>();

    /// <summary>Add coins beyond <see cref="MustUse"/> as needed.</summary>
    public bool AllowOtherInputs { get; init; } = true;

    /// <summary>Minimum confirmations of automatically chosen coins (Core coin control m_min_depth, default 0).</summary>
    public int MinConfirmations { get; init; }

    /// <summary>Skip coins on scripts that already had a spent coin (Core avoid_reuse).</summary>
    public bool AvoidReuse { get; init; }

    /// <summary>Spend all coins of a script together (Core avoidpartialspends).</summary>
    public bool AvoidPartialSpends { get; init; }

    /// <summary>Allow unconfirmed coins received from others.</summary>
    public bool IncludeUnsafe { get; init; }

    /// <summary>Signal BIP125 replaceability (default on, like Core since v28).</summary>
    public bool EnableRbf { get; init; } = true;

    /// <summary>An explicit lock time (disables anti-fee-sniping).</summary>
    public LockTime? LockTime { get; init; }

    /// <summary>Transaction version.</summary>
    public int Version { get; init; } = 2;

    /// <summary>Send change here instead of the wallet's change keychain.</summary>
    public Script? ChangeScript { get; init; }

    /// <summary>Unix time now, to decide whether the tip is recent enough for anti-fee-sniping (Core: 8 hours).</summary>
    public long NowUnixSeconds { get; init; }

    /// <summary>Header time of the wallet's tip block (Unix seconds), when known.</summary>
    public long? TipTimeUnixSeconds { get; init; }

    /// <summary>Long-term fee rate for the waste metric (Core -consolidatefeerate).</summary>
    public FeeRate LongTermFeeRate { get; init; } = new(10_000);

    /// <summary>Discard fee rate (Core GetDiscardRate: min(estimate for 1008 blocks, -discardfee), at least dust relay).</summary>
    public FeeRate DiscardFeeRate { get; init; } = new(10_000);

    /// <summary>Refuse fees above this (Core -maxtxfee).</summary>
    public Amount MaxFee { get; init; } = Policy.DefaultMaxTxFee;

    /// <summary>
    /// Transactions this one replaces (BIP125): they and their descendants are left out of the view, so their
    /// inputs are spendable again.
    /// </summary>
    public IReadOnlySet<TxId> Replacing { get; init; } = new HashSet<TxId>();

    /// <summary>Random source (coin selection, change position, input order, lock time); null uses a fresh one.</summary>
    public Random? Random { get; init; }
}

/// <summary>A built, unsigned transaction and its PSBT.</summary>
public sealed record BuiltTransaction
{
    /// <summary>The PSBT with every updater field (UTXOs, scripts, BIP32/taproot derivations).</summary>
    public required PsbtDocument Psbt { get; init; }

    /// <summary>The unsigned transaction.</summary>
    public required Transaction Transaction { get; init; }

    /// <summary>Fee paid.</summary>
    public required Amount Fee { get; init; }

    /// <summary>Estimated virtual size once signed (an upper bound).</summary>
    public required int EstimatedVSize { get; init; }

    /// <summary>Index of the change output, or null.</summary>
    public required int? ChangeIndex { get; init; }

    /// <summary>The coins spent, in input order.</summary>
    public required IReadOnlyList<WalletUtxo> Inputs { get; init; }

    /// <summary>The algorithm that chose the coins.</summary>
    public required SelectionAlgorithm Algorithm { get; init; }

    /// <summary>The waste metric of the selection.</summary>
    public required long Waste { get; init; }

    /// <summary>Fee rate actually paid at the estimated size.</summary>
    public FeeRate EffectiveFeeRate => FeeRate.FromFee(Fee, EstimatedVSize);
}

public sealed partial class DescriptorWallet
{
    // Core spend.cpp DiscourageFeeSniping: the tip must be at most 8 hours old.
    private const long MaxAntiFeeSnipingTipAge = 8 * 60 * 60;

    /// <summary>
    /// Builds a transaction the way Core's CreateTransaction does: coin selection (BnB, knapsack,
    /// CoinGrinder, SRD by waste) over eligible coins, change above the viable minimum at a random
    /// position, shuffled inputs, BIP125 sequences, anti-fee-sniping lock time, and the fee computed from
    /// the maximum signed size. Nothing is staged: the chosen change index is revealed only by
    /// <see cref="CommitChange"/> (called when the transaction is broadcast or exported).
    /// </summary>
    /// <exception cref="WalletCoreException">Insufficient funds, dust, bad coin control, fee too high.</exception>
    public BuiltTransaction BuildTransaction(SendRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rng = request.Random ?? new Random();
        if (request.Recipients.Count == 0)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "send: at least one recipient is required");
        }

        if (request.FeeRate < Policy.MinRelayFee)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: fee rate {request.FeeRate} is below the minimum relay fee {Policy.MinRelayFee}");
        }

        var outputs = new List<TxOut>();
        long recipientsSum = 0;
        for (var i = 0; i < request.Recipients.Count; i++)
        {
            var r = request.Recipients[i];
            if (r.Amount < Amount.Zero || r.Amount > Amount.MaxMoney)
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: recipient {i} amount {r.Amount.ToBtcString()} is out of range");
            }

            var o = new TxOut(r.Amount, r.ScriptPubKey);
            if (!(request.SendMax && i == 0) && Policy.IsDust(o))
            {
                throw new WalletCoreException(WalletErrorKind.Dust, $"send: recipient {i} amount {r.Amount.Satoshis} sat is below the dust threshold of {Policy.DustThreshold(o).Satoshis} sat for its script");
            }

            outputs.Add(o);
            recipientsSum += r.Amount.Satoshis;
        }

        var view = request.Replacing.Count > 0 ? _graph.Canonicalize(_chain, request.Replacing) : View;
        var utxos = ListUnspent(view).ToDictionary(u => u.OutPoint);
        var preselected = new List<WalletUtxo>();
        foreach (var op in request.MustUse.Distinct())
        {
            if (!utxos.TryGetValue(op, out var u))
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: coin {op} is not an unspent output of this wallet");
            }

            if (!u.IsMature)
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: coin {op} is an immature coinbase output");
            }

            if (request.MustNotUse.Contains(op))
            {
                throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: coin {op} is both required and excluded");
            }

            preselected.Add(u);
        }

        var eligible = utxos.Values.Where(u =>
            u.IsMature && !u.IsLocked && !request.MustNotUse.Contains(u.OutPoint) && !request.MustUse.Contains(u.OutPoint)
            && u.Confirmations >= request.MinConfirmations
            && (request.IncludeUnsafe || u.IsTrusted)
            && !(request.AvoidReuse && u.IsReused)).ToList();

        var changeScript = request.ChangeScript;
        WalletAddress? change = null;
        if (changeScript is null)
        {
            var keychain = Internal is null ? WalletKeychain.External : WalletKeychain.Internal;
            change = PeekNextUnused(keychain);
            changeScript = change.ScriptPubKey;
        }

        var tipHeight = Tip.Height;
        var lockTime = request.LockTime ?? AntiFeeSnipingLockTime(request, rng, tipHeight);
        var sequence = request.EnableRbf ? new Sequence(Sequence.MaxBip125RbfValue) : new Sequence(Sequence.MaxBip125RbfValue + 1);

        if (request.SendMax)
        {
            return BuildSendMax(request, outputs, eligible, preselected, lockTime, sequence);
        }

        var txNoInputsSize = 10 + CompactSize.GetSize((ulong)outputs.Count) + outputs.Sum(Policy.OutputSize);
        var effective = request.FeeRate;
        var p = SelectionParamsFor(changeScript, effective, request.LongTermFeeRate, request.DiscardFeeRate, txNoInputsSize, recipientsSum / outputs.Count, rng) with
        {
            AvoidPartialSpends = request.AvoidPartialSpends,
            IncludeUnsafeInputs = request.IncludeUnsafe,
        };
        var selectionTarget = recipientsSum + effective.GetFee(txNoInputsSize).Satoshis;

        SelectionResult selection;
        try
        {
            selection = CoinSelector.SelectCoins(
                [.. eligible.Select(u => ToCoin(u, effective))], [.. preselected.Select(u => ToCoin(u, effective))], selectionTarget, p, rng, request.AllowOtherInputs);
        }
        catch (CoinSelectionException ex)
        {
            var available = eligible.Sum(u => u.Value.Satoshis) + preselected.Sum(u => u.Value.Satoshis);
            throw new WalletCoreException(
                ex.InsufficientFunds ? WalletErrorKind.InsufficientFunds : WalletErrorKind.InvalidRequest,
                ex.InsufficientFunds
                    ? $"send: insufficient funds: {Amount.FromSatoshis(recipientsSum).ToBtcString()} BTC plus fees requested, {Amount.FromSatoshis(available).ToBtcString()} BTC spendable"
                    : "send: " + ex.Message);
        }

        var changeAmount = selection.GetChange(p.MinViableChange, p.ChangeFee);
        int? changeIndex = null;
        if (changeAmount > 0)
        {
            changeIndex = rng.Next(outputs.Count + 1);
            outputs.Insert(changeIndex.Value, new TxOut(Amount.FromSatoshis(changeAmount), changeScript));
        }

        var inputs = selection.Inputs.Select(c => utxos[c.OutPoint]).ToList();
        Shuffle(inputs, rng);
        // Preselected coins stay first, in the order given (Core HasSelectedOrder).
        inputs = [.. inputs.Where(u => request.MustUse.Contains(u.OutPoint)).OrderBy(u => IndexOf(request.MustUse, u.OutPoint)), .. inputs.Where(u => !request.MustUse.Contains(u.OutPoint))];

        var tx = new Transaction(request.Version, inputs.Select(u => new TxIn(u.OutPoint, Script.Empty, sequence, Witness.Empty)), outputs, lockTime);
        var vsize = EstimateVSize(tx, inputs.Select(u => u.Output).ToList());
        var feeNeeded = effective.GetFee(vsize).Satoshis;
        var selected = selection.SelectedValue;
        var currentFee = selected - outputs.Sum(o => o.Value.Satoshis);
        if (currentFee < 0)
        {
            throw new InvalidOperationException("send: internal error: outputs exceed inputs");
        }

        if (changeIndex is { } ci && feeNeeded < currentFee)
        {
            outputs[ci] = outputs[ci] with { Value = outputs[ci].Value + Amount.FromSatoshis(currentFee - feeNeeded) };
            tx = tx.WithOutputs(outputs);
            currentFee = feeNeeded;
        }

        if (feeNeeded > currentFee)
        {
            throw new InvalidOperationException("send: internal error: fee needed exceeds fee paid");
        }

        return Finish(request, tx, inputs, Amount.FromSatoshis(currentFee), vsize, changeIndex, change, selection.Algorithm, selection.Waste ?? 0);
    }

    /// <summary>
    /// Core CreateTransactionInternal's coin-selection parameters for a change output to <paramref name="changeScript"/>:
    /// change output and change-spend sizes, cost of change at the discard rate, minimum viable change (dust at the
    /// discard rate, or the cost to spend it plus one) and the random change target.
    /// </summary>
    private SelectionParams SelectionParamsFor(Script changeScript, FeeRate effective, FeeRate longTerm, FeeRate discardRate, int txNoInputsSize, long averagePayment, Random rng)
    {
        var changePrototype = new TxOut(Amount.Zero, changeScript);
        var changeOutputSize = Policy.OutputSize(changePrototype);
        var changeSpendSize = SpendVSize(changeScript) ?? 91; // Core DUMMY_NESTED_P2WPKH_INPUT_SIZE when unknown
        var changeFee = effective.GetFee(changeOutputSize).Satoshis;
        var discard = discardRate < Policy.DustRelayFee ? Policy.DustRelayFee : discardRate;
        var costOfChange = discard.GetFee(changeSpendSize).Satoshis + changeFee;
        var dust = Policy.DustThreshold(changePrototype, discard).Satoshis;
        return new SelectionParams
        {
            ChangeOutputSize = changeOutputSize,
            ChangeSpendSize = changeSpendSize,
            ChangeFee = changeFee,
            CostOfChange = costOfChange,
            EffectiveFeeRate = effective,
            LongTermFeeRate = longTerm,
            DiscardFeeRate = discard,
            TxNoInputsSize = txNoInputsSize,
            MinChangeTarget = CoinSelectionAlgorithms.GenerateChangeTarget(averagePayment, changeFee, rng),
            MinViableChange = Math.Max(discard.GetFee(changeSpendSize).Satoshis + 1, dust),
        };
    }

    /// <summary>The change script the next transaction would use (the lowest unused change address; receive when there is no change keychain), not revealed.</summary>
    public Script PeekChangeScript() => PeekNextUnused(Internal is null ? WalletKeychain.External : WalletKeychain.Internal).ScriptPubKey;

    /// <summary>
    /// Chooses coins for part of a transaction someone else assembles (a DLC funding transaction): Core's algorithms
    /// over mature, unlocked, trusted coins with at least <paramref name="minConfirmations"/>, so that their effective
    /// values at <paramref name="feeRate"/> cover <paramref name="target"/> (the caller's outputs and its share of the
    /// non-input fees), leaving change for a change output. Nothing is staged: lock the coins and reveal the change
    /// script when the choice is used.
    /// </summary>
    /// <exception cref="WalletCoreException">Insufficient funds, or a fee rate below the relay minimum.</exception>
    public (IReadOnlyList<WalletUtxo> Inputs, Script ChangeScript) SelectFunding(Amount target, FeeRate feeRate, int minConfirmations, Random? random = null)
    {
        if (feeRate < Policy.MinRelayFee)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"funding: fee rate {feeRate} is below the minimum relay fee {Policy.MinRelayFee}");
        }

        if (target <= Amount.Zero || target > Amount.MaxMoney)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "funding: the target must be positive and at most 21,000,000 BTC");
        }

        var rng = random ?? new Random();
        var eligible = ListUnspent().Where(u => u.IsMature && !u.IsLocked && u.IsTrusted && u.Confirmations >= minConfirmations).ToList();
        var changeScript = PeekChangeScript();
        var p = SelectionParamsFor(changeScript, feeRate, new FeeRate(10_000), new FeeRate(10_000), 0, target.Satoshis, rng);
        try
        {
            var selection = CoinSelector.SelectCoins([.. eligible.Select(u => ToCoin(u, feeRate))], [], target.Satoshis, p, rng);
            var chosen = selection.Inputs.Select(c => c.OutPoint).ToHashSet();
            return ([.. eligible.Where(u => chosen.Contains(u.OutPoint))], changeScript);
        }
        catch (CoinSelectionException ex)
        {
            throw new WalletCoreException(
                ex.InsufficientFunds ? WalletErrorKind.InsufficientFunds : WalletErrorKind.InvalidRequest,
                ex.InsufficientFunds
                    ? $"funding: insufficient funds: {target.ToBtcString()} BTC plus input fees requested, {Amount.FromSatoshis(eligible.Sum(u => u.Value.Satoshis)).ToBtcString()} BTC in eligible coins"
                    : "funding: " + ex.Message);
        }
    }

    /// <summary>Reveals the keychain index of a wallet script (a change script handed to someone), so it is never handed out again.</summary>
    public void MarkRevealed(Script scriptPubKey)
    {
        ArgumentNullException.ThrowIfNull(scriptPubKey);
        if (_index.TryGetOrigin(scriptPubKey, out var k, out var index))
        {
            Stage(new WalletChangeSet { Index = _index.RevealTo(k, index) });
        }
    }

    private BuiltTransaction BuildSendMax(SendRequest request, List<TxOut> outputs, List<WalletUtxo> eligible, List<WalletUtxo> preselected, LockTime lockTime, Sequence sequence)
    {
        var inputs = request.AllowOtherInputs ? [.. preselected, .. eligible] : preselected;
        if (inputs.Count == 0)
        {
            throw new WalletCoreException(WalletErrorKind.InsufficientFunds, "send: insufficient funds: no spendable coins");
        }

        var tx = new Transaction(request.Version, inputs.Select(u => new TxIn(u.OutPoint, Script.Empty, sequence, Witness.Empty)), outputs, lockTime);
        var vsize = EstimateVSize(tx, inputs.Select(u => u.Output).ToList());
        var fee = request.FeeRate.GetFee(vsize);
        var total = Amount.FromSatoshis(inputs.Sum(u => u.Value.Satoshis));
        var others = Amount.FromSatoshis(outputs.Skip(1).Sum(o => o.Value.Satoshis));
        // Signed on purpose: the fee may exceed what the inputs leave after the other outputs.
        var remaining = (SignedAmount)total - others - fee;
        if (!remaining.TryToAmount(out var amount) || amount <= Amount.Zero || Policy.IsDust(outputs[0] with { Value = amount }))
        {
            throw new WalletCoreException(WalletErrorKind.InsufficientFunds, $"send: insufficient funds: {total.ToBtcString()} BTC does not cover the fee of {fee.Satoshis} sat and a non-dust amount");
        }

        outputs[0] = outputs[0] with { Value = amount };
        tx = tx.WithOutputs(outputs);
        return Finish(request, tx, inputs, fee, vsize, null, null, SelectionAlgorithm.Manual, 0);
    }

    private BuiltTransaction Finish(SendRequest request, Transaction tx, List<WalletUtxo> inputs, Amount fee, int vsize, int? changeIndex, WalletAddress? change, SelectionAlgorithm algorithm, long waste)
    {
        if (fee > request.MaxFee)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, $"send: fee {fee.ToBtcString()} BTC exceeds the maximum of {request.MaxFee.ToBtcString()} BTC");
        }

        if (vsize * 4 > Policy.MaxStandardTxWeight)
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "send: the transaction would be too large; send a smaller amount or consolidate first");
        }

        var psbt = CreatePsbt(tx, inputs.Select(u => u.OutPoint).ToList());
        _pendingChange = changeIndex is not null ? change : null;
        return new BuiltTransaction
        {
            Psbt = psbt,
            Transaction = tx,
            Fee = fee,
            EstimatedVSize = vsize,
            ChangeIndex = changeIndex,
            Inputs = inputs,
            Algorithm = algorithm,
            Waste = waste,
        };
    }

    private WalletAddress? _pendingChange;

    /// <summary>
    /// Marks the change address of a built transaction as handed out (Core ReserveDestination::KeepDestination),
    /// so the next transaction uses a fresh one.
    /// </summary>
    public void CommitChange(BuiltTransaction built)
    {
        ArgumentNullException.ThrowIfNull(built);
        if (built.ChangeIndex is { } i && _index.TryGetOrigin(built.Transaction.Outputs[i].ScriptPubKey, out var k, out var index))
        {
            Stage(new WalletChangeSet { Index = _index.RevealTo(k, index) });
        }

        _pendingChange = null;
    }

    private WalletAddress PeekNextUnused(WalletKeychain keychain)
    {
        var last = _index.LastRevealed(keychain);
        if (last is { } l)
        {
            for (uint i = 0; i <= l; i++)
            {
                if (!_index.IsUsed(keychain, i))
                {
                    return PeekAddress(keychain, i);
                }
            }

            return PeekAddress(keychain, DescriptorOf(keychain).IsRange ? l + 1 : 0);
        }

        return PeekAddress(keychain, 0);
    }

    private static int IndexOf(IReadOnlyList<OutPoint> list, OutPoint op)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == op)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static LockTime AntiFeeSnipingLockTime(SendRequest request, Random rng, int tipHeight)
    {
        // Core DiscourageFeeSniping: lock to the tip height when the tip is recent, sometimes up to 100
        // blocks further back (privacy of delayed transactions); 0 when the wallet lags.
        if (request.TipTimeUnixSeconds is not { } tipTime || tipTime < request.NowUnixSeconds - MaxAntiFeeSnipingTipAge)
        {
            return LockTime.Zero;
        }

        var height = tipHeight;
        if (rng.Next(10) == 0)
        {
            height = Math.Max(0, height - rng.Next(100));
        }

        return LockTime.FromHeight((uint)height);
    }

    private Coin ToCoin(WalletUtxo u, FeeRate feeRate) =>
        new(u.OutPoint, u.Output, SpendVSize(u.Output.ScriptPubKey) ?? -1, u.Confirmations, u.FromMe, OutputTypeOf(DescriptorOf(u.Keychain)), feeRate);

    /// <summary>Core's output type of a descriptor (legacy, p2sh-segwit, bech32, bech32m).</summary>
    internal static CoinOutputType OutputTypeOf(Descriptor d) => d switch
    {
        TaprootDescriptor => CoinOutputType.Bech32m,
        SingleKeyDescriptor { Type: DescriptorType.Wpkh } or WrapperDescriptor { Type: DescriptorType.Wsh } => CoinOutputType.Bech32,
        WrapperDescriptor { Type: DescriptorType.Sh, Inner: SingleKeyDescriptor { Type: DescriptorType.Wpkh } or WrapperDescriptor { Type: DescriptorType.Wsh } } => CoinOutputType.P2shSegwit,
        SingleKeyDescriptor { Type: DescriptorType.Pkh } or WrapperDescriptor { Type: DescriptorType.Sh } => CoinOutputType.Legacy,
        _ => CoinOutputType.Unknown,
    };

    /// <summary>The spending information of a wallet script, or null when it is not the wallet's.</summary>
    public DescriptorSpendInfo? SpendInfo(Script scriptPubKey)
    {
        ArgumentNullException.ThrowIfNull(scriptPubKey);
        if (!_index.TryGetOrigin(scriptPubKey, out var keychain, out var index))
        {
            return null;
        }

        var d = DescriptorOf(keychain);
        var keyPathOnly = d is TaprootDescriptor tr && (tr.Tree is null || HoldsKey(tr.InternalKey));
        return d.GetSpendInfo(index, keyPathOnly);
    }

    private bool HoldsKey(KeyExpression key) => key.Origin is { } o
        ? _options.SigningFingerprints.Contains(o.MasterFingerprint)
        : key is ExtendedKeyExpression ext && _options.SigningFingerprints.Contains(ext.ExtPubKey.Fingerprint);

    private int? SpendVSize(Script scriptPubKey) => SpendInfo(scriptPubKey) is { IsSolvable: true } info ? Policy.VirtualSize(info.MaxInputWeight) : null;

    /// <summary>
    /// Core CalculateMaximumSignedTxSize: the virtual size of the transaction once every input is signed,
    /// from each input's largest satisfaction (the scriptSig and witness already present are ignored).
    /// </summary>
    /// <exception cref="WalletCoreException">An input spends a script the wallet cannot size.</exception>
    public int EstimateVSize(Transaction transaction, IReadOnlyList<TxOut> spentOutputs)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(spentOutputs);
        var infos = spentOutputs.Select(o => SpendInfo(o.ScriptPubKey)).ToList();
        if (infos.Any(i => i is null || !i.IsSolvable))
        {
            throw new WalletCoreException(WalletErrorKind.InvalidRequest, "send: an input's script is not solvable by this wallet; its size cannot be estimated");
        }

        long weight = (4 + 4 + CompactSize.GetSize((ulong)transaction.Inputs.Count) + CompactSize.GetSize((ulong)transaction.Outputs.Count)) * 4;
        var isSegwit = infos.Any(i => i!.IsSegwit);
        if (isSegwit)
        {
            weight += 2; // BIP144 marker and flag
        }

        weight += transaction.Outputs.Sum(o => Policy.OutputSize(o) * 4);
        foreach (var info in infos)
        {
            weight += info!.MaxInputWeight;
            if (isSegwit && !info.IsSegwit)
            {
                weight += 1; // the empty witness of a non-segwit input
            }
        }

        return Policy.VirtualSize(weight);
    }

    /// <summary>
    /// A PSBT (v0) for a transaction spending wallet coins, with BIP174 updater data: the full previous
    /// transaction and the witness UTXO, redeem/witness scripts, BIP32 derivations, and for taproot the
    /// internal key, merkle root, leaf scripts and tap derivations; change outputs get their derivations too.
    /// </summary>
    public PsbtDocument CreatePsbt(Transaction unsignedTransaction, IReadOnlyList<OutPoint>? walletInputs = null)
    {
        ArgumentNullException.ThrowIfNull(unsignedTransaction);
        var psbt = PsbtDocument.Create(unsignedTransaction.WithoutWitnesses());
        for (var i = 0; i < unsignedTransaction.Inputs.Count; i++)
        {
            var op = unsignedTransaction.Inputs[i].PrevOut;
            psbt = UpdateInput(psbt, i, op);
        }

        for (var i = 0; i < unsignedTransaction.Outputs.Count; i++)
        {
            var spk = unsignedTransaction.Outputs[i].ScriptPubKey;
            if (SpendInfo(spk) is not { } info)
            {
                continue;
            }

            if (info.Taproot is { } tap)
            {
                psbt = psbt.WithOutputTapInternalKey(i, tap.InternalKey);
                foreach (var k in info.TapKeyOrigins)
                {
                    psbt = psbt.WithOutputTapBip32Derivation(i, k.Key, k.LeafHashes, k.Origin);
                }
            }
            else
            {
                if (info.RedeemScript is { } rs)
                {
                    psbt = psbt.WithOutputRedeemScript(i, rs);
                }

                if (info.WitnessScript is { } ws)
                {
                    psbt = psbt.WithOutputWitnessScript(i, ws);
                }

                foreach (var k in info.KeyOrigins)
                {
                    psbt = psbt.WithOutputBip32Derivation(i, k.PublicKey, k.Origin, k.IsCompressed);
                }
            }
        }

        return psbt;
    }

    /// <summary>Adds the updater fields of one input the wallet owns (no-op for foreign inputs).</summary>
    public PsbtDocument UpdateInput(PsbtDocument psbt, int inputIndex, OutPoint outPoint)
    {
        ArgumentNullException.ThrowIfNull(psbt);
        var prevTx = _graph.GetTransaction(outPoint.TxId);
        var utxo = _graph.GetTxOut(outPoint);
        if (utxo is null || SpendInfo(utxo.ScriptPubKey) is not { } info)
        {
            return psbt;
        }

        // BIP174: non-witness UTXO for legacy inputs; Core also includes it for segwit v0 (fee-lying defence), not for taproot.
        if (prevTx is not null && info.Taproot is null)
        {
            psbt = psbt.WithNonWitnessUtxo(inputIndex, prevTx);
        }

        if (info.IsSegwit)
        {
            psbt = psbt.WithWitnessUtxo(inputIndex, utxo);
        }

        if (info.RedeemScript is { } rs)
        {
            psbt = psbt.WithRedeemScript(inputIndex, rs);
        }

        if (info.WitnessScript is { } ws)
        {
            psbt = psbt.WithWitnessScript(inputIndex, ws);
        }

        foreach (var k in info.KeyOrigins)
        {
            psbt = psbt.WithBip32Derivation(inputIndex, k.PublicKey, k.Origin, k.IsCompressed);
        }

        if (info.Taproot is { } tap)
        {
            psbt = psbt.WithTapInternalKey(inputIndex, tap.InternalKey);
            if (tap.MerkleRoot is { } root)
            {
                psbt = psbt.WithTapMerkleRoot(inputIndex, root);
            }

            foreach (var leaf in tap.Leaves)
            {
                psbt = psbt.WithTapLeafScript(inputIndex, leaf.ControlBlock, leaf.Script);
            }
        }

        foreach (var k in info.TapKeyOrigins)
        {
            psbt = psbt.WithTapBip32Derivation(inputIndex, k.Key, k.LeafHashes, k.Origin);
        }

        return psbt;
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
