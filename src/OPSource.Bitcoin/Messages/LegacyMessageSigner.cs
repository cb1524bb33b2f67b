using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Messages;

/// <summary>
/// Outcome of verifying a signed message; mirrors Core's MessageVerificationResult
/// (common/signmessage.h) so callers can give the same answers as <c>verifymessage</c>.
/// </summary>
public enum MessageVerificationResult
{
    /// <summary>The signature is valid for the address and message.</summary>
    Ok,
    /// <summary>The address string is not a valid address for the network.</summary>
    InvalidAddress,
    /// <summary>The address is valid but the scheme cannot verify it (legacy signing needs P2PKH).</summary>
    AddressHasNoKey,
    /// <summary>The signature is not valid base64 or not the expected encoding.</summary>
    MalformedSignature,
    /// <summary>No public key could be recovered from the signature.</summary>
    PublicKeyNotRecovered,
    /// <summary>A key was recovered but it does not match the address.</summary>
    NotSigned,
}

/// <summary>
/// A way of proving control of an address over a message. Legacy signing (<see cref="LegacyMessageSigner"/>)
/// is one; BIP322 (src/OPSource.Bitcoin/Bip322/) plugs in as another, so callers such as the CLI can
/// try each scheme that supports an address.
/// </summary>
public interface IMessageSignatureScheme
{
    /// <summary>Short name for users and JSON (<c>legacy</c>, <c>bip322-simple</c>, ...).</summary>
    string Name { get; }

    /// <summary>True when this scheme can verify signatures for the address type.</summary>
    bool CanVerify(Address address);

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/> for <paramref name="address"/>.</summary>
    MessageVerificationResult Verify(Address address, string signature, string message);
}

/// <summary>
/// Bitcoin Core's legacy <c>signmessage</c>/<c>verifymessage</c> (common/signmessage.cpp): a
/// recoverable ECDSA signature over HASH256(ser("Bitcoin Signed Message:\n") || ser(message)),
/// serialized as 65 bytes (header 27 + recid + 4 if compressed, r, s) in base64. Only P2PKH
/// addresses can be verified, because the check compares HASH160 of the recovered key.
/// </summary>
public sealed class LegacyMessageSigner : IMessageSignatureScheme
{
    /// <summary>Core MESSAGE_MAGIC (common/signmessage.cpp).</summary>
    public const string MessageMagic = "Bitcoin Signed Message:\n";

    /// <summary>Core: COMPACT_SIGNATURE_SIZE = 65 (pubkey.h).</summary>
    public const int CompactSignatureSize = 65;

    /// <summary>The scheme instance for callers that iterate over schemes.</summary>
    public static LegacyMessageSigner Instance { get; } = new();

    private LegacyMessageSigner()
    {
    }

    /// <inheritdoc />
    public string Name => "legacy";

    /// <inheritdoc />
    public bool CanVerify(Address address) => address is P2pkhAddress;

    /// <inheritdoc />
    MessageVerificationResult IMessageSignatureScheme.Verify(Address address, string signature, string message) =>
        Verify(address, signature, message);

    /// <summary>
    /// Core MessageHash: HASH256 of the CompactSize-prefixed magic followed by the
    /// CompactSize-prefixed UTF-8 message.
    /// </summary>
    public static void ComputeMessageHash(string message, Span<byte> hash32)
    {
        ArgumentNullException.ThrowIfNull(message);
        var magic = System.Text.Encoding.UTF8.GetBytes(MessageMagic);
        var body = System.Text.Encoding.UTF8.GetBytes(message);
        var buffer = new byte[CompactSize.GetSize((ulong)magic.Length) + magic.Length + CompactSize.GetSize((ulong)body.Length) + body.Length];
        var offset = CompactSize.Write(buffer, (ulong)magic.Length);
        magic.CopyTo(buffer, offset);
        offset += magic.Length;
        offset += CompactSize.Write(buffer.AsSpan(offset), (ulong)body.Length);
        body.CopyTo(buffer, offset);
        Hashes.Hash256(buffer, hash32);
    }

    /// <summary>
    /// Core MessageSign / CKey::SignCompact: RFC6979 recoverable signature, header byte
    /// 27 + recid (+4 when the address uses the compressed key), base64.
    /// </summary>
    public static string Sign(SecretKey key, string message, bool compressed = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        ComputeMessageHash(message, hash);
        var signature = Ecdsa.SignRecoverable(key, hash);
        Span<byte> compact = stackalloc byte[CompactSignatureSize];
        signature.WriteCompact(compact[1..], out var recId);
        // Core key.cpp SignCompact: vchSig[0] = 27 + rec + (fCompressed ? 4 : 0).
        compact[0] = (byte)(27 + recId + (compressed ? 4 : 0));
        return Convert.ToBase64String(compact);
    }

    /// <summary>Signs with a WIF key, using its compression flag (as Core's <c>signmessagewithprivkey</c>).</summary>
    public static string Sign(Wif key, string message)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Sign(key.PrivateKey, message, key.IsCompressed);
    }

    /// <summary>
    /// Recovers the public key from a signature (Core CPubKey::RecoverCompact). Returns
    /// <see cref="MessageVerificationResult.Ok"/> and the key, or the reason it failed.
    /// </summary>
    public static MessageVerificationResult TryRecover(string signature, string message, out PublicKey publicKey, out bool compressed)
    {
        ArgumentNullException.ThrowIfNull(message);
        publicKey = default;
        compressed = false;
        // Core: DecodeBase64 failure is ERR_MALFORMED_SIGNATURE. Core's decoder (util/strencodings.cpp)
        // needs a multiple of 4 characters and no whitespace, which .NET would otherwise skip.
        if (signature is null || signature.Length % 4 != 0 || signature.Any(char.IsWhiteSpace))
        {
            return MessageVerificationResult.MalformedSignature;
        }

        var bytes = new byte[(signature.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(signature, bytes, out var written))
        {
            return MessageVerificationResult.MalformedSignature;
        }

        // Core pubkey.cpp RecoverCompact: "if (vchSig.size() != COMPACT_SIGNATURE_SIZE) return false" (not recovered).
        if (written != CompactSignatureSize)
        {
            return MessageVerificationResult.PublicKeyNotRecovered;
        }

        // Core pubkey.cpp RecoverCompact: recid = (header - 27) & 3, compressed = ((header - 27) & 4) != 0.
        // Core does not range-check the header byte; neither do we, to accept exactly what it accepts.
        var header = bytes[0] - 27;
        var recId = header & 3;
        compressed = (header & 4) != 0;
        if (!RecoverableSignature.TryParseCompact(bytes.AsSpan(1, CompactSignatureSize - 1), recId, out var recoverable))
        {
            return MessageVerificationResult.PublicKeyNotRecovered;
        }

        Span<byte> hash = stackalloc byte[32];
        ComputeMessageHash(message, hash);
        if (!Ecdsa.TryRecover(recoverable, hash, out var key))
        {
            return MessageVerificationResult.PublicKeyNotRecovered;
        }

        publicKey = key;
        return MessageVerificationResult.Ok;
    }

    /// <summary>Core MessageVerify for a parsed address.</summary>
    public static MessageVerificationResult Verify(Address address, string signature, string message)
    {
        ArgumentNullException.ThrowIfNull(address);
        // Core: "if (std::get_if<PKHash>(&destination) == nullptr) return ERR_ADDRESS_NO_KEY".
        if (address is not P2pkhAddress p2pkh)
        {
            return MessageVerificationResult.AddressHasNoKey;
        }

        var recovered = TryRecover(signature, message, out var key, out var compressed);
        if (recovered != MessageVerificationResult.Ok)
        {
            return recovered;
        }

        Span<byte> hash = stackalloc byte[20];
        Hashes.Hash160(compressed ? key.ToCompressed() : key.ToUncompressed(), hash);
        // Core: "if (!(PKHash(pubkey) == *std::get_if<PKHash>(&destination))) return ERR_NOT_SIGNED".
        return CryptographicOperations.FixedTimeEquals(hash, p2pkh.PubKeyHash)
            ? MessageVerificationResult.Ok
            : MessageVerificationResult.NotSigned;
    }

    /// <summary>Core MessageVerify: decodes the address for <paramref name="network"/> first.</summary>
    public static MessageVerificationResult Verify(string address, string signature, string message, Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Address.TryParse(address, network, out var parsed, out _)
            ? Verify(parsed, signature, message)
            : MessageVerificationResult.InvalidAddress;
    }

    /// <summary>Human-readable explanation of a result, worded like Core's RPC errors.</summary>
    public static string Describe(MessageVerificationResult result) => result switch
    {
        MessageVerificationResult.Ok => "signature is valid",
        MessageVerificationResult.InvalidAddress => "invalid address",
        MessageVerificationResult.AddressHasNoKey => "address does not refer to a key (legacy message signing needs a P2PKH address)",
        MessageVerificationResult.MalformedSignature => "malformed base64 encoding of the signature",
        MessageVerificationResult.PublicKeyNotRecovered => "no public key could be recovered from the signature",
        MessageVerificationResult.NotSigned => "signature does not match the address and message",
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    /// <summary>Recovers the key and returns it when the result is <see cref="MessageVerificationResult.Ok"/>.</summary>
    public static bool TryRecoverPublicKey(string signature, string message, out PublicKey publicKey, out bool compressed) =>
        TryRecover(signature, message, out publicKey, out compressed) == MessageVerificationResult.Ok;
}
