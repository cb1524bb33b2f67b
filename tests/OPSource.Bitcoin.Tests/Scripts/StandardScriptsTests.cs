using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;

namespace OPSource.Bitcoin.Tests.Scripts;

public class StandardScriptsTests
{
    private const string CompressedKey = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    private const string UncompressedKey = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

    [Theory]
    [InlineData("21" + CompressedKey + "ac", ScriptTemplate.PubKey)]
    [InlineData("41" + UncompressedKey + "ac", ScriptTemplate.PubKey)]
    [InlineData("2105" + "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac", ScriptTemplate.NonStandard)]
    [InlineData("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", ScriptTemplate.PubKeyHash)]
    [InlineData("a914751e76e8199196d454941c45d1b3a323f1433bd687", ScriptTemplate.ScriptHash)]
    [InlineData("0014751e76e8199196d454941c45d1b3a323f1433bd6", ScriptTemplate.WitnessV0KeyHash)]
    [InlineData("00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", ScriptTemplate.WitnessV0ScriptHash)]
    [InlineData("0015751e76e8199196d454941c45d1b3a323f1433bd600", ScriptTemplate.NonStandard)]
    [InlineData("5120712447206d7a5238acc7ff53fbe94a3b64539ad291c7cdbc490b7577e4b17df5", ScriptTemplate.WitnessV1Taproot)]
    [InlineData("51024e73", ScriptTemplate.Anchor)]
    [InlineData("5210751e76e8199196d454941c45d1b3a323", ScriptTemplate.WitnessUnknown)]
    [InlineData("6a", ScriptTemplate.NullData)]
    [InlineData("6a0401020304", ScriptTemplate.NullData)]
    [InlineData("6a61", ScriptTemplate.NonStandard)]
    [InlineData("5121" + CompressedKey + "21" + CompressedKey + "52ae", ScriptTemplate.Multisig)]
    [InlineData("5121" + CompressedKey + "21" + CompressedKey + "53ae", ScriptTemplate.NonStandard)]
    [InlineData("5221" + CompressedKey + "51ae", ScriptTemplate.NonStandard)]
    [InlineData("51", ScriptTemplate.NonStandard)]
    public void Solver_classifies_like_core(string hex, ScriptTemplate expected)
    {
        Assert.Equal(expected, StandardScripts.Detect(Script.FromHex(hex)));
    }

    [Fact]
    public void Builders_produce_templates_that_solve_back()
    {
        var hash20 = Hex.Parse("751e76e8199196d454941c45d1b3a323f1433bd6");
        var hash32 = new byte[32];
        hash32[0] = 7;
        var key = Hex.Parse(CompressedKey);
        Assert.Equal("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", StandardScripts.PayToPubKeyHash(hash20).ToHex());
        Assert.Equal("a914751e76e8199196d454941c45d1b3a323f1433bd687", StandardScripts.PayToScriptHash(hash20).ToHex());
        Assert.Equal("0014751e76e8199196d454941c45d1b3a323f1433bd6", StandardScripts.PayToWitnessPubKeyHash(hash20).ToHex());
        Assert.Equal(ScriptTemplate.WitnessV0ScriptHash, StandardScripts.Detect(StandardScripts.PayToWitnessScriptHash(hash32)));
        Assert.Equal(ScriptTemplate.WitnessV1Taproot, StandardScripts.Detect(StandardScripts.PayToTaproot(hash32)));
        Assert.Equal(ScriptTemplate.PubKey, StandardScripts.Detect(StandardScripts.PayToPubKey(key)));
        Assert.Equal(ScriptTemplate.Anchor, StandardScripts.Detect(StandardScripts.PayToAnchor()));
        Assert.Equal("6a0568656c6c6f", StandardScripts.NullData(System.Text.Encoding.ASCII.GetBytes("hello")).ToHex());

        var ms = StandardScripts.Multisig(2, [key, Hex.Parse(UncompressedKey), key]);
        var solved = StandardScripts.Solve(ms);
        Assert.Equal(ScriptTemplate.Multisig, solved.Template);
        Assert.Equal(2, solved.RequiredSignatures);
        Assert.Equal(3, solved.Solutions.Count);
        Assert.Equal(UncompressedKey, Hex.Encode(solved.Solutions[1].Span));

        var p2wsh = StandardScripts.PayToWitnessScriptHash(ms);
        var m = StandardScripts.Solve(p2wsh);
        Assert.Equal(0, m.WitnessVersion);
        Assert.Equal(OPSource.Crypto.Hashes.Sha256(ms.Span), m.Solutions[0].ToArray());

        Assert.Throws<ArgumentException>(() => StandardScripts.PayToPubKeyHash(hash32));
        Assert.Throws<ArgumentException>(() => StandardScripts.Multisig(3, [key, key]));
        Assert.Throws<ArgumentException>(() => StandardScripts.WitnessProgram(1, [1]));
    }

    [Fact]
    public void Typed_key_builders_match_byte_builders()
    {
        var key = OPSource.Crypto.Secp256k1.PublicKey.Parse(Hex.Parse(CompressedKey));
        Assert.Equal("21" + CompressedKey + "ac", StandardScripts.PayToPubKey(key).ToHex());
        Assert.Equal("41" + UncompressedKey + "ac", StandardScripts.PayToPubKey(key, compressed: false).ToHex());
        // HASH160 of the generator point G (compressed) is 751e76e8...; uncompressed is 91b24bf9...
        Assert.Equal("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac", StandardScripts.PayToPubKeyHash(key).ToHex());
        Assert.Equal("76a91491b24bf9f5288532960ac687abb035127b1d28a588ac", StandardScripts.PayToPubKeyHash(key, compressed: false).ToHex());
        Assert.Equal("0014751e76e8199196d454941c45d1b3a323f1433bd6", StandardScripts.PayToWitnessPubKeyHash(key).ToHex());
        var xonly = key.ToXOnly(out _);
        Assert.Equal("5120" + CompressedKey[2..], StandardScripts.PayToTaproot(xonly).ToHex());
    }

    [Fact]
    public void Multisig_with_20_keys_via_number_push()
    {
        var keys = Enumerable.Repeat((ReadOnlyMemory<byte>)Hex.Parse(CompressedKey), 20).ToArray();
        var script = StandardScripts.Multisig(17, keys);
        Assert.StartsWith("0111", script.ToHex(), StringComparison.Ordinal);
        var solved = StandardScripts.Solve(script);
        Assert.Equal(ScriptTemplate.Multisig, solved.Template);
        Assert.Equal(17, solved.RequiredSignatures);
        Assert.Equal(20, solved.Solutions.Count);
    }
}
