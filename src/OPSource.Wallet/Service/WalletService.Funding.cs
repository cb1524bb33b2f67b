using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Service;

public sealed partial class WalletService : IWalletProvisioning
{
    // BIP68/BIP125: 0xfffffffe enables nLockTime (a DLC's fund_lock_time) without signalling replaceability.
    private static readonly Sequence FundingSequence = new(Sequence.MaxBip125RbfValue + 1);

    /// <inheritdoc />
    public async Task<FundingSelection> SelectFundingAsync(FundingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MinConfirmations < 0)
        {
            throw Invalid("funding: min confirmations must not be negative");
        }

        return await MutateAsync(request.Wallet, core =>
        {
            (IReadOnlyList<WalletUtxo> Inputs, Script ChangeScript) choice;
            try
            {
                choice = core.SelectFunding(request.Target, request.FeeRate, request.MinConfirmations);
            }
            catch (WalletCoreException ex)
            {
                throw FromCore(ex);
            }

            var inputs = new List<FundingInput>(choice.Inputs.Count);
            foreach (var u in choice.Inputs)
            {
                var prev = core.Graph.GetTransaction(u.OutPoint.TxId)
                    ?? throw new InvalidOperationException($"wallet: the transaction of coin {u.OutPoint} is missing from the graph");
                var info = core.SpendInfo(u.Output.ScriptPubKey)!;
                inputs.Add(new FundingInput(u.OutPoint, u.Output, prev, FundingSequence, info.MaxWitnessSize, info.RedeemScript ?? Script.Empty));
            }

            core.SetLocked([.. choice.Inputs.Select(u => u.OutPoint)], true);
            core.MarkRevealed(choice.ChangeScript);
            return new FundingSelection(inputs, choice.ChangeScript);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PartiallySignedTransaction> CreatePsbtAsync(PsbtRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Outputs.Count == 0)
        {
            throw Invalid("psbt: at least one output is required");
        }

        var tipTime = await WithWalletAsync(request.Wallet, slot => TipTimeAsync(slot.Core!.Tip, cancellationToken), cancellationToken).ConfigureAwait(false);
        var result = await MutateAsync(request.Wallet, core =>
        {
            var built = BuildOn(core, new SendRequest
            {
                Recipients = [.. request.Outputs.Select(o => new Recipient(o.ScriptPubKey, o.Value))],
                FeeRate = request.FeeRate,
                EnableRbf = request.EnableRbf,
                SendMax = request.SendMax,
                NowUnixSeconds = _time.GetUtcNow().ToUnixTimeSeconds(),
                TipTimeUnixSeconds = tipTime,
                MaxFee = _options.MaxFee,
            });
            core.CommitChange(built);
            core.SetLocked([.. built.Inputs.Select(u => u.OutPoint)], true);
            return built.Psbt;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public Task ReleaseAsync(string wallet, IReadOnlyCollection<OutPoint> outPoints, CancellationToken cancellationToken) =>
        SetLockedAsync(wallet, outPoints, false, cancellationToken);

    /// <inheritdoc />
    public async Task<Script> GetNewScriptAsync(string wallet, WalletKeychain keychain, CancellationToken cancellationToken) =>
        (await GetNewAddressAsync(wallet, keychain, cancellationToken).ConfigureAwait(false)).ScriptPubKey;

    /// <inheritdoc />
    public async Task<PsbtSigningResult> SignAsync(string wallet, PartiallySignedTransaction psbt, CancellationToken cancellationToken)
    {
        var result = await SignPsbtAsync(wallet, psbt, ReadOnlyMemory<char>.Empty, cancellationToken).ConfigureAwait(false);
        return new PsbtSigningResult(result.Psbt, result.SignedInputs);
    }

    /// <inheritdoc />
    public async Task CreateWatchOnlyWalletAsync(WatchOnlyWalletRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var d = ParseDescriptor(request.Descriptor, "descriptor");
        if (d.HasPrivateKeys || (request.ChangeDescriptor is { } c && ParseDescriptor(c, "change descriptor").HasPrivateKeys))
        {
            throw Invalid("watch-only wallet: the descriptors must hold public keys only");
        }

        await ImportAsync(new ImportWalletRequest
        {
            Name = request.Wallet,
            Descriptor = request.Descriptor,
            ChangeDescriptor = request.ChangeDescriptor,
            BirthdayHeight = request.BirthdayHeight,
        }, ReadOnlyMemory<char>.Empty, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string wallet, CancellationToken cancellationToken) =>
        IsValidName(wallet) && await _store.GetRevisionAsync(wallet, cancellationToken).ConfigureAwait(false) is not null;
}
