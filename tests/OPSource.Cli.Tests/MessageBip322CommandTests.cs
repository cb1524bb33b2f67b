using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

// BIP322 additions to `opsource message sign|verify` (descriptors branch).
public class MessageBip322CommandTests
{
    // BIP322 basic vectors: key, its P2WPKH address and Core's low-R simple signature of "Hello World".
    private const string Wif = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k";
    private const string P2wpkh = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
    private const string HelloSig = "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=";

    [Fact]
    public async Task Sign_for_segwit_address_defaults_to_bip322_simple_matching_the_bip_vector()
    {
        var (code, output, err) = await Run("message", "sign", "--wif", Wif, "--address", P2wpkh, "Hello World", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("bip322-simple", (string?)json["format"]);
        Assert.Equal("smp" + HelloSig, (string?)json["signature"]);
    }

    [Fact]
    public async Task Verify_accepts_prefixed_and_unprefixed_simple_signatures()
    {
        foreach (var sig in new[] { HelloSig, "smp" + HelloSig })
        {
            var (code, output, err) = await Run("message", "verify", P2wpkh, sig, "Hello World", "--json");
            Assert.True(code == 0, err);
            Assert.Equal("bip322-simple", (string?)JsonNode.Parse(output)!["format"]);
        }

        AssertOneLineError(await Run("message", "verify", P2wpkh, HelloSig, "Hello World!"), "invalid signature");
    }

    [Theory]
    [InlineData("p2wpkh", "simple")]
    [InlineData("p2sh-p2wpkh", "simple")]
    [InlineData("p2tr", "simple")]
    [InlineData("p2tr", "full")]
    [InlineData("p2pkh", "full")]
    [InlineData("p2pkh", "legacy")]
    public async Task Sign_then_verify_round_trips_for_each_address_type(string type, string format)
    {
        var (code, output, err) = await Run("message", "sign", "--wif", Wif, "--address-type", type, "--format", format, "msg", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        var address = (string)json["address"]!;
        var signature = (string)json["signature"]!;
        var verify = await Run("message", "verify", address, signature, "msg", "--format", format, "--json");
        Assert.True(verify.Code == 0, verify.Err);
        Assert.EndsWith(format, (string?)JsonNode.Parse(verify.Out)!["format"], StringComparison.Ordinal);
        AssertOneLineError(await Run("message", "verify", address, signature, "other"), format == "legacy" ? "does not match" : "invalid signature");
    }

    [Fact]
    public async Task Simple_format_for_p2pkh_and_wrong_key_are_user_errors_without_echoing_the_key()
    {
        var p2pkh = await Run("message", "sign", "--wif", Wif, "--format", "simple", "m");
        AssertOneLineError(p2pkh, "P2PKH");
        var other = await Run("message", "sign", "--wif", Wif, "--address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "m");
        AssertOneLineError(other, "does not control");
        Assert.DoesNotContain(Wif[..10], p2pkh.Err + other.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_format_mismatch_and_garbage_are_one_line_errors()
    {
        AssertOneLineError(await Run("message", "verify", P2wpkh, HelloSig, "Hello World", "--format", "full"), "not bip322-full");
        AssertOneLineError(await Run("message", "verify", P2wpkh, "fooAA==", "x"), "base64");
        AssertOneLineError(await Run("message", "verify", P2wpkh, "", "x"), "too short");
    }
}
