using OPSource.Bitcoin;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Fees;
using OPSource.Wallet.CoinSelection;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Wallet.Service;

/// <summary>A new seed wallet: name, account template and birthday.</summary>
public sealed record CreateWalletRequest
{
    /// <summary>Wallet name (1-64 of <c>A-Z a-z 0-9 . _ -</c>, starting with a letter or digit).</summary>
    public required string Name { get; init; }

    /// <summary>Account template (BIP86 taproot by default).</summary>
    public WalletTemplate Template { get; init; } = WalletTemplate.Bip86;

    /// <summary>BIP44 account number.</summary>
    public uint Account { get; init; }

    /// <summary>Words of a generated mnemonic (12, 15, 18, 21 or 24; default 24).</summary>
    public int WordCount { get; init; } = 24;

    /// <summary>
    /// First block that can hold the wallet's transactions (a restore scans from here). Null: the node's tip for a new
    /// wallet, genesis for a restored one.
    /// </summary>
    public int? BirthdayHeight { get; init; }
}

/// <summary>A wallet from descriptors: watch-only (public keys) or holding the private keys written in them.</summary>
public sealed record ImportWalletRequest
{
    /// <summary>Wallet name.</summary>
    public required string Name { get; init; }

    /// <summary>Receive descriptor, or one multipath <c>&lt;0;1&gt;</c> descriptor for both keychains.</summary>
    public required string Descriptor { get; init; }

    /// <summary>Change descriptor (null: from the multipath descriptor, or change goes to the receive keychain).</summary>
    public string? ChangeDescriptor { get; init; }

    /// <summary>First block to scan (null: genesis).</summary>
    public int? BirthdayHeight { get; init; }
}

/// <summary>A wallet as the surfaces show it.</summary>
public sealed record WalletInfo
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Network name.</summary>
    public required string Network { get; init; }

    /// <summary>Public receive descriptor (with checksum).</summary>
    public required string ExternalDescriptor { get; init; }

    /// <summary>Public change descriptor, or null.</summary>
    public required string? InternalDescriptor { get; init; }

    /// <summary>No private keys.</summary>
    public required bool WatchOnly { get; init; }

    /// <summary><c>bip39</c>, <c>keys</c>, or null (watch-only).</summary>
    public required string? SecretKind { get; init; }

    /// <summary>Birthday height (-1: the node's tip at the first sync).</summary>
    public required int BirthdayHeight { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The wallet's chain tip.</summary>
    public required BlockId Tip { get; init; }

    /// <summary>Balances.</summary>
    public required WalletBalance Balance { get; init; }

    /// <summary>Transactions in the canonical view.</summary>
    public required int TransactionCount { get; init; }

    /// <summary>Unspent outputs.</summary>
    public required int UtxoCount { get; init; }

    /// <summary>Whether signing keys are held in memory (this process), and until when.</summary>
    public required DateTimeOffset? UnlockedUntil { get; init; }
}

/// <summary>One output to pay: an address (or <c>data</c> hex for OP_RETURN) and an amount.</summary>
/// <param name="Address">Destination address (checked against the wallet's network).</param>
/// <param name="Amount">Amount (ignored for the first recipient of a send-max).</param>
public sealed record Payment(string Address, Amount Amount);

/// <summary>A spend request (the surfaces' form of <see cref="SendRequest"/>).</summary>
public sealed record SpendRequest
{
    /// <summary>Outputs to pay, in order.</summary>
    public IReadOnlyList<Payment> Payments { get; init; } = [];

    /// <summary>OP_RETURN payload (at most 80 bytes, Core's default -datacarriersize), or null.</summary>
    public byte[]? OpReturnData { get; init; }

    /// <summary>Explicit fee rate, or null to ask the node (<c>estimatesmartfee</c>) with the configured floor and fallback.</summary>
    public FeeRate? FeeRate { get; init; }

    /// <summary>Confirmation target for the estimate (null: <c>Wallet:ConfirmationTarget</c>).</summary>
    public int? ConfirmationTarget { get; init; }

    /// <summary>Spend every eligible coin to the first payment (no change).</summary>
    public bool SendMax { get; init; }

    /// <summary>Coins that must be spent.</summary>
    public IReadOnlyList<OutPoint> MustUse { get; init; } = [];

    /// <summary>Coins that must not be spent.</summary>
    public IReadOnlyList<OutPoint> MustNotUse { get; init; } = [];

    /// <summary>Add other coins beyond <see cref="MustUse"/>.</summary>
    public bool AllowOtherInputs { get; init; } = true;

    /// <summary>Minimum confirmations of coins chosen automatically.</summary>
    public int MinConfirmations { get; init; }

    /// <summary>Skip coins on addresses that were already spent from.</summary>
    public bool AvoidReuse { get; init; }

    /// <summary>Signal BIP125 replaceability.</summary>
    public bool EnableRbf { get; init; } = true;

    /// <summary>A label for the transaction (BIP329 <c>tx</c>), or null.</summary>
    public string? Label { get; init; }
}

/// <summary>A broadcast (or built) transaction.</summary>
public sealed record SpendResult
{
    /// <summary>Transaction id.</summary>
    public required TxId TxId { get; init; }

    /// <summary>The signed transaction.</summary>
    public required Transaction Transaction { get; init; }

    /// <summary>Fee paid.</summary>
    public required Amount Fee { get; init; }

    /// <summary>Virtual size.</summary>
    public required int VSize { get; init; }

    /// <summary>Fee rate paid.</summary>
    public FeeRate FeeRate => FeeRate.FromFee(Fee, VSize);

    /// <summary>Index of the change output, or null.</summary>
    public required int? ChangeIndex { get; init; }

    /// <summary>The coins spent.</summary>
    public required IReadOnlyList<OutPoint> Inputs { get; init; }

    /// <summary>Coin selection algorithm.</summary>
    public required SelectionAlgorithm Algorithm { get; init; }

    /// <summary>Transactions this one replaced (a fee bump), else empty.</summary>
    public IReadOnlyList<TxId> Replaced { get; init; } = [];

    /// <summary>The rate asked for and where it came from (explicit, model, node, fallback); null where not recorded (bumps).</summary>
    public FeeAdvice? FeeSource { get; init; }
}

/// <summary>A funded, unsigned PSBT the wallet built.</summary>
/// <param name="Psbt">The PSBT (v0) with every updater field.</param>
/// <param name="Fee">Fee it pays once signed.</param>
/// <param name="EstimatedVSize">Virtual size once signed (upper bound).</param>
/// <param name="ChangeIndex">Change output index, or null.</param>
/// <param name="LockedInputs">Coins locked for it (released by spending them or by unlocking).</param>
public sealed record PsbtResult(PsbtDocument Psbt, Amount Fee, int EstimatedVSize, int? ChangeIndex, IReadOnlyList<OutPoint> LockedInputs);

/// <summary>The outcome of signing a PSBT.</summary>
/// <param name="Psbt">The PSBT with the wallet's signatures.</param>
/// <param name="SignedInputs">Inputs that gained a signature.</param>
/// <param name="Complete">Every input can now be finalized.</param>
public sealed record PsbtSignResult(PsbtDocument Psbt, IReadOnlyList<int> SignedInputs, bool Complete);

/// <summary>A public descriptor as Core's <c>listdescriptors</c> shows it.</summary>
/// <param name="Descriptor">Public descriptor with checksum.</param>
/// <param name="Internal">Change keychain.</param>
/// <param name="RangeEnd">Highest index watched (revealed plus lookahead), or null for a non-ranged descriptor.</param>
/// <param name="NextIndex">Next index to hand out.</param>
/// <param name="BirthdayHeight">Birthday height.</param>
public sealed record ExportedDescriptor(string Descriptor, bool Internal, uint? RangeEnd, uint NextIndex, int BirthdayHeight);

/// <summary>How far a sync or rescan got.</summary>
/// <param name="Tip">The wallet's tip afterwards.</param>
/// <param name="BlocksConnected">Blocks applied.</param>
/// <param name="BlocksDisconnected">Blocks removed by reorgs.</param>
/// <param name="TransactionsFound">Relevant transactions added (blocks and mempool).</param>
public sealed record SyncProgress(BlockId Tip, int BlocksConnected, int BlocksDisconnected, int TransactionsFound);
