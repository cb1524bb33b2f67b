using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Taproot;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Consensus;

/// <summary>
/// BIP341/342 script-path rules through the full VerifyScript: real Taproot outputs are built with
/// our secp256k1 code, then control blocks, leaf versions, the annex and OP_SUCCESSx are varied.
/// Scripts here need no signatures, so the base checker (which fails every signature) is enough.
/// </summary>
public class TaprootScriptPathTests
{
    private const ScriptVerifyFlags Flags = ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS | ScriptVerifyFlags.TAPROOT;

    private sealed record Tree(byte[] ScriptPubKey, byte[] InternalKey, bool Parity, byte[][] Leaves, byte[] LeafVersions);

    private static readonly SignatureChecker NoSignatures = new();

    private static byte[] LeafHash(byte version, byte[] script)
    {
        var hash = new byte[32];
        TapLeafHash.Compute(version, script).WriteTo(hash);
        return hash;
    }

    private static byte[] Branch(byte[] a, byte[] b)
    {
        var pair = a.AsSpan().SequenceCompareTo(b) < 0 ? [.. a, .. b] : (byte[])[.. b, .. a];
        var hash = new byte[32];
        Hashes.TaggedHash("TapBranch", pair, hash);
        return hash;
    }

    /// <summary>A two-leaf tree: root = Branch(leaf0, leaf1).</summary>
    private static Tree Build(byte[] leaf0, byte[] leaf1, byte version0 = 0xc0, byte version1 = 0xc0)
    {
        using var secret = SecretKey.Create(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var p = secret.XOnlyPublicKey;
        var root = Branch(LeafHash(version0, leaf0), LeafHash(version1, leaf1));
        var tweak = new byte[32];
        Hashes.TaggedHash("TapTweak", [.. p.ToBytes(), .. root], tweak);
        Assert.True(p.TryAddTweak(tweak, out var q, out var parity));
        return new Tree([0x51, 0x20, .. q.ToBytes()], p.ToBytes(), parity, [leaf0, leaf1], [version0, version1]);
    }

    private static byte[] Control(Tree tree, int leaf, byte? versionOverride = null)
    {
        var sibling = LeafHash(tree.LeafVersions[1 - leaf], tree.Leaves[1 - leaf]);
        var version = versionOverride ?? tree.LeafVersions[leaf];
        return [(byte)(version | (tree.Parity ? 1 : 0)), .. tree.InternalKey, .. sibling];
    }

    private static ScriptError Verify(Tree tree, IEnumerable<byte[]> witness, ScriptVerifyFlags flags = Flags)
    {
        ScriptInterpreter.VerifyScript(ReadOnlyMemory<byte>.Empty, tree.ScriptPubKey, witness.Select(w => (ReadOnlyMemory<byte>)w).ToList(), flags, NoSignatures, out var error);
        return error;
    }

    private static readonly byte[] PushTrue = [0x51];
    private static readonly byte[] DropTrue = [0x75, 0x51]; // DROP 1

    [Fact]
    public void Both_leaves_of_a_valid_tree_spend()
    {
        var tree = Build(PushTrue, DropTrue);
        Assert.Equal(ScriptError.OK, Verify(tree, [PushTrue, Control(tree, 0)]));
        Assert.Equal(ScriptError.OK, Verify(tree, [[7], DropTrue, Control(tree, 1)]));
        // Implicit CLEANSTACK (BIP342) and a false result.
        Assert.Equal(ScriptError.CLEANSTACK, Verify(tree, [[7], PushTrue, Control(tree, 0)]));
        var withEmptyLeaf = Build(PushTrue, []);
        Assert.Equal(ScriptError.EVAL_FALSE, Verify(withEmptyLeaf, [[], [], Control(withEmptyLeaf, 1)]));
    }

    [Fact]
    public void Commitment_failures_are_witness_program_mismatch()
    {
        var tree = Build(PushTrue, DropTrue);
        var wrongParity = Control(tree, 0);
        wrongParity[0] ^= 1;
        Assert.Equal(ScriptError.WITNESS_PROGRAM_MISMATCH, Verify(tree, [PushTrue, wrongParity]));
        var wrongKey = Control(tree, 0);
        wrongKey[5] ^= 1;
        Assert.Equal(ScriptError.WITNESS_PROGRAM_MISMATCH, Verify(tree, [PushTrue, wrongKey]));
        var wrongPath = Control(tree, 0);
        wrongPath[40] ^= 1;
        Assert.Equal(ScriptError.WITNESS_PROGRAM_MISMATCH, Verify(tree, [PushTrue, wrongPath]));
        // Another script than the committed one.
        Assert.Equal(ScriptError.WITNESS_PROGRAM_MISMATCH, Verify(tree, [[0x52], Control(tree, 0)]));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(34)]
    [InlineData(64)]
    [InlineData(33 + (32 * 129))]
    public void Control_block_size_must_be_33_plus_32k_up_to_128_nodes(int size)
    {
        var tree = Build(PushTrue, DropTrue);
        var control = new byte[size];
        Control(tree, 0).AsSpan(0, Math.Min(size, 65)).CopyTo(control);
        Assert.Equal(ScriptError.TAPROOT_WRONG_CONTROL_SIZE, Verify(tree, [PushTrue, control]));
    }

    [Fact]
    public void Unknown_leaf_versions_succeed_unless_discouraged()
    {
        // Leaf version 0xc2 with a script that would fail as tapscript.
        var tree = Build([0x6a], DropTrue, version0: 0xc2);
        Assert.Equal(ScriptError.OK, Verify(tree, [[0x6a], Control(tree, 0)]));
        Assert.Equal(ScriptError.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
            Verify(tree, [[0x6a], Control(tree, 0)], Flags | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION));
        // The version is committed: claiming 0xc0 for the same script breaks the commitment.
        Assert.Equal(ScriptError.WITNESS_PROGRAM_MISMATCH, Verify(tree, [[0x6a], Control(tree, 0, versionOverride: 0xc0)]));
    }

    [Fact]
    public void Op_success_overrides_everything_unless_discouraged()
    {
        // OP_SUCCESS80 (0x50) after OP_RETURN, and OP_SUCCESS187 (0xbb) in an unexecuted branch.
        byte[] success80 = [0x6a, 0x50];
        byte[] success187 = [0x00, 0x63, 0xbb, 0x68];
        var tree = Build(success80, success187);
        Assert.Equal(ScriptError.OK, Verify(tree, [success80, Control(tree, 0)]));
        Assert.Equal(ScriptError.OK, Verify(tree, [success187, Control(tree, 1)]));
        Assert.Equal(ScriptError.DISCOURAGE_OP_SUCCESS, Verify(tree, [success80, Control(tree, 0)], Flags | ScriptVerifyFlags.DISCOURAGE_OP_SUCCESS));
        // It even lifts the 520-byte element and 1000-element stack limits.
        Assert.Equal(ScriptError.OK, Verify(tree, [new byte[521], success80, Control(tree, 0)]));
        Assert.Equal(ScriptError.OK, Verify(tree, [.. Enumerable.Repeat(Array.Empty<byte>(), 1001), success80, Control(tree, 0)]));
    }

    [Fact]
    public void Op_success_needs_the_script_to_decode_up_to_it()
    {
        // A truncated push before OP_SUCCESS: BAD_OPCODE; after it: success.
        byte[] badFirst = [0x4c];
        byte[] successFirst = [0x50, 0x4c];
        var tree = Build(badFirst, successFirst);
        Assert.Equal(ScriptError.BAD_OPCODE, Verify(tree, [badFirst, Control(tree, 0)]));
        Assert.Equal(ScriptError.OK, Verify(tree, [successFirst, Control(tree, 1)]));
    }

    [Fact]
    public void Initial_stack_and_element_limits_apply_without_op_success()
    {
        var tree = Build(DropTrue, PushTrue);
        Assert.Equal(ScriptError.PUSH_SIZE, Verify(tree, [new byte[521], DropTrue, Control(tree, 0)]));
        Assert.Equal(ScriptError.OK, Verify(tree, [new byte[520], DropTrue, Control(tree, 0)]));
        Assert.Equal(ScriptError.STACK_SIZE, Verify(tree, [.. Enumerable.Repeat(Array.Empty<byte>(), 1001), DropTrue, Control(tree, 0)]));
    }

    [Fact]
    public void Annex_is_removed_from_the_witness_before_the_script_path()
    {
        var tree = Build(PushTrue, DropTrue);
        byte[] annex = [0x50, 1, 2, 3];
        Assert.Equal(ScriptError.OK, Verify(tree, [PushTrue, Control(tree, 0), annex]));
        Assert.Equal(ScriptError.OK, Verify(tree, [[9], DropTrue, Control(tree, 1), annex]));
        // Without the 0x50 tag the last item is the control block candidate: wrong size.
        Assert.Equal(ScriptError.TAPROOT_WRONG_CONTROL_SIZE, Verify(tree, [PushTrue, Control(tree, 0), [0x51, 1, 2, 3]]));
        // A lone 0x50 item is not an annex: it is a (bad) key-path signature.
        Assert.Equal(ScriptError.SCHNORR_SIG, Verify(tree, [annex]));
    }

    [Fact]
    public void Witness_v1_edge_cases()
    {
        var tree = Build(PushTrue, DropTrue);
        Assert.Equal(ScriptError.WITNESS_PROGRAM_WITNESS_EMPTY, Verify(tree, []));
        // Before Taproot activation v1 programs are anyone-can-spend.
        Assert.Equal(ScriptError.OK, Verify(tree, [], ScriptVerifyFlags.P2SH | ScriptVerifyFlags.WITNESS));
        // Other v1 sizes are unencumbered, except under DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM.
        var other = tree with { ScriptPubKey = [0x51, 0x1f, .. Enumerable.Repeat((byte)7, 31)] };
        Assert.Equal(ScriptError.OK, Verify(other, []));
        Assert.Equal(ScriptError.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, Verify(other, [], Flags | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM));
        // Pay-to-anchor is not discouraged.
        var anchor = tree with { ScriptPubKey = [0x51, 0x02, 0x4e, 0x73] };
        Assert.Equal(ScriptError.OK, Verify(anchor, [], Flags | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM));
    }

    [Fact]
    public void Taproot_inside_p2sh_is_not_taproot()
    {
        var tree = Build(PushTrue, DropTrue);
        var redeem = tree.ScriptPubKey;
        var hash = new byte[20];
        Hashes.Hash160(redeem, hash);
        byte[] p2sh = [0xa9, 0x14, .. hash, 0x87];
        byte[] scriptSig = [(byte)redeem.Length, .. redeem];
        var witness = new List<ReadOnlyMemory<byte>> { PushTrue, Control(tree, 0) };
        Assert.True(ScriptInterpreter.VerifyScript(scriptSig, p2sh, witness, Flags, NoSignatures, out _));
        Assert.False(ScriptInterpreter.VerifyScript(scriptSig, p2sh, witness, Flags | ScriptVerifyFlags.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, NoSignatures, out var error));
        Assert.Equal(ScriptError.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM, error);
    }
}
