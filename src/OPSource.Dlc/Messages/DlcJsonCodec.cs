using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;

namespace OPSource.Dlc.Messages;

/// <summary>
/// The JSON form of the dlcspecs messages exactly as the 2022 test vectors (and rust-dlc's serde
/// encoding) write them: camelCase keys, sibling types as single-key objects
/// (<c>{"singleContractInfo": {...}}</c>), byte strings as hex, ECDSA signatures as DER hex, amounts and
/// serial ids as JSON integers. Hand-written over <see cref="JsonNode"/> (no reflection, AOT-safe).
/// </summary>
public static class DlcJsonCodec
{
    /// <summary>The JSON form of a message.</summary>
    public static JsonObject ToJson(DlcMessage message) => message switch
    {
        OfferDlc o => OfferToJson(o),
        AcceptDlc a => AcceptToJson(a),
        SignDlc s => SignToJson(s),
        _ => throw new ArgumentException("dlc: unknown message kind", nameof(message)),
    };

    /// <summary>
    /// Parses a message from its JSON form. The kind is recognised by its distinctive field
    /// (<c>contractInfo</c> offer, <c>acceptCollateral</c> accept, <c>contractId</c> sign).
    /// </summary>
    /// <exception cref="DlcFormatException">Malformed input; names the JSON path.</exception>
    public static DlcMessage FromJson(JsonNode? node)
    {
        var obj = AsObject(node, "$");
        if (obj.ContainsKey("contractInfo"))
        {
            return OfferFromJson(obj);
        }

        if (obj.ContainsKey("acceptCollateral"))
        {
            return AcceptFromJson(obj);
        }

        if (obj.ContainsKey("contractId"))
        {
            return SignFromJson(obj);
        }

        throw new DlcFormatException(DlcFormatErrorKind.UnknownType, "$", "not an offer (contractInfo), accept (acceptCollateral) or sign (contractId) message");
    }

    /// <summary>Parses JSON text.</summary>
    public static DlcMessage FromJson(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DlcFormatException(DlcFormatErrorKind.InvalidJson, "$", "invalid JSON: " + ex.Message);
        }

        return FromJson(node);
    }

    /// <summary>The JSON form of an announcement.</summary>
    public static JsonObject AnnouncementToJson(OracleAnnouncement a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new JsonObject
        {
            ["announcementSignature"] = a.AnnouncementSignature.ToString(),
            ["oraclePublicKey"] = Hex(a.OraclePublicKey.ToBytes()),
            ["oracleEvent"] = EventToJson(a.Event),
        };
    }

    /// <summary>Parses an announcement's JSON form.</summary>
    public static OracleAnnouncement AnnouncementFromJson(JsonNode? node, string path = "$")
    {
        var o = AsObject(node, path);
        var sig = OracleSignature.FromBytes(HexN(o, "announcementSignature", path, 64));
        var key = XOnly(o, "oraclePublicKey", path);
        var ev = EventFromJson(Req(o, "oracleEvent", path), path + ".oracleEvent");
        return new OracleAnnouncement(sig, key, ev);
    }

    /// <summary>The JSON form of an attestation.</summary>
    public static JsonObject AttestationToJson(OracleAttestation a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new JsonObject
        {
            ["eventId"] = a.EventId,
            ["oraclePublicKey"] = Hex(a.OraclePublicKey.ToBytes()),
            ["signatures"] = new JsonArray([.. a.Signatures.Select(s => (JsonNode)JsonValue.Create(s.ToString()))]),
            ["outcomes"] = new JsonArray([.. a.Outcomes.Select(s => (JsonNode)JsonValue.Create(s))]),
        };
    }

    /// <summary>Parses an attestation's JSON form.</summary>
    public static OracleAttestation AttestationFromJson(JsonNode? node, string path = "$")
    {
        var o = AsObject(node, path);
        var eventId = Str(o, "eventId", path);
        var key = XOnly(o, "oraclePublicKey", path);
        var sigs = Arr(o, "signatures", path).Select((n, i) => OracleSignature.FromBytes(HexValue(n, $"{path}.signatures[{i}]", 64))).ToArray();
        var outcomes = Arr(o, "outcomes", path).Select((n, i) => StrValue(n, $"{path}.outcomes[{i}]")).ToArray();
        return new OracleAttestation(eventId, key, sigs, outcomes);
    }

    // ---------------------------------------------------------------- messages

    private static JsonObject OfferToJson(OfferDlc o) => WithExtensions(
        new JsonObject
        {
            ["protocolVersion"] = o.Version,
            ["contractFlags"] = o.ContractFlags,
            ["chainHash"] = Hex(o.ChainHash.Span),
            ["temporaryContractId"] = o.TemporaryContractId.ToString(),
            ["contractInfo"] = ContractInfoToJson(o.ContractInfo),
            ["fundingPubkey"] = Hex(o.FundingPubkey.ToCompressed()),
            ["payoutSpk"] = o.PayoutSpk.ToHex(),
            ["payoutSerialId"] = o.PayoutSerialId,
            ["offerCollateral"] = o.OfferCollateral.Satoshis,
            ["fundingInputs"] = FundingInputsToJson(o.FundingInputs),
            ["changeSpk"] = o.ChangeSpk.ToHex(),
            ["changeSerialId"] = o.ChangeSerialId,
            ["fundOutputSerialId"] = o.FundOutputSerialId,
            ["feeRatePerVb"] = o.FeeRatePerVb,
            ["cetLocktime"] = o.CetLocktime,
            ["refundLocktime"] = o.RefundLocktime,
        },
        o.Extensions);

    private static OfferDlc OfferFromJson(JsonObject o)
    {
        const string p = "$";
        var message = new OfferDlc(
            U32(o, "protocolVersion", p),
            checked((byte)UInt(o, "contractFlags", p, byte.MaxValue)),
            HexN(o, "chainHash", p, 32),
            Id(o, "temporaryContractId", p),
            ContractInfoFromJson(Req(o, "contractInfo", p), p + ".contractInfo"),
            Point(o, "fundingPubkey", p),
            Spk(o, "payoutSpk", p),
            U64(o, "payoutSerialId", p),
            Amount(o, "offerCollateral", p),
            FundingInputsFromJson(o, p),
            Spk(o, "changeSpk", p),
            U64(o, "changeSerialId", p),
            U64(o, "fundOutputSerialId", p),
            U64(o, "feeRatePerVb", p),
            U32(o, "cetLocktime", p),
            U32(o, "refundLocktime", p));
        return message with { Extensions = ExtensionsFromJson(o, p) };
    }

    private static JsonObject AcceptToJson(AcceptDlc a) => WithExtensions(
        new JsonObject
        {
            ["protocolVersion"] = a.Version,
            ["temporaryContractId"] = a.TemporaryContractId.ToString(),
            ["acceptCollateral"] = a.AcceptCollateral.Satoshis,
            ["fundingPubkey"] = Hex(a.FundingPubkey.ToCompressed()),
            ["payoutSpk"] = a.PayoutSpk.ToHex(),
            ["payoutSerialId"] = a.PayoutSerialId,
            ["fundingInputs"] = FundingInputsToJson(a.FundingInputs),
            ["changeSpk"] = a.ChangeSpk.ToHex(),
            ["changeSerialId"] = a.ChangeSerialId,
            ["cetAdaptorSignatures"] = AdaptorSignaturesToJson(a.CetAdaptorSignatures),
            ["refundSignature"] = Hex(a.RefundSignature.ToDer()),
            ["negotiationFields"] = a.NegotiationFields is null ? null : NegotiationToJson(a.NegotiationFields),
        },
        a.Extensions);

    private static AcceptDlc AcceptFromJson(JsonObject o)
    {
        const string p = "$";
        NegotiationFields? negotiation = o["negotiationFields"] is { } n ? NegotiationFromJson(n, p + ".negotiationFields") : null;
        var message = new AcceptDlc(
            U32(o, "protocolVersion", p),
            Id(o, "temporaryContractId", p),
            Amount(o, "acceptCollateral", p),
            Point(o, "fundingPubkey", p),
            Spk(o, "payoutSpk", p),
            U64(o, "payoutSerialId", p),
            FundingInputsFromJson(o, p),
            Spk(o, "changeSpk", p),
            U64(o, "changeSerialId", p),
            AdaptorSignaturesFromJson(Req(o, "cetAdaptorSignatures", p), p + ".cetAdaptorSignatures"),
            EcdsaFromJson(o, "refundSignature", p),
            negotiation);
        return message with { Extensions = ExtensionsFromJson(o, p) };
    }

    private static JsonObject SignToJson(SignDlc s) => WithExtensions(
        new JsonObject
        {
            ["protocolVersion"] = s.Version,
            ["contractId"] = s.ContractId.ToString(),
            ["cetAdaptorSignatures"] = AdaptorSignaturesToJson(s.CetAdaptorSignatures),
            ["refundSignature"] = Hex(s.RefundSignature.ToDer()),
            ["fundingSignatures"] = new JsonObject
            {
                ["fundingSignatures"] = new JsonArray([.. s.FundingSignatures.Select(w => (JsonNode)new JsonObject
                {
                    ["witnessElements"] = new JsonArray([.. w.Items.Select(i => (JsonNode)new JsonObject { ["witness"] = Hex(i.Span) })]),
                })]),
            },
        },
        s.Extensions);

    private static SignDlc SignFromJson(JsonObject o)
    {
        const string p = "$";
        var fs = AsObject(Req(o, "fundingSignatures", p), p + ".fundingSignatures");
        var witnesses = Arr(fs, "fundingSignatures", p + ".fundingSignatures").Select((w, i) =>
        {
            var wp = $"{p}.fundingSignatures.fundingSignatures[{i}]";
            var wo = AsObject(w, wp);
            var items = Arr(wo, "witnessElements", wp).Select((e, j) =>
            {
                var ep = $"{wp}.witnessElements[{j}]";
                return (ReadOnlyMemory<byte>)HexAny(AsObject(e, ep), "witness", ep);
            }).ToArray();
            return new Witness(items);
        }).ToArray();
        var message = new SignDlc(
            U32(o, "protocolVersion", p),
            Id(o, "contractId", p),
            AdaptorSignaturesFromJson(Req(o, "cetAdaptorSignatures", p), p + ".cetAdaptorSignatures"),
            EcdsaFromJson(o, "refundSignature", p),
            witnesses);
        return message with { Extensions = ExtensionsFromJson(o, p) };
    }

    private static JsonObject WithExtensions(JsonObject o, IReadOnlyList<TlvRecord> extensions)
    {
        if (extensions.Count > 0)
        {
            o["tlvs"] = new JsonArray([.. extensions.Select(e => (JsonNode)new JsonObject { ["type"] = e.Type, ["value"] = Hex(e.Value.Span) })]);
        }

        return o;
    }

    private static TlvRecord[] ExtensionsFromJson(JsonObject o, string path)
    {
        if (o["tlvs"] is null)
        {
            return [];
        }

        return [.. Arr(o, "tlvs", path).Select((n, i) =>
        {
            var tp = $"{path}.tlvs[{i}]";
            var to = AsObject(n, tp);
            return new TlvRecord(U64(to, "type", tp), HexAny(to, "value", tp));
        })];
    }

    private static JsonArray FundingInputsToJson(IReadOnlyList<FundingInput> inputs) =>
        new([.. inputs.Select(i => (JsonNode)new JsonObject
        {
            ["inputSerialId"] = i.InputSerialId,
            ["prevTx"] = Hex(i.PrevTxBytes.Span),
            ["prevTxVout"] = i.PrevTxVout,
            ["sequence"] = i.Sequence,
            ["maxWitnessLen"] = i.MaxWitnessLen,
            ["redeemScript"] = i.RedeemScript.ToHex(),
        })]);

    private static FundingInput[] FundingInputsFromJson(JsonObject o, string path) =>
        [.. Arr(o, "fundingInputs", path).Select((n, i) =>
        {
            var ip = $"{path}.fundingInputs[{i}]";
            var io = AsObject(n, ip);
            var bytes = HexAny(io, "prevTx", ip);
            if (!Transaction.TryParse(bytes, out var tx, out var error))
            {
                throw new DlcFormatException(ip + ".prevTx", "not a valid transaction: " + error);
            }

            return new FundingInput(
                U64(io, "inputSerialId", ip),
                tx,
                bytes,
                U32(io, "prevTxVout", ip),
                U32(io, "sequence", ip),
                checked((ushort)UInt(io, "maxWitnessLen", ip, ushort.MaxValue)),
                Spk(io, "redeemScript", ip));
        })];

    private static JsonObject AdaptorSignaturesToJson(IReadOnlyList<AdaptorSignature> sigs) => new()
    {
        ["ecdsaAdaptorSignatures"] = new JsonArray([.. sigs.Select(s => (JsonNode)new JsonObject { ["signature"] = s.ToString() })]),
    };

    private static AdaptorSignature[] AdaptorSignaturesFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        return [.. Arr(o, "ecdsaAdaptorSignatures", path).Select((n, i) =>
        {
            var sp = $"{path}.ecdsaAdaptorSignatures[{i}]";
            var bytes = HexN(AsObject(n, sp), "signature", sp, AdaptorSignature.Size);
            return AdaptorSignature.TryParse(bytes, out var sig)
                ? sig
                : throw new DlcFormatException(sp + ".signature", "not a valid ECDSA adaptor signature");
        })];
    }

    private static EcdsaSignature EcdsaFromJson(JsonObject o, string key, string path)
    {
        var bytes = HexAny(o, key, path);
        if (EcdsaSignature.TryParseDer(bytes, out var der))
        {
            return der;
        }

        if (bytes.Length == EcdsaSignature.CompactSize && EcdsaSignature.TryParseCompact(bytes, out var compact))
        {
            return compact;
        }

        throw new DlcFormatException(path + "." + key, "not a DER (or 64-byte compact) ECDSA signature");
    }

    // ---------------------------------------------------------------- contract info

    private static JsonObject ContractInfoToJson(ContractInfo info) => info switch
    {
        SingleContractInfo s => new JsonObject
        {
            ["singleContractInfo"] = new JsonObject
            {
                ["totalCollateral"] = s.TotalCollateral.Satoshis,
                ["contractInfo"] = InnerToJson(s.Inner),
            },
        },
        DisjointContractInfo d => new JsonObject
        {
            ["disjointContractInfo"] = new JsonObject
            {
                ["totalCollateral"] = d.TotalCollateral.Satoshis,
                ["contractInfos"] = new JsonArray([.. d.ContractInfos.Select(i => (JsonNode)InnerToJson(i))]),
            },
        },
        _ => throw new ArgumentException("dlc: unknown contract_info kind", nameof(info)),
    };

    private static ContractInfo ContractInfoFromJson(JsonNode node, string path)
    {
        var (kind, body, bp) = Variant(node, path, "singleContractInfo", "disjointContractInfo");
        var total = Amount(body, "totalCollateral", bp);
        return kind == "singleContractInfo"
            ? new SingleContractInfo(total, InnerFromJson(Req(body, "contractInfo", bp), bp + ".contractInfo"))
            : new DisjointContractInfo(total, [.. Arr(body, "contractInfos", bp).Select((n, i) => InnerFromJson(n!, $"{bp}.contractInfos[{i}]"))]);
    }

    private static JsonObject InnerToJson(ContractInfoInner inner) => new()
    {
        ["contractDescriptor"] = DescriptorToJson(inner.Descriptor),
        ["oracleInfo"] = OracleInfoToJson(inner.OracleInfo),
    };

    private static ContractInfoInner InnerFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        return new ContractInfoInner(
            DescriptorFromJson(Req(o, "contractDescriptor", path), path + ".contractDescriptor"),
            OracleInfoFromJson(Req(o, "oracleInfo", path), path + ".oracleInfo"));
    }

    private static JsonObject DescriptorToJson(ContractDescriptor d) => d switch
    {
        EnumeratedContractDescriptor e => new JsonObject
        {
            ["enumeratedContractDescriptor"] = new JsonObject
            {
                ["payouts"] = new JsonArray([.. e.Payouts.Select(p => (JsonNode)new JsonObject
                {
                    ["outcome"] = p.Outcome,
                    ["localPayout"] = p.OfferPayout.Satoshis,
                })]),
            },
        },
        NumericOutcomeContractDescriptor n => new JsonObject
        {
            ["numericOutcomeContractDescriptor"] = new JsonObject
            {
                ["numDigits"] = n.NumDigits,
                ["payoutFunction"] = PayoutFunctionToJson(n.PayoutFunction),
                ["roundingIntervals"] = RoundingToJson(n.RoundingIntervals),
            },
        },
        _ => throw new ArgumentException("dlc: unknown contract_descriptor kind", nameof(d)),
    };

    /// <summary>Parses a contract descriptor's JSON form (<c>{"numericOutcomeContractDescriptor": ...}</c> or <c>{"enumeratedContractDescriptor": ...}</c>).</summary>
    public static ContractDescriptor ContractDescriptorFromJson(JsonNode node, string path = "$") => DescriptorFromJson(node, path);

    private static ContractDescriptor DescriptorFromJson(JsonNode node, string path)
    {
        var (kind, body, bp) = Variant(node, path, "enumeratedContractDescriptor", "numericOutcomeContractDescriptor");
        if (kind == "enumeratedContractDescriptor")
        {
            return new EnumeratedContractDescriptor([.. Arr(body, "payouts", bp).Select((n, i) =>
            {
                var pp = $"{bp}.payouts[{i}]";
                var po = AsObject(n, pp);
                // The 2022 vectors call the offerer's payout "localPayout"; current rust-dlc says "offerPayout".
                var key = po.ContainsKey("localPayout") ? "localPayout" : "offerPayout";
                return new EnumeratedPayout(Str(po, "outcome", pp), Amount(po, key, pp));
            })]);
        }

        return new NumericOutcomeContractDescriptor(
            checked((ushort)UInt(body, "numDigits", bp, ushort.MaxValue)),
            PayoutFunctionFromJson(Req(body, "payoutFunction", bp), bp + ".payoutFunction"),
            RoundingFromJson(Req(body, "roundingIntervals", bp), bp + ".roundingIntervals"));
    }

    private static JsonObject PointToJson(PayoutPoint p) => new()
    {
        ["eventOutcome"] = p.EventOutcome,
        ["outcomePayout"] = p.OutcomePayout.Satoshis,
        ["extraPrecision"] = p.ExtraPrecision,
    };

    private static PayoutPoint PointFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        return new PayoutPoint(U64(o, "eventOutcome", path), Amount(o, "outcomePayout", path), checked((ushort)UInt(o, "extraPrecision", path, ushort.MaxValue)));
    }

    private static JsonObject PayoutFunctionToJson(PayoutFunction f) => new()
    {
        ["payoutFunctionPieces"] = new JsonArray([.. f.Pieces.Select(p => (JsonNode)new JsonObject
        {
            ["endPoint"] = PointToJson(p.EndPoint),
            ["payoutCurvePiece"] = p.Curve switch
            {
                PolynomialPayoutCurvePiece poly => new JsonObject
                {
                    ["polynomialPayoutCurvePiece"] = new JsonObject
                    {
                        ["payoutPoints"] = new JsonArray([.. poly.Points.Select(x => (JsonNode)PointToJson(x))]),
                    },
                },
                HyperbolaPayoutCurvePiece h => new JsonObject
                {
                    ["hyperbolaPayoutCurvePiece"] = new JsonObject
                    {
                        ["usePositivePiece"] = h.UsePositivePiece,
                        ["translateOutcome"] = h.TranslateOutcome,
                        ["translatePayout"] = h.TranslatePayout,
                        ["a"] = h.A,
                        ["b"] = h.B,
                        ["c"] = h.C,
                        ["d"] = h.D,
                    },
                },
                _ => throw new ArgumentException("dlc: unknown payout_curve_piece kind", nameof(f)),
            },
        })]),
        ["lastEndpoint"] = PointToJson(f.LastEndpoint),
    };

    private static PayoutFunction PayoutFunctionFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        var pieces = Arr(o, "payoutFunctionPieces", path).Select((n, i) =>
        {
            var pp = $"{path}.payoutFunctionPieces[{i}]";
            var po = AsObject(n, pp);
            var end = PointFromJson(Req(po, "endPoint", pp), pp + ".endPoint");
            var (kind, body, bp) = Variant(Req(po, "payoutCurvePiece", pp), pp + ".payoutCurvePiece", "polynomialPayoutCurvePiece", "hyperbolaPayoutCurvePiece");
            PayoutCurvePiece curve = kind == "polynomialPayoutCurvePiece"
                ? new PolynomialPayoutCurvePiece([.. Arr(body, "payoutPoints", bp).Select((x, j) => PointFromJson(x!, $"{bp}.payoutPoints[{j}]"))])
                : new HyperbolaPayoutCurvePiece(
                    Bool(body, "usePositivePiece", bp),
                    Dbl(body, "translateOutcome", bp),
                    Dbl(body, "translatePayout", bp),
                    Dbl(body, "a", bp),
                    Dbl(body, "b", bp),
                    Dbl(body, "c", bp),
                    Dbl(body, "d", bp));
            return new PayoutFunctionPiece(end, curve);
        }).ToArray();
        return new PayoutFunction(pieces, PointFromJson(Req(o, "lastEndpoint", path), path + ".lastEndpoint"));
    }

    private static JsonObject RoundingToJson(RoundingIntervals r) => new()
    {
        ["intervals"] = new JsonArray([.. r.Intervals.Select(i => (JsonNode)new JsonObject
        {
            ["beginInterval"] = i.BeginInterval,
            ["roundingMod"] = i.RoundingMod,
        })]),
    };

    private static RoundingIntervals RoundingFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        return new RoundingIntervals([.. Arr(o, "intervals", path).Select((n, i) =>
        {
            var ip = $"{path}.intervals[{i}]";
            var io = AsObject(n, ip);
            return new RoundingInterval(U64(io, "beginInterval", ip), U64(io, "roundingMod", ip));
        })]);
    }

    private static JsonObject NegotiationToJson(NegotiationFields f) => f switch
    {
        SingleNegotiationFields s => new JsonObject { ["single"] = new JsonObject { ["roundingIntervals"] = RoundingToJson(s.RoundingIntervals) } },
        DisjointNegotiationFields d => new JsonObject
        {
            ["disjoint"] = new JsonObject { ["negotiationFields"] = new JsonArray([.. d.Fields.Select(x => (JsonNode)NegotiationToJson(x))]) },
        },
        _ => throw new ArgumentException("dlc: unknown negotiation_fields kind", nameof(f)),
    };

    private static NegotiationFields NegotiationFromJson(JsonNode node, string path)
    {
        var (kind, body, bp) = Variant(node, path, "single", "disjoint");
        return kind == "single"
            ? new SingleNegotiationFields(RoundingFromJson(Req(body, "roundingIntervals", bp), bp + ".roundingIntervals"))
            : new DisjointNegotiationFields([.. Arr(body, "negotiationFields", bp).Select((n, i) => NegotiationFromJson(n!, $"{bp}.negotiationFields[{i}]"))]);
    }

    // ---------------------------------------------------------------- oracles

    private static JsonObject OracleInfoToJson(OracleInfo info) => info switch
    {
        SingleOracleInfo s => new JsonObject { ["single"] = new JsonObject { ["oracleAnnouncement"] = AnnouncementToJson(s.Announcement) } },
        MultiOracleInfo m => new JsonObject
        {
            ["multi"] = new JsonObject
            {
                ["threshold"] = m.OracleThreshold,
                ["oracleAnnouncements"] = new JsonArray([.. m.OracleAnnouncements.Select(a => (JsonNode)AnnouncementToJson(a))]),
                ["oracleParams"] = m.Params is null ? null : new JsonObject
                {
                    ["maxErrorExp"] = m.Params.MaxErrorExp,
                    ["minFailExp"] = m.Params.MinFailExp,
                    ["maximizeCoverage"] = m.Params.MaximizeCoverage,
                },
            },
        },
        _ => throw new ArgumentException("dlc: unknown oracle_info kind", nameof(info)),
    };

    private static OracleInfo OracleInfoFromJson(JsonNode node, string path)
    {
        var (kind, body, bp) = Variant(node, path, "single", "multi");
        if (kind == "single")
        {
            return new SingleOracleInfo(AnnouncementFromJson(Req(body, "oracleAnnouncement", bp), bp + ".oracleAnnouncement"));
        }

        OracleParams? p = null;
        if (body["oracleParams"] is { } pn)
        {
            var pp = bp + ".oracleParams";
            var po = AsObject(pn, pp);
            p = new OracleParams(
                checked((ushort)UInt(po, "maxErrorExp", pp, ushort.MaxValue)),
                checked((ushort)UInt(po, "minFailExp", pp, ushort.MaxValue)),
                Bool(po, "maximizeCoverage", pp));
        }

        return new MultiOracleInfo(
            checked((ushort)UInt(body, "threshold", bp, ushort.MaxValue)),
            [.. Arr(body, "oracleAnnouncements", bp).Select((n, i) => AnnouncementFromJson(n, $"{bp}.oracleAnnouncements[{i}]"))],
            p);
    }

    private static JsonObject EventToJson(OracleEvent e) => new()
    {
        ["oracleNonces"] = new JsonArray([.. e.Nonces.Select(n => (JsonNode)JsonValue.Create(Hex(n.ToBytes())))]),
        ["eventMaturityEpoch"] = e.EventMaturityEpoch,
        ["eventDescriptor"] = e.Descriptor switch
        {
            EnumEventDescriptor en => new JsonObject
            {
                ["enumEvent"] = new JsonObject { ["outcomes"] = new JsonArray([.. en.Outcomes.Select(x => (JsonNode)JsonValue.Create(x))]) },
            },
            DigitDecompositionEventDescriptor d => new JsonObject
            {
                ["digitDecompositionEvent"] = new JsonObject
                {
                    ["base"] = d.Base,
                    ["isSigned"] = d.IsSigned,
                    ["unit"] = d.Unit,
                    ["precision"] = d.Precision,
                    ["nbDigits"] = d.NbDigits,
                },
            },
            _ => throw new ArgumentException("dlc: unknown event_descriptor kind", nameof(e)),
        },
        ["eventId"] = e.EventId,
    };

    private static OracleEvent EventFromJson(JsonNode node, string path)
    {
        var o = AsObject(node, path);
        var nonces = Arr(o, "oracleNonces", path).Select((n, i) =>
        {
            var np = $"{path}.oracleNonces[{i}]";
            return XOnlyPublicKey.TryParse(HexValue(n, np, 32), out var k) ? k : throw new DlcFormatException(np, "not a valid x-only public key");
        }).ToArray();
        var (kind, body, bp) = Variant(Req(o, "eventDescriptor", path), path + ".eventDescriptor", "enumEvent", "digitDecompositionEvent");
        EventDescriptor descriptor = kind == "enumEvent"
            ? new EnumEventDescriptor([.. Arr(body, "outcomes", bp).Select((n, i) => StrValue(n, $"{bp}.outcomes[{i}]"))])
            : new DigitDecompositionEventDescriptor(
                checked((ushort)UInt(body, "base", bp, ushort.MaxValue)),
                Bool(body, "isSigned", bp),
                Str(body, "unit", bp),
                I32(body, "precision", bp),
                checked((ushort)UInt(body, "nbDigits", bp, ushort.MaxValue)));
        return new OracleEvent(nonces, U32(o, "eventMaturityEpoch", path), descriptor, Str(o, "eventId", path));
    }

    // ---------------------------------------------------------------- primitives

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static JsonObject AsObject(JsonNode? node, string path) =>
        node as JsonObject ?? throw new DlcFormatException(path, "expected a JSON object");

    private static JsonNode Req(JsonObject o, string key, string path) =>
        o[key] ?? throw new DlcFormatException(DlcFormatErrorKind.MissingField, path + "." + key, "missing");

    private static JsonArray Arr(JsonObject o, string key, string path) =>
        Req(o, key, path) as JsonArray ?? throw new DlcFormatException(path + "." + key, "expected a JSON array");

    private static (string Kind, JsonObject Body, string Path) Variant(JsonNode node, string path, params string[] kinds)
    {
        var o = AsObject(node, path);
        if (o.Count != 1)
        {
            throw new DlcFormatException(DlcFormatErrorKind.UnknownType, path, $"expected exactly one of {string.Join(", ", kinds)}");
        }

        var (key, value) = o.First();
        if (!kinds.Contains(key))
        {
            throw new DlcFormatException(DlcFormatErrorKind.UnknownType, path, $"'{key}' is not one of {string.Join(", ", kinds)}");
        }

        return (key, AsObject(value, path + "." + key), path + "." + key);
    }

    private static string Str(JsonObject o, string key, string path) => StrValue(Req(o, key, path), path + "." + key);

    private static string StrValue(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new DlcFormatException(path, "expected a string");

    private static bool Bool(JsonObject o, string key, string path) =>
        Req(o, key, path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : throw new DlcFormatException(path + "." + key, "expected true or false");

    private static double Dbl(JsonObject o, string key, string path)
    {
        var node = Req(o, key, path);
        if (node is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) && Math.Abs(d) < 18446744073709551616.0)
        {
            // PayoutCurve.md: hyperbola parameters travel as sign + u64 + 16 fraction bits; evaluate what goes on the wire.
            return HyperbolaNumber.Canonicalize(d);
        }

        throw new DlcFormatException(path + "." + key, "expected a finite number below 2^64 in magnitude");
    }

    private static ulong U64(JsonObject o, string key, string path)
    {
        var node = Req(o, key, path);
        if (node is JsonValue v)
        {
            if (v.TryGetValue<ulong>(out var u))
            {
                return u;
            }

            if (v.TryGetValue<string>(out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out u))
            {
                return u;
            }
        }

        throw new DlcFormatException(path + "." + key, "expected an unsigned 64-bit integer");
    }

    private static ulong UInt(JsonObject o, string key, string path, ulong max)
    {
        var v = U64(o, key, path);
        return v <= max ? v : throw new DlcFormatException(path + "." + key, $"{v} exceeds {max}");
    }

    private static uint U32(JsonObject o, string key, string path) => (uint)UInt(o, key, path, uint.MaxValue);

    private static int I32(JsonObject o, string key, string path) =>
        Req(o, key, path) is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new DlcFormatException(path + "." + key, "expected a 32-bit integer");

    private static Amount Amount(JsonObject o, string key, string path)
    {
        var v = U64(o, key, path);
        return v <= (ulong)Bitcoin.Amount.MaxSatoshis ? Bitcoin.Amount.FromSatoshis((long)v) : throw new DlcFormatException(path + "." + key, $"{v} sat exceeds 21,000,000 BTC");
    }

    private static byte[] HexAny(JsonObject o, string key, string path) => HexValue(Req(o, key, path), path + "." + key, -1);

    private static byte[] HexN(JsonObject o, string key, string path, int length) => HexValue(Req(o, key, path), path + "." + key, length);

    private static byte[] HexValue(JsonNode? node, string path, int length)
    {
        var s = StrValue(node, path);
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(s);
        }
        catch (FormatException)
        {
            throw new DlcFormatException(path, "expected hex");
        }

        if (length >= 0 && bytes.Length != length)
        {
            throw new DlcFormatException(path, $"expected {length} bytes, got {bytes.Length}");
        }

        return bytes;
    }

    private static ContractId Id(JsonObject o, string key, string path) => ContractId.FromBytes(HexN(o, key, path, 32));

    private static Script Spk(JsonObject o, string key, string path) => new(HexAny(o, key, path));

    private static PublicKey Point(JsonObject o, string key, string path)
    {
        var bytes = HexN(o, key, path, PublicKey.CompressedSize);
        return (bytes[0] is 2 or 3) && PublicKey.TryParse(bytes, out var k) ? k : throw new DlcFormatException(path + "." + key, "not a valid compressed secp256k1 public key");
    }

    private static XOnlyPublicKey XOnly(JsonObject o, string key, string path) =>
        XOnlyPublicKey.TryParse(HexN(o, key, path, 32), out var k) ? k : throw new DlcFormatException(path + "." + key, "not a valid x-only public key");
}
