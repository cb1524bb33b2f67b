using System.Security.Cryptography;
using System.Text;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao.Model;

namespace OPSource.Dao.Log;

/// <summary>A member-signed event body ready to submit (anyone may submit it).</summary>
/// <param name="Body">The body JSON text.</param>
/// <param name="Signature">The 64-byte BIP340 signature.</param>
public sealed record SignedAction(string Body, byte[] Signature)
{
    /// <summary>The body and signature as one JSON document: <c>{"body":"...","sig":"hex"}</c> (what <c>dao vote --sign-only</c> prints).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("body", Body);
            w.WriteString("sig", Convert.ToHexStringLower(Signature));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Parses <see cref="ToJson"/>'s form.</summary>
    /// <exception cref="DaoException">Malformed.</exception>
    public static SignedAction Parse(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var root = doc.RootElement;
            var body = root.GetProperty("body").GetString() ?? throw new DaoException("signed action: body must be a string");
            var sig = Convert.FromHexString(root.GetProperty("sig").GetString() ?? "");
            return sig.Length == 64 ? new SignedAction(body, sig) : throw new DaoException("signed action: sig must be 64 bytes of hex");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DaoException("signed action must be {\"body\": \"...\", \"sig\": \"hex\"}");
        }
    }
}

/// <summary>Signs member actions (offline: nothing here touches storage or the network).</summary>
public static class DaoSigner
{
    /// <summary>Signs a vote: BIP340 over <see cref="DaoHashes.Vote"/>.</summary>
    public static SignedAction Vote(SecretKey key, string daoId, string proposalId, VoteChoice choice, ulong nonce)
    {
        ArgumentNullException.ThrowIfNull(key);
        var voter = Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes());
        var body = DaoEventCodec.Write(new VoteCast(daoId, proposalId, voter, choice, nonce));
        Span<byte> message = stackalloc byte[32];
        DaoHashes.Vote(Convert.FromHexString(daoId), Convert.FromHexString(proposalId), (byte)choice, nonce, message);
        return new SignedAction(body, Sign(key, message));
    }

    /// <summary>Signs a token transfer: BIP340 over <see cref="DaoHashes.Transfer"/>.</summary>
    public static SignedAction Transfer(SecretKey key, string daoId, string to, ulong amount, ulong nonce)
    {
        ArgumentNullException.ThrowIfNull(key);
        var from = Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes());
        var body = DaoEventCodec.Write(new TokenTransfer(daoId, from, to, amount, nonce));
        Span<byte> message = stackalloc byte[32];
        DaoHashes.Transfer(Convert.FromHexString(daoId), Convert.FromHexString(from), Convert.FromHexString(to), amount, nonce, message);
        return new SignedAction(body, Sign(key, message));
    }

    /// <summary>Signs a proposal: BIP340 over its id (<see cref="DaoHashes.ProposalId"/> of the body).</summary>
    public static SignedAction Proposal(SecretKey key, string daoId, ulong nonce, string title, string description, ProposalAction action)
    {
        ArgumentNullException.ThrowIfNull(key);
        var proposer = Convert.ToHexStringLower(key.XOnlyPublicKey.ToBytes());
        var body = DaoEventCodec.Write(new ProposalCreated(daoId, proposer, nonce, title, description, action));
        return new SignedAction(body, Sign(key, DaoHashes.ProposalId(Encoding.UTF8.GetBytes(body))));
    }

    /// <summary>The proposal id of a proposal body.</summary>
    public static string ProposalId(string body) => Convert.ToHexStringLower(DaoHashes.ProposalId(Encoding.UTF8.GetBytes(body)));

    private static byte[] Sign(SecretKey key, ReadOnlySpan<byte> message)
    {
        Span<byte> aux = stackalloc byte[32];
        RandomNumberGenerator.Fill(aux);
        return Schnorr.Sign(key, message, aux);
    }
}
