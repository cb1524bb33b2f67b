using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Signing;

/// <summary>Options shared by <see cref="TransactionSigner"/> and the PSBT signer.</summary>
public sealed record SigningOptions
{
    /// <summary>
    /// Grind ECDSA nonces until R is low (71-byte DER signatures), as Core's CKey::Sign does (default).
    /// Plain RFC6979 (false) gives the signatures of libsecp256k1's default nonce function.
    /// </summary>
    public bool GrindLowR { get; init; } = true;

    /// <summary>BIP340 auxiliary randomness (32 bytes) for Schnorr signatures; null draws 32 fresh random bytes per signature.</summary>
    public ReadOnlyMemory<byte>? TaprootAuxRandomness { get; init; }
}

/// <summary>
/// The signing primitives for one transaction: every signature hash is computed from ONE
/// <see cref="PrecomputedTransactionData"/> (BIP143/BIP341 per-transaction hashes computed once), and
/// every signature is returned in the encoding the script interpreter checks (DER + hash-type byte for
/// ECDSA; 64 bytes, or 65 with a non-DEFAULT hash type, for BIP340). <see cref="TransactionSigner"/> and
/// the PSBT signer both sign through it, so there is one signing path.
/// </summary>
public sealed class SigningSession
{
    private readonly SigningOptions _options;

    /// <summary>
    /// A session for <paramref name="transaction"/>. <paramref name="spentOutputs"/> (one per input, in
    /// order) is needed for Taproot signatures (BIP341 commits to every spent output); null when some are unknown.
    /// </summary>
    public SigningSession(Transaction transaction, IReadOnlyList<TxOut>? spentOutputs, SigningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        Data = new PrecomputedTransactionData(transaction, spentOutputs);
        _options = options ?? new SigningOptions();
    }

    /// <summary>The shared per-transaction hashes.</summary>
    public PrecomputedTransactionData Data { get; }

    /// <summary>The transaction being signed.</summary>
    public Transaction Transaction => Data.Transaction;

    /// <summary>
    /// An ECDSA signature of input <paramref name="inputIndex"/>: the legacy signature hash
    /// (<see cref="SigVersion.Base"/>) or BIP143's (<see cref="SigVersion.WitnessV0"/>, which commits to
    /// <paramref name="amount"/>) of <paramref name="scriptCode"/>, signed with RFC6979 (low-R grinding per
    /// <see cref="SigningOptions.GrindLowR"/>) and encoded as DER followed by the hash-type byte.
    /// </summary>
    public byte[] SignEcdsa(int inputIndex, Script scriptCode, SigVersion version, Amount amount, SecretKey key, SigHashType type)
    {
        ArgumentNullException.ThrowIfNull(scriptCode);
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        switch (version)
        {
            case SigVersion.Base:
                // Core interpreter.cpp SignatureHash for SigVersion::BASE.
                SignatureHash.Legacy(Transaction, inputIndex, scriptCode.Span, type).WriteTo(hash);
                break;
            case SigVersion.WitnessV0:
                // BIP143 signature hash.
                SignatureHash.SegwitV0(Data, inputIndex, scriptCode.Span, amount, type).WriteTo(hash);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(version), version, "signing: ECDSA signs only legacy and witness v0 inputs");
        }

        // Core key.cpp CKey::Sign: RFC6979, optionally grinding for a low R.
        var sig = _options.GrindLowR ? Ecdsa.SignGrindLowR(key, hash) : Ecdsa.Sign(key, hash);
        Span<byte> der = stackalloc byte[EcdsaSignature.MaxDerSize];
        var length = sig.WriteDer(der);
        var result = new byte[length + 1];
        der[..length].CopyTo(result);
        // Core sign.cpp MutableTransactionSignatureCreator::CreateSig: the hash type's low byte follows the DER signature.
        result[length] = type.ToByte();
        return result;
    }

    /// <summary>
    /// A BIP341 key-path signature of input <paramref name="inputIndex"/>: <paramref name="key"/> is the
    /// internal key, tweaked with <paramref name="merkleRoot"/> (null: BIP86 key-only output) as
    /// taproot_tweak_seckey does, or, when <paramref name="untweaked"/>, the output key itself (rawtr).
    /// Returns false (no signature) when the key so tweaked is not <paramref name="outputKey"/>.
    /// </summary>
    /// <exception cref="SigningException">The hash type is not a Taproot one, SIGHASH_SINGLE has no matching output, or spent outputs are missing.</exception>
    public bool TrySignTaprootKeyPath(int inputIndex, SecretKey key, XOnlyPublicKey outputKey, UInt256? merkleRoot, SigHashType type, [NotNullWhen(true)] out byte[]? signature, bool untweaked = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        signature = null;
        if (untweaked)
        {
            if (!key.XOnlyPublicKey.Equals(outputKey))
            {
                return false;
            }

            signature = Schnorr(key, TaprootHash(inputIndex, type, null), type);
            return true;
        }

        // BIP341 taproot_tweak_seckey: t = TapTweak(internal key || merkle root).
        using var tweaked = TaprootSpendInfo.TweakSecretKey(key, merkleRoot);
        if (!tweaked.XOnlyPublicKey.Equals(outputKey))
        {
            return false;
        }

        signature = Schnorr(tweaked, TaprootHash(inputIndex, type, null), type);
        return true;
    }

    /// <summary>A BIP342 script-path signature of input <paramref name="inputIndex"/> for the leaf <paramref name="leafHash"/> (no OP_CODESEPARATOR, no annex).</summary>
    /// <exception cref="SigningException">As <see cref="TrySignTaprootKeyPath"/>.</exception>
    public byte[] SignTaprootScriptPath(int inputIndex, TapLeafHash leafHash, SecretKey key, SigHashType type)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Schnorr(key, TaprootHash(inputIndex, type, new TapScriptSpend(leafHash)), type);
    }

    private TapSighash TaprootHash(int inputIndex, SigHashType type, TapScriptSpend? scriptSpend)
    {
        if (Data.SpentOutputs is null)
        {
            // BIP341: SigMsg commits to the amounts and scriptPubKeys of all spent outputs.
            throw new SigningException(new SigningIssue(inputIndex, SigningErrorKind.MissingSpentOutput, "Taproot signing needs every input's spent output"));
        }

        if (!SignatureHash.TryTaproot(Data, inputIndex, type, scriptSpend, default, out var hash))
        {
            throw new SigningException(new SigningIssue(inputIndex, SigningErrorKind.InvalidSighashType, $"sighash type {type} is not a Taproot sighash type, or SIGHASH_SINGLE has no output at this index"));
        }

        return hash;
    }

    private byte[] Schnorr(SecretKey key, TapSighash sighash, SigHashType type)
    {
        Span<byte> msg = stackalloc byte[32];
        Span<byte> aux = stackalloc byte[32];
        sighash.WriteTo(msg);
        if (_options.TaprootAuxRandomness is { Length: 32 } given)
        {
            given.Span.CopyTo(aux);
        }
        else
        {
            RandomNumberGenerator.Fill(aux);
        }

        // BIP341: a 64-byte signature means SIGHASH_DEFAULT; any other hash type is appended as a 65th byte.
        var result = new byte[type == SigHashType.Default ? 64 : 65];
        Crypto.Secp256k1.Schnorr.Sign(key, msg, aux, result.AsSpan(0, 64));
        if (result.Length == 65)
        {
            result[64] = type.ToByte();
        }

        return result;
    }
}
