using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Dlc.Lifecycle;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;

namespace OPSource.Dlc;

/// <summary>The JSON shapes the CLI (<c>--json</c>) and the REST API share (snake_case, amounts in <c>_sat</c>, RFC 3339 times).</summary>
public static class DlcViews
{
    /// <summary>A contract.</summary>
    public static JsonObject Contract(DlcContractRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var offer = r.Offer;
        var o = new JsonObject
        {
            ["id"] = r.Id.ToString(),
            ["contract_id"] = r.ContractId?.ToString(),
            ["role"] = r.Role == DlcRole.Offerer ? "offerer" : "accepter",
            ["state"] = r.State.ToString().ToLowerInvariant(),
            ["wallet"] = r.Wallet,
            ["total_collateral_sat"] = offer.ContractInfo.TotalCollateral.Satoshis,
            ["offer_collateral_sat"] = offer.OfferCollateral.Satoshis,
            ["accept_collateral_sat"] = offer.AcceptCollateral.Satoshis,
            ["fee_rate_sat_vb"] = offer.FeeRatePerVb,
            ["cet_locktime"] = offer.CetLocktime,
            ["refund_locktime"] = offer.RefundLocktime,
            ["events"] = new JsonArray([.. offer.ContractInfo.Inners.SelectMany(i => i.OracleInfo.Announcements).Select(a => (JsonNode)new JsonObject
            {
                ["event_id"] = a.Event.EventId,
                ["oracle_public_key"] = Convert.ToHexStringLower(a.OraclePublicKey.ToBytes()),
                ["maturity"] = Rfc3339(DateTimeOffset.FromUnixTimeSeconds(a.Event.EventMaturityEpoch)),
            })]),
            ["created_at"] = Rfc3339(r.CreatedAt),
            ["updated_at"] = Rfc3339(r.UpdatedAt),
        };
        if (r.Setup is { } setup)
        {
            var t = setup.Transactions;
            o["funding_txid"] = t.Funding.GetTxId().ToString();
            o["fund_output_index"] = t.FundOutputIndex;
            o["fund_output_sat"] = t.FundOutputValue.Satoshis;
            o["cet_count"] = t.Cets.Count;
            o["adaptor_signature_count"] = setup.Plan.Slots.Count;
            o["refund_txid"] = t.Refund.GetTxId().ToString();
        }

        o["funding_height"] = r.FundingHeight;
        o["closing_txid"] = r.ClosingTx?.GetTxId().ToString();
        o["outcome"] = r.Outcome is null ? null : JsonNode.Parse(r.Outcome);
        return o;
    }

    /// <summary>A message as hex and as its dlcspecs JSON form.</summary>
    public static JsonObject Message(DlcMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new JsonObject
        {
            ["type"] = message switch { OfferDlc => "offer_dlc", AcceptDlc => "accept_dlc", _ => "sign_dlc" },
            ["hex"] = Convert.ToHexStringLower(DlcWireCodec.Encode(message)),
            ["message"] = DlcJsonCodec.ToJson(message),
        };
    }

    /// <summary>An oracle event.</summary>
    public static JsonObject OracleEvent(OracleEventRecord e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new JsonObject
        {
            ["event_id"] = e.EventId,
            ["oracle_public_key"] = Convert.ToHexStringLower(e.Announcement.OraclePublicKey.ToBytes()),
            ["maturity"] = Rfc3339(e.Maturity),
            ["descriptor"] = e.Announcement.Event.Descriptor switch
            {
                EnumEventDescriptor en => new JsonObject { ["kind"] = "enum", ["outcomes"] = new JsonArray([.. en.Outcomes.Select(x => (JsonNode)JsonValue.Create(x))]) },
                DigitDecompositionEventDescriptor d => new JsonObject
                {
                    ["kind"] = "digits",
                    ["base"] = d.Base,
                    ["is_signed"] = d.IsSigned,
                    ["unit"] = d.Unit,
                    ["precision"] = d.Precision,
                    ["nb_digits"] = d.NbDigits,
                },
                _ => null,
            },
            ["announcement"] = Convert.ToHexStringLower(DlcWireCodec.EncodeAnnouncement(e.Announcement)),
            ["announcement_json"] = DlcJsonCodec.AnnouncementToJson(e.Announcement),
            ["created_at"] = Rfc3339(e.CreatedAt),
            ["outcome"] = e.Outcome,
            ["attestation"] = e.Attestation is null ? null : Convert.ToHexStringLower(DlcWireCodec.EncodeAttestation(e.Attestation)),
            ["attestation_json"] = e.Attestation is null ? null : DlcJsonCodec.AttestationToJson(e.Attestation),
            ["attested_at"] = e.AttestedAt is { } t ? Rfc3339(t) : null,
        };
    }

    /// <summary>A verification report.</summary>
    public static JsonObject Report(DlcVerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new JsonObject
        {
            ["valid"] = report.Ok,
            ["funding_txid"] = report.FundingTxId?.ToString(),
            ["contract_id"] = report.ContractId?.ToString(),
            ["cet_count"] = report.CetCount,
            ["adaptor_signature_count"] = report.AdaptorSignatureCount,
            ["checks"] = new JsonArray([.. report.Checks.Select(c => (JsonNode)new JsonObject { ["name"] = c.Name, ["ok"] = c.Ok, ["detail"] = c.Detail })]),
        };
    }

    /// <summary>RFC 3339 UTC.</summary>
    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads messages and contract inputs from what users paste or post: a message as wire hex or as its dlcspecs
/// JSON form; announcements and attestations as TLV hex or JSON.
/// </summary>
public static class DlcInput
{
    /// <summary>A message from hex (wire format) or JSON (dlcspecs form).</summary>
    /// <exception cref="DlcFormatException">Neither.</exception>
    public static DlcMessage ParseMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith('{'))
        {
            return DlcJsonCodec.FromJson(trimmed);
        }

        return DlcWireCodec.Decode(Hex(trimmed, "message"));
    }

    /// <summary>A message from a JSON value: a hex string or the JSON form.</summary>
    public static DlcMessage ParseMessage(JsonNode? node, string field)
    {
        return node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => ParseMessage(s),
            JsonObject o => DlcJsonCodec.FromJson(o),
            _ => throw new DlcFormatException(field, "expected a message as hex or as its JSON form"),
        };
    }

    /// <summary>An announcement from TLV hex or JSON.</summary>
    public static OracleAnnouncement ParseAnnouncement(JsonNode? node, string field) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => DlcWireCodec.DecodeAnnouncement(Hex(s, field)),
        JsonObject o => DlcJsonCodec.AnnouncementFromJson(o, field),
        _ => throw new DlcFormatException(field, "expected an announcement as TLV hex or JSON"),
    };

    /// <summary>An attestation from TLV hex or JSON.</summary>
    public static OracleAttestation ParseAttestation(JsonNode? node, string field) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => DlcWireCodec.DecodeAttestation(Hex(s, field)),
        JsonObject o => DlcJsonCodec.AttestationFromJson(o, field),
        _ => throw new DlcFormatException(field, "expected an attestation as TLV hex or JSON"),
    };

    /// <summary>
    /// An offer request:
    /// <c>{"wallet", "announcements": [hex|json], "threshold"?, "oracle_params"?: {max_error_exp, min_fail_exp, maximize_coverage},
    /// "total_collateral_sat", "offer_collateral_sat", "fee_rate_sat_vb", "cet_locktime"?, "refund_locktime"?,
    /// and one of "payouts_sat": {outcome: offer payout} (enumerated), "payout_curve": [[outcome, offer payout], ...]
    /// (piecewise linear) or "payout_function" (dlcspecs JSON) with "rounding_intervals": [[begin, mod], ...]}</c>.
    /// Locktimes default to the earliest event maturity and one week after the latest.
    /// </summary>
    public static DlcOfferRequest ParseOfferRequest(JsonObject body, string? defaultWallet = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var wallet = Str(body, "wallet") ?? defaultWallet ?? throw Missing("wallet");
        var announcements = (body["announcements"] as JsonArray ?? throw Missing("announcements"))
            .Select((n, i) => ParseAnnouncement(n, $"announcements[{i}]")).ToArray();
        if (announcements.Length == 0)
        {
            throw new DlcFormatException("announcements", "at least one announcement is needed");
        }

        var threshold = (int)(U64(body, "threshold") ?? (ulong)announcements.Length);
        OracleParams? oracleParams = null;
        if (body["oracle_params"] is JsonObject p)
        {
            oracleParams = new OracleParams(
                checked((ushort)(U64(p, "max_error_exp") ?? throw Missing("oracle_params.max_error_exp"))),
                checked((ushort)(U64(p, "min_fail_exp") ?? throw Missing("oracle_params.min_fail_exp"))),
                p["maximize_coverage"]?.GetValue<bool>() ?? true);
        }

        var total = Sat(U64(body, "total_collateral_sat"), "total_collateral_sat");
        var offerCollateral = Sat(U64(body, "offer_collateral_sat"), "offer_collateral_sat");
        var feeRate = U64(body, "fee_rate_sat_vb") ?? throw Missing("fee_rate_sat_vb");

        ContractDescriptor descriptor;
        if (body["payouts_sat"] is JsonObject payouts)
        {
            descriptor = new EnumeratedContractDescriptor([.. payouts.Select(kv => new EnumeratedPayout(kv.Key, Sat(kv.Value?.GetValue<ulong>(), "payouts_sat." + kv.Key)))]);
        }
        else
        {
            var digits = announcements.Select(a => a.Event.Descriptor is DigitDecompositionEventDescriptor d ? d.NbDigits : 0).Min();
            PayoutFunction function;
            if (body["payout_curve"] is JsonArray curve)
            {
                var points = curve.Select((n, i) => n is JsonArray pair && pair.Count == 2
                    ? new PayoutPoint(pair[0]!.GetValue<ulong>(), Sat(pair[1]!.GetValue<long>() is long sat && sat >= 0 ? (ulong)sat : ulong.MaxValue, $"payout_curve[{i}]"), 0)
                    : throw new DlcFormatException($"payout_curve[{i}]", "expected [outcome, offer payout]")).ToArray();
                if (points.Length < 2)
                {
                    throw new DlcFormatException("payout_curve", "at least two points");
                }

                function = new PayoutFunction([.. points[..^1].Select(pt => new PayoutFunctionPiece(pt, new PolynomialPayoutCurvePiece([])))], points[^1]);
            }
            else if (body["payout_function"] is JsonObject pf)
            {
                var wrapped = new JsonObject
                {
                    ["numericOutcomeContractDescriptor"] = new JsonObject { ["numDigits"] = digits, ["payoutFunction"] = pf.DeepClone(), ["roundingIntervals"] = new JsonObject { ["intervals"] = new JsonArray() } },
                };
                var parsed = (NumericOutcomeContractDescriptor)DlcJsonCodec.ContractDescriptorFromJson(wrapped, "payout_function");
                function = parsed.PayoutFunction;
            }
            else
            {
                throw new DlcFormatException(DlcFormatErrorKind.MissingField, "$", "one of payouts_sat (enumerated), payout_curve or payout_function (numeric) is required");
            }

            var rounding = (body["rounding_intervals"] as JsonArray ?? [])
                .Select((n, i) => n is JsonArray pair && pair.Count == 2
                    ? new RoundingInterval(pair[0]!.GetValue<ulong>(), pair[1]!.GetValue<ulong>())
                    : throw new DlcFormatException($"rounding_intervals[{i}]", "expected [begin_interval, rounding_mod]"))
                .ToArray();
            descriptor = new NumericOutcomeContractDescriptor(checked((ushort)digits), function, new RoundingIntervals(rounding.Length == 0 ? [new RoundingInterval(0, 1)] : rounding));
        }

        OracleInfo oracleInfo = announcements.Length == 1 && oracleParams is null
            ? new SingleOracleInfo(announcements[0])
            : new MultiOracleInfo(checked((ushort)threshold), announcements, oracleParams);
        var maturities = announcements.Select(a => a.Event.EventMaturityEpoch).ToArray();
        var cet = (uint)(U64(body, "cet_locktime") ?? maturities.Min());
        var refund = (uint)(U64(body, "refund_locktime") ?? (maturities.Max() + (7u * 24 * 3600)));
        return new DlcOfferRequest(wallet, new SingleContractInfo(total, new ContractInfoInner(descriptor, oracleInfo)), offerCollateral, feeRate, cet, refund);
    }

    private static byte[] Hex(string s, string field)
    {
        try
        {
            return Convert.FromHexString(s.Trim());
        }
        catch (FormatException)
        {
            throw new DlcFormatException(field, "expected hex (or JSON)");
        }
    }

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static ulong? U64(JsonObject o, string key)
    {
        var node = o[key];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<ulong>(out var u))
        {
            return u;
        }

        if (node is JsonValue sv && sv.TryGetValue<string>(out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out u))
        {
            return u;
        }

        throw new DlcFormatException(key, "expected a non-negative integer");
    }

    // An amount field: 0..21,000,000 BTC (Core MAX_MONEY), or a one-line error naming the field.
    private static Amount Sat(ulong? value, string field) => value switch
    {
        null => throw Missing(field),
        <= (ulong)Amount.MaxSatoshis => Amount.FromSatoshis((long)value.Value),
        _ => throw new DlcFormatException(field, "expected an amount of 0 to 21,000,000 BTC in satoshis"),
    };

    private static DlcFormatException Missing(string field) => new(DlcFormatErrorKind.MissingField, field, "missing");
}

/// <summary>Parses oracle requests (CLI and REST share the shape).</summary>
public static class OracleInput
{
    /// <summary>
    /// <c>{"event_id", "outcomes": [...]}</c> for an enumeration, or <c>{"event_id", "nb_digits", "base"?: 2,
    /// "is_signed"?: false, "unit"?: "", "precision"?: 0}</c> for a digit decomposition; <c>"maturity"</c> (RFC 3339)
    /// defaults to now.
    /// </summary>
    public static (string EventId, EventDescriptor Descriptor, DateTimeOffset Maturity) ParseAnnounce(JsonObject body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(body);
        var eventId = body["event_id"]?.GetValue<string>() ?? throw new DlcFormatException(DlcFormatErrorKind.MissingField, "event_id", "missing");
        EventDescriptor descriptor;
        if (body["outcomes"] is JsonArray outcomes)
        {
            descriptor = new EnumEventDescriptor([.. outcomes.Select((o, i) => o is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new DlcFormatException($"outcomes[{i}]", "expected a string"))]);
        }
        else if (body["nb_digits"] is { } nb)
        {
            descriptor = new DigitDecompositionEventDescriptor(
                (ushort)(body["base"]?.GetValue<int>() ?? 2),
                body["is_signed"]?.GetValue<bool>() ?? false,
                body["unit"]?.GetValue<string>() ?? string.Empty,
                body["precision"]?.GetValue<int>() ?? 0,
                (ushort)nb.GetValue<int>());
        }
        else
        {
            throw new DlcFormatException(DlcFormatErrorKind.MissingField, "$", "either outcomes (enumerated event) or nb_digits (numeric event) is required");
        }

        var maturity = now;
        if (body["maturity"]?.GetValue<string>() is { } m)
        {
            if (!DateTimeOffset.TryParse(m, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out maturity))
            {
                throw new DlcFormatException("maturity", "expected an RFC 3339 time");
            }
        }

        return (eventId, descriptor, maturity);
    }
}
