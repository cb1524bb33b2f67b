using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;
using OPSource.Bitcoin.Psbt;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

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

    /// <summary>
    /// Full with extra inputs spending the UTXOs whose control is proven, encoded as a finalized PSBT
    /// of <c>to_sign</c> ("pof" prefix); verifying it needs those UTXOs.
    /// </summary>
    ProofOfFunds,
}

/// <summary>The three BIP322 verification outcomes.</summary>
public enum Bip322State
{
    /// <summary>"valid at time T and age S": every check passed.</summary>
    Valid,

    /// <summary>"inconclusive": the scripts could not be checked (upgradeable rules, or the UTXOs of a proof of funds were not supplied).</summary>
    Inconclusive,

    /// <summary>"invalid": some check failed.</summary>
    Invalid,
}

/// <summary>
/// An unspent output a BIP322 proof of funds spends: where it is and what it pays (amount and
/// scriptPubKey). The verifier takes these from its own view of the UTXO set, never from the proof.
/// </summary>
public sealed record Bip322Utxo(OutPoint OutPoint, TxOut Output);

/// <summary>
/// The outcome of verifying a BIP322 signature: valid (at time <see cref="LockTime"/> and age
/// <see cref="Sequence"/>), or an error naming the check that failed.
/// </summary>
public sealed record Bip322Verification(bool IsValid, Bip322Format? Format, string? Error, LockTime LockTime, Sequence Sequence)
{
    /// <summary>BIP322's three states: valid, inconclusive or invalid.</summary>
    public Bip322State State { get; init; } = IsValid ? Bip322State.Valid : Bip322State.Invalid;

    /// <summary>For a valid proof of funds: the UTXOs it proves control of, in input order (empty otherwise).</summary>
    public IReadOnlyList<Bip322Utxo> ProvenUtxos { get; init; } = [];

    /// <summary>The sum of <see cref="ProvenUtxos"/> amounts.</summary>
    public Amount ProvenAmount => Amount.Sum(ProvenUtxos.Select(u => u.Output.Value));

    internal static Bip322Verification Fail(Bip322Format? format, string error) => new(false, format, "bip322: " + error, default, default);

    internal static Bip322Verification Inconclusive(Bip322Format? format, string reason) =>
        new(false, format, "bip322: inconclusive: " + reason, default, default) { State = Bip322State.Inconclusive };
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

    // BIP174: every PSBT starts with "psbt" 0xff.
    private static ReadOnlySpan<byte> PsbtMagic => [0x70, 0x73, 0x62, 0x74, 0xff];

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
        return new Transaction(0, [input], [new TxOut(Amount.Zero, messageChallenge)], LockTime.Zero);
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
        return new Transaction(version, [input], [new TxOut(Amount.Zero, OpReturn)], lockTime);
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
            // BIP322 proof of funds adds the UTXOs as inputs: only SignProofOfFunds is given them.
            throw new ArgumentException("bip322: a proof of funds needs the UTXOs to prove; use SignProofOfFunds", nameof(format));
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
        var unsigned = CreateToSign(toSpend, Witness.Empty);
        if (!TrySignInput(new PrecomputedTransactionData(unsigned, [toSpend.Outputs[0]]), 0, key, grindLowR, out var scriptSig, out var witness))
        {
            throw new ArgumentException($"bip322: the key does not control {address} (supported: its P2PKH, P2WPKH, P2SH-P2WPKH or key-path P2TR address)", nameof(address));
        }

        // BIP322: simple signatures are witness stacks, so they exist only for segwit addresses.
        if (format == Bip322Format.Simple && witness.IsEmpty)
        {
            throw new ArgumentException("bip322: P2PKH addresses need the full or legacy format (simple is for segwit)", nameof(format));
        }

        var toSign = CreateToSign(toSpend, witness, scriptSig);
        if (format == Bip322Format.Simple)
        {
            var writer = new BitcoinWriter();
            toSign.Inputs[0].Witness.WriteTo(writer);
            return (prefixed ? SimplePrefix : string.Empty) + Convert.ToBase64String(writer.WrittenSpan);
        }

        return (prefixed ? FullPrefix : string.Empty) + Convert.ToBase64String(toSign.ToBytes());
    }

    /// <summary>
    /// BIP322 "Full (Proof of Funds)": signs <paramref name="message"/> for <paramref name="address"/>
    /// and adds one <c>to_sign</c> input per UTXO in <paramref name="utxos"/>, each signed "as though
    /// these outputs were actually being spent". The result is "pof" + base64 of the finalized PSBT
    /// of <c>to_sign</c> (BIP174 finalizer output: final_scriptsig/final_scriptwitness, plus the UTXO
    /// of every segwit input and the <c>to_spend</c> transaction for a P2PKH challenge).
    /// </summary>
    /// <param name="keys">Keys for the address and for every UTXO: each input is signed by the first key controlling its script.</param>
    /// <param name="address">The address of the message challenge (<c>to_spend</c>).</param>
    /// <param name="message">The message (UTF-8).</param>
    /// <param name="utxos">The UTXOs to prove control of (P2PKH, P2WPKH, P2SH-P2WPKH or key-path P2TR), at least one, no outpoint twice.</param>
    /// <param name="version"><c>to_sign</c> version: 0 or 2 (BIP322 upgradeable rule; 2 for relative time locks).</param>
    /// <param name="lockTime"><c>to_sign</c> nLockTime (the proof is "valid at time T").</param>
    /// <param name="sequence">nSequence of input 0 (the proof is "valid at age S"); the UTXO inputs use 0.</param>
    /// <param name="grindLowR">ECDSA: grind for a low R as Core does.</param>
    public static string SignProofOfFunds(IReadOnlyList<Wif> keys, Address address, string message, IReadOnlyList<Bip322Utxo> utxos, int version = 0, LockTime lockTime = default, Sequence sequence = default, bool grindLowR = true)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(utxos);
        if (version is not (0 or 2))
        {
            // BIP322 upgradeable rule: a to_sign version other than 0 or 2 verifies as inconclusive.
            throw new ArgumentOutOfRangeException(nameof(version), "bip322: to_sign version must be 0 or 2");
        }

        if (utxos.Count == 0)
        {
            throw new ArgumentException("bip322: a proof of funds needs at least one UTXO to prove", nameof(utxos));
        }

        var toSpend = CreateToSpend(Spk(address), message);
        var challengeOutPoint = new OutPoint(toSpend.GetTxId(), 0);
        var seen = new HashSet<OutPoint> { challengeOutPoint };
        for (var i = 0; i < utxos.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(utxos[i]);

            // Core tx_check.cpp: an outpoint may be spent once per transaction (bad-txns-inputs-duplicate).
            if (!seen.Add(utxos[i].OutPoint))
            {
                throw new ArgumentException($"bip322: UTXO {i} ({utxos[i].OutPoint}) is listed twice or is the to_spend output", nameof(utxos));
            }
        }

        // BIP322: to_sign input 0 spends to_spend:0; the UTXOs follow as additional inputs.
        TxIn[] inputs =
        [
            new TxIn(challengeOutPoint, Script.Empty, sequence, Witness.Empty),
            .. utxos.Select(u => new TxIn(u.OutPoint, Script.Empty, new Sequence(0), Witness.Empty)),
        ];
        var unsigned = new Transaction(version, inputs, [new TxOut(Amount.Zero, OpReturn)], lockTime);
        TxOut[] spent = [toSpend.Outputs[0], .. utxos.Select(u => u.Output)];
        var psbt = PsbtDocument.Create(unsigned);
        var precomputed = new PrecomputedTransactionData(unsigned, spent); // BIP143/BIP341 hashes once for every input
        for (var i = 0; i < spent.Length; i++)
        {
            Script? scriptSig = null;
            Witness? witness = null;
            foreach (var key in keys)
            {
                if (TrySignInput(precomputed, i, key, grindLowR, out var s, out var w))
                {
                    (scriptSig, witness) = (s, w);
                    break;
                }
            }

            if (scriptSig is null || witness is null)
            {
                throw new ArgumentException(i == 0
                    ? $"bip322: no key given controls {address} (supported: P2PKH, P2WPKH, P2SH-P2WPKH or key-path P2TR)"
                    : $"bip322: no key given controls UTXO {i - 1} ({utxos[i - 1].OutPoint}; supported: P2PKH, P2WPKH, P2SH-P2WPKH or key-path P2TR)", nameof(keys));
            }

            // BIP174: a finalized input keeps its UTXO; a legacy input's UTXO is the whole previous
            // transaction, which only to_spend has here, so legacy UTXO inputs carry none.
            if (!witness.IsEmpty)
            {
                psbt = psbt.WithWitnessUtxo(i, spent[i]);
            }
            else if (i == 0)
            {
                psbt = psbt.WithNonWitnessUtxo(0, toSpend);
            }

            if (!scriptSig.IsEmpty)
            {
                psbt = psbt.WithEntry(PsbtMapKind.Input, i, PsbtEntry.Create(PsbtKeys.InFinalScriptSig, default, scriptSig.Span));
            }

            if (!witness.IsEmpty)
            {
                psbt = psbt.WithEntry(PsbtMapKind.Input, i, PsbtEntry.Create(PsbtKeys.InFinalScriptWitness, default, ConsensusEncoding.ToBytes(witness)));
            }
        }

        return ProofOfFundsPrefix + psbt.ToBase64();
    }

    /// <summary>
    /// Signs input <paramref name="index"/> of <paramref name="txData"/>'s transaction (every input present,
    /// no scripts yet, every spent output known) when <paramref name="key"/> controls the spent script: P2PKH (the WIF's compression
    /// picks the key form), P2WPKH, P2SH-P2WPKH or key-path-only P2TR. SIGHASH_ALL (DEFAULT for taproot),
    /// as BIP322 requires. False when the key does not control the script.
    /// </summary>
    private static bool TrySignInput(PrecomputedTransactionData txData, int index, Wif key, bool grindLowR, out Script scriptSig, out Witness witness)
    {
        var unsigned = txData.Transaction;
        var spent = txData.SpentOutputs!;
        var secret = key.PrivateKey;
        var pub = secret.PublicKey;
        var spk = spent[index].ScriptPubKey;
        scriptSig = Script.Empty;
        witness = Witness.Empty;
        Span<byte> sighash = stackalloc byte[32];
        if (spk == StandardScripts.PayToPubKeyHash(pub, key.IsCompressed))
        {
            // Core interpreter.cpp SignatureHash (SigVersion::BASE): the scriptCode is the spent P2PKH script.
            SignatureHash.Legacy(unsigned, index, spk.Span, SigHashType.All).WriteTo(sighash);
            var pubBytes = key.IsCompressed ? pub.ToCompressed() : pub.ToUncompressed();
            scriptSig = new ScriptBuilder().Push(EcdsaSig(secret, sighash, grindLowR)).Push(pubBytes).Build();
            return true;
        }

        var p2wpkh = StandardScripts.PayToWitnessPubKeyHash(pub);
        var nested = spk == StandardScripts.PayToScriptHash(p2wpkh);
        if (spk == p2wpkh || nested)
        {
            // BIP143: the P2WPKH scriptCode is the P2PKH script of the key hash; the amount is the spent output's.
            var scriptCode = StandardScripts.PayToPubKeyHash(pub);
            SignatureHash.SegwitV0(txData, index, scriptCode.Span, spent[index].Value, SigHashType.All).WriteTo(sighash);
            witness = Witness.Create(EcdsaSig(secret, sighash, grindLowR), pub.ToCompressed());

            // BIP141 P2SH-P2WPKH: the scriptSig pushes the witness program as the redeem script.
            scriptSig = nested ? new ScriptBuilder().Push(p2wpkh.Span).Build() : Script.Empty;
            return true;
        }

        if (spk == TaprootKeyPathScript(secret.XOnlyPublicKey))
        {
            // BIP341 key path with no script tree: sign with taproot_tweak_seckey(d, empty) over all spent outputs.
            using var tweaked = TaprootSpendInfo.TweakSecretKey(secret, null);
            SignatureHash.TaprootKeySpend(txData, index).WriteTo(sighash);

            Span<byte> aux = stackalloc byte[32];
            System.Security.Cryptography.RandomNumberGenerator.Fill(aux);
            witness = Witness.Create(Schnorr.Sign(tweaked, sighash, aux));
            return true;
        }

        return false;
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
    /// consensus interpreter with the standard flags. Never throws on malformed signatures. A proof
    /// of funds is inconclusive here: use the overload that takes the UTXOs.
    /// </summary>
    public static Bip322Verification Verify(Address address, string message, string signature) =>
        Verify(address, message, signature, null);

    /// <summary>
    /// Verifies a BIP322 signature, including a proof of funds ("pof" finalized PSBT, or a full
    /// <c>to_sign</c> with extra inputs): every input runs through the consensus interpreter against
    /// the output it spends, input 0 against <c>to_spend</c> and the others against
    /// <paramref name="utxos"/> — the verifier's own view of the UTXO set (BIP322: "validators of a
    /// proof of funds need access to the current UTXO set"). Without UTXOs a proof of funds is
    /// inconclusive; an input spending an outpoint not in <paramref name="utxos"/>, or a PSBT UTXO
    /// that differs from the supplied one, makes it invalid.
    /// </summary>
    public static Bip322Verification Verify(Address address, string message, string signature, IReadOnlyList<Bip322Utxo>? utxos)
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
                return PsbtDocument.TryParse(bytes, out var psbt, out var psbtError)
                    ? VerifyProofOfFundsPsbt(challenge, message, psbt, utxos)
                    : Bip322Verification.Fail(format, $"error parsing signature as proof of funds (a finalized PSBT): {psbtError}");
            case Bip322Format.Simple:
                return Witness.TryParse(bytes, out var w)
                    ? VerifySimple(challenge, message, w)
                    : Bip322Verification.Fail(format, "error parsing signature as simple variant (not a witness stack)");
            case Bip322Format.Full:
                return Transaction.TryParse(bytes, out var tx, out var txError)
                    ? VerifyFull(challenge, message, tx, utxos, null)
                    : Bip322Verification.Fail(format, $"error parsing signature as full variant: {txError}");
        }

        // Unprefixed proof of funds: a PSBT starts with the BIP174 magic "psbt" 0xff.
        if (bytes.AsSpan().StartsWith(PsbtMagic))
        {
            return PsbtDocument.TryParse(bytes, out var unprefixed, out var unprefixedError)
                ? VerifyProofOfFundsPsbt(challenge, message, unprefixed, utxos)
                : Bip322Verification.Fail(Bip322Format.ProofOfFunds, $"error parsing signature as proof of funds (a finalized PSBT): {unprefixedError}");
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
            ? VerifyFull(challenge, message, full, utxos, null)
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
        return Run(toSign, [toSpend.Outputs[0]], Bip322Format.Simple, []);
    }

    /// <summary>
    /// A "pof" signature: BIP322 requires the PSBT of <c>to_sign</c> to be finalized, so every input
    /// must carry final_scriptsig or final_scriptwitness; the extracted transaction is then verified
    /// like a full signature with extra inputs.
    /// </summary>
    private static Bip322Verification VerifyProofOfFundsPsbt(Script challenge, string message, PsbtDocument psbt, IReadOnlyList<Bip322Utxo>? utxos)
    {
        foreach (var input in psbt.Inputs)
        {
            if (!input.IsFinalized)
            {
                return Bip322Verification.Fail(Bip322Format.ProofOfFunds,
                    $"invalid signature: input {input.Index} is not signed (a proof of funds is a finalized PSBT: final_scriptsig or final_scriptwitness on every input)");
            }
        }

        return psbt.TryExtract(out var toSign, out var error)
            ? VerifyFull(challenge, message, toSign, utxos, psbt)
            : Bip322Verification.Fail(Bip322Format.ProofOfFunds, $"invalid signature: {error}");
    }

    private static Bip322Verification VerifyFull(Script challenge, string message, Transaction toSign, IReadOnlyList<Bip322Utxo>? utxos, PsbtDocument? psbt)
    {
        var format = psbt is not null || toSign.Inputs.Count > 1 ? Bip322Format.ProofOfFunds : Bip322Format.Full;
        var toSpend = CreateToSpend(challenge, message);

        // BIP322 basic validation: input 0 spends to_spend:0; exactly one 0-value OP_RETURN output.
        if (toSign.Inputs.Count == 0 || toSign.Inputs[0].PrevOut != new OutPoint(toSpend.GetTxId(), 0))
        {
            return Bip322Verification.Fail(format, "invalid signature: to_sign input 0 does not spend to_spend (wrong message or address)");
        }

        if (toSign.Outputs.Count != 1 || toSign.Outputs[0].RawValue != 0 || toSign.Outputs[0].ScriptPubKey != OpReturn)
        {
            return Bip322Verification.Fail(format, "invalid signature: to_sign must have exactly one 0-value OP_RETURN output");
        }

        // BIP322 upgradeable rule: to_sign version 0 or 2, otherwise inconclusive.
        if (toSign.Version is not (0 or 2))
        {
            return Bip322Verification.Inconclusive(format, $"to_sign version {toSign.Version} is not 0 or 2");
        }

        if (format == Bip322Format.Full)
        {
            return Run(toSign, [toSpend.Outputs[0]], Bip322Format.Full, []);
        }

        // BIP322: to_spend and to_sign "satisfy all consensus rules" (Core tx_check.cpp CheckTransaction:
        // no duplicate inputs, so no UTXO is counted twice).
        if (!TransactionChecks.CheckTransaction(toSign, out var reject))
        {
            return Bip322Verification.Fail(format, $"invalid signature: to_sign fails the consensus checks ({reject})");
        }

        // A PSBT that records input 0's UTXO must record to_spend's output.
        if (psbt?.Inputs[0].GetUtxo() is { } challengeUtxo && challengeUtxo != toSpend.Outputs[0])
        {
            return Bip322Verification.Fail(format, "invalid signature: the PSBT's UTXO for input 0 is not the to_spend output");
        }

        var spent = new TxOut[toSign.Inputs.Count];
        spent[0] = toSpend.Outputs[0];
        var proven = new Bip322Utxo[toSign.Inputs.Count - 1];
        if (proven.Length > 0)
        {
            // BIP322: "validators of a proof of funds need access to the current UTXO set".
            if (utxos is null || utxos.Count == 0)
            {
                return Bip322Verification.Inconclusive(format,
                    $"proof of funds spends {proven.Length} UTXO(s) besides to_spend; supply them (outpoint, amount, scriptPubKey) to verify it");
            }

            var known = new Dictionary<OutPoint, TxOut>(utxos.Count);
            foreach (var utxo in utxos)
            {
                if (utxo is null)
                {
                    return Bip322Verification.Fail(format, "the supplied UTXO set contains a null entry");
                }

                if (!utxo.Output.HasValidValue)
                {
                    // Core CheckTransaction: a coin's value is within 0..MAX_MONEY, so no such UTXO exists.
                    return Bip322Verification.Fail(format, $"the supplied UTXO set lists {utxo.OutPoint} with value {utxo.Output.RawValue} sat, outside 0..21,000,000 BTC");
                }

                if (known.TryGetValue(utxo.OutPoint, out var other) && other != utxo.Output)
                {
                    return Bip322Verification.Fail(format, $"the supplied UTXO set lists {utxo.OutPoint} twice with different outputs");
                }

                known[utxo.OutPoint] = utxo.Output;
            }

            for (var i = 1; i < toSign.Inputs.Count; i++)
            {
                var outPoint = toSign.Inputs[i].PrevOut;
                if (!known.TryGetValue(outPoint, out var output))
                {
                    return Bip322Verification.Fail(format, $"invalid signature: input {i} spends {outPoint}, which is not in the supplied UTXO set");
                }

                if (psbt?.Inputs[i].GetUtxo() is { } carried && carried != output)
                {
                    return Bip322Verification.Fail(format,
                        $"invalid signature: input {i}: the PSBT's UTXO for {outPoint} ({carried.RawValue} sat, {carried.ScriptPubKey.ToHex()}) differs from the supplied one ({output.RawValue} sat, {output.ScriptPubKey.ToHex()})");
                }

                spent[i] = output;
                proven[i - 1] = new Bip322Utxo(outPoint, output);
            }
        }

        return Run(toSign, spent, format, proven);
    }

    /// <summary>
    /// Runs every input of <paramref name="toSign"/> through the consensus interpreter with
    /// <see cref="VerifyFlags"/> against the output it spends (<paramref name="spent"/>, in input order).
    /// </summary>
    private static Bip322Verification Run(Transaction toSign, TxOut[] spent, Bip322Format format, Bip322Utxo[] proven)
    {
        var several = toSign.Inputs.Count > 1;
        for (var i = 0; i < spent.Length; i++)
        {
            if (FindNonSighashAll(spent[i].ScriptPubKey, toSign.Inputs[i]) is { } bad)
            {
                var where = several ? $"input {i} {bad}" : bad;
                return Bip322Verification.Fail(format, $"invalid signature: {where} does not use SIGHASH_ALL (BIP322 required rule)");
            }
        }

        // BIP341: taproot signatures commit to every spent output, so one precomputation covers all inputs.
        var precomputed = new PrecomputedTransactionData(toSign, spent);
        for (var i = 0; i < spent.Length; i++)
        {
            if (!TransactionVerifier.VerifyInput(toSign, i, spent[i], precomputed, VerifyFlags, out var error))
            {
                var detail = several ? $"input {i}: {error}" : error.ToString();

                // BIP322 upgradeable rules (reserved NOPs, unknown witness/taproot versions, OP_SUCCESS,
                // unknown key types) give "inconclusive", the required rules "invalid".
                return IsUpgradeableRule(error)
                    ? Bip322Verification.Inconclusive(format, $"script uses a rule reserved for upgrades ({detail})")
                    : Bip322Verification.Fail(format, $"invalid signature ({detail})");
            }
        }

        return new Bip322Verification(true, format, null, toSign.LockTime, toSign.Inputs[0].Sequence) { ProvenUtxos = proven };
    }

    private static bool IsUpgradeableRule(ScriptError error) => error is ScriptError.DISCOURAGE_UPGRADABLE_NOPS
        or ScriptError.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM or ScriptError.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION
        or ScriptError.DISCOURAGE_OP_SUCCESS or ScriptError.DISCOURAGE_UPGRADABLE_PUBKEYTYPE;

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
