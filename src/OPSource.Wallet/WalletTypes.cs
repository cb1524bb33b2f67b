using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Funding;

namespace OPSource.Wallet;

/// <summary>
/// Balances as Core's <c>getbalances</c> reports them: confirmed (mature and spendable), trusted
/// pending (unconfirmed, sent by this wallet to itself), untrusted pending (unconfirmed from others)
/// and immature coinbase outputs.
/// </summary>
/// <param name="Confirmed">Confirmed, mature.</param>
/// <param name="TrustedPending">Unconfirmed outputs of transactions this wallet sent.</param>
/// <param name="UntrustedPending">Unconfirmed outputs received from others.</param>
/// <param name="Immature">Coinbase outputs with fewer than 101 confirmations.</param>
public sealed record WalletBalance(Amount Confirmed, Amount TrustedPending, Amount UntrustedPending, Amount Immature)
{
    /// <summary>What the wallet may spend now: confirmed plus trusted pending (Core's <c>trusted</c>).</summary>
    public Amount Trusted => Confirmed + TrustedPending;

    /// <summary>Everything.</summary>
    public Amount Total => Confirmed + TrustedPending + UntrustedPending + Immature;
}

/// <summary>An address (or script) of the wallet.</summary>
/// <param name="Keychain">Receive or change.</param>
/// <param name="Index">Derivation index.</param>
/// <param name="ScriptPubKey">The script.</param>
/// <param name="Address">The address, null for scripts without one.</param>
/// <param name="Used">Some transaction paid to it.</param>
public sealed record WalletAddress(WalletKeychain Keychain, uint Index, Script ScriptPubKey, Address? Address, bool Used);

/// <summary>An unspent output of the wallet.</summary>
public sealed record WalletUtxo
{
    /// <summary>The coin.</summary>
    public required OutPoint OutPoint { get; init; }

    /// <summary>Value and script.</summary>
    public required TxOut Output { get; init; }

    /// <summary>Keychain of the script.</summary>
    public required WalletKeychain Keychain { get; init; }

    /// <summary>Derivation index of the script.</summary>
    public required uint Index { get; init; }

    /// <summary>Where its transaction stands.</summary>
    public required ChainPosition Position { get; init; }

    /// <summary>Confirmations at the wallet's tip.</summary>
    public required int Confirmations { get; init; }

    /// <summary>From a coinbase transaction.</summary>
    public required bool IsCoinBase { get; init; }

    /// <summary>Spendable by maturity (non-coinbase, or coinbase with 101 confirmations).</summary>
    public required bool IsMature { get; init; }

    /// <summary>Confirmed, or unconfirmed but sent by this wallet (Core CachedTxIsTrusted).</summary>
    public required bool IsTrusted { get; init; }

    /// <summary>Its transaction spent coins of this wallet (Core CachedTxIsFromMe).</summary>
    public required bool FromMe { get; init; }

    /// <summary>Locked (coin control, or held for an external transaction).</summary>
    public required bool IsLocked { get; init; }

    /// <summary>Some other output of the wallet paid the same script and was spent (address reuse).</summary>
    public required bool IsReused { get; init; }

    /// <summary>The coin's value.</summary>
    public Amount Value => Output.Value;
}

/// <summary>A transaction as the wallet sees it.</summary>
public sealed record WalletTransaction
{
    /// <summary>Transaction id.</summary>
    public required TxId TxId { get; init; }

    /// <summary>The transaction.</summary>
    public required Transaction Transaction { get; init; }

    /// <summary>Where it stands.</summary>
    public required ChainPosition Position { get; init; }

    /// <summary>Confirmations at the wallet's tip.</summary>
    public required int Confirmations { get; init; }

    /// <summary>Sum of the outputs paying the wallet.</summary>
    public required Amount Received { get; init; }

    /// <summary>Sum of the wallet's coins it spends.</summary>
    public required Amount Sent { get; init; }

    /// <summary>The fee, when every input's value is known.</summary>
    public required Amount? Fee { get; init; }

    /// <summary>Received minus sent.</summary>
    public SignedAmount Net => (SignedAmount)Received - Sent;

    /// <summary>BIP125: some input signals replaceability.</summary>
    public bool SignalsRbf => Transaction.SignalsRbf;
}
