using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Platform.Funding;

/// <summary>Which chain of addresses a script comes from.</summary>
public enum WalletKeychain
{
    /// <summary>Receive addresses (BIP44 chain 0).</summary>
    External,

    /// <summary>Change addresses (BIP44 chain 1).</summary>
    Internal,
}

/// <summary>
/// A request for coins to fund part of a transaction someone else assembles (a DLC funding
/// transaction, a DAO anchor). The wallet picks inputs whose effective values (value minus the fee
/// of spending them at <see cref="FeeRate"/>) cover <see cref="Target"/>, and locks them until
/// <see cref="IWalletFunding.ReleaseAsync"/> or until they are spent.
/// </summary>
/// <param name="Wallet">Wallet name.</param>
/// <param name="Target">Amount the inputs must cover beyond their own input fees.</param>
/// <param name="FeeRate">Fee rate used to value inputs.</param>
/// <param name="MinConfirmations">Only coins with at least this many confirmations.</param>
public sealed record FundingRequest(string Wallet, Amount Target, FeeRate FeeRate, int MinConfirmations = 1);

/// <summary>One input the wallet contributes, with what a counterparty needs to build and check it.</summary>
/// <param name="OutPoint">The coin.</param>
/// <param name="Output">The coin's output (value and scriptPubKey).</param>
/// <param name="PreviousTransaction">The full transaction that created it (dlcspecs' <c>prev_tx</c>; BIP174 non-witness UTXO).</param>
/// <param name="Sequence">nSequence the wallet wants for it.</param>
/// <param name="MaxWitnessLength">Upper bound of the serialized witness (for fee computation before signing).</param>
/// <param name="RedeemScript">P2SH redeem script for wrapped segwit, empty otherwise.</param>
public sealed record FundingInput(
    OutPoint OutPoint,
    TxOut Output,
    Transaction PreviousTransaction,
    Sequence Sequence,
    int MaxWitnessLength,
    Script RedeemScript);

/// <summary>The coins a wallet chose for a <see cref="FundingRequest"/>, plus a fresh change script.</summary>
/// <param name="Inputs">Chosen coins, locked.</param>
/// <param name="ChangeScript">A fresh internal-keychain scriptPubKey for change.</param>
public sealed record FundingSelection(IReadOnlyList<FundingInput> Inputs, Script ChangeScript)
{
    /// <summary>Sum of the inputs' values.</summary>
    public Amount Total => Inputs.Aggregate(Amount.Zero, (sum, input) => sum + input.Output.Value);
}

/// <summary>An output a PSBT must pay.</summary>
/// <param name="ScriptPubKey">Destination script (an address's script or an OP_RETURN).</param>
/// <param name="Value">Amount (zero for OP_RETURN).</param>
public sealed record PaymentOutput(Script ScriptPubKey, Amount Value);

/// <summary>A request for a funded, unsigned PSBT from one wallet (a DAO treasury spend).</summary>
/// <param name="Wallet">Wallet name.</param>
/// <param name="Outputs">Outputs to pay, in order.</param>
/// <param name="FeeRate">Fee rate.</param>
/// <param name="EnableRbf">Signal BIP125 replaceability.</param>
/// <param name="SendMax">Sweep (Core <c>sendall</c>): every spendable coin of the wallet goes to the first output, whose
/// amount is ignored; no change (a DAO treasury moving to its rotated descriptor).</param>
public sealed record PsbtRequest(string Wallet, IReadOnlyList<PaymentOutput> Outputs, FeeRate FeeRate, bool EnableRbf = true, bool SendMax = false);

/// <summary>
/// The wallet's funding surface for modules above it (DLC, DAO, RSK peg-in). Modules depend on this
/// interface, never on the concrete wallet.
/// </summary>
public interface IWalletFunding
{
    /// <summary>Chooses and locks coins for a transaction assembled elsewhere.</summary>
    /// <exception cref="WalletOperationException">Unknown wallet, insufficient funds.</exception>
    Task<FundingSelection> SelectFundingAsync(FundingRequest request, CancellationToken cancellationToken);

    /// <summary>Builds a funded PSBT (inputs with UTXO and derivation data, change to the wallet), coins locked.</summary>
    /// <exception cref="WalletOperationException">Unknown wallet, insufficient funds, dust output.</exception>
    Task<PartiallySignedTransaction> CreatePsbtAsync(PsbtRequest request, CancellationToken cancellationToken);

    /// <summary>Releases locks taken by a selection that will not be used.</summary>
    Task ReleaseAsync(string wallet, IReadOnlyCollection<OutPoint> outPoints, CancellationToken cancellationToken);

    /// <summary>Reveals the next unused script of a keychain (marks it handed out).</summary>
    Task<Script> GetNewScriptAsync(string wallet, WalletKeychain keychain, CancellationToken cancellationToken);
}

/// <summary>What a signing pass did.</summary>
/// <param name="Psbt">The PSBT with the wallet's signatures added.</param>
/// <param name="SignedInputs">Indexes of the inputs the wallet signed.</param>
public sealed record PsbtSigningResult(PartiallySignedTransaction Psbt, IReadOnlyList<int> SignedInputs);

/// <summary>Signs the inputs of a PSBT that a wallet's keys can sign (the wallet must be unlocked).</summary>
public interface IPsbtSigner
{
    /// <summary>Adds the wallet's signatures; inputs it cannot sign are left unchanged.</summary>
    /// <exception cref="WalletOperationException">Unknown or locked wallet, watch-only wallet.</exception>
    Task<PsbtSigningResult> SignAsync(string wallet, PartiallySignedTransaction psbt, CancellationToken cancellationToken);
}

/// <summary>A watch-only wallet from public descriptors (a DAO treasury's multisig).</summary>
/// <param name="Wallet">Name of the new wallet.</param>
/// <param name="Descriptor">Receive descriptor with public keys only (e.g. <c>wsh(sortedmulti(2,[fp/48h/1h/0h/2h]tpub.../0/*,...))</c>), or one multipath <c>&lt;0;1&gt;</c> descriptor.</param>
/// <param name="ChangeDescriptor">Change descriptor, or null (multipath, or change to the receive keychain).</param>
/// <param name="BirthdayHeight">First block that can pay it (null: genesis, a full scan).</param>
public sealed record WatchOnlyWalletRequest(string Wallet, string Descriptor, string? ChangeDescriptor = null, int? BirthdayHeight = null);

/// <summary>
/// Creating wallets for modules above the wallet (a DAO's treasury): narrow, and without secrets, so a module never
/// handles private keys or passphrases.
/// </summary>
public interface IWalletProvisioning
{
    /// <summary>Creates a watch-only wallet from public descriptors; the wallet then follows the node like any other.</summary>
    /// <exception cref="WalletOperationException">Name taken (AlreadyExists), bad or private descriptor (InvalidRequest), other network (WrongNetwork).</exception>
    Task CreateWatchOnlyWalletAsync(WatchOnlyWalletRequest request, CancellationToken cancellationToken);

    /// <summary>True when a wallet of that name exists.</summary>
    Task<bool> ExistsAsync(string wallet, CancellationToken cancellationToken);
}

/// <summary>Why a wallet operation was refused (maps to exit code 1 / HTTP 4xx).</summary>
public enum WalletErrorKind
{
    /// <summary>No wallet of that name.</summary>
    NotFound,

    /// <summary>The wallet is locked (no passphrase given, or the unlock period ended).</summary>
    Locked,

    /// <summary>The passphrase is wrong.</summary>
    WrongPassphrase,

    /// <summary>A watch-only wallet was asked to sign.</summary>
    WatchOnly,

    /// <summary>Not enough spendable coins.</summary>
    InsufficientFunds,

    /// <summary>An output below the dust limit.</summary>
    Dust,

    /// <summary>An address or descriptor of another network.</summary>
    WrongNetwork,

    /// <summary>Anything else the caller got wrong (the message says what).</summary>
    InvalidRequest,

    /// <summary>A wallet of that name already exists.</summary>
    AlreadyExists,
}

/// <summary>A refused wallet operation: the caller's input or the wallet's state, never a bug.</summary>
public sealed class WalletOperationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WalletOperationException(WalletErrorKind kind, string message)
        : base(message) => Kind = kind;

    /// <summary>Creates the exception for input the protocol library refused, keeping its typed error (code, position).</summary>
    public WalletOperationException(WalletErrorKind kind, string message, Bitcoin.BitcoinError? inputError)
        : base(message)
    {
        Kind = kind;
        InputError = inputError;
    }

    /// <summary>Creates the exception.</summary>
    public WalletOperationException() => Kind = WalletErrorKind.InvalidRequest;

    /// <summary>Creates the exception.</summary>
    public WalletOperationException(string message) : base(message) => Kind = WalletErrorKind.InvalidRequest;

    /// <summary>Creates the exception.</summary>
    public WalletOperationException(string message, Exception innerException) : base(message, innerException) => Kind = WalletErrorKind.InvalidRequest;

    /// <summary>What went wrong.</summary>
    public WalletErrorKind Kind { get; }

    /// <summary>The parser's typed error when the input did not parse (its <c>Code</c> and <c>Position</c> reach the hosts), else null.</summary>
    public Bitcoin.BitcoinError? InputError { get; }
}
