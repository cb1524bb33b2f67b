using System.Security.Cryptography;
using System.Text;
using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Contracts;

/// <summary>What one oracle must sign for an adaptor point: an enumerated outcome or a digit prefix.</summary>
/// <param name="Oracle">Index of the oracle in the contract's announcement list.</param>
/// <param name="Outcome">The enumerated outcome (null for numeric events).</param>
/// <param name="Digits">The digit prefix (null for enumerated events).</param>
public sealed record OracleOutcome(int Oracle, string? Outcome, int[]? Digits)
{
    /// <summary>Human form: <c>o0:"a"</c> or <c>o1:0110_</c>.</summary>
    public override string ToString() => Outcome is not null
        ? $"o{Oracle}:\"{Outcome}\""
        : $"o{Oracle}:{string.Concat(Digits!.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}";
}

/// <summary>One adaptor signature of a contract: the CET it signs and the oracle outcomes that unlock it.</summary>
/// <param name="CetIndex">Index into the contract's CET list.</param>
/// <param name="Outcomes">One entry per attesting oracle (t of them).</param>
public sealed record AdaptorSlot(int CetIndex, IReadOnlyList<OracleOutcome> Outcomes);

/// <summary>One CET's payouts and the event outcomes it covers.</summary>
/// <param name="InfoIndex">Index of the (disjoint) contract info it belongs to.</param>
/// <param name="Offer">Offerer payout.</param>
/// <param name="Accept">Accepter payout.</param>
/// <param name="Outcome">The enumerated outcome, or null.</param>
/// <param name="Range">The numeric outcome range, or null.</param>
public sealed record CetPayout(int InfoIndex, Amount Offer, Amount Accept, string? Outcome, RangePayout? Range);

/// <summary>
/// The CETs and the ordered list of adaptor signatures of a contract (Protocol.md: "include an adaptor
/// signature in cet_adaptor_signatures for every event"), in exactly the order rust-dlc and the dlcspecs
/// vectors use: per contract info; enumerated: per outcome, per t-of-n oracle combination; numeric: per CET
/// range, per digit prefix of its minimal cover, per oracle combination (and per bounded-error prefix
/// combination), then the extra paths for oracles with more digits.
/// </summary>
public sealed class AdaptorPlan
{
    private readonly SignaturePointTable[] _tables;

    private AdaptorPlan(IReadOnlyList<CetPayout> cets, IReadOnlyList<AdaptorSlot> slots, IReadOnlyList<int> cetStarts, SignaturePointTable[] tables, IReadOnlyList<OracleAnnouncement>[] oracles)
    {
        Cets = cets;
        Slots = slots;
        InfoCetStart = cetStarts;
        _tables = tables;
        Oracles = oracles;
    }

    /// <summary>Every CET's payouts, contract infos in order.</summary>
    public IReadOnlyList<CetPayout> Cets { get; }

    /// <summary>Every adaptor signature's CET and oracle outcomes, in message order.</summary>
    public IReadOnlyList<AdaptorSlot> Slots { get; }

    /// <summary>Index of each contract info's first CET.</summary>
    public IReadOnlyList<int> InfoCetStart { get; }

    /// <summary>The announcements of each contract info.</summary>
    public IReadOnlyList<OracleAnnouncement>[] Oracles { get; }

    /// <summary>Index of the contract info a slot belongs to.</summary>
    public int InfoOf(AdaptorSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return Cets[slot.CetIndex].InfoIndex;
    }

    /// <summary>The adaptor point of a slot: the sum of the attesting oracles' signature points (MultiOracle.md n-of-n).</summary>
    public PublicKey AdaptorPoint(AdaptorSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var table = _tables[InfoOf(slot)];
        var points = new List<PublicKey>(32);
        foreach (var o in slot.Outcomes)
        {
            table.Add(o, points);
        }

        return PublicKey.TryCombine(points.ToArray(), out var sum)
            ? sum
            : throw new DlcException(DlcErrorKind.InvalidContract, "adaptor point is the point at infinity");
    }

    /// <summary>Builds the plan of a contract.</summary>
    /// <exception cref="DlcException">Invalid descriptor or oracle information.</exception>
    public static AdaptorPlan Create(ContractInfo contractInfo)
    {
        ArgumentNullException.ThrowIfNull(contractInfo);
        var cets = new List<CetPayout>();
        var slots = new List<AdaptorSlot>();
        var starts = new List<int>();
        var tables = new SignaturePointTable[contractInfo.Inners.Count];
        var oracles = new IReadOnlyList<OracleAnnouncement>[contractInfo.Inners.Count];
        for (int info = 0; info < contractInfo.Inners.Count; info++)
        {
            var inner = contractInfo.Inners[info];
            var announcements = inner.OracleInfo.Announcements;
            oracles[info] = announcements;
            int threshold = inner.OracleInfo.Threshold;
            if (announcements.Count == 0 || threshold < 1 || threshold > announcements.Count)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: threshold {threshold} of {announcements.Count} oracles");
            }

            int cetStart = cets.Count;
            starts.Add(cetStart);
            switch (inner.Descriptor)
            {
                case EnumeratedContractDescriptor e:
                    tables[info] = PlanEnumerated(info, e, inner.OracleInfo, contractInfo.TotalCollateral, cets, slots);
                    break;
                case NumericOutcomeContractDescriptor n:
                    tables[info] = PlanNumeric(info, n, inner.OracleInfo, contractInfo.TotalCollateral, cets, slots);
                    break;
                default:
                    throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: unknown descriptor");
            }
        }

        return new AdaptorPlan(cets, slots, starts, tables, oracles);
    }

    private static SignaturePointTable PlanEnumerated(int info, EnumeratedContractDescriptor descriptor, OracleInfo oracleInfo, Amount total, List<CetPayout> cets, List<AdaptorSlot> slots)
    {
        var announcements = oracleInfo.Announcements;
        if (oracleInfo is MultiOracleInfo { Params: not null })
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle_params apply to numeric outcomes only");
        }

        if (descriptor.Payouts.Count == 0)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: no outcomes");
        }

        var outcomes = descriptor.Payouts.Select(p => p.Outcome).ToArray();
        if (outcomes.Distinct(StringComparer.Ordinal).Count() != outcomes.Length)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: an outcome has two payouts");
        }

        for (int o = 0; o < announcements.Count; o++)
        {
            if (announcements[o].Event.Descriptor is not EnumEventDescriptor ev)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle {o} does not announce an enumerated event");
            }

            // Messaging.md validity: exactly one payout for every outcome the oracle can attest.
            if (!ev.Outcomes.Order(StringComparer.Ordinal).SequenceEqual(outcomes.Order(StringComparer.Ordinal), StringComparer.Ordinal))
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: payouts do not match oracle {o}'s outcomes one to one");
            }
        }

        var combinations = OracleCombinations.Enumerate(announcements.Count, oracleInfo.Threshold).ToArray();
        foreach (var payout in descriptor.Payouts)
        {
            if (payout.OfferPayout > total)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: payout for \"{payout.Outcome}\" exceeds the total collateral");
            }

            int cet = cets.Count;
            cets.Add(new CetPayout(info, payout.OfferPayout, total - payout.OfferPayout, payout.Outcome, null));
            foreach (var combination in combinations)
            {
                slots.Add(new AdaptorSlot(cet, [.. combination.Select(o => new OracleOutcome(o, payout.Outcome, null))]));
            }
        }

        return new SignaturePointTable(announcements, null);
    }

    private static SignaturePointTable PlanNumeric(int info, NumericOutcomeContractDescriptor descriptor, OracleInfo oracleInfo, Amount total, List<CetPayout> cets, List<AdaptorSlot> slots)
    {
        var announcements = oracleInfo.Announcements;
        int threshold = oracleInfo.Threshold;
        var digits = new int[announcements.Count];
        int @base = 0;
        for (int o = 0; o < announcements.Count; o++)
        {
            if (announcements[o].Event.Descriptor is not DigitDecompositionEventDescriptor d)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle {o} does not announce a digit decomposition event");
            }

            if (d.IsSigned)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle {o}'s event is signed; numeric contracts cover non-negative outcomes only");
            }

            if (d.Base < 2)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle {o} uses base {d.Base}");
            }

            if (@base != 0 && d.Base != @base)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracles use different bases");
            }

            @base = d.Base;
            digits[o] = d.NbDigits;
            if (announcements[o].Event.Nonces.Count != d.NbDigits)
            {
                throw new DlcException(DlcErrorKind.InvalidOracleAnnouncement, $"contract info {info}: oracle {o} announces {announcements[o].Event.Nonces.Count} nonces for {d.NbDigits} digits");
            }
        }

        int minDigits = digits.Min();
        if (descriptor.NumDigits != minDigits)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: num_digits {descriptor.NumDigits} differs from the oracles' fewest digits ({minDigits})");
        }

        if (minDigits == 0)
        {
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: an oracle signs no digits");
        }

        var ranges = PayoutCurve.ToRangePayouts(descriptor, @base, total);
        if (ranges.Count < 2)
        {
            // NumericOutcomeCompression.md: DLCs with only one outcome are not supported.
            throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: the payout is the same for every outcome");
        }

        var parameters = (oracleInfo as MultiOracleInfo)?.Params;
        if (parameters is not null)
        {
            if (@base != 2)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: allowed differences need binary (base 2) oracles");
            }

            if (parameters.MinFailExp >= parameters.MaxErrorExp || parameters.MaxErrorExp > minDigits)
            {
                throw new DlcException(DlcErrorKind.InvalidContract, $"contract info {info}: oracle_params need min_fail_exp < max_error_exp <= {minDigits}");
            }
        }

        bool varying = digits.Any(d => d != minDigits);
        var combinations = OracleCombinations.Enumerate(announcements.Count, threshold).ToArray();
        foreach (var range in ranges)
        {
            int cet = cets.Count;
            cets.Add(new CetPayout(info, range.Offer, range.Accept, null, range));
            foreach (var prefix in DigitDecomposition.CoverInterval(range.Start, range.End, @base, minDigits))
            {
                foreach (var selector in combinations)
                {
                    if (parameters is null || threshold == 1)
                    {
                        // All t oracles sign the same value (padded with leading zeros to their digit count).
                        slots.Add(new AdaptorSlot(cet, [.. selector.Select(o =>
                            new OracleOutcome(o, null, parameters is null ? PadLeft(prefix, prefix.Length + digits[o] - minDigits) : prefix))]));
                        continue;
                    }

                    foreach (var combination in WithDifferences(selector, digits, minDigits, prefix, parameters))
                    {
                        slots.Add(new AdaptorSlot(cet, [.. selector.Select((o, k) => new OracleOutcome(o, null, combination[k]))]));
                    }
                }
            }
        }

        if (varying)
        {
            // Outcomes beyond the fewest-digit oracle's range: it signs its maximum, the others their larger values.
            foreach (var path in BoundedErrorCoverage.MaxCoveringPaths(digits, threshold))
            {
                slots.Add(new AdaptorSlot(cets.Count - 1, [.. path.Select(p => new OracleOutcome(p.Oracle, null, p.Prefix))]));
            }
        }

        return new SignaturePointTable(announcements, @base);
    }

    private static IEnumerable<int[][]> WithDifferences(int[] selector, int[] digits, int minDigits, int[] prefix, OracleParams parameters)
    {
        // The oracle with the fewest digits in the group is the primary (moved first, then put back).
        var groupDigits = selector.Select(o => digits[o]).ToList();
        int minIndex = groupDigits.IndexOf(groupDigits.Min());
        if (minIndex != 0)
        {
            var m = groupDigits[minIndex];
            groupDigits.RemoveAt(minIndex);
            groupDigits.Insert(0, m);
        }

        var padded = PadLeft(prefix, prefix.Length + groupDigits[0] - minDigits);
        // rust-dlc (which produced the dlcspecs vectors) always maximizes coverage, whatever maximize_coverage says.
        var combos = BoundedErrorCoverage.OutcomeCombinations(groupDigits, padded, parameters.MaxErrorExp, parameters.MinFailExp, maximizeCoverage: true);
        foreach (var combo in combos)
        {
            if (minIndex != 0)
            {
                var list = combo.ToList();
                var first = list[0];
                list.RemoveAt(0);
                list.Insert(minIndex, first);
                yield return [.. list];
            }
            else
            {
                yield return combo;
            }
        }
    }

    private static int[] PadLeft(int[] prefix, int length)
    {
        if (prefix.Length >= length)
        {
            return prefix;
        }

        var padded = new int[length];
        prefix.CopyTo(padded, length - prefix.Length);
        return padded;
    }

    /// <summary>
    /// Signature points of every (oracle, nonce, value), computed once (NumericOutcomeCompression.md
    /// "Pre-computing"). Messages are SHA256 of the outcome string, as rust-dlc's oracles sign them.
    /// </summary>
    private sealed class SignaturePointTable
    {
        private readonly IReadOnlyList<OracleAnnouncement> _oracles;
        private readonly int? _base;
        private readonly PublicKey[]?[][] _digitPoints;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(int, string), PublicKey> _enumPoints = new();

        public SignaturePointTable(IReadOnlyList<OracleAnnouncement> oracles, int? @base)
        {
            _oracles = oracles;
            _base = @base;
            _digitPoints = new PublicKey[]?[oracles.Count][];
            for (int o = 0; o < oracles.Count; o++)
            {
                _digitPoints[o] = new PublicKey[]?[oracles[o].Event.Nonces.Count];
            }
        }

        public void Add(OracleOutcome outcome, List<PublicKey> points)
        {
            var announcement = _oracles[outcome.Oracle];
            if (outcome.Outcome is not null)
            {
                points.Add(_enumPoints.GetOrAdd((outcome.Oracle, outcome.Outcome), k =>
                    Schnorr.ComputeSignaturePointVariable(announcement.OraclePublicKey, announcement.Event.Nonces[0], OracleMessages.Hash(k.Item2))));
                return;
            }

            var digits = outcome.Digits!;
            var rows = _digitPoints[outcome.Oracle];
            for (int i = 0; i < digits.Length; i++)
            {
                var row = Volatile.Read(ref rows[i]);
                if (row is null)
                {
                    row = new PublicKey[_base!.Value];
                    for (int v = 0; v < row.Length; v++)
                    {
                        row[v] = Schnorr.ComputeSignaturePointVariable(announcement.OraclePublicKey, announcement.Event.Nonces[i], OracleMessages.Hash(v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    }

                    // Published fully built: concurrent callers may compute the same row, never see a partial one.
                    Volatile.Write(ref rows[i], row);
                }

                points.Add(row[digits[i]]);
            }
        }
    }
}

/// <summary>How oracle outcomes are turned into signed messages.</summary>
public static class OracleMessages
{
    /// <summary>
    /// The 32-byte message an oracle signs for an outcome string: SHA256 of its UTF-8 bytes, as rust-dlc's
    /// oracles (and every signature in the dlcspecs 2022 vectors) do. Digits of numeric outcomes are
    /// written in base 10 (Oracle.md "Serialization and signing of outcome values").
    /// </summary>
    public static byte[] Hash(string outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return SHA256.HashData(Encoding.UTF8.GetBytes(outcome));
    }
}
