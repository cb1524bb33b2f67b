using OPSource.Bitcoin.Tests.Sighash;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>
/// A generated corpus: every template a wallet produces, signed with our secp256k1 and sighash code
/// under every hash type, must verify; every single-bit flip of a signature must fail (all bits for one
/// spend per template, a seeded sample for its other hash types), as must a sample of bits of every
/// other witness/scriptSig item; and hash types must commit to exactly
/// what they promise (outputs for ALL/SINGLE, other inputs unless ANYONECANPAY).
/// </summary>
public class GeneratedCorpusTests
{
    private static readonly byte[] EcdsaHashTypes = [0x01, 0x02, 0x03, 0x81, 0x82, 0x83];
    private static readonly byte[] TaprootHashTypes = [0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83];

    private static SecretKey Key(int n) => SecretKey.Create([.. new byte[31], (byte)n]);

    private static byte[] Hash160(ReadOnlySpan<byte> data)
    {
        var h = new byte[20];
        Hashes.Hash160(data, h);
        return h;
    }

    private static byte[] Sha256(ReadOnlySpan<byte> data) => Hashes.Sha256(data);

    private static byte[] Push(ReadOnlySpan<byte> data) => new ScriptBuilder().Push(data).Build().ToBytes();

    /// <summary>An input under test: its scriptSig pushes and witness, and which of them are signatures.</summary>
    private sealed record Spend(string Name, Transaction Unsigned, List<TxOut> Spent, List<byte[]> Pushes, List<byte[]> Witness, HashSet<(bool Witness, int Index)> Signatures, byte HashType)
    {
        public Transaction Build(List<byte[]> pushes, List<byte[]> witness)
        {
            var scriptSig = new Script(pushes.SelectMany(p => Push(p)).ToArray());
            var input = Unsigned.Inputs[0] with { ScriptSig = scriptSig, Witness = new Witness(witness.Select(w => (ReadOnlyMemory<byte>)w)) };
            return Unsigned.WithInput(0, input);
        }

        public ScriptError Verify(Transaction tx, ScriptVerifyFlags flags, List<TxOut>? spent = null)
        {
            spent ??= Spent;
            TransactionVerifier.VerifyInput(tx, 0, spent[0], new PrecomputedTransactionData(tx, spent), flags, out var error);
            return error;
        }

        public override string ToString() => Name;
    }

    private static (Transaction Tx, List<TxOut> Spent) Skeleton(Script scriptPubKey)
    {
        var other = new TxOut(Amount.FromSatoshis(70_000), new Script([0x00, 0x14, .. Hash160(Key(9).PublicKey.ToCompressed())]));
        var spent = new List<TxOut> { new(Amount.FromSatoshis(100_000), scriptPubKey), other };
        var tx = new Transaction(2,
            [
                new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)0xaa, 32).ToArray()), 1), Script.Empty, new Sequence(0xfffffffd), Witness.Empty),
                new TxIn(new OutPoint(TxId.FromBytes(Enumerable.Repeat((byte)0xbb, 32).ToArray()), 0), Script.Empty, new Sequence(0xfffffffd), Witness.Empty),
            ],
            [
                new TxOut(Amount.FromSatoshis(90_000), new Script([0x00, 0x14, .. Hash160(Key(10).PublicKey.ToCompressed())])),
                new TxOut(Amount.FromSatoshis(75_000), new Script([0x00, 0x14, .. Hash160(Key(11).PublicKey.ToCompressed())])),
            ],
            new LockTime(800_000));
        return (tx, spent);
    }

    private static byte[] EcdsaSign(SecretKey key, Transaction tx, List<TxOut> spent, byte[] scriptCode, byte hashType, bool witnessV0)
    {
        var hash = new byte[32];
        if (witnessV0)
        {
            SignatureHash.SegwitV0(new PrecomputedTransactionData(tx, spent), 0, scriptCode, spent[0].Value, new SigHashType(hashType)).WriteTo(hash);
        }
        else
        {
            SignatureHash.Legacy(tx, 0, scriptCode, new SigHashType(hashType)).WriteTo(hash);
        }

        return [.. Ecdsa.Sign(key, hash).ToDer(), hashType];
    }

    private static byte[] SchnorrSign(SecretKey key, Transaction tx, List<TxOut> spent, byte hashType, byte[]? leafHash)
    {
        var hash = new byte[32];
        Assert.True(SighashTestHelpers.TryTaproot(tx, 0, new PrecomputedTransactionData(tx, spent), hashType, default, leafHash ?? default, SignatureHash.NoCodeSeparator, hash));
        var sig = Schnorr.Sign(key, hash, new byte[32]);
        return hashType == 0 ? sig : [.. sig, hashType];
    }

    private static byte[] Multisig(params SecretKey[] keys) =>
        [0x52, .. keys.SelectMany(k => Push(k.PublicKey.ToCompressed())), (byte)(0x50 + keys.Length), 0xae];

    private static IEnumerable<Spend> EcdsaSpends()
    {
        using var k1 = Key(1);
        using var k2 = Key(2);
        using var k3 = Key(3);
        var pk1 = k1.PublicKey.ToCompressed();
        byte[] p2pkhCode = [0x76, 0xa9, 0x14, .. Hash160(pk1), 0x88, 0xac];
        var multisig = Multisig(k1, k2, k3);
        foreach (var ht in EcdsaHashTypes)
        {
            {
                var (tx, spent) = Skeleton(new Script(p2pkhCode));
                var sig = EcdsaSign(k1, tx, spent, p2pkhCode, ht, false);
                yield return new Spend($"P2PKH/{ht:x2}", tx, spent, [sig, pk1], [], [(false, 0)], ht);
            }

            {
                var (tx, spent) = Skeleton(new Script([0xa9, 0x14, .. Hash160(multisig), 0x87]));
                var s1 = EcdsaSign(k1, tx, spent, multisig, ht, false);
                var s3 = EcdsaSign(k3, tx, spent, multisig, ht, false);
                yield return new Spend($"P2SH-multisig/{ht:x2}", tx, spent, [[], s1, s3, multisig], [], [(false, 1), (false, 2)], ht);
            }

            {
                var (tx, spent) = Skeleton(new Script([0x00, 0x14, .. Hash160(pk1)]));
                var sig = EcdsaSign(k1, tx, spent, p2pkhCode, ht, true);
                yield return new Spend($"P2WPKH/{ht:x2}", tx, spent, [], [sig, pk1], [(true, 0)], ht);
            }

            {
                byte[] redeem = [0x00, 0x14, .. Hash160(pk1)];
                var (tx, spent) = Skeleton(new Script([0xa9, 0x14, .. Hash160(redeem), 0x87]));
                var sig = EcdsaSign(k1, tx, spent, p2pkhCode, ht, true);
                yield return new Spend($"P2SH-P2WPKH/{ht:x2}", tx, spent, [redeem], [sig, pk1], [(true, 0)], ht);
            }

            {
                var (tx, spent) = Skeleton(new Script([0x00, 0x20, .. Sha256(multisig)]));
                var s1 = EcdsaSign(k1, tx, spent, multisig, ht, true);
                var s3 = EcdsaSign(k3, tx, spent, multisig, ht, true);
                yield return new Spend($"P2WSH-multisig/{ht:x2}", tx, spent, [], [[], s1, s3, multisig], [(true, 1), (true, 2)], ht);
            }
        }
    }

    private static byte[] LeafHash(byte[] script)
    {
        var h = new byte[32];
        TapLeafHash.Compute(0xc0, script).WriteTo(h);
        return h;
    }

    private static IEnumerable<Spend> TaprootSpends()
    {
        using var internalKey = Key(4);
        using var k1 = Key(5);
        using var k2 = Key(6);
        using var k3 = Key(7);
        var p = internalKey.XOnlyPublicKey.ToBytes();

        // Key path only (BIP86 style: tweak = hash_TapTweak(P)).
        var keyTweak = new byte[32];
        Hashes.TaggedHash("TapTweak", p, keyTweak);
        Assert.True(internalKey.XOnlyPublicKey.TryAddTweak(keyTweak, out var keyOnlyQ, out _));
        Assert.True(internalKey.TryAddXOnlyTweak(keyTweak, out var keyOnlySecret));

        // Two leaves: A = <k1> CHECKSIG; B = <k1> CHECKSIG <k2> CHECKSIGADD <k3> CHECKSIGADD 2 NUMEQUAL.
        byte[] leafA = [.. Push(k1.XOnlyPublicKey.ToBytes()), 0xac];
        byte[] leafB = [.. Push(k1.XOnlyPublicKey.ToBytes()), 0xac, .. Push(k2.XOnlyPublicKey.ToBytes()), 0xba, .. Push(k3.XOnlyPublicKey.ToBytes()), 0xba, 0x52, 0x9c];
        var ha = LeafHash(leafA);
        var hb = LeafHash(leafB);
        byte[] pair = ha.AsSpan().SequenceCompareTo(hb) < 0 ? [.. ha, .. hb] : [.. hb, .. ha];
        var root = new byte[32];
        Hashes.TaggedHash("TapBranch", pair, root);
        var treeTweak = new byte[32];
        Hashes.TaggedHash("TapTweak", [.. p, .. root], treeTweak);
        Assert.True(internalKey.XOnlyPublicKey.TryAddTweak(treeTweak, out var treeQ, out var treeParity));
        byte[] controlA = [(byte)(0xc0 | (treeParity ? 1 : 0)), .. p, .. hb];
        byte[] controlB = [(byte)(0xc0 | (treeParity ? 1 : 0)), .. p, .. ha];
        var treeSpk = new Script([0x51, 0x20, .. treeQ.ToBytes()]);

        foreach (var ht in TaprootHashTypes)
        {
            {
                var (tx, spent) = Skeleton(new Script([0x51, 0x20, .. keyOnlyQ.ToBytes()]));
                var sig = SchnorrSign(keyOnlySecret!, tx, spent, ht, null);
                yield return new Spend($"P2TR-key/{ht:x2}", tx, spent, [], [sig], [(true, 0)], ht);
            }

            {
                var (tx, spent) = Skeleton(treeSpk);
                var sig = SchnorrSign(k1, tx, spent, ht, ha);
                yield return new Spend($"P2TR-script-checksig/{ht:x2}", tx, spent, [], [sig, leafA, controlA], [(true, 0)], ht);
            }

            {
                var (tx, spent) = Skeleton(treeSpk);
                var s1 = SchnorrSign(k1, tx, spent, ht, hb);
                var s3 = SchnorrSign(k3, tx, spent, ht, hb);
                // Stack bottom to top: sig for k3, (empty) sig for k2, sig for k1.
                yield return new Spend($"P2TR-script-checksigadd-2of3/{ht:x2}", tx, spent, [], [s3, [], s1, leafB, controlB], [(true, 0), (true, 2)], ht);
            }
        }

        keyOnlySecret!.Dispose();
    }

    public static TheoryData<string> SpendNames()
    {
        var data = new TheoryData<string>();
        foreach (var s in AllSpends.Value)
        {
            data.Add(s.Name);
        }

        return data;
    }

    private static readonly Lazy<List<Spend>> AllSpends = new(() => [.. EcdsaSpends(), .. TaprootSpends()]);

    private static Spend Get(string name) => AllSpends.Value.Single(s => s.Name == name);

    [Fact]
    public void The_corpus_covers_every_template_and_hash_type()
    {
        Assert.Equal((5 * 6) + (3 * 7), AllSpends.Value.Count);
    }

    [Theory]
    [MemberData(nameof(SpendNames))]
    public void Signed_spend_verifies_under_standard_and_mandatory_flags(string name)
    {
        var spend = Get(name);
        var tx = spend.Build(spend.Pushes, spend.Witness);
        Assert.Equal(ScriptError.OK, spend.Verify(tx, ScriptFlags.Standard));
        Assert.Equal(ScriptError.OK, spend.Verify(tx, ScriptFlags.Mandatory));
    }

    /// <summary>
    /// The first spend of each template (its name before the '/'), whose signatures get every bit
    /// flipped; the other hash types of the template get a seeded sample of bits.
    /// </summary>
    private static bool IsRepresentative(Spend spend)
    {
        var template = spend.Name[..spend.Name.IndexOf('/', StringComparison.Ordinal)];
        return ReferenceEquals(AllSpends.Value.First(s => s.Name.StartsWith(template + "/", StringComparison.Ordinal)), spend);
    }

    /// <summary>
    /// Bits of a signature to flip: all of them for a representative spend (which covers the DER
    /// structure), otherwise every bit of the last byte (the hash type this spend differs by) plus 40
    /// more chosen by a generator seeded from the spend's name and item index (deterministic runs).
    /// </summary>
    private static IEnumerable<int> BitsToFlip(Spend spend, int index, int length)
    {
        var bits = length * 8;
        if (IsRepresentative(spend))
        {
            return Enumerable.Range(0, bits);
        }

        var chosen = new SortedSet<int>(Enumerable.Range(Math.Max(0, bits - 8), Math.Min(8, bits)));
        var seed = index;
        foreach (var c in spend.Name)
        {
            seed = unchecked((seed * 31) + c);
        }

        var random = new Random(seed);
        for (var i = 0; i < 40; i++)
        {
            chosen.Add(random.Next(bits));
        }

        return chosen;
    }

    [Fact]
    public void Every_template_has_exactly_one_representative_spend()
    {
        var templates = AllSpends.Value.Select(s => s.Name[..s.Name.IndexOf('/', StringComparison.Ordinal)]).Distinct().Count();
        Assert.Equal(templates, AllSpends.Value.Count(IsRepresentative));
    }

    [Theory]
    [MemberData(nameof(SpendNames))]
    public void Bit_flips_of_signatures_fail(string name)
    {
        var spend = Get(name);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        foreach (var (inWitness, index) in spend.Signatures)
        {
            var items = inWitness ? spend.Witness : spend.Pushes;
            // The flips are independent: verify them on all cores.
            Parallel.ForEach(BitsToFlip(spend, index, items[index].Length), bit =>
            {
                var mutated = items.Select(i => (byte[])i.Clone()).ToList();
                mutated[index][bit / 8] ^= (byte)(1 << (bit % 8));
                var tx = inWitness ? spend.Build(spend.Pushes, mutated) : spend.Build(mutated, spend.Witness);
                // Mandatory flags only: more flags can only reject more (Core's soft-fork property, also
                // checked over script_tests.json), so a failure here is a failure under Standard too.
                if (spend.Verify(tx, ScriptFlags.Mandatory) == ScriptError.OK)
                {
                    failures.Add($"{(inWitness ? "witness" : "scriptSig")}[{index}] bit {bit}");
                }
            });
        }

        Assert.True(failures.IsEmpty, "still valid after: " + string.Join(", ", failures.Order(StringComparer.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(SpendNames))]
    public void Bit_flips_in_keys_scripts_and_control_blocks_fail(string name)
    {
        var spend = Get(name);
        var failures = new List<string>();
        foreach (var inWitness in new[] { false, true })
        {
            var items = inWitness ? spend.Witness : spend.Pushes;
            for (var index = 0; index < items.Count; index++)
            {
                if (spend.Signatures.Contains((inWitness, index)))
                {
                    continue;
                }

                // Every 5th bit: a sample across the whole item.
                for (var bit = 0; bit < items[index].Length * 8; bit += 5)
                {
                    var mutated = items.Select(i => (byte[])i.Clone()).ToList();
                    mutated[index][bit / 8] ^= (byte)(1 << (bit % 8));
                    var tx = inWitness ? spend.Build(spend.Pushes, mutated) : spend.Build(mutated, spend.Witness);
                    if (spend.Verify(tx, ScriptFlags.Mandatory) == ScriptError.OK)
                    {
                        failures.Add($"{(inWitness ? "witness" : "scriptSig")}[{index}] bit {bit}");
                    }
                }
            }
        }

        // The spent scriptPubKey and amount are committed too.
        var valid = spend.Build(spend.Pushes, spend.Witness);
        var spk = spend.Spent[0].ScriptPubKey.ToBytes();
        for (var bit = 0; bit < spk.Length * 8; bit += 3)
        {
            var mutated = (byte[])spk.Clone();
            mutated[bit / 8] ^= (byte)(1 << (bit % 8));
            var spent = new List<TxOut>(spend.Spent) { [0] = spend.Spent[0] with { ScriptPubKey = new Script(mutated) } };
            if (spend.Verify(valid, ScriptFlags.Standard, spent) == ScriptError.OK)
            {
                failures.Add($"scriptPubKey bit {bit}");
            }
        }

        Assert.True(failures.Count == 0, "still valid after: " + string.Join(", ", failures));
    }

    [Theory]
    [MemberData(nameof(SpendNames))]
    public void Hash_types_commit_to_what_they_promise(string name)
    {
        var spend = Get(name);
        var valid = spend.Build(spend.Pushes, spend.Witness);
        var outputType = spend.HashType == 0 ? 1 : spend.HashType & 0x1f;
        var anyoneCanPay = (spend.HashType & 0x80) != 0;

        // Output 1 is committed only by ALL (and DEFAULT): input 0 with SINGLE commits to output 0 only.
        var otherOutput = valid.WithOutput(1, valid.Outputs[1] with { Value = Amount.FromSatoshis(74_000) });
        Assert.Equal(outputType == 1, spend.Verify(otherOutput, ScriptFlags.Standard) != ScriptError.OK);

        // Output 0 is committed by ALL and SINGLE.
        var firstOutput = valid.WithOutput(0, valid.Outputs[0] with { Value = Amount.FromSatoshis(89_000) });
        Assert.Equal(outputType != 2, spend.Verify(firstOutput, ScriptFlags.Standard) != ScriptError.OK);

        // The other input (and, for Taproot, its amount) is committed unless ANYONECANPAY.
        var otherInput = valid.WithInput(1, valid.Inputs[1] with { PrevOut = new OutPoint(valid.Inputs[1].PrevOut.TxId, 5) });
        Assert.Equal(!anyoneCanPay, spend.Verify(otherInput, ScriptFlags.Standard) != ScriptError.OK);

        // The lock time is always committed.
        Assert.NotEqual(ScriptError.OK, spend.Verify(valid.WithLockTime(new LockTime(800_001)), ScriptFlags.Standard));
    }
}
