using OPSource.Bitcoin.Tests.Sighash;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Taproot;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Tests.Taproot;

public class TaprootTests
{
    public static TheoryData<int> ScriptPubKeyCases()
    {
        var data = new TheoryData<int>();
        var count = SighashTests.Bip341()["scriptPubKey"]!.AsArray().Count;
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static void Flatten(JsonNode? node, int depth, List<(int Depth, int Id, Script Script, byte Version)> leaves)
    {
        switch (node)
        {
            case null:
                return;
            case JsonArray pair:
                Assert.Equal(2, pair.Count);
                Flatten(pair[0], depth + 1, leaves);
                Flatten(pair[1], depth + 1, leaves);
                return;
            default:
                leaves.Add((depth, node["id"]!.GetValue<int>(), Script.FromHex(node["script"]!.GetValue<string>()), (byte)node["leafVersion"]!.GetValue<int>()));
                return;
        }
    }

    [Theory]
    [MemberData(nameof(ScriptPubKeyCases))]
    public void Bip341_scriptPubKey_vectors(int index)
    {
        var v = SighashTests.Bip341()["scriptPubKey"]!.AsArray()[index]!;
        var internalKey = XOnlyPublicKey.Parse(Hex.Parse(v["given"]!["internalPubkey"]!.GetValue<string>()));
        var leaves = new List<(int Depth, int Id, Script Script, byte Version)>();
        var tree = v["given"]!["scriptTree"];
        Flatten(tree, tree is JsonArray ? 0 : 0, leaves);

        var builder = new TaprootBuilder();
        foreach (var l in leaves)
        {
            builder.AddLeaf(l.Depth, l.Script, l.Version);
        }

        Assert.True(builder.IsComplete);
        var info = builder.Finalize(internalKey);
        var im = v["intermediary"]!;
        var expected = v["expected"]!;

        if (im["leafHashes"] is JsonArray leafHashes)
        {
            foreach (var l in leaves)
            {
                Assert.Equal(leafHashes[l.Id]!.GetValue<string>(), TapLeafHash.Compute(l.Version, l.Script).ToString());
            }
        }

        var root = im["merkleRoot"]?.GetValue<string>();
        Assert.Equal(root, info.MerkleRoot is { } r ? Hex.Encode(r.ToBytes()) : null);
        Assert.Equal(im["tweak"]!.GetValue<string>(), Hex.Encode(info.Tweak));
        Assert.Equal(im["tweakedPubkey"]!.GetValue<string>(), Hex.Encode(info.OutputKey.ToBytes()));
        Assert.Equal(expected["scriptPubKey"]!.GetValue<string>(), info.ScriptPubKey.ToHex());
        Assert.Equal(expected["bip350Address"]!.GetValue<string>(), Bech32.EncodeSegwit("bc", 1, info.OutputKey.ToBytes()));

        if (expected["scriptPathControlBlocks"] is JsonArray blocks)
        {
            foreach (var l in leaves)
            {
                var expectedBlock = blocks[l.Id]!.GetValue<string>();
                Assert.True(info.TryGetControlBlock(l.Script, out var cb, l.Version));
                Assert.Equal(expectedBlock, cb.ToString());

                // Parse back, verify the commitment against the output key like Core's interpreter.
                var parsed = ControlBlock.Parse(Hex.Parse(expectedBlock));
                Assert.Equal(cb, parsed);
                Assert.Equal(l.Version, parsed.LeafVersion);
                var leafHash = TapLeafHash.Compute(l.Version, l.Script);
                Assert.True(parsed.VerifyCommitment(info.OutputKey.ToBytes(), leafHash));
                Assert.Equal(info.MerkleRoot, parsed.ComputeMerkleRoot(leafHash));
                Assert.False(parsed.VerifyCommitment(info.OutputKey.ToBytes(), TapLeafHash.Compute(l.Version, Script.FromHex("51"))));
            }

            // The same tree rebuilt from its depth-first list gives the same root.
            Assert.True(TapTree.TryCreate(leaves.Select(l => new TapTreeLeaf(l.Depth, l.Version, l.Script)), out var rebuilt, out var error), error?.Message);
            Assert.Equal(info.MerkleRoot, rebuilt.MerkleRoot);
        }
    }

    [Theory]
    [MemberData(nameof(SighashTests.Bip341KeyPathInputs), MemberType = typeof(SighashTests))]
    public void Bip341_key_path_signing(int txIndex, int inputCase)
    {
        var spending = SighashTests.Bip341()["keyPathSpending"]!.AsArray()[txIndex]!;
        var (tx, pre) = SighashTests.Bip341Tx(spending);
        var input = spending["inputSpending"]!.AsArray()[inputCase]!;
        var given = input["given"]!;
        var im = input["intermediary"]!;
        var index = given["txinIndex"]!.GetValue<int>();
        var hashType = (byte)given["hashType"]!.GetValue<int>();
        var merkleRoot = given["merkleRoot"]?.GetValue<string>() is { } mr ? new UInt256(Hex.Parse(mr)) : (UInt256?)null;

        using var secret = SecretKey.Create(Hex.Parse(given["internalPrivkey"]!.GetValue<string>()));
        Assert.Equal(im["internalPubkey"]!.GetValue<string>(), Hex.Encode(secret.XOnlyPublicKey.ToBytes()));
        var info = TaprootSpendInfo.Create(secret.XOnlyPublicKey, merkleRoot);
        Assert.Equal(im["tweak"]!.GetValue<string>(), Hex.Encode(info.Tweak));
        Assert.Equal(pre.SpentOutputs![index].ScriptPubKey, info.ScriptPubKey);

        using var tweaked = TaprootSpendInfo.TweakSecretKey(secret, merkleRoot);
        var tweakedBytes = new byte[32];
        tweaked.WriteTo(tweakedBytes);
        Assert.Equal(im["tweakedPrivkey"]!.GetValue<string>(), Hex.Encode(tweakedBytes));

        Span<byte> sighash = stackalloc byte[32];
        Assert.True(SighashTestHelpers.TryTaproot(tx, index, pre, hashType, [], [], SignatureHash.NoCodeSeparator, sighash));

        // BIP341 vectors sign with an all-zero aux_rand; the witness appends the hash type unless DEFAULT.
        var sig = Schnorr.Sign(tweaked, sighash, new byte[32]);
        var witness = hashType == 0 ? sig : [.. sig, hashType];
        var expected = input["expected"]!["witness"]!.AsArray();
        Assert.Single(expected);
        Assert.Equal(expected[0]!.GetValue<string>(), Hex.Encode(witness));
        Assert.True(Schnorr.Verify(sig, sighash, info.OutputKey));
    }

    [Fact]
    public void Hidden_subtrees_give_the_same_root_and_control_blocks()
    {
        var a = Script.FromHex("51");
        var b = Script.FromHex("52");
        var c = Script.FromHex("53");
        var key = XOnlyPublicKey.Parse(Hex.Parse("d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d"));
        var full = new TaprootBuilder().AddLeaf(1, a).AddLeaf(2, b).AddLeaf(2, c).Finalize(key);
        var bc = TapLeafHash.ComputeBranch(TapLeafHash.Compute(0xc0, b).Value, TapLeafHash.Compute(0xc0, c).Value);
        var partialBuilder = new TaprootBuilder().AddLeaf(1, a);
        Assert.True(partialBuilder.TryAddHidden(1, bc, out var error), error?.Message);
        Assert.True(partialBuilder.IsComplete);
        Assert.False(partialBuilder.TryBuildTree(out _, out _));
        var partial = partialBuilder.Finalize(key);
        Assert.Equal(full.MerkleRoot, partial.MerkleRoot);
        Assert.Equal(full.OutputKey, partial.OutputKey);
        Assert.Single(partial.Leaves);
        Assert.True(full.TryGetControlBlock(a, out var cbFull));
        Assert.True(partial.TryGetControlBlock(a, out var cbPartial));
        Assert.Equal(cbFull, cbPartial);
        Assert.False(partial.TryGetControlBlock(b, out _));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(34)]
    [InlineData(33 + (32 * 129))]
    [InlineData(0)]
    public void Control_block_size_rules(int size)
    {
        Assert.False(ControlBlock.TryParse(new byte[size], out _, out var error));
        Assert.Contains("33 + 32m", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_block_accepts_max_depth_and_keeps_raw_invalid_keys()
    {
        var data = new byte[33 + (32 * 128)];
        data[0] = 0xc1;
        data[1] = 0xff; // internal key bytes >= p: parse keeps them, key extraction fails
        for (var i = 2; i < 33; i++)
        {
            data[i] = 0xff;
        }

        var cb = ControlBlock.Parse(data);
        Assert.Equal(0xc0, cb.LeafVersion);
        Assert.True(cb.OutputKeyYIsOdd);
        Assert.Equal(128, cb.MerklePath.Count);
        Assert.False(cb.TryGetInternalKey(out _));
        Assert.Equal(data, cb.ToBytes());
        Assert.False(cb.VerifyCommitment(new byte[32], TapLeafHash.Compute(0xc0, Script.Empty)));
    }

    [Fact]
    public void Builder_rejects_non_dfs_orders_like_core()
    {
        // Two leaves at depth 0: the second would have to sit above the root.
        var two = new TaprootBuilder().AddLeaf(0, Script.Empty);
        Assert.True(two.IsComplete);
        Assert.False(two.TryAddLeaf(0, Script.Empty, 0xc0, out _));
        Assert.False(two.IsValid);

        // depth 2 then depth 0 while depth-1 sibling is missing.
        var b = new TaprootBuilder().AddLeaf(2, Script.Empty);
        Assert.False(b.TryAddLeaf(0, Script.Empty, 0xc0, out var error));
        Assert.Contains("depth-first", error?.Message, StringComparison.Ordinal);

        // Incomplete: a single leaf at depth 1.
        var incomplete = new TaprootBuilder().AddLeaf(1, Script.Empty);
        Assert.False(incomplete.IsComplete);
        Assert.False(incomplete.TryBuildTree(out _, out _));
        Assert.Throws<InvalidOperationException>(() => incomplete.Finalize(default));

        Assert.False(new TaprootBuilder().TryAddLeaf(0, Script.Empty, 0xc1, out error));
        Assert.Contains("odd", error?.Message, StringComparison.Ordinal);

        // A balanced 3-leaf tree: depths 1, 2, 2.
        var three = new TaprootBuilder().AddLeaf(1, Script.FromHex("51")).AddLeaf(2, Script.FromHex("52")).AddLeaf(2, Script.FromHex("53"));
        Assert.True(three.IsComplete);
        var h1 = TapLeafHash.Compute(0xc0, Script.FromHex("51")).Value;
        var h2 = TapLeafHash.Compute(0xc0, Script.FromHex("52")).Value;
        var h3 = TapLeafHash.Compute(0xc0, Script.FromHex("53")).Value;
        Assert.True(three.TryBuildTree(out var tree, out _));
        Assert.Equal(TapLeafHash.ComputeBranch(h1, TapLeafHash.ComputeBranch(h2, h3)), tree.MerkleRoot);
        Assert.Equal(TapLeafHash.ComputeBranch(h3, h2), TapLeafHash.ComputeBranch(h2, h3));
    }
}
