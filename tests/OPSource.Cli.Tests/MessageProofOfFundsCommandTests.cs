using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Taproot;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource message sign|verify --utxos FILE</c>: BIP322 proofs of funds.</summary>
public sealed class MessageProofOfFundsCommandTests : IDisposable
{
    // BIP322 vector keys: the address key and two UTXO keys.
    private const string AddressWif = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k";
    private const string P2wpkh = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l";
    private const string UtxoWif1 = "L1eU4opKaCpK3Pu3jp1yvNnCmfAFtgKcmdgapcuGPqB3fwANGTWT";
    private const string UtxoWif2 = "Kx9Wif4uxmADZ46YBfXwDST1ZkAZFkiRzpPbK3orYGSqaEJPZLKh";
    private const string Txid1 = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Txid2 = "2222222222222222222222222222222222222222222222222222222222222222";

    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-pof-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string P2wpkhScript(string wif)
    {
        using var key = Wif.Parse(wif);
        return new Script(Address.P2wpkh(key.PrivateKey.PublicKey, Network.Mainnet).ScriptPubKeyBytes).ToHex();
    }

    private static string P2trScript(string wif)
    {
        using var key = Wif.Parse(wif);
        return TaprootSpendInfo.Create(key.PrivateKey.XOnlyPublicKey).ScriptPubKey.ToHex();
    }

    private string WriteUtxos(string name, long amount1 = 150_000, long amount2 = 2_500_000, bool both = true)
    {
        var array = new JsonArray
        {
            new JsonObject { ["txid"] = Txid1, ["vout"] = 0, ["scriptPubKey"] = P2wpkhScript(UtxoWif1), ["amount"] = amount1 },
        };
        if (both)
        {
            array.Add(new JsonObject { ["txid"] = Txid2, ["vout"] = 3, ["scriptPubKey"] = P2trScript(UtxoWif2), ["amount"] = amount2 });
        }

        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, array.ToJsonString());
        return path;
    }

    private async Task<string> SignProof(string utxos)
    {
        var (code, output, err) = await Run("message", "sign", "--wif", AddressWif, "--wif", UtxoWif1, "--wif", UtxoWif2,
            "--address", P2wpkh, "--utxos", utxos, "reserves", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("bip322-proof-of-funds", (string?)json["format"]);
        Assert.Equal(2, (int)json["utxos"]!);
        Assert.Equal(2_650_000L, (long)json["amount_sat"]!);
        foreach (var wif in new[] { AddressWif, UtxoWif1, UtxoWif2 })
        {
            Assert.DoesNotContain(wif[..10], output, StringComparison.Ordinal);
        }

        var signature = (string)json["signature"]!;
        Assert.StartsWith("pof", signature, StringComparison.Ordinal);
        return signature;
    }

    [Fact]
    public async Task Sign_then_verify_with_the_utxo_file()
    {
        var utxos = WriteUtxos("utxos.json");
        var signature = await SignProof(utxos);

        var (code, output, err) = await Run("message", "verify", P2wpkh, signature, "reserves", "--utxos", utxos, "--format", "proof-of-funds", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("valid", (string?)json["state"]);
        Assert.Equal("bip322-proof-of-funds", (string?)json["format"]);
        Assert.Equal(2_650_000L, (long)json["amount_sat"]!);
        Assert.Equal([$"{Txid1}:0", $"{Txid2}:3"], json["utxos"]!.AsArray().Select(n => (string)n!));

        var human = await Run("message", "verify", P2wpkh, signature, "reserves", "--utxos", utxos);
        Assert.Equal(0, human.Code);
        Assert.Equal($"valid: proof of funds by {P2wpkh} for 2 UTXO(s), 0.02650000 BTC", human.Out.Trim());
    }

    [Fact]
    public async Task Verify_without_utxos_is_inconclusive_and_wrong_utxos_are_invalid()
    {
        var signature = await SignProof(WriteUtxos("utxos.json"));
        var inconclusive = await Run("message", "verify", P2wpkh, signature, "reserves");
        AssertOneLineError(inconclusive, "bip322: inconclusive: proof of funds spends 2 UTXO(s)");
        Assert.StartsWith("inconclusive: ", inconclusive.Out, StringComparison.Ordinal);

        // Issue 9: with --json a negative result still prints its JSON, and keeps exit code 1.
        var json = await Run("message", "verify", P2wpkh, signature, "reserves", "--json");
        Assert.Equal(1, json.Code);
        var result = JsonNode.Parse(json.Out)!;
        Assert.False((bool)result["valid"]!);
        Assert.Equal("inconclusive", (string?)result["state"]);
        Assert.StartsWith("bip322: inconclusive: ", (string?)result["reason"], StringComparison.Ordinal);
        var invalid = await Run("message", "verify", P2wpkh, signature, "other message", "--utxos", WriteUtxos("utxos3.json"), "--json");
        Assert.Equal(1, invalid.Code);
        Assert.Equal("invalid", (string?)JsonNode.Parse(invalid.Out)!["state"]);
        AssertOneLineError(await Run("message", "verify", P2wpkh, signature, "reserves", "--utxos", WriteUtxos("amount.json", amount2: 2_500_001)),
            "input 2: the PSBT's UTXO for");
        AssertOneLineError(await Run("message", "verify", P2wpkh, signature, "reserves", "--utxos", WriteUtxos("one.json", both: false)),
            $"input 2 spends {Txid2}:3, which is not in the supplied UTXO set");
        AssertOneLineError(await Run("message", "verify", P2wpkh, signature, "other message", "--utxos", WriteUtxos("utxos2.json")), "invalid signature");
    }

    [Theory]
    [InlineData("[{\"txid\":\"11\",\"vout\":0,\"scriptPubKey\":\"00\",\"amount\":1}]", "utxos[0].txid")]
    [InlineData("[{\"txid\":\"1111111111111111111111111111111111111111111111111111111111111111\",\"vout\":-1,\"scriptPubKey\":\"00\",\"amount\":1}]", "utxos[0].vout")]
    [InlineData("[{\"txid\":\"1111111111111111111111111111111111111111111111111111111111111111\",\"vout\":0,\"scriptPubKey\":\"0g\",\"amount\":1}]", "utxos[0].scriptPubKey")]
    [InlineData("[{\"txid\":\"1111111111111111111111111111111111111111111111111111111111111111\",\"vout\":0,\"scriptPubKey\":\"00\",\"amount\":0.5}]", "utxos[0].amount")]
    [InlineData("{}", "expected a JSON array")]
    [InlineData("[", "not valid JSON")]
    public async Task Bad_utxo_files_are_one_line_errors(string content, string expected)
    {
        var path = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        AssertOneLineError(await Run("message", "verify", P2wpkh, "pofcHNidP8=", "m", "--utxos", path), expected);
        AssertOneLineError(await Run("message", "sign", "--wif", AddressWif, "--address", P2wpkh, "--utxos", path, "m"), expected);
    }

    [Fact]
    public async Task Option_combinations_are_checked_without_echoing_keys()
    {
        var utxos = WriteUtxos("utxos.json");
        var results = new[]
        {
            (await Run("message", "sign", "--wif", AddressWif, "--address", P2wpkh, "--utxos", utxos, "--format", "simple", "m"), "--utxos is only for --format proof-of-funds"),
            (await Run("message", "sign", "--wif", AddressWif, "--address", P2wpkh, "--format", "proof-of-funds", "m"), "needs --utxos"),
            (await Run("message", "sign", "--wif", AddressWif, "--wif", UtxoWif1, "--address", P2wpkh, "m"), "several only for a proof of funds"),
            (await Run("message", "sign", "--wif", AddressWif, "--wif", UtxoWif1, "--address", P2wpkh, "--utxos", utxos, "m"), "no key given controls UTXO 1"),
            (await Run("message", "sign", "--wif", AddressWif, "--address", P2wpkh, "--utxos", Path.Combine(_dir, "missing.json"), "m"), "utxos: cannot read"),
        };
        foreach (var (result, expected) in results)
        {
            AssertOneLineError(result, expected);
            Assert.DoesNotContain(AddressWif[..10], result.Err, StringComparison.Ordinal);
            Assert.DoesNotContain(UtxoWif1[..10], result.Err, StringComparison.Ordinal);
        }
    }
}
