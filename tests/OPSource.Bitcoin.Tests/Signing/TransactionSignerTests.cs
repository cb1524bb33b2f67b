using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Signing;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Tests.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Signing;

public sealed class TransactionSignerTests
{
    private static readonly SigHashType[] EcdsaTypes =
        [SigHashType.All, SigHashType.None, SigHashType.Single, SigHashType.AllAnyoneCanPay, SigHashType.NoneAnyoneCanPay, SigHashType.SingleAnyoneCanPay];

    private static readonly SigHashType[] TaprootTypes = [SigHashType.Default, .. EcdsaTypes];

    private static SecretKey Key(int i)
    {
        var bytes = new byte[32];
        bytes[31] = (byte)i;
        bytes[0] = 0x11;
        return SecretKey.Create(bytes);
    }

    /// <summary>One input of every kind the signer supports, with the keys that sign it.</summary>
    internal static (List<SpendInput> Inputs, List<SecretKey> Keys) EveryInputKind()
    {
        var keys = Enumerable.Range(1, 12).Select(Key).ToList();
        var amount = Amount.FromSatoshis(100_000);
        Script Multi(int a, int b, int c) => StandardScripts.Multisig(2, [keys[a].PublicKey.ToCompressed(), keys[b].PublicKey.ToCompressed(), keys[c].PublicKey.ToCompressed()]);
        var p2shWpkhRedeem = StandardScripts.PayToWitnessPubKeyHash(keys[1].PublicKey);
        var wshMulti = Multi(3, 4, 5);
        var shMulti = Multi(5, 6, 7);
        var shWshMulti = Multi(0, 2, 4);
        var tapLeafPk = new ScriptBuilder().Push(keys[9].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIG).Build();
        var tapLeafMulti = new ScriptBuilder()
            .Push(keys[10].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIG)
            .Push(keys[11].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIGADD)
            .Push(keys[9].XOnlyPublicKey.ToBytes()).Add(OpcodeType.OP_CHECKSIGADD)
            .Add(OpcodeType.OP_2).Add(OpcodeType.OP_NUMEQUAL).Build();
        var tree = new TaprootBuilder().AddLeaf(1, tapLeafPk).AddLeaf(1, tapLeafMulti).Finalize(keys[8].XOnlyPublicKey);
        var bip86 = TaprootSpendInfo.Create(keys[8].XOnlyPublicKey);
        var inputs = new List<SpendInput>
        {
            new(new TxOut(amount, StandardScripts.PayToPubKeyHash(keys[0].PublicKey))),
            new(new TxOut(amount, StandardScripts.PayToPubKeyHash(keys[0].PublicKey, compressed: false))),
            new(new TxOut(amount, StandardScripts.PayToPubKey(keys[2].PublicKey))),
            new(new TxOut(amount, StandardScripts.PayToScriptHash(p2shWpkhRedeem))) { RedeemScript = p2shWpkhRedeem },
            new(new TxOut(amount, StandardScripts.PayToWitnessPubKeyHash(keys[2].PublicKey))),
            new(new TxOut(amount, StandardScripts.PayToWitnessScriptHash(wshMulti))) { WitnessScript = wshMulti },
            new(new TxOut(amount, StandardScripts.PayToScriptHash(shMulti))) { RedeemScript = shMulti },
            new(new TxOut(amount, StandardScripts.PayToScriptHash(StandardScripts.PayToWitnessScriptHash(shWshMulti))))
            {
                RedeemScript = StandardScripts.PayToWitnessScriptHash(shWshMulti),
                WitnessScript = shWshMulti,
            },
            SpendInput.Taproot(amount, bip86),
            SpendInput.Taproot(amount, tree),
            SpendInput.Taproot(amount, tree, tree.Leaves.Single(l => l.Script == tapLeafPk)),
            SpendInput.Taproot(amount, tree, tree.Leaves.Single(l => l.Script == tapLeafMulti)),
            new(new TxOut(amount, StandardScripts.PayToTaproot(keys[7].XOnlyPublicKey))), // rawtr: the output key itself
        };
        return (inputs, keys);
    }

    private static Transaction Unsigned(int inputs, int outputs)
    {
        var ins = Enumerable.Range(0, inputs).Select(i => new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)(i + 1), 32).ToArray()), (uint)i)));
        var outs = Enumerable.Range(0, outputs).Select(i => new TxOut(Amount.FromSatoshis(10_000 + i), StandardScripts.PayToWitnessPubKeyHash(new byte[20])));
        return new Transaction(2, ins, outs, LockTime.Zero);
    }

    public static TheoryData<uint> AllHashTypes() => [.. TaprootTypes.Select(t => t.Value)];

    [Theory]
    [MemberData(nameof(AllHashTypes))]
    public void Every_input_kind_and_hash_type_verifies_in_the_interpreter(uint hashType)
    {
        var type = new SigHashType(hashType);
        var (inputs, keys) = EveryInputKind();
        try
        {
            // ECDSA inputs cannot use DEFAULT: they sign with ALL in that run, Taproot ones with DEFAULT.
            var spends = inputs.Select(i => (SpendInput?)(i with { SighashType = i.SpentOutput.ScriptPubKey.IsWitnessProgram(out var v, out _) && v == 1 ? type : type == SigHashType.Default ? SigHashType.All : type })).ToList();
            using var store = SigningKeyStore.Borrowing(keys);
            var tx = Unsigned(spends.Count, spends.Count);
            var result = TransactionSigner.TrySign(tx, spends, store);
            Assert.True(result.IsComplete, string.Join("; ", result.Issues));
            var spent = inputs.Select(i => i.SpentOutput).ToList();
            var verification = TransactionVerifier.VerifyInputs(result.Transaction, spent, ScriptFlags.Standard);
            Assert.True(verification.IsValid, $"input {verification.InputIndex}: {verification.Error}");

            // One pass: the outputs, version and lock time are untouched; every input gained its scriptSig or witness.
            Assert.Equal(tx.Outputs, result.Transaction.Outputs);
            Assert.All(result.Transaction.Inputs, i => Assert.False(i.ScriptSig.IsEmpty && i.Witness.IsEmpty));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void A_tampered_signature_fails_in_the_interpreter()
    {
        // The verification above can fail: a signature over another amount is rejected.
        var (inputs, keys) = EveryInputKind();
        try
        {
            using var store = SigningKeyStore.Borrowing(keys);
            var tx = Unsigned(inputs.Count, 1);
            var signed = TransactionSigner.Sign(tx, [.. inputs.Cast<SpendInput?>()], store);
            var lied = inputs.Select(i => new TxOut(Amount.FromSatoshis(i.SpentOutput.Value.Satoshis + 1), i.SpentOutput.ScriptPubKey)).ToList();
            Assert.False(TransactionVerifier.VerifyInputs(signed, lied, ScriptFlags.Standard).IsValid);
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void Missing_prevout_key_and_scripts_are_typed_issues()
    {
        using var key = Key(1);
        using var other = Key(2);
        using var store = SigningKeyStore.Borrowing([key]);
        var ws = StandardScripts.Multisig(1, [other.PublicKey.ToCompressed()]);
        var amount = Amount.FromSatoshis(5000);
        SpendInput?[] spends =
        [
            null,
            new(new TxOut(amount, StandardScripts.PayToWitnessPubKeyHash(other.PublicKey))),
            new(new TxOut(amount, StandardScripts.PayToWitnessScriptHash(ws))),
            new(new TxOut(amount, StandardScripts.PayToScriptHash(ws))),
            new(new TxOut(amount, StandardScripts.PayToWitnessScriptHash(ws))) { WitnessScript = StandardScripts.Multisig(1, [key.PublicKey.ToCompressed()]) },
            new(new TxOut(amount, StandardScripts.PayToWitnessPubKeyHash(key.PublicKey))) { SighashType = SigHashType.Default },
            new(new TxOut(amount, StandardScripts.PayToWitnessPubKeyHash(key.PublicKey))),
        ];
        var result = TransactionSigner.TrySign(Unsigned(spends.Length, 1), spends, store);
        // SIGHASH_DEFAULT (0) is a Taproot hash type only: an ECDSA signature with it would be non-standard (STRICTENC).
        Assert.Equal(
            [SigningErrorKind.MissingSpentOutput, SigningErrorKind.MissingKey, SigningErrorKind.MissingWitnessScript, SigningErrorKind.MissingRedeemScript, SigningErrorKind.ScriptMismatch, SigningErrorKind.InvalidSighashType],
            result.Issues.Select(i => i.Kind));
        Assert.Equal([0, 1, 2, 3, 4, 5], result.Issues.Select(i => i.InputIndex));

        // The last input is signed all the same; the others keep their (empty) scriptSig and witness.
        Assert.False(result.IsComplete);
        Assert.False(result.Transaction.Inputs[6].Witness.IsEmpty);
        Assert.True(result.Transaction.Inputs[1].Witness.IsEmpty);
        var thrown = Assert.Throws<SigningException>(() => TransactionSigner.Sign(Unsigned(spends.Length, 1), spends, store));
        Assert.Equal(SigningErrorKind.MissingSpentOutput, thrown.Issue.Kind);
        Assert.Equal("signing: input 0: the output " + Unsigned(1, 1).Inputs[0].PrevOut + " it spends is unknown", thrown.Message);
    }

    /// <summary>Found by the psbt fuzz targets: a P2TR program that is not a curve point threw from the signer.</summary>
    [Fact]
    public void A_taproot_output_key_off_the_curve_is_refused_not_thrown()
    {
        using var key = Key(4);
        using var store = SigningKeyStore.Borrowing([key]);
        var offCurve = new ScriptBuilder().Add(OpcodeType.OP_1).Push(Enumerable.Repeat((byte)0xff, 32).ToArray()).Build(); // x >= p
        var spent = new TxOut(Amount.FromSatoshis(1000), offCurve);

        var result = TransactionSigner.TrySign(Unsigned(1, 1), [new SpendInput(spent)], store);
        Assert.Equal((0, SigningErrorKind.UnsupportedScript), (result.Issues.Single().InputIndex, result.Issues.Single().Kind));

        var psbt = OPSource.Bitcoin.Psbt.Psbt.Create(Unsigned(1, 1)).WithWitnessUtxo(0, spent);
        Assert.False(psbt.TrySign([key], out _, out var refusals));
        Assert.Contains("not a valid x-only public key", Assert.Single(refusals), StringComparison.Ordinal);
    }

    [Fact]
    public void A_taproot_output_key_off_the_curve_is_refused_when_the_internal_key_is_known()
    {
        // The key path compares the tweaked key with the program's bytes before lifting the program to a point; an
        // off-curve program never matches and is still refused as before, ahead of a bad hash type.
        using var key = Key(4);
        using var otherKey = Key(5);
        using var store = SigningKeyStore.Borrowing([key]);
        var offCurve = new TxOut(Amount.FromSatoshis(1000), new ScriptBuilder().Add(OpcodeType.OP_1).Push(Enumerable.Repeat((byte)0xff, 32).ToArray()).Build());
        var notMine = new TxOut(Amount.FromSatoshis(1000), StandardScripts.PayToTaproot(otherKey.XOnlyPublicKey));
        SpendInput?[] spends =
        [
            new SpendInput(offCurve) { TaprootInternalKey = key.XOnlyPublicKey },
            new SpendInput(notMine) { TaprootInternalKey = key.XOnlyPublicKey },
            new SpendInput(notMine) { TaprootInternalKey = otherKey.XOnlyPublicKey },
        ];
        var result = TransactionSigner.TrySign(Unsigned(3, 3), spends, store);
        Assert.Equal([SigningErrorKind.UnsupportedScript, SigningErrorKind.KeyMismatch, SigningErrorKind.MissingKey], result.Issues.Select(i => i.Kind));

        var psbt = OPSource.Bitcoin.Psbt.Psbt.Create(Unsigned(1, 1)).WithWitnessUtxo(0, offCurve).WithTapInternalKey(0, key.XOnlyPublicKey);
        Assert.False(psbt.TrySign([key], out _, out var refusals));
        Assert.Contains("not a valid x-only public key", Assert.Single(refusals), StringComparison.Ordinal);
        Assert.False(psbt.WithSighashType(0, new SigHashType(0x84)).TrySign([key], out _, out refusals));
        Assert.Contains("not a valid x-only public key", Assert.Single(refusals), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_path_keys_kept_by_the_store_sign_as_a_fresh_tweak_does()
    {
        var (inputs, keys) = EveryInputKind();
        try
        {
            var store = SigningKeyStore.Borrowing(keys);
            var options = new SigningOptions { GrindLowR = false, TaprootAuxRandomness = new byte[32] };
            var tx = Unsigned(inputs.Count, inputs.Count);
            List<SpendInput?> spends = [.. inputs];

            // A provider that keeps no tweaked keys (the interface's default) gives the same bytes, first and second time.
            var kept = TransactionSigner.Sign(tx, spends, store, options).ToBytes();
            Assert.Equal(kept, TransactionSigner.Sign(tx, spends, new LookupOnly(store), options).ToBytes());
            Assert.Equal(kept, TransactionSigner.Sign(tx, spends, store, options).ToBytes());

            // One kept key per x-only internal key and merkle root (none differs from an all-zero root): BIP341's tweak.
            Assert.True(store.TryGetTweakedKey(keys[8], null, out var bip86));
            Assert.True(store.TryGetTweakedKey(keys[8], null, out var again));
            Assert.Same(bip86, again);
            using var negated = keys[8].Negate();
            Assert.True(store.TryGetTweakedKey(negated, null, out var fromNegated));
            Assert.Same(bip86, fromNegated);
            using (var fresh = TaprootSpendInfo.TweakSecretKey(keys[8], null))
            {
                Assert.True(fresh.Equals(bip86));
            }

            Assert.True(store.TryGetTweakedKey(keys[8], UInt256.Zero, out var zeroRoot));
            Assert.False(zeroRoot.Equals(bip86));

            // The store owns them: disposing it wipes them.
            store.Dispose();
            Assert.Throws<ObjectDisposedException>(() => bip86.WriteTo(new byte[32]));
            Assert.False(((ISigningKeyProvider)new LookupOnly(store)).TryGetTweakedKey(keys[8], null, out _));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    /// <summary>A provider with only the lookups (no kept tweaked keys), as a third-party provider may be.</summary>
    private sealed class LookupOnly(ISigningKeyProvider inner) : ISigningKeyProvider
    {
        public bool TryGetKey(ReadOnlySpan<byte> keyHash160, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretKey? key, out bool compressed) => inner.TryGetKey(keyHash160, out key, out compressed);

        public bool TryGetKey(XOnlyPublicKey xOnly, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretKey? key) => inner.TryGetKey(xOnly, out key);

        public bool TryGetKey(RootedKeyPath origin, ReadOnlySpan<byte> publicKey, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretKey? key) => inner.TryGetKey(origin, publicKey, out key);
    }

    [Fact]
    public void Taproot_without_every_spent_output_is_a_typed_issue()
    {
        using var key = Key(3);
        using var store = SigningKeyStore.Borrowing([key]);
        var info = TaprootSpendInfo.Create(key.XOnlyPublicKey);
        SpendInput?[] spends = [SpendInput.Taproot(Amount.FromSatoshis(1000), info), null];
        var result = TransactionSigner.TrySign(Unsigned(2, 1), spends, store);
        Assert.Equal([SigningErrorKind.MissingSpentOutput, SigningErrorKind.MissingSpentOutput], result.Issues.Select(i => i.Kind));

        // SIGHASH_SINGLE without a matching output (BIP341) is refused, not signed.
        var single = TransactionSigner.TrySign(Unsigned(2, 1), [SpendInput.Taproot(Amount.FromSatoshis(1000), info), SpendInput.Taproot(Amount.FromSatoshis(1000), info) with { SighashType = SigHashType.Single }], store);
        Assert.Equal((1, SigningErrorKind.InvalidSighashType), (single.Issues.Single().InputIndex, single.Issues.Single().Kind));
    }

    [Fact]
    public void Bip32_origins_are_derived_by_the_store()
    {
        using var master = ExtKey.CreateMaster(Hex.Parse("000102030405060708090a0b0c0d0e0f"));
        var path = KeyPath.Parse("m/84'/1'/0'/0/3");
        using var child = master.Derive(path);
        var pub = child.PublicKey.ToCompressed();
        using var store = new SigningKeyStore();
        store.AddMasterKey(master.Derive(KeyPath.Root));
        var spend = new SpendInput(new TxOut(Amount.FromSatoshis(50_000), StandardScripts.PayToWitnessPubKeyHash(child.PublicKey)))
        {
            KeyOrigins = [new SigningKeyOrigin(pub, new RootedKeyPath(master.Fingerprint, path))],
        };
        var signed = TransactionSigner.Sign(Unsigned(1, 1), [spend], store);
        Assert.True(TransactionVerifier.VerifyInputs(signed, [spend.SpentOutput], ScriptFlags.Standard).IsValid);

        // A wrong fingerprint finds nothing.
        var wrong = spend with { KeyOrigins = [new SigningKeyOrigin(pub, new RootedKeyPath(KeyFingerprint.FromValue(1), path))] };
        using var fresh = new SigningKeyStore();
        fresh.AddMasterKey(master.Derive(KeyPath.Root));
        Assert.Equal(SigningErrorKind.MissingKey, TransactionSigner.TrySign(Unsigned(1, 1), [wrong], fresh).Issues.Single().Kind);
    }

    // BIP143 "Native P2WPKH" and "P2SH-P2WPKH" examples (bitcoin/bips bip-0143.mediawiki): RFC6979 signatures
    // without low-R grinding (the examples predate it), so the whole signed transactions are byte-identical.
    [Fact]
    public void Bip143_native_p2wpkh_example_is_byte_identical()
    {
        var tx = Transaction.Parse("0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000");
        using var k0 = SecretKey.Create(Hex.Parse("bbc27228ddcb9209d7fd6f36b02f7dfa6252af40bb2f1cbc7a557da8027ff866"));
        using var k1 = SecretKey.Create(Hex.Parse("619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9"));
        using var store = SigningKeyStore.Borrowing([k0, k1]);
        SpendInput?[] spends =
        [
            new(new TxOut(Amount.FromSatoshis(625_000_000), Script.FromHex("2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac"))),
            new(new TxOut(Amount.FromSatoshis(600_000_000), Script.FromHex("00141d0f172a0ecb48aee1be1f2687d2963ae33f71a1"))),
        ];
        var signed = TransactionSigner.Sign(tx, spends, store, new SigningOptions { GrindLowR = false });
        Assert.Equal(Transactions.TransactionTests.Bip143P2wpkhSigned, signed.ToHex());
    }

    [Fact]
    public void Bip143_p2sh_p2wpkh_example_is_byte_identical()
    {
        var tx = Transaction.Parse("0100000001db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a54770100000000feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6d77c88ac92040000");
        using var key = SecretKey.Create(Hex.Parse("eb696a065ef48a2192da5b28b694f87544b30fae8327c4510137a922f32c6dcf"));
        using var store = SigningKeyStore.Borrowing([key]);
        var spend = new SpendInput(new TxOut(Amount.FromSatoshis(1_000_000_000), Script.FromHex("a9144733f37cf4db86fbc2efed2500b4f4e49f31202387")))
        {
            RedeemScript = Script.FromHex("001479091972186c449eb1ded22b78e40d009bdf0089"),
        };
        var signed = TransactionSigner.Sign(tx, [spend], store, new SigningOptions { GrindLowR = false });
        Assert.Equal(
            "01000000000101db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a5477010000001716001479091972186c449eb1ded22b78e40d009bdf0089feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bbc043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fea7ad0402e8bd8ad6d77c88ac02473044022047ac8e878352d3ebbde1c94ce3a10d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d877c1f64677e3622ad4010726870540656fe9dcb012103ad1d8e89212f0b92c74d23bb710c00662ad1470198ac48c43f7d6f93a2a2687392040000",
            signed.ToHex());
    }

    [Fact]
    public void Bip143_p2sh_p2wsh_six_signatures_are_byte_identical()
    {
        // BIP143 "P2SH-P2WSH": a 6-of-6 multisig where each key signs with another hash type.
        var tx = Transaction.Parse("010000000136641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca29787b96e0100000000ffffffff0200e9a435000000001976a914389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832f05000000001976a9147480a33f950689af511e6e84c138dbbd3c3ee41588ac00000000");
        var witnessScript = Script.FromHex("56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d9737d61acdaa1322008af9602b3b14862c07a1789aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae");
        var session = new SigningSession(tx, null, new SigningOptions { GrindLowR = false });
        var cases = new (SigHashType Type, string Key, string Signature)[]
        {
            (SigHashType.All, "730fff80e1413068a05b57d6a58261f07551163369787f349438ea38ca80fac6", "304402206ac44d672dac41f9b00e28f4df20c52eeb087207e8d758d76d92c6fab3b73e2b0220367750dbbe19290069cba53d096f44530e4f98acaa594810388cf7409a1870ce01"),
            (SigHashType.None, "11fa3d25a17cbc22b29c44a484ba552b5a53149d106d3d853e22fdd05a2d8bb3", "3044022068c7946a43232757cbdf9176f009a928e1cd9a1a8c212f15c1e11ac9f2925d9002205b75f937ff2f9f3c1246e547e54f62e027f64eefa2695578cc6432cdabce271502"),
            (SigHashType.Single, "77bf4141a87d55bdd7f3cd0bdccf6e9e642935fec45f2f30047be7b799120661", "3044022059ebf56d98010a932cf8ecfec54c48e6139ed6adb0728c09cbe1e4fa0915302e022007cd986c8fa870ff5d2b3a89139c9fe7e499259875357e20fcbb15571c76795403"),
            (SigHashType.AllAnyoneCanPay, "14af36970f5025ea3e8b5542c0f8ebe7763e674838d08808896b63c3351ffe49", "3045022100fbefd94bd0a488d50b79102b5dad4ab6ced30c4069f1eaa69a4b5a763414067e02203156c6a5c9cf88f91265f5a942e96213afae16d83321c8b31bb342142a14d16381"),
            (SigHashType.NoneAnyoneCanPay, "fe9a95c19eef81dde2b95c1284ef39be497d128e2aa46916fb02d552485e0323", "3045022100a5263ea0553ba89221984bd7f0b13613db16e7a70c549a86de0cc0444141a407022005c360ef0ae5a5d4f9f2f87a56c1546cc8268cab08c73501d6b3be2e1e1a8a0882"),
            (SigHashType.SingleAnyoneCanPay, "428a7aee9f0c2af0cd19af3cf1c78149951ea528726989b2e83e4778d2c3f890", "30440220525406a1482936d5a21888260dc165497a90a15669636d8edca6b9fe490d309c022032af0c646a34a44d1f4576bf6a4a74b67940f8faa84c7df9abe12a01a11e2b4783"),
        };
        foreach (var (type, keyHex, expected) in cases)
        {
            using var key = SecretKey.Create(Hex.Parse(keyHex));
            var sig = session.SignEcdsa(0, witnessScript, SigVersion.WitnessV0, Amount.FromSatoshis(987_654_321), key, type);
            Assert.Equal(expected, Hex.Encode(sig));
        }
    }

    public static TheoryData<int> Bip341KeyPathTransactions() => [.. Enumerable.Range(0, SighashTests.Bip341()["keyPathSpending"]!.AsArray().Count)];

    // BIP341 wallet vectors, keyPathSpending: every listed input's witness, signed through the whole-transaction API.
    [Theory]
    [MemberData(nameof(Bip341KeyPathTransactions))]
    public void Bip341_key_path_witnesses_are_byte_identical(int txIndex)
    {
        var spending = SighashTests.Bip341()["keyPathSpending"]!.AsArray()[txIndex]!;
        var (tx, pre) = SighashTests.Bip341Tx(spending);
        var spends = pre.SpentOutputs!.Select(o => (SpendInput?)new SpendInput(o)).ToArray();
        var keys = new List<SecretKey>();
        var expected = new Dictionary<int, string>();
        try
        {
            foreach (var input in spending["inputSpending"]!.AsArray())
            {
                var given = input!["given"]!;
                var index = given["txinIndex"]!.GetValue<int>();
                var secret = SecretKey.Create(Hex.Parse(given["internalPrivkey"]!.GetValue<string>()));
                keys.Add(secret);
                spends[index] = spends[index]! with
                {
                    TaprootInternalKey = secret.XOnlyPublicKey,
                    TaprootMerkleRoot = given["merkleRoot"]?.GetValue<string>() is { } mr ? new UInt256(Hex.Parse(mr)) : null,
                    SighashType = SigHashType.FromByte((byte)given["hashType"]!.GetValue<int>()),
                };
                expected[index] = input["expected"]!["witness"]!.AsArray().Single()!.GetValue<string>();
            }

            using var store = SigningKeyStore.Borrowing(keys);

            // BIP341 vectors sign with an all-zero aux_rand.
            var result = TransactionSigner.TrySign(tx, spends, store, new SigningOptions { TaprootAuxRandomness = new byte[32] });
            foreach (var (index, witness) in expected)
            {
                Assert.Equal(witness, Hex.Encode(result.Transaction.Inputs[index].Witness[0]));
            }

            // The inputs the vector does not sign are reported, not silently skipped.
            Assert.Equal(tx.Inputs.Count - expected.Count, result.Issues.Count);
            Assert.All(result.Issues, i => Assert.DoesNotContain(i.InputIndex, expected.Keys));
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }
}
