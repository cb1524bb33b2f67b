using System.Globalization;
using System.Security.Cryptography;
using OPSource.Crypto.Secp256k1;
using OPSource.Dlc.Contracts;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Oracle;

/// <summary>
/// The oracle's cryptography (Oracle.md): announcements signed over SHA256 of the serialized event, and
/// attestations signing each outcome string with the nonce committed to in the announcement. Messages are
/// SHA256 of the UTF-8 outcome, as rust-dlc oracles sign them, so contracts built by other implementations
/// on these announcements close with these attestations.
/// </summary>
public static class OracleSigner
{
    /// <summary>Creates and signs an announcement; <paramref name="nonces"/> are fresh secrets, one per signature.</summary>
    public static OracleAnnouncement Announce(SecretKey oracleKey, IReadOnlyList<SecretKey> nonces, uint maturityEpoch, EventDescriptor descriptor, string eventId)
    {
        ArgumentNullException.ThrowIfNull(oracleKey);
        ArgumentNullException.ThrowIfNull(nonces);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        if (nonces.Count != descriptor.ExpectedNonceCount)
        {
            throw new ArgumentException($"oracle: {descriptor.ExpectedNonceCount} nonces needed, {nonces.Count} given", nameof(nonces));
        }

        var ev = new OracleEvent([.. nonces.Select(n => n.XOnlyPublicKey)], maturityEpoch, descriptor, eventId);
        var digest = SHA256.HashData(DlcWireCodec.EncodeOracleEventBody(ev));
        var sig = Schnorr.Sign(oracleKey, digest, RandomNumberGenerator.GetBytes(32));
        return new OracleAnnouncement(OracleSignature.FromBytes(sig), oracleKey.XOnlyPublicKey, ev);
    }

    /// <summary>
    /// The strings an event's outcome is attested as: the outcome itself for an enumeration; for a digit
    /// decomposition the sign ("+"/"-", when signed) then every digit in base 10 (Oracle.md). Values beyond
    /// the digits are clamped to the largest attestable value; negative values of an unsigned event become 0.
    /// </summary>
    /// <exception cref="DlcException">Not an outcome of the event.</exception>
    public static string[] OutcomeStrings(EventDescriptor descriptor, string outcome)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(outcome);
        switch (descriptor)
        {
            case EnumEventDescriptor e:
                if (!e.Outcomes.Contains(outcome, StringComparer.Ordinal))
                {
                    throw new DlcException(DlcErrorKind.InvalidOutcome, $"oracle: \"{outcome}\" is not one of {string.Join(", ", e.Outcomes.Select(o => $"\"{o}\""))}");
                }

                return [outcome];
            case DigitDecompositionEventDescriptor d:
                {
                    if (!System.Numerics.BigInteger.TryParse(outcome, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                    {
                        throw new DlcException(DlcErrorKind.InvalidOutcome, $"oracle: \"{outcome}\" is not an integer");
                    }

                    var negative = value.Sign < 0;
                    var magnitude = negative ? (d.IsSigned ? -value : 0) : value;
                    var max = DigitDecomposition.MaxValue(d.Base, d.NbDigits) ?? ulong.MaxValue;
                    // Oracle.md: sign the maximal value when the outcome has more digits than committed to.
                    var clamped = magnitude > max ? max : (ulong)magnitude;
                    var digits = DigitDecomposition.Decompose(clamped, d.Base, d.NbDigits).Select(x => x.ToString(CultureInfo.InvariantCulture));
                    return d.IsSigned ? [negative && clamped != 0 ? "-" : "+", .. digits] : [.. digits];
                }

            default:
                throw new DlcException(DlcErrorKind.InvalidOutcome, "oracle: unknown event kind");
        }
    }

    /// <summary>Signs the outcome with the announced nonces (each nonce signs exactly one message).</summary>
    public static OracleAttestation Attest(SecretKey oracleKey, IReadOnlyList<SecretKey> nonces, OracleAnnouncement announcement, IReadOnlyList<string> outcomes)
    {
        ArgumentNullException.ThrowIfNull(oracleKey);
        ArgumentNullException.ThrowIfNull(nonces);
        ArgumentNullException.ThrowIfNull(announcement);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (oracleKey.XOnlyPublicKey != announcement.OraclePublicKey)
        {
            throw new ArgumentException("oracle: key does not match the announcement", nameof(oracleKey));
        }

        if (outcomes.Count != nonces.Count || nonces.Count != announcement.Event.Nonces.Count)
        {
            throw new ArgumentException("oracle: one outcome string per announced nonce", nameof(outcomes));
        }

        var sigs = new OracleSignature[outcomes.Count];
        for (int i = 0; i < outcomes.Count; i++)
        {
            if (nonces[i].XOnlyPublicKey != announcement.Event.Nonces[i])
            {
                throw new ArgumentException($"oracle: nonce {i} does not match the announcement", nameof(nonces));
            }

            sigs[i] = OracleSignature.FromBytes(Schnorr.SignWithNonce(oracleKey, nonces[i], OracleMessages.Hash(outcomes[i])));
        }

        var attestation = new OracleAttestation(announcement.Event.EventId, announcement.OraclePublicKey, sigs, [.. outcomes]);
        DlcExecution.ValidateAttestation(announcement, attestation);
        return attestation;
    }
}
