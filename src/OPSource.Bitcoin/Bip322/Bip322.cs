using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Bip322;

/// <summary>BIP322 signature encodings.</summary>
public enum Bip322Format
{
    /// <summary>Core's signmessage format, P2PKH only (BIP322 "legacy").</summary>
    Legacy,

    /// <summary>The base64 witness stack of <c>to_sign</c> (segwit and taproot addresses).</summary>
    Simple,

    /// <summary>The whole signed <c>to_sign</c> transaction in base64.</summary>
    Full,

    /// <summary>Full with extra inputs proving control of UTXOs (not verifiable without the UTXO set).</summary>
    ProofOfFunds,
}

/// <summary>
/// The outcome of verifying a BIP322 signature: valid (at time <see cref="LockTime"/> and age
/// <see cref="Sequence"/>), or an error naming the check that failed.
/// </summary>
public sealed record Bip322Verification(bool IsValid, Bip322Format? Format, string? Error, LockTime LockTime, Sequence Sequence)
{
    internal static Bip322Verification Fail(Bip322Format? format, string error) => new(false, format, "bip322: " + error, default, default);
}

/// <summary>
/// BIP322 generic signed messages: a message is signed by spending a virtual output
/// (<c>to_spend</c>, paying to the address's scriptPubKey and committing to the message hash)
/// with a virtual transaction (<c>to_sign</c>). Verification runs the consensus interpreter.
/// </summary>
public static class Bip322Message
{
    /// <summary>BIP322: tag of the message hash (BIP340 tagged SHA256).</summary>
    public const string Tag = "BIP0322-signed-message";

    /// <summary>Prefix of simple signatures in the current BIP322 text (unprefixed ones are accepted too).</summary>
    public const string SimplePrefix = "smp";

    /// <summary>Prefix of full signatures.</summary>
    public const string FullPrefix = "ful";

    /// <summary>Prefix of proof-of-funds signatures (a PSBT).</summary>
    public const string ProofOfFundsPrefix = "pof";

    /// <summary>Flags every BIP322 signature must satisfy (BIP322 "required" and "upgradeable" rules = Core standard flags).</summary>
    public const ScriptVerifyFlags VerifyFlags = ScriptFlags.Standard;

    private static readonly Script OpReturn = new([0x6a]);

    /// <summary>BIP322: message_hash = sha256_tag("BIP0322-signed-message", UTF-8 message without length prefix).</summary>
    public static void ComputeMessageHash(string message, Span<byte> hash32)
    {
        ArgumentNullException.ThrowIfNull(message);
        Hashes.TaggedHash(Tag, System.Text.Encoding.UTF8.GetBytes(message), hash32);
    }

    /// <summary>The message hash as 32 bytes (natural byte order, as printed in the BIP).</summary>
    public static byte[] ComputeMessageHash(string message)
    {
        var hash = new byte[32];
        ComputeMessageHash(message, hash);
        return hash;
    }

    /// <summary>
    /// BIP322 <c>to_spend</c>: version 0, locktime 0, one input spending 000..000:FFFFFFFF with
    /// scriptSig OP_0 PUSH32[message_hash] and sequence 0, one 0-value output to <paramref name="messageChallenge"/>.
    /// </summary>
    public static Transaction CreateToSpend(Script messageChallenge, string message)
    {
        ArgumentNullException.ThrowIfNull(messageChallenge);
        Span<byte> hash = stackalloc byte[32];
        ComputeMessageHash(message, hash);
        var scriptSig = new Script([0x00, 0x20, .. hash]);
        var input = new TxIn(OutPoint.Null with { TxId = TxId.Zero }, scriptSig, new Sequence(0), Witness.Empty);
        return new Transaction(0, [input], [new TxOut(Money.Zero, messageChallenge)], LockTime.Zero);
    }

    /// <summary>
    /// BIP322 <c>to_sign</c>: spends <c>to_spend</c>:0 with the given witness (and scriptSig for
    /// P2SH/legacy), one 0-value OP_RETURN output. Version, locktime and sequence are 0 unless a
    /// full signature sets them for time locks.
    /// </summary>
    public static Transaction CreateToSign(Transaction toSpend, Witness witness, Script? scriptSig = null, int version = 0, LockTime lockTime = default, Sequence sequence = default)
    {
        ArgumentNullException.ThrowIfNull(toSpend);
        ArgumentNullException.ThrowIfNull(witness);
        var input = new TxIn(new OutPoint(toSpend.GetTxId(), 0), scriptSig ?? Script.Empty, sequence, witness);
        return new Transaction(version, [input], [new TxOut(Money.Zero, OpReturn)], lockTime);
    }

    /// <summary>
    /// Signs <paramref name="message"/> for <paramref name="address"/> with a single key: P2PKH
    /// (legacy or full), P2WPKH and P2SH-P2WPKH (simple or full, ECDSA with low-R grinding as Core),
    /// P2TR key path without script tree (simple or full, BIP340 with fresh auxiliary randomness).
    /// </summary>
    /// <param name="key">The private key (its compression flag picks the P2PKH address).</param>
    /// <param name="address">The address to prove control of.</param>
    /// <param name="message">The message (UTF-8).</param>
    /// <param name="format">Legacy (P2PKH), simple (segwit/taproot) or full.</param>
    /// <param name="prefixed">Add the "smp"/"ful" prefix of the current BIP text (default); false gives the older unprefixed base64.</param>
    /// <param name="grindLowR">ECDSA: grind for a low R as Core does (71-byte signatures); false gives plain RFC6979.</param>
    public static string Sign(Wif key, Address address, string message, Bip322Format format = Bip322Format.Simple, bool prefixed = true, bool grindLowR = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(message);
        if (format == Bip322Format.ProofOfFunds)
        {
            throw new NotSupportedException("bip322: proof-of-funds signing is not supported (it needs the UTXOs to add as inputs)");
        }

        var secret = key.PrivateKey;
        var pub = secret.PublicKey;
        var spk = Spk(address);
        if (format == Bip322Format.Legacy)
        {
            // BIP322: the legacy format is restricted to P2PKH.
            if (address is not P2pkhAddress || spk != Spk(Address.P2pkh(pub, address.Network, key.IsCompressed)))
            {
                throw new ArgumentException("bip322: legacy format needs the P2PKH address of this key", nameof(address));
            }

            return LegacyMessageSigner.Sign(key, message);
        }

        var toSpend = CreateToSpend(spk, message);
        var spent = toSpend.Outputs[0];
        Transaction toSign;
        switch (address)
        {
            case P2pkhAddress when spk == Spk(Address.P2pkh(pub, address.Network, key.IsCompressed)):
            {
                if (format == Bip322Format.Simple)
                {
                    throw new ArgumentException("bip322: P2PKH addresses need the full or legacy format (simple is for segwit)", nameof(format));
                }

                var pubBytes = key.IsCompressed ? pub.ToCompressed() : pub.ToUncompressed();
                var unsigned = CreateToSign(toSpend, Witness.Empty);
                Span<byte> sighash = stackalloc byte[32];
                SignatureHash.ComputeLegacy(unsigned, 0, spk.Span, (uint)SigHashType.All, sighash);
                var sig = EcdsaSig(secret, sighash, grindLowR);
                var scriptSig = new ScriptBuilder().Push(sig).Push(pubBytes).Build();
                toSign = CreateToSign(toSpend, Witness.Empty, scriptSig);
                break;
            }

            case WitnessAddress { WitnessVersion: 0 } when spk == Spk(Address.P2wpkh(pub, address.Network)):
                toSign = SignP2wpkh(toSpend, secret, null, grindLowR);
                break;
            case P2shAddress when spk == Spk(Address.P2shP2wpkh(pub, address.Network)):
            {
                var redeem = Spk(Address.P2wpkh(pub, address.Network));
                toSign = SignP2wpkh(toSpend, secret, new ScriptBuilder().Push(redeem.Span).Build(), grindLowR);
                break;
            }

            case WitnessAddress { WitnessVersion: 1 } when spk == TaprootKeyPathScript(secret.XOnlyPublicKey):
            {
                // BIP341 key path with no script tree: sign with taproot_tweak_seckey(d, empty).
                using (var tweaked = TaprootSpendInfo.TweakSecretKey(secret, null))
                {
                    var unsigned = CreateToSign(toSpend, Witness.Empty);
                    var precomputed = new PrecomputedTransactionData(unsigned, [spent]);
                    Span<byte> sighash = stackalloc byte[32];
                    if (!SignatureHash.TryComputeTaproot(unsigned, 0, precomputed, (byte)SigHashType.Default, default, default, SignatureHash.NoCodeSeparator, sighash))
                    {
                        throw new InvalidOperationException("bip322: taproot signature hash failed");
                    }

                    Span<byte> aux = stackalloc byte[32];
                    System.Security.Cryptography.RandomNumberGenerator.Fill(aux);
                    var signature = Schnorr.Sign(tweaked, sighash, aux);
                    toSign = CreateToSign(toSpend, Witness.Create(signature));
                }

                break;
            }

            default:
                throw new ArgumentException($"bip322: the key does not control {address} (supported: its P2PKH, P2WPKH, P2SH-P2WPKH or key-path P2TR address)", nameof(address));
        }

        if (format == Bip322Format.Simple)
        {
            var writer = new BitcoinWriter();
            toSign.Inputs[0].Witness.WriteTo(writer);
            return (prefixed ? SimplePrefix : string.Empty) + Convert.ToBase64String(writer.WrittenSpan);
        }

        return (prefixed ? FullPrefix : string.Empty) + Convert.ToBase64String(toSign.ToBytes());
    }

    private static Transaction SignP2wpkh(Transaction toSpend, SecretKey secret, Script? scriptSig, bool grindLowR)
    {
        var pubBytes = secret.PublicKey.ToCompressed();

        // BIP143: the P2WPKH scriptCode is the P2PKH script of the key hash; the amount is 0.
        var scriptCode = StandardScripts.PayToPubKeyHash(secret.PublicKey);
        var unsigned = CreateToSign(toSpend, Witness.Empty, scriptSig);
        Span<byte> sighash = stackalloc byte[32];
        SignatureHash.ComputeWitnessV0(unsigned, 0, scriptCode.Span, Money.Zero, (uint)SigHashType.All, null, sighash);
        return CreateToSign(toSpend, Witness.Create(EcdsaSig(secret, sighash, grindLowR), pubBytes), scriptSig);
    }

    private static byte[] EcdsaSig(SecretKey secret, ReadOnlySpan<byte> sighash, bool grindLowR)
    {
        // Core signs with RFC6979 and low-R grinding; SIGHASH_ALL as BIP322 requires.
        var sig = grindLowR ? Ecdsa.SignGrindLowR(secret, sighash) : Ecdsa.Sign(secret, sighash);
        return [.. sig.ToDer(), (byte)SigHashType.All];
    }

    // BIP341 taproot_output_script with no script tree (BIP86-style key-path-only output).
    private static Script TaprootKeyPathScript(XOnlyPublicKey internalKey) => TaprootSpendInfo.Create(internalKey).ScriptPubKey;

    private static Script Spk(Address address) => new(address.ScriptPubKeyBytes);

    /// <summary>
    /// Verifies a BIP322 signature (simple, full, or legacy for P2PKH) of <paramref name="message"/>
    /// by <paramref name="address"/>: builds to_spend/to_sign and runs input 0 through the
    /// consensus interpreter with the standard flags. Never throws on malformed signatures.
    /// </summary>
    public static Bip322Verification Verify(Address address, string message, string signature)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrEmpty(signature))
        {
            return Bip322Verification.Fail(null, "signature too short (empty)");
        }

        Bip322Format? format = null;
        var body = signature.Trim();
        if (body.StartsWith(SimplePrefix, StringComparison.Ordinal))
        {
            format = Bip322Format.Simple;
        }
        else if (body.StartsWith(FullPrefix, StringComparison.Ordinal))
        {
            format = Bip322Format.Full;
        }
        else if (body.StartsWith(ProofOfFundsPrefix, StringComparison.Ordinal))
        {
            format = Bip322Format.ProofOfFunds;
        }

        if (format is not null)
        {
            body = body[3..];
        }

        var bytes = new byte[body.Length];
        if (!Convert.TryFromBase64String(body, bytes, out var written))
        {
            return Bip322Verification.Fail(format, "error decoding signature as base64");
        }

        bytes = bytes[..written];
        if (bytes.Length == 0)
        {
            return Bip322Verification.Fail(format, "signature too short (no bytes after base64 decoding)");
        }

        var challenge = Spk(address);
        switch (format)
        {
            case Bip322Format.ProofOfFunds:
                return Bip322Verification.Fail(format, "proof-of-funds (pof) signatures are not supported: verifying them needs the UTXO set");
            case Bip322Format.Simple:
                return Witness.TryParse(bytes, out var w)
                    ? VerifySimple(challenge, message, w)
                    : Bip322Verification.Fail(format, "error parsing signature as simple variant (not a witness stack)");
            case Bip322Format.Full:
                return Transaction.TryParse(bytes, out var tx, out var txError)
                    ? VerifyFull(challenge, message, tx)
                    : Bip322Verification.Fail(format, $"error parsing signature as full variant: {txError}");
        }

        // Unprefixed (older BIP text): legacy for P2PKH 65-byte signatures, else simple, else full.
        if (address is P2pkhAddress && bytes.Length == LegacyMessageSigner.CompactSignatureSize)
        {
            var legacy = LegacyMessageSigner.Verify(address, signature, message);
            return legacy == MessageVerificationResult.Ok
                ? new Bip322Verification(true, Bip322Format.Legacy, null, default, default)
                : Bip322Verification.Fail(Bip322Format.Legacy, "invalid signature: " + LegacyMessageSigner.Describe(legacy));
        }

        if (Witness.TryParse(bytes, out var witness))
        {
            return VerifySimple(challenge, message, witness);
        }

        return Transaction.TryParse(bytes, out var full, out _)
            ? VerifyFull(challenge, message, full)
            : Bip322Verification.Fail(null, "signature is neither a simple witness stack nor a full to_sign transaction");
    }

    private static Bip322Verification VerifySimple(Script challenge, string message, Witness witness)
    {
        var toSpend = CreateToSpend(challenge, message);

        // BIP322 simple for P2SH-wrapped segwit: the redeem script is the witness program of the
        // key (P2WPKH) or of the witness script (P2WSH), both implied by the witness itself.
        Script? scriptSig = null;
        if (challenge.IsPayToScriptHash && witness.Count > 0)
        {
            var last = witness[witness.Count - 1];
            Script redeem;
            if (witness.Count == 2 && last.Length == 33)
            {
                // The item need not be a valid key here (verification then fails), so hash the bytes.
                Span<byte> keyHash = stackalloc byte[20];
                Hashes.Hash160(last, keyHash);
                redeem = StandardScripts.PayToWitnessPubKeyHash(keyHash);
            }
            else
            {
                redeem = StandardScripts.PayToWitnessScriptHash(new Script(last));
            }

            scriptSig = new ScriptBuilder().Push(redeem.Span).Build();
        }

        var toSign = CreateToSign(toSpend, witness, scriptSig);
        return Run(toSpend, toSign, Bip322Format.Simple);
    }

    private static Bip322Verification VerifyFull(Script challenge, string message, Transaction toSign)
    {
        var toSpend = CreateToSpend(challenge, message);

        // BIP322 basic validation: input 0 spends to_spend:0; exactly one 0-value OP_RETURN output.
        if (toSign.Inputs.Count == 0 || toSign.Inputs[0].PrevOut != new OutPoint(toSpend.GetTxId(), 0))
        {
            return Bip322Verification.Fail(Bip322Format.Full, "invalid signature: to_sign input 0 does not spend to_spend (wrong message or address)");
        }

        if (toSign.Outputs.Count != 1 || toSign.Outputs[0].Value != Money.Zero || toSign.Outputs[0].ScriptPubKey != OpReturn)
        {
            return Bip322Verification.Fail(Bip322Format.Full, "invalid signature: to_sign must have exactly one 0-value OP_RETURN output");
        }

        // BIP322 upgradeable rule: to_sign version 0 or 2, otherwise inconclusive.
        if (toSign.Version is not (0 or 2))
        {
            return Bip322Verification.Fail(Bip322Format.Full, $"inconclusive: to_sign version {toSign.Version} is not 0 or 2");
        }

        if (toSign.Inputs.Count > 1)
        {
            return Bip322Verification.Fail(Bip322Format.ProofOfFunds, "inconclusive: extra inputs (proof of funds) need the UTXO set to verify");
        }

        return Run(toSpend, toSign, Bip322Format.Full);
    }

    private static Bip322Verification Run(Transaction toSpend, Transaction toSign, Bip322Format format)
    {
        var spent = toSpend.Outputs[0];
        if (FindNonSighashAll(spent.ScriptPubKey, toSign.Inputs[0]) is { } bad)
        {
            return Bip322Verification.Fail(format, $"invalid signature: {bad} does not use SIGHASH_ALL (BIP322 required rule)");
        }

        var precomputed = new PrecomputedTransactionData(toSign, [spent]);
        if (!TransactionVerifier.VerifyInput(toSign, 0, spent, precomputed, VerifyFlags, out var error))
        {
            return Bip322Verification.Fail(format, $"invalid signature ({error})");
        }

        return new Bip322Verification(true, format, null, toSign.LockTime, toSign.Inputs[0].Sequence);
    }

    /// <summary>
    /// BIP322 required rule "all signatures must use SIGHASH_ALL": returns a description of the first
    /// signature-shaped item with another hash type, or null. ECDSA signatures are recognised as strict
    /// DER plus a hash-type byte; Schnorr signatures as 65-byte items in taproot signature positions
    /// (64-byte ones are SIGHASH_DEFAULT, which commits like ALL).
    /// </summary>
    private static string? FindNonSighashAll(Script spentScript, TxIn input)
    {
        var items = input.Witness.Items.Select(m => m.ToArray()).ToList();
        if (spentScript.IsWitnessProgram(out var version, out _) && version == 1)
        {
            // BIP341: an annex (last item starting 0x50, with 2+ items) is not part of the stack.
            if (items.Count >= 2 && items[^1].Length > 0 && items[^1][0] == 0x50)
            {
                items.RemoveAt(items.Count - 1);
            }

            // Script path: the last two items are the script and the control block.
            var signatures = items.Count == 1 ? items : items.Take(Math.Max(0, items.Count - 2)).ToList();
            for (var i = 0; i < signatures.Count; i++)
            {
                if (signatures[i].Length == 65 && signatures[i][64] != (byte)SigHashType.All)
                {
                    return $"witness item {i}";
                }
            }

            return null;
        }

        var pushes = new List<byte[]>(items);
        var pc = 0;
        while (input.ScriptSig.TryGetOp(ref pc, out _, out var push))
        {
            pushes.Add(push.ToArray());
        }

        for (var i = 0; i < pushes.Count; i++)
        {
            var item = pushes[i];
            if (item.Length is >= 9 and <= 73 && EcdsaSignature.TryParseDer(item.AsSpan(0, item.Length - 1), out _) && item[^1] != (byte)SigHashType.All)
            {
                return i < items.Count ? $"witness item {i}" : $"scriptSig push {i - items.Count}";
            }
        }

        return null;
    }
}

/// <summary>BIP322 as an <see cref="IMessageSignatureScheme"/>: any address, simple/full/legacy signatures.</summary>
public sealed class Bip322MessageScheme : IMessageSignatureScheme
{
    /// <summary>The shared instance.</summary>
    public static Bip322MessageScheme Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "bip322";

    /// <inheritdoc />
    public bool CanVerify(Address address) => address is not null;

    /// <inheritdoc />
    public MessageVerificationResult Verify(Address address, string signature, string message)
    {
        var result = Bip322Message.Verify(address, message, signature);
        if (result.IsValid)
        {
            return MessageVerificationResult.Ok;
        }

        return result.Error!.Contains("invalid signature", StringComparison.Ordinal) ? MessageVerificationResult.NotSigned : MessageVerificationResult.MalformedSignature;
    }
}
