using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Platform.Funding;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Dlc.Tests;

/// <summary>
/// An in-memory wallet behind the narrow wallet interfaces (unit tests only; the regtest tests use the real
/// wallet and node): P2WPKH coins that exist nowhere else, locks, fresh scripts, PSBT signing.
/// </summary>
internal sealed class FakeWallet : IWalletFunding, IPsbtSigner
{
    private readonly List<(OutPoint OutPoint, Transaction PrevTx, SecretKey Key)> _coins = [];
    private readonly HashSet<OutPoint> _locked = [];
    private readonly List<SecretKey> _keys = [];
    private int _counter;

    public FakeWallet(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyCollection<OutPoint> Locked => _locked;

    public OutPoint AddCoin(long sats)
    {
        var key = SecretKey.Generate();
        var marker = new byte[32];
        marker[0] = (byte)++_counter;
        marker[1] = (byte)Name[0];
        var prev = new Transaction(2, [new TxIn(new OutPoint(TxId.FromBytes(marker), 7))], [new TxOut(Amount.FromSatoshis(sats), StandardScripts.PayToWitnessPubKeyHash(key.PublicKey))], new LockTime(0));
        var op = new OutPoint(prev.GetTxId(), 0);
        _coins.Add((op, prev, key));
        _keys.Add(key);
        return op;
    }

    /// <summary>The transaction that created one of this wallet's coins.</summary>
    public Transaction PrevTxOf(OutPoint coin) => _coins.Single(c => c.OutPoint == coin).PrevTx;

    public Task<FundingSelection> SelectFundingAsync(FundingRequest request, CancellationToken cancellationToken)
    {
        var chosen = new List<FundingInput>();
        var total = Amount.Zero;
        foreach (var c in _coins.Where(c => !_locked.Contains(c.OutPoint)).OrderByDescending(c => c.PrevTx.Outputs[0].Value.Satoshis))
        {
            if (total >= request.Target + Amount.FromSatoshis(chosen.Count * 68 * (long)request.FeeRate.SatoshisPerVByte))
            {
                break;
            }

            chosen.Add(new FundingInput(c.OutPoint, c.PrevTx.Outputs[0], c.PrevTx, Sequence.Final, 108, Script.Empty));
            total += c.PrevTx.Outputs[0].Value;
        }

        if (total < request.Target)
        {
            throw new WalletOperationException(WalletErrorKind.InsufficientFunds, $"wallet '{Name}': insufficient funds");
        }

        foreach (var c in chosen)
        {
            _locked.Add(c.OutPoint);
        }

        return Task.FromResult(new FundingSelection(chosen, NewScript()));
    }

    public Task<PartiallySignedTransaction> CreatePsbtAsync(PsbtRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task ReleaseAsync(string wallet, IReadOnlyCollection<OutPoint> outPoints, CancellationToken cancellationToken)
    {
        foreach (var o in outPoints)
        {
            _locked.Remove(o);
        }

        return Task.CompletedTask;
    }

    public Task<Script> GetNewScriptAsync(string wallet, WalletKeychain keychain, CancellationToken cancellationToken) => Task.FromResult(NewScript());

    public Task<PsbtSigningResult> SignAsync(string wallet, PartiallySignedTransaction psbt, CancellationToken cancellationToken)
    {
        psbt.TrySign(_keys, out var signed, out _);
        var indexes = Enumerable.Range(0, signed.Inputs.Count).Where(i => signed.Inputs[i].PartialSignatures.Count > psbt.Inputs[i].PartialSignatures.Count).ToList();
        return Task.FromResult(new PsbtSigningResult(signed, indexes));
    }

    private Script NewScript()
    {
        var key = SecretKey.Generate();
        _keys.Add(key);
        return StandardScripts.PayToWitnessPubKeyHash(key.PublicKey);
    }
}
