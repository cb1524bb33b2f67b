using System.Buffers.Binary;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;

namespace OPSource.Dlc.Messages;

/// <summary>
/// The dlcspecs wire format of the 2022 message set (Protocol.md, Messaging.md, PayoutCurve.md,
/// NumericOutcome.md), byte-compatible with rust-dlc and the dlcspecs <c>test/test_vectors</c>.
/// Where rust-dlc (the implementation that produced the vectors) deviates from the prose, the vectors win:
/// the digit decomposition <c>base</c> is a <c>u16</c>, hyperbola parameters are IEEE doubles, and
/// sibling-type tags are one byte (identical to BigSize for the values in use).
/// </summary>
public static class DlcWireCodec
{
    /// <summary>TLV type of <c>oracle_event</c>.</summary>
    public const ulong OracleEventType = 55330;

    /// <summary>TLV type of <c>oracle_announcement</c>.</summary>
    public const ulong OracleAnnouncementType = 55332;

    /// <summary>TLV type of <c>oracle_attestation</c>.</summary>
    public const ulong OracleAttestationType = 55400;

    /// <summary>TLV type of <c>enum_event_descriptor</c>.</summary>
    public const ulong EnumEventDescriptorType = 55302;

    /// <summary>TLV type of <c>digit_decomposition_event_descriptor</c>.</summary>
    public const ulong DigitDecompositionEventDescriptorType = 55306;

    /// <summary>Serializes a message: the <c>u16</c> type, its fields, then its TLV extensions.</summary>
    public static byte[] Encode(DlcMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = new DlcWireWriter(4096);
        w.U16(message.WireType);
        switch (message)
        {
            case OfferDlc offer:
                WriteOffer(w, offer);
                break;
            case AcceptDlc accept:
                WriteAccept(w, accept);
                break;
            case SignDlc sign:
                WriteSign(w, sign);
                break;
            default:
                throw new ArgumentException("dlc: unknown message kind", nameof(message));
        }

        WriteExtensions(w, message.Extensions);
        return w.ToArray();
    }

    /// <summary>Parses an offer, accept or sign message (with its <c>u16</c> type prefix).</summary>
    /// <exception cref="DlcFormatException">Malformed input; the exception names the field.</exception>
    public static DlcMessage Decode(ReadOnlySpan<byte> data)
    {
        var r = new DlcWireReader(data);
        var type = r.U16("message.type");
        DlcMessage message = type switch
        {
            OfferDlc.Type => ReadOffer(ref r),
            AcceptDlc.Type => ReadAccept(ref r),
            SignDlc.Type => ReadSign(ref r),
            _ => throw new DlcFormatException(DlcFormatErrorKind.UnknownType, "message.type", $"{type} is not offer_dlc (42778), accept_dlc (42780) or sign_dlc (42782)"),
        };
        var name = type switch { OfferDlc.Type => "offer_dlc", AcceptDlc.Type => "accept_dlc", _ => "sign_dlc" };
        return message with { Extensions = ReadExtensions(ref r, name + ".tlvs") };
    }

    /// <summary>Like <see cref="Decode"/> without throwing.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DlcMessage? message, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out DlcFormatException? error)
    {
        try
        {
            message = Decode(data);
            error = null;
            return true;
        }
        catch (DlcFormatException ex)
        {
            message = null;
            error = ex;
            return false;
        }
    }

    /// <summary>Decodes a message of a given kind.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> data)
        where T : DlcMessage
    {
        var m = Decode(data);
        return m as T ?? throw new DlcFormatException(DlcFormatErrorKind.WrongMessage, "message.type", $"expected {typeof(T).Name}, got {m.GetType().Name}");
    }

    /// <summary>The announcement as a TLV record (type 55332, as oracles publish it: <c>fdd824...</c>).</summary>
    public static byte[] EncodeAnnouncement(OracleAnnouncement announcement)
    {
        var w = new DlcWireWriter();
        WriteTlv(w, OracleAnnouncementType, b => WriteAnnouncementBody(b, announcement));
        return w.ToArray();
    }

    /// <summary>Parses a TLV-encoded announcement.</summary>
    public static OracleAnnouncement DecodeAnnouncement(ReadOnlySpan<byte> data)
    {
        var r = new DlcWireReader(data);
        var a = ReadAnnouncementTlv(ref r, "oracle_announcement");
        ExpectEnd(ref r, "oracle_announcement");
        return a;
    }

    /// <summary>The attestation as a TLV record (type 55400: <c>fdd868...</c>).</summary>
    public static byte[] EncodeAttestation(OracleAttestation attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        var w = new DlcWireWriter();
        WriteTlv(w, OracleAttestationType, b => WriteAttestationBody(b, attestation));
        return w.ToArray();
    }

    /// <summary>Parses a TLV-encoded attestation.</summary>
    public static OracleAttestation DecodeAttestation(ReadOnlySpan<byte> data)
    {
        const string f = "oracle_attestation";
        var r = new DlcWireReader(data);
        var body = ReadTlvBody(ref r, OracleAttestationType, f);
        var br = new DlcWireReader(body);
        var eventId = br.String(f + ".event_id");
        var key = ReadXOnly(ref br, f + ".oracle_public_key");
        var n = br.CountU16(f + ".nb_signatures", 64);
        var sigs = new OracleSignature[n];
        for (int i = 0; i < n; i++)
        {
            sigs[i] = OracleSignature.FromBytes(br.Take(64, $"{f}.signatures[{i}]"));
        }

        var m = br.CountU16(f + ".nb_outcomes");
        var outcomes = new string[m];
        for (int i = 0; i < m; i++)
        {
            outcomes[i] = br.String($"{f}.outcomes[{i}]");
        }

        ExpectEnd(ref br, f);
        ExpectEnd(ref r, f);
        return new OracleAttestation(eventId, key, sigs, outcomes);
    }

    /// <summary>
    /// The serialized <c>oracle_event</c> body (without its TLV type and length): the bytes whose SHA256 the
    /// announcement signature signs (rust-dlc <c>OracleAnnouncement::validate</c>).
    /// </summary>
    public static byte[] EncodeOracleEventBody(OracleEvent oracleEvent)
    {
        var w = new DlcWireWriter();
        WriteOracleEventBody(w, oracleEvent);
        return w.ToArray();
    }

    /// <summary>The serialized <c>contract_info</c> (used by tests and hashing).</summary>
    public static byte[] EncodeContractInfo(ContractInfo info)
    {
        var w = new DlcWireWriter();
        WriteContractInfo(w, info);
        return w.ToArray();
    }

    // ---------------------------------------------------------------- offer / accept / sign

    private static void WriteOffer(DlcWireWriter w, OfferDlc o)
    {
        w.U32(o.Version);
        w.U8(o.ContractFlags);
        if (o.ChainHash.Length != 32)
        {
            throw new ArgumentException("offer_dlc.chain_hash must be 32 bytes", nameof(o));
        }

        w.Bytes(o.ChainHash.Span);
        w.Bytes(o.TemporaryContractId.Span);
        WriteContractInfo(w, o.ContractInfo);
        WritePoint(w, o.FundingPubkey);
        w.Spk(o.PayoutSpk.Span);
        w.U64(o.PayoutSerialId);
        WriteAmount(w, o.OfferCollateral);
        WriteFundingInputs(w, o.FundingInputs);
        w.Spk(o.ChangeSpk.Span);
        w.U64(o.ChangeSerialId);
        w.U64(o.FundOutputSerialId);
        w.U64(o.FeeRatePerVb);
        w.U32(o.CetLocktime);
        w.U32(o.RefundLocktime);
    }

    private static OfferDlc ReadOffer(ref DlcWireReader r)
    {
        const string f = "offer_dlc";
        var version = r.U32(f + ".protocol_version");
        var flags = r.U8(f + ".contract_flags");
        var chain = r.Take(32, f + ".chain_hash").ToArray();
        var temp = ContractId.FromBytes(r.Take(32, f + ".temporary_contract_id"));
        var info = ReadContractInfo(ref r, f + ".contract_info");
        var pubkey = ReadPoint(ref r, f + ".funding_pubkey");
        var payout = ReadScript(ref r, f + ".payout_spk");
        var payoutSerial = r.U64(f + ".payout_serial_id");
        var collateral = ReadAmount(ref r, f + ".offer_collateral_satoshis");
        var inputs = ReadFundingInputs(ref r, f + ".funding_inputs");
        var change = ReadScript(ref r, f + ".change_spk");
        var changeSerial = r.U64(f + ".change_serial_id");
        var fundSerial = r.U64(f + ".fund_output_serial_id");
        var feeRate = r.U64(f + ".feerate_per_vb");
        var cetLocktime = r.U32(f + ".cet_locktime");
        var refundLocktime = r.U32(f + ".refund_locktime");
        return new OfferDlc(version, flags, chain, temp, info, pubkey, payout, payoutSerial, collateral, inputs, change, changeSerial, fundSerial, feeRate, cetLocktime, refundLocktime);
    }

    private static void WriteAccept(DlcWireWriter w, AcceptDlc a)
    {
        w.U32(a.Version);
        w.Bytes(a.TemporaryContractId.Span);
        WriteAmount(w, a.AcceptCollateral);
        WritePoint(w, a.FundingPubkey);
        w.Spk(a.PayoutSpk.Span);
        w.U64(a.PayoutSerialId);
        WriteFundingInputs(w, a.FundingInputs);
        w.Spk(a.ChangeSpk.Span);
        w.U64(a.ChangeSerialId);
        WriteAdaptorSignatures(w, a.CetAdaptorSignatures);
        WriteEcdsa(w, a.RefundSignature);
        if (a.NegotiationFields is null)
        {
            w.U8(0);
        }
        else
        {
            w.U8(1);
            WriteNegotiationFields(w, a.NegotiationFields);
        }
    }

    private static AcceptDlc ReadAccept(ref DlcWireReader r)
    {
        const string f = "accept_dlc";
        var version = r.U32(f + ".protocol_version");
        var temp = ContractId.FromBytes(r.Take(32, f + ".temporary_contract_id"));
        var collateral = ReadAmount(ref r, f + ".accept_collateral_satoshis");
        var pubkey = ReadPoint(ref r, f + ".funding_pubkey");
        var payout = ReadScript(ref r, f + ".payout_spk");
        var payoutSerial = r.U64(f + ".payout_serial_id");
        var inputs = ReadFundingInputs(ref r, f + ".funding_inputs");
        var change = ReadScript(ref r, f + ".change_spk");
        var changeSerial = r.U64(f + ".change_serial_id");
        var sigs = ReadAdaptorSignatures(ref r, f + ".cet_adaptor_signatures");
        var refund = ReadEcdsa(ref r, f + ".refund_signature");
        NegotiationFields? negotiation = ReadOptionFlag(ref r, f + ".negotiation_fields")
            ? ReadNegotiationFields(ref r, f + ".negotiation_fields", 0)
            : null;
        return new AcceptDlc(version, temp, collateral, pubkey, payout, payoutSerial, inputs, change, changeSerial, sigs, refund, negotiation);
    }

    private static void WriteSign(DlcWireWriter w, SignDlc s)
    {
        w.U32(s.Version);
        w.Bytes(s.ContractId.Span);
        WriteAdaptorSignatures(w, s.CetAdaptorSignatures);
        WriteEcdsa(w, s.RefundSignature);
        w.BigSize((ulong)s.FundingSignatures.Count);
        foreach (var witness in s.FundingSignatures)
        {
            w.BigSize((ulong)witness.Count);
            foreach (var item in witness.Items)
            {
                w.VarBytes(item.Span);
            }
        }
    }

    private static SignDlc ReadSign(ref DlcWireReader r)
    {
        const string f = "sign_dlc";
        var version = r.U32(f + ".protocol_version");
        var id = ContractId.FromBytes(r.Take(32, f + ".contract_id"));
        var sigs = ReadAdaptorSignatures(ref r, f + ".cet_adaptor_signatures");
        var refund = ReadEcdsa(ref r, f + ".refund_signature");
        var n = r.Count(f + ".funding_signatures.num_witnesses");
        var witnesses = new Witness[n];
        for (int i = 0; i < n; i++)
        {
            var field = $"{f}.funding_signatures[{i}]";
            var m = r.Count(field + ".num_witness_elems");
            var items = new ReadOnlyMemory<byte>[m];
            for (int j = 0; j < m; j++)
            {
                items[j] = r.VarBytes($"{field}.witness_elements[{j}]").ToArray();
            }

            witnesses[i] = new Witness(items);
        }

        return new SignDlc(version, id, sigs, refund, witnesses);
    }

    private static void WriteExtensions(DlcWireWriter w, IReadOnlyList<TlvRecord> extensions)
    {
        foreach (var record in extensions)
        {
            w.BigSize(record.Type);
            w.VarBytes(record.Value.Span);
        }
    }

    private static TlvRecord[] ReadExtensions(ref DlcWireReader r, string field)
    {
        // BOLT #1 TLV stream: types strictly increasing; unknown even types are required and refused.
        var list = new List<TlvRecord>();
        ulong? last = null;
        while (!r.IsAtEnd)
        {
            var type = r.BigSize(field + ".type");
            if (last is { } prev && type <= prev)
            {
                throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, $"TLV type {type} does not increase (after {prev})");
            }

            if (type % 2 == 0)
            {
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, field, $"unknown required (even) TLV type {type}");
            }

            var value = r.VarBytes($"{field}[{type}].value").ToArray();
            list.Add(new TlvRecord(type, value));
            last = type;
        }

        return [.. list];
    }

    // ---------------------------------------------------------------- funding inputs, signatures

    private static void WriteFundingInputs(DlcWireWriter w, IReadOnlyList<FundingInput> inputs)
    {
        w.BigSize((ulong)inputs.Count);
        foreach (var input in inputs)
        {
            w.U64(input.InputSerialId);
            w.VarBytes(input.PrevTxBytes.Span);
            w.U32(input.PrevTxVout);
            w.U32(input.Sequence);
            w.U16(input.MaxWitnessLen);
            w.Spk(input.RedeemScript.Span);
        }
    }

    private static FundingInput[] ReadFundingInputs(ref DlcWireReader r, string field)
    {
        var n = r.Count(field + ".num_funding_inputs", 8 + 1 + 4 + 4 + 2 + 2);
        var inputs = new FundingInput[n];
        for (int i = 0; i < n; i++)
        {
            var f = $"{field}[{i}]";
            var serial = r.U64(f + ".input_serial_id");
            var prevBytes = r.VarBytes(f + ".prevtx").ToArray();
            if (!Transaction.TryParse(prevBytes, out var prevTx, out var error))
            {
                throw new DlcFormatException(f + ".prevtx", "not a valid transaction: " + error);
            }

            var vout = r.U32(f + ".prevtx_vout");
            var sequence = r.U32(f + ".sequence");
            var maxWitness = r.U16(f + ".max_witness_len");
            var redeem = ReadScript(ref r, f + ".redeemscript");
            inputs[i] = new FundingInput(serial, prevTx, prevBytes, vout, sequence, maxWitness, redeem);
        }

        return inputs;
    }

    private static void WriteAdaptorSignatures(DlcWireWriter w, IReadOnlyList<AdaptorSignature> signatures)
    {
        // Messaging.md cet_adaptor_signatures: each entry is the 65-byte adaptor signature then the 97-byte DLEQ proof.
        w.BigSize((ulong)signatures.Count);
        Span<byte> buffer = stackalloc byte[AdaptorSignature.Size];
        foreach (var s in signatures)
        {
            s.WriteTo(buffer);
            w.Bytes(buffer);
        }
    }

    private static AdaptorSignature[] ReadAdaptorSignatures(ref DlcWireReader r, string field)
    {
        var n = r.Count(field + ".nb_signatures", AdaptorSignature.Size);
        var result = new AdaptorSignature[n];
        for (int i = 0; i < n; i++)
        {
            var f = $"{field}[{i}]";
            var bytes = r.Take(AdaptorSignature.Size, f);
            if (!AdaptorSignature.TryParse(bytes, out var sig))
            {
                throw new DlcFormatException(f, "not a valid ECDSA adaptor signature (R, R', s' or DLEQ proof out of range)");
            }

            result[i] = sig;
        }

        return result;
    }

    private static void WriteEcdsa(DlcWireWriter w, EcdsaSignature signature)
    {
        Span<byte> b = stackalloc byte[EcdsaSignature.CompactSize];
        signature.WriteCompact(b);
        w.Bytes(b);
    }

    private static EcdsaSignature ReadEcdsa(ref DlcWireReader r, string field)
    {
        var bytes = r.Take(EcdsaSignature.CompactSize, field);
        return EcdsaSignature.TryParseCompact(bytes, out var sig)
            ? sig
            : throw new DlcFormatException(field, "not a valid compact ECDSA signature (r or s >= n)");
    }

    private static void WritePoint(DlcWireWriter w, PublicKey key)
    {
        Span<byte> b = stackalloc byte[PublicKey.CompressedSize];
        key.WriteCompressed(b);
        w.Bytes(b);
    }

    private static PublicKey ReadPoint(ref DlcWireReader r, string field)
    {
        var bytes = r.Take(PublicKey.CompressedSize, field);
        // Protocol.md: funding_pubkey must be a valid secp256k1 pubkey in compressed format.
        if ((bytes[0] != 2 && bytes[0] != 3) || !PublicKey.TryParse(bytes, out var key))
        {
            throw new DlcFormatException(field, "not a valid compressed secp256k1 public key");
        }

        return key;
    }

    private static XOnlyPublicKey ReadXOnly(ref DlcWireReader r, string field)
    {
        var bytes = r.Take(XOnlyPublicKey.Size, field);
        return XOnlyPublicKey.TryParse(bytes, out var key)
            ? key
            : throw new DlcFormatException(field, "not a valid x-only public key");
    }

    private static void WriteXOnly(DlcWireWriter w, XOnlyPublicKey key)
    {
        Span<byte> b = stackalloc byte[XOnlyPublicKey.Size];
        key.WriteTo(b);
        w.Bytes(b);
    }

    private static Script ReadScript(ref DlcWireReader r, string field) => new(r.Spk(field));

    private static void WriteAmount(DlcWireWriter w, Amount amount)
    {
        if (amount.Satoshis < 0)
        {
            throw new ArgumentException("dlc: amounts are unsigned", nameof(amount));
        }

        w.U64((ulong)amount.Satoshis);
    }

    private static Amount ReadAmount(ref DlcWireReader r, string field)
    {
        var v = r.U64(field);
        return v <= (ulong)Amount.MaxMoney.Satoshis
            ? Amount.FromSatoshis((long)v)
            : throw new DlcFormatException(field, $"{v} sat exceeds 21,000,000 BTC");
    }

    private static bool ReadOptionFlag(ref DlcWireReader r, string field)
    {
        // Messaging.md "Optional sub-type": 0x00 absent, 0x01 present.
        var b = r.U8(field);
        return b switch
        {
            0 => false,
            1 => true,
            _ => throw new DlcFormatException(DlcFormatErrorKind.NonCanonical, field, $"optional field marker must be 0 or 1, got {b}"),
        };
    }

    private static void ExpectEnd(ref DlcWireReader r, string field)
    {
        if (!r.IsAtEnd)
        {
            throw new DlcFormatException(DlcFormatErrorKind.TrailingBytes, field, $"{r.Remaining} unexpected trailing bytes", r.Position);
        }
    }

    // ---------------------------------------------------------------- contract info

    private static void WriteContractInfo(DlcWireWriter w, ContractInfo info)
    {
        switch (info)
        {
            case SingleContractInfo single:
                w.U8(0);
                WriteAmount(w, single.TotalCollateral);
                WriteInner(w, single.Inner);
                break;
            case DisjointContractInfo disjoint:
                w.U8(1);
                WriteAmount(w, disjoint.TotalCollateral);
                w.BigSize((ulong)disjoint.ContractInfos.Count);
                foreach (var inner in disjoint.ContractInfos)
                {
                    WriteInner(w, inner);
                }

                break;
            default:
                throw new ArgumentException("dlc: unknown contract_info kind", nameof(info));
        }
    }

    private static ContractInfo ReadContractInfo(ref DlcWireReader r, string field)
    {
        var type = r.U8(field + ".type");
        switch (type)
        {
            case 0:
                {
                    var total = ReadAmount(ref r, field + ".total_collateral");
                    var inner = ReadInner(ref r, field);
                    return new SingleContractInfo(total, inner);
                }

            case 1:
                {
                    var total = ReadAmount(ref r, field + ".total_collateral");
                    var n = r.Count(field + ".num_disjoint_events", 2);
                    var inners = new ContractInfoInner[n];
                    for (int i = 0; i < n; i++)
                    {
                        inners[i] = ReadInner(ref r, $"{field}.contract_infos[{i}]");
                    }

                    return new DisjointContractInfo(total, inners);
                }

            default:
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, field + ".type", $"unknown contract_info type {type}");
        }
    }

    private static void WriteInner(DlcWireWriter w, ContractInfoInner inner)
    {
        WriteDescriptor(w, inner.Descriptor);
        WriteOracleInfo(w, inner.OracleInfo);
    }

    private static ContractInfoInner ReadInner(ref DlcWireReader r, string field)
    {
        var descriptor = ReadDescriptor(ref r, field + ".contract_descriptor");
        var oracle = ReadOracleInfo(ref r, field + ".oracle_info");
        return new ContractInfoInner(descriptor, oracle);
    }

    private static void WriteDescriptor(DlcWireWriter w, ContractDescriptor descriptor)
    {
        switch (descriptor)
        {
            case EnumeratedContractDescriptor e:
                w.U8(0);
                w.BigSize((ulong)e.Payouts.Count);
                foreach (var p in e.Payouts)
                {
                    w.String(p.Outcome);
                    WriteAmount(w, p.OfferPayout);
                }

                break;
            case NumericOutcomeContractDescriptor n:
                w.U8(1);
                w.U16(n.NumDigits);
                WritePayoutFunction(w, n.PayoutFunction);
                WriteRoundingIntervals(w, n.RoundingIntervals);
                break;
            default:
                throw new ArgumentException("dlc: unknown contract_descriptor kind", nameof(descriptor));
        }
    }

    private static ContractDescriptor ReadDescriptor(ref DlcWireReader r, string field)
    {
        var type = r.U8(field + ".type");
        switch (type)
        {
            case 0:
                {
                    var n = r.Count(field + ".num_outcomes", 9);
                    var payouts = new EnumeratedPayout[n];
                    for (int i = 0; i < n; i++)
                    {
                        var outcome = r.String($"{field}.outcomes[{i}]");
                        var payout = ReadAmount(ref r, $"{field}.payouts[{i}]");
                        payouts[i] = new EnumeratedPayout(outcome, payout);
                    }

                    return new EnumeratedContractDescriptor(payouts);
                }

            case 1:
                {
                    var digits = r.U16(field + ".num_digits");
                    var function = ReadPayoutFunction(ref r, field + ".payout_function");
                    var rounding = ReadRoundingIntervals(ref r, field + ".rounding_intervals");
                    return new NumericOutcomeContractDescriptor(digits, function, rounding);
                }

            default:
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, field + ".type", $"unknown contract_descriptor type {type}");
        }
    }

    private static void WritePayoutPoint(DlcWireWriter w, PayoutPoint p)
    {
        w.U64(p.EventOutcome);
        WriteAmount(w, p.OutcomePayout);
        w.U16(p.ExtraPrecision);
    }

    private static PayoutPoint ReadPayoutPoint(ref DlcWireReader r, string field) =>
        new(r.U64(field + ".event_outcome"), ReadAmount(ref r, field + ".outcome_payout"), r.U16(field + ".extra_precision"));

    private static void WritePayoutFunction(DlcWireWriter w, PayoutFunction f)
    {
        w.BigSize((ulong)f.Pieces.Count);
        foreach (var piece in f.Pieces)
        {
            WritePayoutPoint(w, piece.EndPoint);
            switch (piece.Curve)
            {
                case PolynomialPayoutCurvePiece poly:
                    w.U8(0);
                    w.BigSize((ulong)poly.Points.Count);
                    foreach (var p in poly.Points)
                    {
                        WritePayoutPoint(w, p);
                    }

                    break;
                case HyperbolaPayoutCurvePiece h:
                    w.U8(1);
                    w.Bool(h.UsePositivePiece);
                    WriteFixed(w, h.TranslateOutcome);
                    WriteFixed(w, h.TranslatePayout);
                    WriteFixed(w, h.A);
                    WriteFixed(w, h.B);
                    WriteFixed(w, h.C);
                    WriteFixed(w, h.D);
                    break;
                default:
                    throw new ArgumentException("dlc: unknown payout_curve_piece kind", nameof(f));
            }
        }

        WritePayoutPoint(w, f.LastEndpoint);
    }

    private static PayoutFunction ReadPayoutFunction(ref DlcWireReader r, string field)
    {
        var n = r.Count(field + ".num_pieces", 19);
        var pieces = new PayoutFunctionPiece[n];
        for (int i = 0; i < n; i++)
        {
            var f = $"{field}.pieces[{i}]";
            var end = ReadPayoutPoint(ref r, f + ".endpoint");
            var type = r.U8(f + ".type");
            PayoutCurvePiece curve;
            switch (type)
            {
                case 0:
                    {
                        var m = r.Count(f + ".num_pts", 18);
                        var pts = new PayoutPoint[m];
                        for (int j = 0; j < m; j++)
                        {
                            pts[j] = ReadPayoutPoint(ref r, $"{f}.points[{j}]");
                        }

                        curve = new PolynomialPayoutCurvePiece(pts);
                        break;
                    }

                case 1:
                    curve = new HyperbolaPayoutCurvePiece(
                        r.Bool(f + ".use_positive_piece"),
                        ReadFixed(ref r, f + ".translate_outcome"),
                        ReadFixed(ref r, f + ".translate_payout"),
                        ReadFixed(ref r, f + ".a"),
                        ReadFixed(ref r, f + ".b"),
                        ReadFixed(ref r, f + ".c"),
                        ReadFixed(ref r, f + ".d"));
                    break;
                default:
                    throw new DlcFormatException(DlcFormatErrorKind.UnknownType, f + ".type", $"unknown payout_curve_piece type {type}");
            }

            pieces[i] = new PayoutFunctionPiece(end, curve);
        }

        var last = ReadPayoutPoint(ref r, field + ".last_endpoint");
        return new PayoutFunction(pieces, last);
    }

    private static void WriteFixed(DlcWireWriter w, double value)
    {
        var (positive, integer, extra) = HyperbolaNumber.ToFixed(value);
        w.Bool(positive);
        w.U64(integer);
        w.U16(extra);
    }

    private static double ReadFixed(ref DlcWireReader r, string field)
    {
        var positive = r.Bool(field + "_sign");
        var integer = r.U64(field);
        var extra = r.U16(field + "_extra_precision");
        return HyperbolaNumber.FromFixed(positive, integer, extra);
    }

    private static void WriteRoundingIntervals(DlcWireWriter w, RoundingIntervals intervals)
    {
        w.BigSize((ulong)intervals.Intervals.Count);
        foreach (var i in intervals.Intervals)
        {
            w.U64(i.BeginInterval);
            w.U64(i.RoundingMod);
        }
    }

    private static RoundingIntervals ReadRoundingIntervals(ref DlcWireReader r, string field)
    {
        var n = r.Count(field + ".num_rounding_intervals", 16);
        var list = new RoundingInterval[n];
        for (int i = 0; i < n; i++)
        {
            list[i] = new RoundingInterval(r.U64($"{field}[{i}].begin_interval"), r.U64($"{field}[{i}].rounding_mod"));
        }

        return new RoundingIntervals(list);
    }

    private static void WriteNegotiationFields(DlcWireWriter w, NegotiationFields fields)
    {
        switch (fields)
        {
            case SingleNegotiationFields s:
                w.U8(0);
                WriteRoundingIntervals(w, s.RoundingIntervals);
                break;
            case DisjointNegotiationFields d:
                w.U8(1);
                w.BigSize((ulong)d.Fields.Count);
                foreach (var inner in d.Fields)
                {
                    WriteNegotiationFields(w, inner);
                }

                break;
            default:
                throw new ArgumentException("dlc: unknown negotiation_fields kind", nameof(fields));
        }
    }

    private static NegotiationFields ReadNegotiationFields(ref DlcWireReader r, string field, int depth)
    {
        if (depth > 1)
        {
            // Messaging.md: fields nested in disjoint_negotiation_fields must be single ones.
            throw new DlcFormatException(field, "disjoint negotiation fields cannot nest");
        }

        var type = r.U8(field + ".type");
        switch (type)
        {
            case 0:
                return new SingleNegotiationFields(ReadRoundingIntervals(ref r, field + ".rounding_intervals"));
            case 1:
                {
                    var n = r.Count(field + ".num_disjoint_events", 2);
                    var list = new NegotiationFields[n];
                    for (int i = 0; i < n; i++)
                    {
                        list[i] = ReadNegotiationFields(ref r, $"{field}[{i}]", depth + 1);
                    }

                    return new DisjointNegotiationFields(list);
                }

            default:
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, field + ".type", $"unknown negotiation_fields type {type}");
        }
    }

    // ---------------------------------------------------------------- oracles

    private static void WriteOracleInfo(DlcWireWriter w, OracleInfo info)
    {
        switch (info)
        {
            case SingleOracleInfo single:
                w.U8(0);
                WriteTlv(w, OracleAnnouncementType, b => WriteAnnouncementBody(b, single.Announcement));
                break;
            case MultiOracleInfo multi:
                w.U8(1);
                w.U16(multi.OracleThreshold);
                w.BigSize((ulong)multi.OracleAnnouncements.Count);
                foreach (var a in multi.OracleAnnouncements)
                {
                    WriteTlv(w, OracleAnnouncementType, b => WriteAnnouncementBody(b, a));
                }

                if (multi.Params is null)
                {
                    w.U8(0);
                }
                else
                {
                    w.U8(1);
                    w.U16(multi.Params.MaxErrorExp);
                    w.U16(multi.Params.MinFailExp);
                    w.Bool(multi.Params.MaximizeCoverage);
                }

                break;
            default:
                throw new ArgumentException("dlc: unknown oracle_info kind", nameof(info));
        }
    }

    private static OracleInfo ReadOracleInfo(ref DlcWireReader r, string field)
    {
        var type = r.U8(field + ".type");
        switch (type)
        {
            case 0:
                return new SingleOracleInfo(ReadAnnouncementTlv(ref r, field + ".oracle_announcement"));
            case 1:
                {
                    var threshold = r.U16(field + ".threshold");
                    var n = r.Count(field + ".num_oracles", 100);
                    var list = new OracleAnnouncement[n];
                    for (int i = 0; i < n; i++)
                    {
                        list[i] = ReadAnnouncementTlv(ref r, $"{field}.oracle_announcements[{i}]");
                    }

                    OracleParams? p = null;
                    if (ReadOptionFlag(ref r, field + ".oracle_params"))
                    {
                        p = new OracleParams(r.U16(field + ".oracle_params.max_error_exp"), r.U16(field + ".oracle_params.min_fail_exp"), r.Bool(field + ".oracle_params.maximize_coverage"));
                    }

                    return new MultiOracleInfo(threshold, list, p);
                }

            default:
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, field + ".type", $"unknown oracle_info type {type}");
        }
    }

    private static void WriteTlv(DlcWireWriter w, ulong type, Action<DlcWireWriter> body)
    {
        var inner = new DlcWireWriter();
        body(inner);
        w.BigSize(type);
        w.VarBytes(inner.WrittenSpan);
    }

    private static ReadOnlySpan<byte> ReadTlvBody(ref DlcWireReader r, ulong expectedType, string field)
    {
        var type = r.BigSize(field + ".type");
        if (type != expectedType)
        {
            throw new DlcFormatException(field + ".type", $"expected TLV type {expectedType}, got {type}");
        }

        return r.VarBytes(field + ".length");
    }

    private static void WriteAnnouncementBody(DlcWireWriter w, OracleAnnouncement a)
    {
        w.Bytes(a.AnnouncementSignature.Span);
        WriteXOnly(w, a.OraclePublicKey);
        WriteTlv(w, OracleEventType, b => WriteOracleEventBody(b, a.Event));
    }

    private static OracleAnnouncement ReadAnnouncementTlv(ref DlcWireReader r, string field)
    {
        var body = ReadTlvBody(ref r, OracleAnnouncementType, field);
        var br = new DlcWireReader(body);
        var sig = OracleSignature.FromBytes(br.Take(64, field + ".announcement_signature"));
        var key = ReadXOnly(ref br, field + ".oracle_public_key");
        var eventBody = ReadTlvBody(ref br, OracleEventType, field + ".oracle_event");
        var er = new DlcWireReader(eventBody);
        var ev = ReadOracleEventBody(ref er, field + ".oracle_event");
        ExpectEnd(ref er, field + ".oracle_event");
        ExpectEnd(ref br, field);
        return new OracleAnnouncement(sig, key, ev);
    }

    private static void WriteOracleEventBody(DlcWireWriter w, OracleEvent e)
    {
        // Messaging.md: oracle_event still uses u16 collection prefixes (backward compatibility).
        w.U16(checked((ushort)e.Nonces.Count));
        foreach (var nonce in e.Nonces)
        {
            WriteXOnly(w, nonce);
        }

        w.U32(e.EventMaturityEpoch);
        switch (e.Descriptor)
        {
            case EnumEventDescriptor en:
                WriteTlv(w, EnumEventDescriptorType, b =>
                {
                    b.U16(checked((ushort)en.Outcomes.Count));
                    foreach (var o in en.Outcomes)
                    {
                        b.String(o);
                    }
                });
                break;
            case DigitDecompositionEventDescriptor d:
                WriteTlv(w, DigitDecompositionEventDescriptorType, b =>
                {
                    b.U16(d.Base);
                    b.Bool(d.IsSigned);
                    b.String(d.Unit);
                    b.I32(d.Precision);
                    b.U16(d.NbDigits);
                });
                break;
            default:
                throw new ArgumentException("dlc: unknown event_descriptor kind", nameof(e));
        }

        w.String(e.EventId);
    }

    private static OracleEvent ReadOracleEventBody(ref DlcWireReader r, string field)
    {
        var n = r.CountU16(field + ".nb_nonces", 32);
        var nonces = new XOnlyPublicKey[n];
        for (int i = 0; i < n; i++)
        {
            nonces[i] = ReadXOnly(ref r, $"{field}.oracle_nonces[{i}]");
        }

        var maturity = r.U32(field + ".event_maturity_epoch");
        var descriptorField = field + ".event_descriptor";
        var type = r.BigSize(descriptorField + ".type");
        var body = r.VarBytes(descriptorField + ".length");
        var dr = new DlcWireReader(body);
        EventDescriptor descriptor;
        switch (type)
        {
            case EnumEventDescriptorType:
                {
                    var m = dr.CountU16(descriptorField + ".num_outcomes");
                    var outcomes = new string[m];
                    for (int i = 0; i < m; i++)
                    {
                        outcomes[i] = dr.String($"{descriptorField}.outcomes[{i}]");
                    }

                    descriptor = new EnumEventDescriptor(outcomes);
                    break;
                }

            case DigitDecompositionEventDescriptorType:
                descriptor = new DigitDecompositionEventDescriptor(
                    dr.U16(descriptorField + ".base"),
                    dr.Bool(descriptorField + ".is_signed"),
                    dr.String(descriptorField + ".unit"),
                    dr.I32(descriptorField + ".precision"),
                    dr.U16(descriptorField + ".nb_digits"));
                break;
            default:
                throw new DlcFormatException(DlcFormatErrorKind.UnknownType, descriptorField + ".type", $"unknown event_descriptor type {type}");
        }

        ExpectEnd(ref dr, descriptorField);
        var eventId = r.String(field + ".event_id");
        return new OracleEvent(nonces, maturity, descriptor, eventId);
    }

    private static void WriteAttestationBody(DlcWireWriter w, OracleAttestation a)
    {
        w.String(a.EventId);
        WriteXOnly(w, a.OraclePublicKey);
        w.U16(checked((ushort)a.Signatures.Count));
        foreach (var s in a.Signatures)
        {
            w.Bytes(s.Span);
        }

        w.U16(checked((ushort)a.Outcomes.Count));
        foreach (var o in a.Outcomes)
        {
            w.String(o);
        }
    }

    /// <summary>Reads a big-endian u16 (exposed for message-type sniffing).</summary>
    internal static ushort PeekType(ReadOnlySpan<byte> data) => data.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(data) : (ushort)0;
}
