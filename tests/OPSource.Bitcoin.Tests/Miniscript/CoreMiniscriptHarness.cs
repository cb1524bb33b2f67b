using System.Buffers.Binary;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Miniscript;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.MiniscriptTests;

/// <summary>Core src/test/miniscript_tests.cpp TESTMODE_* flags (lines 425-440).</summary>
[Flags]
public enum TestMode
{
    Invalid = 0,
    Valid = 1,
    NonMal = 2,
    NeedSig = 4,
    TimelockMix = 8,
    P2WshInvalid = 16,
    TapscriptInvalid = 32,
}

/// <summary>One Test(...) call of Core's miniscript_tests.cpp, with the line it is transcribed from.</summary>
public sealed record CoreMiniscriptCase(int Line, string Ms, string HexScript, string HexTapscript, TestMode Mode,
    int OpsLimit = -1, int StackLimit = -1, long? MaxWitSize = null, long? MaxTapWitSize = null, long? StackExec = null)
{
    public override string ToString() => $"line {Line}: {(Ms.Length > 60 ? Ms[..57] + "..." : Ms)}";
}

/// <summary>
/// Core's TestData (miniscript_tests.cpp lines 30-103): 255 keys with private keys 1..255, their
/// ECDSA and BIP340 signatures over one constant message, and the four hashes of the 32-byte
/// preimages 0..0i.
/// </summary>
internal sealed class CoreTestData
{
    public static readonly Lazy<CoreTestData> Instance = new(() => new CoreTestData());

    public readonly List<PublicKey> PubKeys = [];
    public readonly Dictionary<string, byte[]> EcdsaSignatures = new(StringComparer.Ordinal);
    public readonly Dictionary<string, byte[]> SchnorrSignatures = new(StringComparer.Ordinal);
    public readonly Dictionary<string, byte[]> Preimages = new(StringComparer.Ordinal);

    private CoreTestData()
    {
        var message = Hex.Parse("0000000000000000f5cd94e18b6fe77dd7aca9e35c2b0c9cbd86356c80a71065");
        for (var i = 1; i <= 255; i++)
        {
            var keyData = new byte[32];
            keyData[31] = (byte)i;
            using var key = SecretKey.Create(keyData);
            var pub = key.PublicKey;
            PubKeys.Add(pub);
            EcdsaSignatures[Hex.Encode(pub.ToCompressed())] = [.. Ecdsa.Sign(key, message).ToDer(), 1];
            SchnorrSignatures[Hex.Encode(pub.ToXOnly(out _).ToBytes())] = [.. Schnorr.Sign(key, message, new byte[32]), 1];
            var h32 = new byte[32];
            var h20 = new byte[20];
            Hashes.Sha256(keyData, h32);
            Preimages["sha256:" + Hex.Encode(h32)] = keyData;
            Hashes.Hash256(keyData, h32);
            Preimages["hash256:" + Hex.Encode(h32)] = keyData;
            Hashes.Ripemd160(keyData, h20);
            Preimages["ripemd160:" + Hex.Encode(h20)] = keyData;
            Hashes.Hash160(keyData, h20);
            Preimages["hash160:" + Hex.Encode(h20)] = keyData;
        }
    }
}

internal enum ChallengeType
{
    Sha256,
    Ripemd160,
    Hash256,
    Hash160,
    Older,
    After,
    Pk,
}

/// <summary>Core's Satisfier (lines 203-258): only "supported" challenges are available; timelocks match exactly.</summary>
internal sealed class CoreSatisfier(MiniscriptContext context) : MiniscriptSatisfier<PublicKey>
{
    public HashSet<(ChallengeType, uint)> Supported { get; } = [];

    public MiniscriptContext Context { get; } = context;

    public override IMiniscriptKeyEncoder<PublicKey> Encoder => MiniscriptPublicKeys.Default;

    public static uint ChallengeNumber(PublicKey key) => BinaryPrimitives.ReadUInt32LittleEndian(key.ToCompressed().AsSpan(29));

    public static uint ChallengeNumber(ReadOnlySpan<byte> hash) => BinaryPrimitives.ReadUInt32LittleEndian(hash);

    public override bool CheckAfter(uint value) => Supported.Contains((ChallengeType.After, value));

    public override bool CheckOlder(uint value) => Supported.Contains((ChallengeType.Older, value));

    public override MiniscriptAvailability Sign(PublicKey key, out byte[] signature)
    {
        signature = [];
        if (!Supported.Contains((ChallengeType.Pk, ChallengeNumber(key))))
        {
            return MiniscriptAvailability.No;
        }

        var data = CoreTestData.Instance.Value;
        var found = Context == MiniscriptContext.Tapscript
            ? data.SchnorrSignatures.TryGetValue(Hex.Encode(key.ToXOnly(out _).ToBytes()), out var sig)
            : data.EcdsaSignatures.TryGetValue(Hex.Encode(key.ToCompressed()), out sig);
        if (!found)
        {
            return MiniscriptAvailability.No;
        }

        signature = sig!;
        return MiniscriptAvailability.Yes;
    }

    public override MiniscriptAvailability SatisfySha256(ReadOnlySpan<byte> hash, out byte[] preimage) => SatHash(hash, "sha256:", ChallengeType.Sha256, out preimage);

    public override MiniscriptAvailability SatisfyRipemd160(ReadOnlySpan<byte> hash, out byte[] preimage) => SatHash(hash, "ripemd160:", ChallengeType.Ripemd160, out preimage);

    public override MiniscriptAvailability SatisfyHash256(ReadOnlySpan<byte> hash, out byte[] preimage) => SatHash(hash, "hash256:", ChallengeType.Hash256, out preimage);

    public override MiniscriptAvailability SatisfyHash160(ReadOnlySpan<byte> hash, out byte[] preimage) => SatHash(hash, "hash160:", ChallengeType.Hash160, out preimage);

    private MiniscriptAvailability SatHash(ReadOnlySpan<byte> hash, string kind, ChallengeType type, out byte[] preimage)
    {
        preimage = [];
        if (!Supported.Contains((type, ChallengeNumber(hash))) || !CoreTestData.Instance.Value.Preimages.TryGetValue(kind + Hex.Encode(hash), out var found))
        {
            return MiniscriptAvailability.No;
        }

        preimage = found;
        return MiniscriptAvailability.Yes;
    }
}

/// <summary>Core's TestSignatureChecker (lines 260-301): signatures must equal the precomputed ones; timelocks ask the satisfier.</summary>
internal sealed class CoreTestChecker(CoreSatisfier satisfier) : SignatureChecker
{
    public override bool CheckEcdsaSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> scriptCode, SigVersion sigVersion) =>
        PublicKey.TryParse(publicKey, out var key)
        && CoreTestData.Instance.Value.EcdsaSignatures.TryGetValue(Hex.Encode(key.ToCompressed()), out var sig)
        && publicKey.Length == 33 && signature.SequenceEqual(sig);

    public override bool CheckSchnorrSignature(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, SigVersion sigVersion, ScriptExecutionData executionData, out ScriptError error)
    {
        error = ScriptError.SCHNORR_SIG;
        return CoreTestData.Instance.Value.SchnorrSignatures.TryGetValue(Hex.Encode(publicKey), out var sig) && signature.SequenceEqual(sig);
    }

    public override bool CheckLockTime(ScriptNumber lockTime) => satisfier.CheckAfter((uint)lockTime.Value);

    public override bool CheckSequence(ScriptNumber sequence) => satisfier.CheckOlder((uint)sequence.Value);
}

/// <summary>Core's Test() and TestSatisfy() (miniscript_tests.cpp lines 325-500), run through our interpreter.</summary>
internal static class CoreMiniscriptHarness
{
    // BIP341 NUMS point H (Core XOnlyPubKey::NUMS_H), the dummy internal key of Core's Tapscript tests.
    private static readonly XOnlyPublicKey NumsH = XOnlyPublicKey.Parse(Hex.Parse("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0"));

    public static void Run(CoreMiniscriptCase c, Random rng)
    {
        RunContext(c, MiniscriptContext.P2Wsh, c.HexScript, c.MaxWitSize, rng);
        RunContext(c, MiniscriptContext.Tapscript, c.HexTapscript == "=" ? c.HexScript : c.HexTapscript, c.MaxTapWitSize, rng);
    }

    private static readonly Lazy<MiniscriptPublicKeys> KnownKeys = new(() => new MiniscriptPublicKeys(CoreTestData.Instance.Value.PubKeys));

    private static void RunContext(CoreMiniscriptCase c, MiniscriptContext ctx, string hexscript, long? maxWitSize, Random rng)
    {
        var tap = ctx == MiniscriptContext.Tapscript;
        // Core's KeyConverter resolves pk_h hashes among the 255 test keys.
        var keys = KnownKeys.Value;
        var parsed = Miniscripts.TryParse(c.Ms, ctx, out var node, out var error, MiniscriptChecks.Syntax);
        if (c.Mode == TestMode.Invalid || (c.Mode.HasFlag(TestMode.P2WshInvalid) && !tap) || (c.Mode.HasFlag(TestMode.TapscriptInvalid) && tap))
        {
            Assert.True(!parsed || !node!.IsValid, $"{c} ({ctx}): unexpectedly valid");
            return;
        }

        Assert.True(parsed, $"{c} ({ctx}): unparseable: {error}");
        Assert.True(node!.IsValid, $"{c} ({ctx}): invalid");
        Assert.True(node.IsValidTopLevel, $"{c} ({ctx}): invalid top level");
        var script = node.ToScript(keys);
        Assert.Equal(node.ScriptSize, script.Length);
        if (hexscript != "?")
        {
            Assert.Equal(hexscript, script.ToHex());
        }

        Assert.True(node.IsNonMalleable == c.Mode.HasFlag(TestMode.NonMal), $"{c} ({ctx}): malleability mismatch");
        Assert.True(node.NeedsSignature == c.Mode.HasFlag(TestMode.NeedSig), $"{c} ({ctx}): signature necessity mismatch");
        Assert.True(node.CheckTimeLocksMix == !c.Mode.HasFlag(TestMode.TimelockMix), $"{c} ({ctx}): timelock mix mismatch");
        Assert.True(Miniscripts.TryFromScript(script, ctx, keys, out var inferred, out var decodeError), $"{c} ({ctx}): cannot infer miniscript from script: {decodeError}");
        Assert.Equal(script, inferred!.ToScript(keys));
        if (c.OpsLimit != -1)
        {
            Assert.Equal(c.OpsLimit, node.MaxOps);
        }

        if (c.StackLimit != -1)
        {
            Assert.Equal(c.StackLimit, node.MaxStackSize);
        }

        if (maxWitSize is { } w)
        {
            Assert.Equal((int?)w, node.MaxWitnessSize);
        }

        if (c.StackExec is { } e)
        {
            Assert.Equal((int?)e, node.MaxExecStackSize);
        }

        TestSatisfy(node, ctx, script, rng);
    }

    /// <summary>All challenges in a miniscript (Core FindChallenges).</summary>
    public static HashSet<(ChallengeType, uint)> FindChallenges(MiniscriptNode<PublicKey> root)
    {
        var set = new HashSet<(ChallengeType, uint)>();
        foreach (var node in root.Nodes())
        {
            foreach (var key in node.Keys)
            {
                set.Add((ChallengeType.Pk, CoreSatisfier.ChallengeNumber(key)));
            }

            switch (node.Fragment)
            {
                case Fragment.Older: set.Add((ChallengeType.Older, node.K)); break;
                case Fragment.After: set.Add((ChallengeType.After, node.K)); break;
                case Fragment.Sha256: set.Add((ChallengeType.Sha256, CoreSatisfier.ChallengeNumber(node.Data.Span))); break;
                case Fragment.Ripemd160: set.Add((ChallengeType.Ripemd160, CoreSatisfier.ChallengeNumber(node.Data.Span))); break;
                case Fragment.Hash256: set.Add((ChallengeType.Hash256, CoreSatisfier.ChallengeNumber(node.Data.Span))); break;
                case Fragment.Hash160: set.Add((ChallengeType.Hash160, CoreSatisfier.ChallengeNumber(node.Data.Span))); break;
            }
        }

        return set;
    }

    public static void TestSatisfy(MiniscriptNode<PublicKey> node, MiniscriptContext ctx, Script script, Random rng)
    {
        var tap = ctx == MiniscriptContext.Tapscript;
        var challenges = FindChallenges(node).ToList();
        Script spk;
        byte[]? controlBlock = null;
        if (tap)
        {
            // Core: a tree with one script and the NUMS internal key.
            var info = new TaprootBuilder().AddLeaf(0, script).Finalize(NumsH);
            spk = info.ScriptPubKey;
            Assert.True(info.TryGetControlBlock(script, out var cb));
            controlBlock = cb!.ToBytes();
        }
        else
        {
            spk = StandardScripts.PayToWitnessScriptHash(script);
        }

        for (var iter = 0; iter < 3; iter++)
        {
            Shuffle(challenges, rng);
            var satisfier = new CoreSatisfier(ctx);
            var checker = new CoreTestChecker(satisfier);
            bool prevMal = false, prevNonMal = false;
            for (var add = -1; add < challenges.Count; add++)
            {
                if (add >= 0)
                {
                    satisfier.Supported.Add(challenges[add]);
                }

                var mal = node.Satisfy(satisfier, nonMalleable: false);
                var nonMal = node.Satisfy(satisfier, nonMalleable: true);
                var malOk = mal.Availability == MiniscriptAvailability.Yes;
                var nonMalOk = nonMal.Availability == MiniscriptAvailability.Yes;
                if (nonMalOk)
                {
                    Assert.True(nonMal.Stack.Count + 1 + (tap ? 1 : 0) <= node.MaxStackSize + 1 + (tap ? 1 : 0));
                    Assert.True(malOk);
                    Assert.Equal(Hexes(nonMal.Stack), Hexes(mal.Stack));
                    Assert.True(nonMal.Size <= node.MaxWitnessSize, $"witness {nonMal.Size} above the bound {node.MaxWitnessSize}");
                    var ok = Verify(nonMal.Stack, script, controlBlock, spk, checker, out var serror);
                    if (node.ValidSatisfactions)
                    {
                        Assert.True(ok, $"non-malleable satisfaction failed: {serror}");
                    }

                    Assert.True(ok || (!node.CheckOpsLimit() && serror == ScriptError.OP_COUNT) || (!node.CheckStackSize() && serror == ScriptError.STACK_SIZE), $"failed with {serror}");
                }

                if (malOk && (!nonMalOk || !Hexes(mal.Stack).SequenceEqual(Hexes(nonMal.Stack))))
                {
                    var ok = Verify(mal.Stack, script, controlBlock, spk, checker, out var serror);
                    Assert.True(ok || serror == ScriptError.OP_COUNT || serror == ScriptError.STACK_SIZE, $"malleable satisfaction failed with {serror}");
                }

                if (node.IsSane)
                {
                    Assert.Equal(malOk, nonMalOk);
                }

                // Adding conditions never removes a satisfaction (for non-malleable ones: only keys, unless sane).
                Assert.True(!prevMal || malOk);
                if (node.IsSane || add < 0 || challenges[add].Item1 == ChallengeType.Pk)
                {
                    Assert.True(!prevNonMal || nonMalOk);
                }

                prevMal = malOk;
                prevNonMal = nonMalOk;
            }

            var satisfiable = node.IsSatisfiable(_ => true);
            Assert.Equal(satisfiable, prevMal);
            if (node.IsSane)
            {
                Assert.Equal(satisfiable, prevNonMal);
            }
        }
    }

    private static bool Verify(IReadOnlyList<byte[]> stack, Script script, byte[]? controlBlock, Script spk, SignatureChecker checker, out ScriptError error)
    {
        var items = stack.Select(s => (ReadOnlyMemory<byte>)s).ToList();
        items.Add(script.ToBytes());
        if (controlBlock is not null)
        {
            items.Add(controlBlock);
        }

        return ScriptInterpreter.VerifyScript(Script.Empty, spk, new Witness(items), ScriptFlags.Standard, checker, out error);
    }

    private static List<string> Hexes(IReadOnlyList<byte[]> stack) => [.. stack.Select(b => Hex.Encode(b))];

    private static void Shuffle<T>(List<T> list, Random rng)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
