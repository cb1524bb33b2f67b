using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;

namespace OPSource.Dlc.Messages;

/// <summary>A funding input with the transaction that created it (Messaging.md <c>funding_input</c>).</summary>
/// <param name="InputSerialId">Random id; funding inputs are sorted by it.</param>
/// <param name="PrevTx">The transaction whose output is spent.</param>
/// <param name="PrevTxBytes">Its serialization exactly as received (kept for a byte-exact re-encoding).</param>
/// <param name="PrevTxVout">Index of the spent output.</param>
/// <param name="Sequence">nSequence of the funding input.</param>
/// <param name="MaxWitnessLen">Upper bound of the witness' serialized size, for fees.</param>
/// <param name="RedeemScript">P2SH redeem script for wrapped segwit, empty for native segwit.</param>
public sealed record FundingInput(
    ulong InputSerialId,
    Transaction PrevTx,
    ReadOnlyMemory<byte> PrevTxBytes,
    uint PrevTxVout,
    uint Sequence,
    ushort MaxWitnessLen,
    Script RedeemScript)
{
    /// <summary>Creates an input from a transaction (its canonical serialization is what will be sent).</summary>
    public static FundingInput Create(ulong inputSerialId, Transaction prevTx, uint prevTxVout, uint sequence, ushort maxWitnessLen, Script redeemScript)
    {
        ArgumentNullException.ThrowIfNull(prevTx);
        return new FundingInput(inputSerialId, prevTx, prevTx.ToBytes(), prevTxVout, sequence, maxWitnessLen, redeemScript);
    }

    /// <summary>The outpoint spent.</summary>
    public OutPoint OutPoint => new(PrevTx.GetTxId(), PrevTxVout);

    /// <summary>The output spent, or null when <see cref="PrevTxVout"/> is out of range.</summary>
    public TxOut? PrevOutput => PrevTxVout < (uint)PrevTx.Outputs.Count ? PrevTx.Outputs[(int)PrevTxVout] : null;
}

/// <summary>A TLV record of a message's extension stream (BOLT #1); unknown odd types are kept and re-sent.</summary>
public sealed record TlvRecord(ulong Type, ReadOnlyMemory<byte> Value);

/// <summary>The three negotiation messages and their common members.</summary>
public abstract record DlcMessage
{
    private protected DlcMessage()
    {
    }

    /// <summary>The <c>u16</c> wire message type (42778 offer, 42780 accept, 42782 sign).</summary>
    public abstract ushort WireType { get; }

    /// <summary>Protocol version (1).</summary>
    public abstract uint ProtocolVersion { get; }

    /// <summary>Trailing TLV extension records (empty when none).</summary>
    public IReadOnlyList<TlvRecord> Extensions { get; init; } = [];
}

/// <summary>Protocol.md <c>offer_dlc</c> (type 42778).</summary>
public sealed record OfferDlc(
    uint Version,
    byte ContractFlags,
    ReadOnlyMemory<byte> ChainHash,
    ContractId TemporaryContractId,
    ContractInfo ContractInfo,
    PublicKey FundingPubkey,
    Script PayoutSpk,
    ulong PayoutSerialId,
    Amount OfferCollateral,
    IReadOnlyList<FundingInput> FundingInputs,
    Script ChangeSpk,
    ulong ChangeSerialId,
    ulong FundOutputSerialId,
    ulong FeeRatePerVb,
    uint CetLocktime,
    uint RefundLocktime) : DlcMessage
{
    /// <summary>Wire type of <c>offer_dlc</c>.</summary>
    public const ushort Type = 42778;

    /// <inheritdoc />
    public override ushort WireType => Type;

    /// <inheritdoc />
    public override uint ProtocolVersion => Version;

    /// <summary>The accepter's collateral: total collateral minus the offerer's.</summary>
    public Amount AcceptCollateral => ContractInfo.TotalCollateral - OfferCollateral;
}

/// <summary>Protocol.md <c>accept_dlc</c> (type 42780).</summary>
public sealed record AcceptDlc(
    uint Version,
    ContractId TemporaryContractId,
    Amount AcceptCollateral,
    PublicKey FundingPubkey,
    Script PayoutSpk,
    ulong PayoutSerialId,
    IReadOnlyList<FundingInput> FundingInputs,
    Script ChangeSpk,
    ulong ChangeSerialId,
    IReadOnlyList<AdaptorSignature> CetAdaptorSignatures,
    EcdsaSignature RefundSignature,
    NegotiationFields? NegotiationFields) : DlcMessage
{
    /// <summary>Wire type of <c>accept_dlc</c>.</summary>
    public const ushort Type = 42780;

    /// <inheritdoc />
    public override ushort WireType => Type;

    /// <inheritdoc />
    public override uint ProtocolVersion => Version;
}

/// <summary>Protocol.md <c>sign_dlc</c> (type 42782).</summary>
public sealed record SignDlc(
    uint Version,
    ContractId ContractId,
    IReadOnlyList<AdaptorSignature> CetAdaptorSignatures,
    EcdsaSignature RefundSignature,
    IReadOnlyList<Witness> FundingSignatures) : DlcMessage
{
    /// <summary>Wire type of <c>sign_dlc</c>.</summary>
    public const ushort Type = 42782;

    /// <inheritdoc />
    public override ushort WireType => Type;

    /// <inheritdoc />
    public override uint ProtocolVersion => Version;
}
