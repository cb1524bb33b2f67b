using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Signing;

/// <summary>A public key (33-byte compressed, 65-byte uncompressed, or 32-byte x-only) and the BIP32 origin of its private key.</summary>
/// <param name="PublicKey">The serialized public key.</param>
/// <param name="Origin">Master fingerprint and derivation path.</param>
public sealed record SigningKeyOrigin(ReadOnlyMemory<byte> PublicKey, RootedKeyPath Origin);

/// <summary>
/// What the signer needs to know about one input: the output it spends and, depending on that
/// output, the scripts and keys behind it.
/// </summary>
/// <param name="SpentOutput">The output being spent (amount and scriptPubKey).</param>
public sealed record SpendInput(TxOut SpentOutput)
{
    /// <summary>The redeem script of a P2SH output (P2SH-P2WPKH: <c>0 &lt;keyhash&gt;</c>; P2SH-P2WSH: <c>0 &lt;scripthash&gt;</c>).</summary>
    public Script? RedeemScript { get; init; }

    /// <summary>The witness script of a P2WSH or P2SH-P2WSH output.</summary>
    public Script? WitnessScript { get; init; }

    /// <summary>Taproot: the internal key (key path: its private key is tweaked with <see cref="TaprootMerkleRoot"/>). Null for a rawtr output, whose output key is signed untweaked.</summary>
    public XOnlyPublicKey? TaprootInternalKey { get; init; }

    /// <summary>Taproot: the script tree's merkle root (null for a key-only BIP86 output).</summary>
    public UInt256? TaprootMerkleRoot { get; init; }

    /// <summary>Taproot script path: the leaf to satisfy (a <c>pk</c> or <c>multi_a</c> tapscript) with its control block; null spends the key path.</summary>
    public TaprootLeafInfo? TaprootLeaf { get; init; }

    /// <summary>The hash type to sign with; null is SIGHASH_ALL for ECDSA and SIGHASH_DEFAULT for Taproot.</summary>
    public SigHashType? SighashType { get; init; }

    /// <summary>BIP32 origins of the keys involved, so a provider holding extended keys can derive them.</summary>
    public IReadOnlyList<SigningKeyOrigin> KeyOrigins { get; init; } = [];

    /// <summary>A key-path (or, with <paramref name="leaf"/>, script-path) spend of the P2TR output of <paramref name="spendInfo"/>.</summary>
    public static SpendInput Taproot(Amount amount, TaprootSpendInfo spendInfo, TaprootLeafInfo? leaf = null)
    {
        ArgumentNullException.ThrowIfNull(spendInfo);
        return new SpendInput(new TxOut(amount, spendInfo.ScriptPubKey))
        {
            TaprootInternalKey = spendInfo.InternalKey,
            TaprootMerkleRoot = spendInfo.MerkleRoot,
            TaprootLeaf = leaf,
        };
    }
}

/// <summary>The result of signing a whole transaction.</summary>
/// <param name="Transaction">The transaction with every input that could be signed signed (the others unchanged).</param>
/// <param name="Issues">The inputs left unsigned and why; empty when complete.</param>
public sealed record SigningResult(Transaction Transaction, IReadOnlyList<SigningIssue> Issues)
{
    /// <summary>True when every input was signed.</summary>
    public bool IsComplete => Issues.Count == 0;
}

/// <summary>
/// Signs a whole transaction: P2PK, P2PKH, P2WPKH, P2SH-P2WPKH, bare/P2SH/P2WSH/P2SH-P2WSH multisig
/// (and P2PK/P2PKH inside P2SH/P2WSH), P2TR key path (BIP86 or with a script tree, and rawtr) and P2TR
/// script path for <c>pk</c> and <c>multi_a</c> leaves. Keys come from an <see cref="ISigningKeyProvider"/>;
/// every signature hash comes from one <see cref="PrecomputedTransactionData"/>; the scriptSigs and
/// witnesses are set in one pass (one new transaction, not one copy per input). Witnesses are built
/// as Core's sign.cpp ProduceSignature does.
/// </summary>
public static class TransactionSigner
{
    /// <summary>
    /// Signs every input it can. <paramref name="inputs"/> has one entry per input; a null entry means
    /// the spent output is unknown (<see cref="SigningErrorKind.MissingSpentOutput"/>). Inputs that
    /// cannot be signed keep their scriptSig and witness and are listed in <see cref="SigningResult.Issues"/>.
    /// </summary>
    public static SigningResult TrySign(Transaction transaction, IReadOnlyList<SpendInput?> inputs, ISigningKeyProvider keys, SigningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(keys);
        if (inputs.Count != transaction.Inputs.Count)
        {
            throw new ArgumentException($"signing: {inputs.Count} spend descriptions for {transaction.Inputs.Count} inputs", nameof(inputs));
        }

        // BIP341 commits to every spent output; without all of them only non-Taproot inputs can be signed.
        TxOut[]? spent = inputs.All(i => i is not null) ? [.. inputs.Select(i => i!.SpentOutput)] : null;
        var session = new SigningSession(transaction, spent, options);
        var ins = new TxIn[transaction.Inputs.Count];
        var issues = new List<SigningIssue>();
        for (var i = 0; i < ins.Length; i++)
        {
            var txIn = transaction.Inputs[i];
            ins[i] = txIn;
            if (inputs[i] is not { } spend)
            {
                issues.Add(new SigningIssue(i, SigningErrorKind.MissingSpentOutput, $"the output {txIn.PrevOut} it spends is unknown"));
                continue;
            }

            try
            {
                if (TrySignInput(session, i, spend, keys, out var scriptSig, out var witness, out var issue))
                {
                    ins[i] = txIn with { ScriptSig = scriptSig, Witness = witness };
                }
                else
                {
                    issues.Add(issue);
                }
            }
            catch (SigningException e)
            {
                issues.Add(e.Issue);
            }
        }

        return new SigningResult(transaction.WithInputs(ins), issues);
    }

    /// <summary>Signs every input or throws <see cref="SigningException"/> naming the first input that could not be signed.</summary>
    public static Transaction Sign(Transaction transaction, IReadOnlyList<SpendInput?> inputs, ISigningKeyProvider keys, SigningOptions? options = null)
    {
        var result = TrySign(transaction, inputs, keys, options);
        return result.IsComplete ? result.Transaction : throw new SigningException(result.Issues[0]);
    }

    private static bool TrySignInput(SigningSession session, int index, SpendInput spend, ISigningKeyProvider keys, out Script scriptSig, out Witness witness, [NotNullWhen(false)] out SigningIssue? issue)
    {
        scriptSig = Script.Empty;
        witness = Witness.Empty;
        var spk = spend.SpentOutput.ScriptPubKey;
        var program = spk;
        byte[]? redeemPush = null;
        if (spk.IsPayToScriptHash)
        {
            if (spend.RedeemScript is not { } redeem)
            {
                issue = new SigningIssue(index, SigningErrorKind.MissingRedeemScript, "spends a P2SH output but no redeem script was given");
                return false;
            }

            // BIP16: the scriptPubKey commits to HASH160(redeemScript).
            if (StandardScripts.PayToScriptHash(redeem) != spk)
            {
                issue = new SigningIssue(index, SigningErrorKind.ScriptMismatch, "the redeem script does not hash to the spent P2SH output");
                return false;
            }

            program = redeem;
            redeemPush = redeem.ToBytes();
        }

        if (program.IsWitnessProgram(out var version, out var prog))
        {
            List<byte[]>? stack;
            if (version == 0 && prog.Length == 20)
            {
                // BIP143: the P2WPKH scriptCode is the P2PKH script of the key hash; the witness is <sig> <pubkey>.
                if (!TrySatisfy(session, index, spend, keys, StandardScripts.PayToPubKeyHash(prog), SigVersion.WitnessV0, out stack, out issue))
                {
                    return false;
                }
            }
            else if (version == 0 && prog.Length == 32)
            {
                if (spend.WitnessScript is not { } ws)
                {
                    issue = new SigningIssue(index, SigningErrorKind.MissingWitnessScript, "spends a P2WSH output but no witness script was given");
                    return false;
                }

                // BIP141: the program is SHA256(witnessScript).
                if (StandardScripts.PayToWitnessScriptHash(ws) != program)
                {
                    issue = new SigningIssue(index, SigningErrorKind.ScriptMismatch, "the witness script does not hash to the spent P2WSH program");
                    return false;
                }

                if (!TrySatisfy(session, index, spend, keys, ws, SigVersion.WitnessV0, out stack, out issue))
                {
                    return false;
                }

                stack.Add(ws.ToBytes());
            }
            else if (version == 1 && prog.Length == 32 && redeemPush is null)
            {
                if (!TrySignTaproot(session, index, spend, keys, prog, out stack, out issue))
                {
                    return false;
                }
            }
            else
            {
                issue = new SigningIssue(index, SigningErrorKind.UnsupportedScript, $"spends an unsupported witness program (version {version}, {prog.Length} bytes)");
                return false;
            }

            (scriptSig, witness) = SegwitSpend(stack, redeemPush);
            issue = null;
            return true;
        }

        if (!TrySatisfy(session, index, spend, keys, program, SigVersion.Base, out var items, out issue))
        {
            return false;
        }

        scriptSig = ScriptBuilder.PushAll(items, redeemPush);
        return true;
    }

    /// <summary>
    /// A segwit input's final scriptSig and witness (Core sign.cpp ProduceSignature): the witness stack, and for
    /// P2SH-wrapped segwit (BIP141) a scriptSig that pushes only the redeem script, else an empty one. The signer and
    /// the PSBT finalizer both finish witness inputs through it.
    /// </summary>
    internal static (Script ScriptSig, Witness Witness) SegwitSpend(List<byte[]> stack, byte[]? redeemPush) =>
        (redeemPush is null ? Script.Empty : new ScriptBuilder().Push(redeemPush).Build(), new Witness(stack.Select(b => (ReadOnlyMemory<byte>)b)));

    /// <summary>Core sign.cpp SignStep for P2PK, P2PKH and bare multisig: the stack that satisfies <paramref name="script"/>.</summary>
    private static bool TrySatisfy(SigningSession session, int index, SpendInput spend, ISigningKeyProvider keys, Script script, SigVersion sigVersion, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out SigningIssue? issue)
    {
        stack = null;
        var type = spend.SighashType ?? SigHashType.All;
        if (!type.IsDefinedEcdsa)
        {
            // Core IsDefinedHashtypeSignature (STRICTENC): ECDSA signatures carry ALL, NONE or SINGLE, optionally |ANYONECANPAY.
            issue = new SigningIssue(index, SigningErrorKind.InvalidSighashType, $"sighash type {type} is not an ECDSA sighash type");
            return false;
        }

        var witnessV0 = sigVersion == SigVersion.WitnessV0;
        var amount = spend.SpentOutput.HasValidValue ? spend.SpentOutput.Value : Amount.Zero;
        var m = StandardScripts.Solve(script);
        switch (m.Template)
        {
            case ScriptTemplate.PubKey:
                if (FindEcdsaKey(spend, keys, m.Solutions[0].Span, witnessV0) is not { } pkKey)
                {
                    issue = new SigningIssue(index, SigningErrorKind.MissingKey, "no key for the P2PK public key");
                    return false;
                }

                stack = [session.SignEcdsa(index, script, sigVersion, amount, pkKey, type)];
                issue = null;
                return true;
            case ScriptTemplate.PubKeyHash:
                if (!TryFindKeyByHash(spend, keys, m.Solutions[0].Span, witnessV0, out var hashKey, out var pub))
                {
                    issue = new SigningIssue(index, SigningErrorKind.MissingKey, $"no key for key hash {Hex.Encode(m.Solutions[0].Span)}");
                    return false;
                }

                stack = [session.SignEcdsa(index, script, sigVersion, amount, hashKey, type), pub];
                issue = null;
                return true;
            case ScriptTemplate.Multisig:
                stack = MultisigStack(m, key => FindEcdsaKey(spend, keys, key.Span, witnessV0) is { } k ? session.SignEcdsa(index, script, sigVersion, amount, k, type) : null, out var signatures);
                if (signatures == 0)
                {
                    stack = null;
                    issue = new SigningIssue(index, SigningErrorKind.MissingKey, $"no key for any of the {m.Solutions.Count} multisig public keys");
                    return false;
                }

                if (signatures < m.RequiredSignatures)
                {
                    stack = null;
                    issue = new SigningIssue(index, SigningErrorKind.NotEnoughSignatures, $"has keys for {signatures} of the {m.RequiredSignatures} signatures the multisig needs");
                    return false;
                }

                issue = null;
                return true;
            default:
                issue = new SigningIssue(index, SigningErrorKind.UnsupportedScript, $"cannot satisfy a {m.Template} script");
                return false;
        }
    }

    /// <summary>
    /// Core sign.cpp for a k-of-n CHECKMULTISIG: OP_0 (the extra item CHECKMULTISIG pops) then at most k signatures
    /// in key order, asking <paramref name="signatureFor"/> for each key in turn; <paramref name="signatures"/> is how many it holds.
    /// </summary>
    internal static List<byte[]> MultisigStack(ScriptTemplateMatch multisig, Func<ReadOnlyMemory<byte>, byte[]?> signatureFor, out int signatures)
    {
        var stack = new List<byte[]> { Array.Empty<byte>() };
        foreach (var key in multisig.Solutions)
        {
            if (stack.Count - 1 == multisig.RequiredSignatures)
            {
                break;
            }

            if (signatureFor(key) is { } sig)
            {
                stack.Add(sig);
            }
        }

        signatures = stack.Count - 1;
        return stack;
    }

    /// <summary>
    /// The key for an explicit public key (33 or 65 bytes): through its BIP32 origin when <paramref name="origins"/>
    /// has one, else by its HASH160 (Core CKeyID) in the serialization given; null when the provider has none.
    /// With <paramref name="witnessV0"/> only compressed keys qualify.
    /// </summary>
    public static SecretKey? FindEcdsaKey(IReadOnlyList<SigningKeyOrigin> origins, ISigningKeyProvider keys, ReadOnlySpan<byte> publicKey, bool witnessV0)
    {
        ArgumentNullException.ThrowIfNull(origins);
        ArgumentNullException.ThrowIfNull(keys);
        // BIP143: only compressed keys are standard in witness v0 scripts; the signer uses no other.
        if (witnessV0 && publicKey.Length != 33)
        {
            return null;
        }

        foreach (var o in origins)
        {
            if (o.PublicKey.Span.SequenceEqual(publicKey) && keys.TryGetKey(o.Origin, publicKey, out var derived))
            {
                return derived;
            }
        }

        Span<byte> h = stackalloc byte[Hashes.Hash160Size];
        Hashes.Hash160(publicKey, h);
        return keys.TryGetKey(h, out var key, out var compressed) && compressed == (publicKey.Length == 33) ? key : null;
    }

    private static SecretKey? FindEcdsaKey(SpendInput spend, ISigningKeyProvider keys, ReadOnlySpan<byte> publicKey, bool witnessV0) =>
        FindEcdsaKey(spend.KeyOrigins, keys, publicKey, witnessV0);

    /// <summary>The key whose serialized public key hashes to <paramref name="hash160"/> (P2PKH, P2WPKH), and that serialization.</summary>
    private static bool TryFindKeyByHash(SpendInput spend, ISigningKeyProvider keys, ReadOnlySpan<byte> hash160, bool witnessV0, [NotNullWhen(true)] out SecretKey? key, [NotNullWhen(true)] out byte[]? publicKey)
    {
        Span<byte> h = stackalloc byte[Hashes.Hash160Size];
        foreach (var o in spend.KeyOrigins)
        {
            Hashes.Hash160(o.PublicKey.Span, h);
            if (h.SequenceEqual(hash160) && (!witnessV0 || o.PublicKey.Length == 33) && keys.TryGetKey(o.Origin, o.PublicKey.Span, out key))
            {
                publicKey = o.PublicKey.ToArray();
                return true;
            }
        }

        if (keys.TryGetKey(hash160, out key, out var compressed) && (compressed || !witnessV0))
        {
            publicKey = compressed ? key.PublicKey.ToCompressed() : key.PublicKey.ToUncompressed();
            return true;
        }

        key = null;
        publicKey = null;
        return false;
    }

    /// <summary>The key for a BIP340 x-only key: through its BIP32 origin when <paramref name="origins"/> has one, else directly; null when the provider has none.</summary>
    public static SecretKey? FindXOnlyKey(IReadOnlyList<SigningKeyOrigin> origins, ISigningKeyProvider keys, XOnlyPublicKey xOnly)
    {
        ArgumentNullException.ThrowIfNull(origins);
        ArgumentNullException.ThrowIfNull(keys);
        Span<byte> x = stackalloc byte[32];
        xOnly.WriteTo(x);
        foreach (var o in origins)
        {
            if (o.PublicKey.Span.SequenceEqual(x) && keys.TryGetKey(o.Origin, x, out var derived))
            {
                return derived;
            }
        }

        return keys.TryGetKey(xOnly, out var key) ? key : null;
    }

    private static bool TrySignTaproot(SigningSession session, int index, SpendInput spend, ISigningKeyProvider keys, ReadOnlySpan<byte> program, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out SigningIssue? issue)
    {
        stack = null;
        var type = spend.SighashType ?? SigHashType.Default;

        // BIP341 key path with the internal key, the usual spend: the witness is the signature alone. The tweaked key
        // is compared with the program's bytes, so the program is lifted to a point (a square root) only when the
        // key path did not sign: an x that matches a key is on the curve.
        SecretKey? internalSecret = null;
        if (spend.TaprootLeaf is null && spend.TaprootInternalKey is { } internalKey
            && (internalSecret = FindXOnlyKey(spend.KeyOrigins, keys, internalKey)) is not null
            && TrySignKeyPath(session, index, keys, internalSecret, program, spend.TaprootMerkleRoot, type, out var keySig))
        {
            stack = [keySig];
            issue = null;
            return true;
        }

        // BIP341: a witness program that does not lift to a curve point can be spent by neither path.
        if (!XOnlyPublicKey.TryParse(program, out var outputKey))
        {
            issue = new SigningIssue(index, SigningErrorKind.UnsupportedScript, "spends a taproot output whose key is not a valid x-only public key (not on the curve), which no witness can spend");
            return false;
        }

        if (spend.TaprootLeaf is { } leaf)
        {
            return TrySignTapLeaf(session, index, spend, keys, leaf, type, out stack, out issue);
        }

        if (spend.TaprootInternalKey is not null)
        {
            issue = internalSecret is null
                ? new SigningIssue(index, SigningErrorKind.MissingKey, "no key for the Taproot internal key")
                : new SigningIssue(index, SigningErrorKind.KeyMismatch, "the internal key tweaked with the merkle root is not the spent output key");
            return false;
        }

        // rawtr: the output key is signed untweaked (Core sign.cpp SignTaproot tries the output key too).
        if (FindXOnlyKey(spend.KeyOrigins, keys, outputKey) is not { } ok)
        {
            issue = new SigningIssue(index, SigningErrorKind.MissingKey, "no key for the Taproot output key and no internal key was given");
            return false;
        }

        session.TrySignTaprootKeyPath(index, ok, outputKey, null, type, out var rawSig, untweaked: true);
        stack = [rawSig!];
        issue = null;
        return true;
    }

    /// <summary>
    /// BIP341 key path with the internal key's secret: signs with the provider's kept tweaked key when it keeps one
    /// (<see cref="ISigningKeyProvider.TryGetTweakedKey"/>), else with the key tweaked here (taproot_tweak_seckey) and
    /// wiped; false, before any hashing, when the tweaked key's x is not <paramref name="outputKey"/> (the spent
    /// witness program). The raw signer and the PSBT signer both sign the key path through it.
    /// </summary>
    internal static bool TrySignKeyPath(SigningSession session, int index, ISigningKeyProvider keys, SecretKey internalKey, ReadOnlySpan<byte> outputKey, UInt256? merkleRoot, SigHashType type, [NotNullWhen(true)] out byte[]? signature)
    {
        SecretKey? owned = null;
        try
        {
            if (!keys.TryGetTweakedKey(internalKey, merkleRoot, out var tweaked))
            {
                tweaked = owned = TaprootSpendInfo.TweakSecretKey(internalKey, merkleRoot);
            }

            // BIP341: the key path signs for the output key Q = P + tG, which the program holds as x(Q).
            var q = tweaked.XOnlyPublicKey;
            Span<byte> x = stackalloc byte[32];
            q.WriteTo(x);
            if (!x.SequenceEqual(outputKey))
            {
                signature = null;
                return false;
            }

            return session.TrySignTaprootKeyPath(index, tweaked, q, null, type, out signature, untweaked: true);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    /// <summary>
    /// BIP342 script path for the leaves Core's miniscript names <c>pk(K)</c> (<c>&lt;K&gt; OP_CHECKSIG</c>) and
    /// <c>multi_a(m,K1..Kn)</c> (<c>&lt;K1&gt; OP_CHECKSIG &lt;K2&gt; OP_CHECKSIGADD ... &lt;m&gt; OP_NUMEQUAL</c>); the
    /// witness is the signatures (Kn first, empty for a key that does not sign), the script and the control block.
    /// </summary>
    private static bool TrySignTapLeaf(SigningSession session, int index, SpendInput spend, ISigningKeyProvider keys, TaprootLeafInfo leaf, SigHashType type, [NotNullWhen(true)] out List<byte[]>? stack, [NotNullWhen(false)] out SigningIssue? issue)
    {
        stack = null;
        if (leaf.LeafVersion != TapLeafHash.TapscriptLeafVersion || !TryParseTapLeaf(leaf.Script, out var leafKeys, out var required))
        {
            issue = new SigningIssue(index, SigningErrorKind.UnsupportedScript, "the tapscript leaf is neither pk(K) nor multi_a(m,...)");
            return false;
        }

        var sigs = new byte[leafKeys.Count][];
        var count = 0;
        for (var k = 0; k < leafKeys.Count; k++)
        {
            sigs[k] = [];
            if (count < required && FindXOnlyKey(spend.KeyOrigins, keys, leafKeys[k]) is { } key)
            {
                sigs[k] = session.SignTaprootScriptPath(index, leaf.LeafHash, key, type);
                count++;
            }
        }

        if (count < required)
        {
            issue = count == 0
                ? new SigningIssue(index, SigningErrorKind.MissingKey, "no key for any key of the tapscript leaf")
                : new SigningIssue(index, SigningErrorKind.NotEnoughSignatures, $"has keys for {count} of the {required} signatures the leaf needs");
            return false;
        }

        // The script checks K1 against the top stack item first, so the witness lists the signatures for
        // Kn..K1, then the script and the control block (BIP341 script path).
        stack = [.. sigs.Reverse(), leaf.Script.ToBytes(), leaf.ControlBlock.ToBytes()];
        issue = null;
        return true;
    }

    private static bool TryParseTapLeaf(Script script, out List<XOnlyPublicKey> keys, out int required)
    {
        keys = [];
        required = 0;
        var s = script.Span;
        var pc = 0;
        var ops = new List<(OpcodeType Op, byte[] Push)>();
        while (pc < s.Length)
        {
            if (!Script.TryGetOp(s, ref pc, out var op, out var push))
            {
                return false;
            }

            ops.Add((op, push.ToArray()));
        }

        // pk(K): <K> OP_CHECKSIG.
        if (ops.Count == 2 && ops[0].Push.Length == 32 && ops[1].Op == OpcodeType.OP_CHECKSIG && XOnlyPublicKey.TryParse(ops[0].Push, out var single))
        {
            keys.Add(single);
            required = 1;
            return true;
        }

        // multi_a(m, K1..Kn): <K1> CHECKSIG (<Ki> CHECKSIGADD)* <m> NUMEQUAL.
        if (ops.Count < 4 || ops.Count % 2 != 0 || ops[^1].Op != OpcodeType.OP_NUMEQUAL)
        {
            return false;
        }

        for (var i = 0; i < ops.Count - 2; i += 2)
        {
            var expected = i == 0 ? OpcodeType.OP_CHECKSIG : OpcodeType.OP_CHECKSIGADD;
            if (ops[i].Push.Length != 32 || ops[i + 1].Op != expected || !XOnlyPublicKey.TryParse(ops[i].Push, out var k))
            {
                return false;
            }

            keys.Add(k);
        }

        var mOp = ops[^2];
        required = mOp.Op is >= OpcodeType.OP_1 and <= OpcodeType.OP_16 ? Script.DecodeOpN(mOp.Op)
            : ScriptNumber.TryDecode(mOp.Push, requireMinimal: true, maxSize: 4, out var n) && n is > 16 and <= int.MaxValue ? (int)n
            : 0;
        return required >= 1 && required <= keys.Count;
    }
}
