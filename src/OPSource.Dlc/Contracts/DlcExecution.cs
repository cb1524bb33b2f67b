using System.Globalization;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Contracts;

/// <summary>The adaptor slot unlocked by a set of attestations and the secret that decrypts its signature.</summary>
/// <param name="SlotIndex">Index into <see cref="AdaptorPlan.Slots"/> (and into the adaptor signature lists).</param>
/// <param name="Slot">The slot.</param>
/// <param name="AdaptorSecret">The sum of the attestation scalars the slot's adaptor point commits to.</param>
public sealed record AttestedSlot(int SlotIndex, AdaptorSlot Slot, SecretKey AdaptorSecret);

/// <summary>
/// Contract execution: checks oracle attestations against their announcements and finds the CET they
/// unlock (NumericOutcomeCompression.md "Adaptor Points with Multiple Attestations": the adaptor secret
/// of a prefix of m digits is s1 + ... + sm; MultiOracle.md: sums over the attesting oracles).
/// </summary>
public static class DlcExecution
{
    /// <summary>
    /// Oracle.md / Messaging.md: the attestation comes from the announcement's key, signs with the
    /// announced nonces in order, and each signature verifies over SHA256 of its outcome string.
    /// </summary>
    /// <exception cref="DlcException">The attestation does not match or a signature is invalid.</exception>
    public static void ValidateAttestation(OracleAnnouncement announcement, OracleAttestation attestation)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        ArgumentNullException.ThrowIfNull(attestation);
        if (attestation.OraclePublicKey != announcement.OraclePublicKey)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, "attestation: oracle public key differs from the announcement's");
        }

        if (!string.Equals(attestation.EventId, announcement.Event.EventId, StringComparison.Ordinal))
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: event id '{attestation.EventId}' differs from the announcement's '{announcement.Event.EventId}'");
        }

        if (attestation.Signatures.Count != attestation.Outcomes.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: {attestation.Signatures.Count} signatures for {attestation.Outcomes.Count} outcomes");
        }

        if (attestation.Signatures.Count == 0 || attestation.Signatures.Count > announcement.Event.Nonces.Count)
        {
            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: {attestation.Signatures.Count} signatures for {announcement.Event.Nonces.Count} announced nonces");
        }

        Span<byte> nonce = stackalloc byte[32];
        for (int i = 0; i < attestation.Signatures.Count; i++)
        {
            var sig = attestation.Signatures[i];
            announcement.Event.Nonces[i].WriteTo(nonce);
            if (!sig.NonceBytes.SequenceEqual(nonce))
            {
                throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: signature {i} does not use announced nonce {i}");
            }

            if (!Schnorr.Verify(sig.Span, OracleMessages.Hash(attestation.Outcomes[i]), attestation.OraclePublicKey))
            {
                throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: signature {i} over \"{attestation.Outcomes[i]}\" does not verify");
            }
        }

        // The outcomes must be ones the event can have.
        switch (announcement.Event.Descriptor)
        {
            case EnumEventDescriptor e when !e.Outcomes.Contains(attestation.Outcomes[0], StringComparer.Ordinal):
                throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: \"{attestation.Outcomes[0]}\" is not an outcome of the event");
            case DigitDecompositionEventDescriptor d:
                for (int i = 0; i < attestation.Outcomes.Count; i++)
                {
                    var signPosition = d.IsSigned && i == 0;
                    var ok = signPosition
                        ? attestation.Outcomes[i] is "+" or "-"
                        : int.TryParse(attestation.Outcomes[i], NumberStyles.None, CultureInfo.InvariantCulture, out var digit) && digit < d.Base
                          && attestation.Outcomes[i] == digit.ToString(CultureInfo.InvariantCulture);
                    if (!ok)
                    {
                        throw new DlcException(DlcErrorKind.InvalidOracleAttestation, $"attestation: outcome {i} \"{attestation.Outcomes[i]}\" is not a base-{d.Base} digit");
                    }
                }

                break;
        }
    }

    /// <summary>
    /// The first slot of <paramref name="plan"/> that the attestations satisfy (t oracles of one contract info
    /// attesting the slot's outcomes or digit prefixes), with its adaptor secret; null when none does
    /// (not enough oracles, or oracles disagreeing beyond what the contract supports).
    /// </summary>
    /// <exception cref="DlcException">An attestation from one of the contract's oracles is invalid.</exception>
    public static AttestedSlot? FindAttestedSlot(AdaptorPlan plan, IReadOnlyList<OracleAttestation> attestations)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(attestations);

        // Per contract info, the attestation of each of its oracles (matched by key and event id).
        var byInfo = new OracleAttestation?[plan.Oracles.Length][];
        for (int info = 0; info < plan.Oracles.Length; info++)
        {
            var oracles = plan.Oracles[info];
            byInfo[info] = new OracleAttestation?[oracles.Count];
            for (int o = 0; o < oracles.Count; o++)
            {
                var a = oracles[o];
                var match = attestations.FirstOrDefault(x => x.OraclePublicKey == a.OraclePublicKey && string.Equals(x.EventId, a.Event.EventId, StringComparison.Ordinal));
                if (match is not null)
                {
                    ValidateAttestation(a, match);
                    byInfo[info][o] = match;
                }
            }
        }

        for (int i = 0; i < plan.Slots.Count; i++)
        {
            var slot = plan.Slots[i];
            var atts = byInfo[plan.InfoOf(slot)];
            if (slot.Outcomes.All(o => Satisfies(atts[o.Oracle], o)))
            {
                return new AttestedSlot(i, slot, AdaptorSecret(slot, atts));
            }
        }

        return null;
    }

    private static bool Satisfies(OracleAttestation? attestation, OracleOutcome outcome)
    {
        if (attestation is null)
        {
            return false;
        }

        if (outcome.Outcome is not null)
        {
            return string.Equals(attestation.Outcomes[0], outcome.Outcome, StringComparison.Ordinal);
        }

        var digits = outcome.Digits!;
        if (attestation.Outcomes.Count < digits.Length)
        {
            return false;
        }

        for (int i = 0; i < digits.Length; i++)
        {
            if (!string.Equals(attestation.Outcomes[i], digits[i].ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static SecretKey AdaptorSecret(AdaptorSlot slot, OracleAttestation?[] attestations)
    {
        SecretKey? sum = null;
        try
        {
            foreach (var o in slot.Outcomes)
            {
                var att = attestations[o.Oracle]!;
                int count = o.Outcome is not null ? 1 : o.Digits!.Length;
                for (int i = 0; i < count; i++)
                {
                    var s = att.Signatures[i].ScalarBytes;
                    if (sum is null)
                    {
                        if (!SecretKey.TryCreate(s, out sum))
                        {
                            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, "attestation: signature scalar out of range");
                        }
                    }
                    else
                    {
                        if (!sum.TryAddTweak(s, out var next))
                        {
                            throw new DlcException(DlcErrorKind.InvalidOracleAttestation, "attestation: adaptor secret sums to zero");
                        }

                        sum.Dispose();
                        sum = next;
                    }
                }
            }

            return sum ?? throw new DlcException(DlcErrorKind.InvalidOracleAttestation, "attestation: empty adaptor slot");
        }
        catch
        {
            sum?.Dispose();
            throw;
        }
    }
}
