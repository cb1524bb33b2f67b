using System.Text.Json.Nodes;

using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public class DescriptorCommandTests
{
    // BIP382 vector: wpkh over an xpub with origin, ranged; scripts for indexes 0..2 from the vector file.
    private const string RangedWpkh = "wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)";
    private const string Xpub = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH";

    [Fact]
    public async Task Derive_range_lists_scripts_and_addresses()
    {
        var (code, output, err) = await Run("descriptor", "derive", RangedWpkh, "--range", "0-2", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        var outputs = json["paths"]![0]!["outputs"]!.AsArray();
        Assert.Equal(3, outputs.Count);
        Assert.Equal("0014326b2249e3a25d5dc60935f044ee835d090ba859", (string?)outputs[0]!["script_pubkey"]);
        Assert.Equal("0014af0bd98abc2f2cae66e36896a39ffe2d32984fb7", (string?)outputs[1]!["script_pubkey"]);
        Assert.Equal("00141fa798efd1cbf95cebf912c031b8a4a6e9fb9f27", (string?)outputs[2]!["script_pubkey"]);
        Assert.Equal(2u, (uint)outputs[2]!["index"]!);
        Assert.StartsWith("bc1q", (string?)outputs[0]!["address"], StringComparison.Ordinal);
        Assert.True((bool)json["is_range"]!);
    }

    [Fact]
    public async Task Derive_on_regtest_uses_regtest_addresses()
    {
        // The vector's key as a tpub: test networks take tpub/tprv (Core key_io.cpp DecodeExtPubKey).
        var tpub = OPSource.Bitcoin.Keys.ExtPubKey.Parse(Xpub).ToString(OPSource.Bitcoin.Network.Regtest);
        var (code, output, err) = await Run("descriptor", "derive", RangedWpkh.Replace(Xpub, tpub, StringComparison.Ordinal), "--json", "--network", "regtest");
        Assert.True(code == 0, err);
        Assert.StartsWith("bcrt1q", (string?)JsonNode.Parse(output)!["paths"]![0]!["outputs"]![0]!["address"], StringComparison.Ordinal);

        // The mainnet xpub itself is refused on regtest, naming the version it expects.
        AssertOneLineError(await Run("descriptor", "derive", RangedWpkh, "--network", "regtest"), "which uses tpub");
    }

    [Fact]
    public async Task Derive_multipath_gives_one_list_per_path()
    {
        var desc = $"wpkh({Xpub}/<0;1>/*)";
        var (code, output, err) = await Run("descriptor", "derive", desc, "--range", "0-1", "--json");
        Assert.True(code == 0, err);
        var paths = JsonNode.Parse(output)!["paths"]!.AsArray();
        Assert.Equal(2, paths.Count);
        Assert.Contains($"{Xpub}/0/*", (string?)paths[0]!["descriptor"], StringComparison.Ordinal);
        Assert.Contains($"{Xpub}/1/*", (string?)paths[1]!["descriptor"], StringComparison.Ordinal);
        Assert.Equal(2, paths[1]!["outputs"]!.AsArray().Count);
        Assert.NotEqual((string?)paths[0]!["outputs"]![0]!["script_pubkey"], (string?)paths[1]!["outputs"]![0]!["script_pubkey"]);
    }

    [Fact]
    public async Task Human_output_has_one_line_per_output()
    {
        var (code, output, _) = await Run("descriptor", "derive", "raw(deadbeef)");
        Assert.Equal(0, code);
        Assert.Equal("0\tdeadbeef\t-", output.Trim());
    }

    [Fact]
    public async Task Checksum_matches_bip380_vector()
    {
        var (code, output, _) = await Run("descriptor", "checksum", "raw(deadbeef)", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("89f8spxm", (string?)json["checksum"]);
        Assert.Equal("raw(deadbeef)#89f8spxm", (string?)json["descriptor"]);
    }

    [Fact]
    public async Task Info_reports_type_range_and_public_form_without_private_keys()
    {
        var (code, output, _) = await Run("descriptor", "info", "wpkh(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1)", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output)!;
        Assert.Equal("wpkh", (string?)json["type"]);
        Assert.False((bool)json["isrange"]!);
        Assert.True((bool)json["hasprivatekeys"]!);
        Assert.StartsWith("wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)#", (string?)json["descriptor"], StringComparison.Ordinal);
        Assert.DoesNotContain("L4rK1y", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_normalizes_hardened_xprv_paths_to_a_derivable_xpub()
    {
        // BIP381 vector: pkh(xprv.../2147483647'/0) derives 76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac.
        var (code, output, err) = await Run("descriptor", "info", "pkh(xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/2147483647'/0)", "--json");
        Assert.True(code == 0, err);
        var normalized = (string)JsonNode.Parse(output)!["normalized_descriptor"]!;
        // Core descriptor_tests.cpp line 556: the normalised form writes the hardened step as 'h' whatever the input used.
        Assert.StartsWith("pkh([bd16bee5/2147483647h]xpub69H7F5dQzmVd3vPuLKtcXJziMEQByuDidnX3YdwgtNsecY5HRGtAAQC5mXTt4dsv9RzyjgDjAQs9VGVV6ydYCHnprc9vvaA5YtqWyL6hyds/0)#", normalized, StringComparison.Ordinal);
        var derive = await Run("descriptor", "derive", normalized, "--json");
        Assert.Equal("76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac", (string?)JsonNode.Parse(derive.Out)!["paths"]![0]!["outputs"]![0]!["script_pubkey"]);
    }

    [Theory]
    [InlineData("derive", "wsh(wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd))", "wpkh()")]
    [InlineData("info", "raw(deedbeef)#89f8spxm", "checksum")]
    [InlineData("derive", "pk(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1/0)", "WIF")]
    [InlineData("checksum", "raw(Ü)", "character set")]
    public async Task Bad_input_exits_1_with_one_line_naming_the_problem(string sub, string descriptor, string expected)
    {
        var (code, _, err) = await Run("descriptor", sub, descriptor);
        Assert.Equal(1, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("L4rK1y", err, StringComparison.Ordinal);
    }

    // Core key_io.cpp DecodeSecret: a WIF key must carry the --network's version byte.
    [Theory]
    [InlineData("derive", "regtest", "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1", "is for mainnet (version byte 0x80), but the descriptor is parsed for regtest")]
    [InlineData("info", "testnet", "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1", "is for mainnet (version byte 0x80), but the descriptor is parsed for testnet")]
    [InlineData("derive", "mainnet", "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "is for the test networks (testnet, testnet4, signet, regtest) (version byte 0xef), but the descriptor is parsed for mainnet")]
    [InlineData("info", "mainnet", "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", "is for the test networks")]
    public async Task Wif_for_another_network_is_rejected_without_echoing_the_key(string sub, string network, string wif, string expected)
    {
        var (code, output, err) = await Run("descriptor", sub, $"wpkh({wif})", "--network", network);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("descriptor: wpkh(): WIF private key at position 5 " + expected, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain(wif[..10], err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wif_for_the_selected_network_derives()
    {
        // cUeKHd5... is a regtest/testnet WIF (version byte 0xef); the key is 02..., its P2WPKH on regtest starts bcrt1q.
        var (code, output, err) = await Run("descriptor", "derive", "wpkh(cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N)", "--network", "regtest", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.StartsWith("bcrt1q", (string?)json["paths"]![0]!["outputs"]![0]!["address"], StringComparison.Ordinal);
        Assert.DoesNotContain("cUeKHd5", output, StringComparison.Ordinal);

        var info = await Run("descriptor", "info", "wpkh(cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N)", "--network", "signet", "--json");
        Assert.True(info.Code == 0, info.Err);
        Assert.Equal("signet", (string?)JsonNode.Parse(info.Out)!["network"]);
        Assert.True((bool)JsonNode.Parse(info.Out)!["hasprivatekeys"]!);
    }

    [Theory]
    [InlineData("5-1")]
    [InlineData("a-b")]
    [InlineData("0-2147483648")]
    [InlineData("0-200000")]
    public async Task Bad_range_is_a_user_error(string range)
    {
        var (code, _, err) = await Run("descriptor", "derive", RangedWpkh, "--range", range);
        Assert.Equal(1, code);
        Assert.Contains("--range", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hardened_step_below_an_xpub_is_a_typed_user_error()
    {
        var hardened = RangedWpkh.Replace("/1/2/*", "/1h/2/*", StringComparison.Ordinal);
        AssertOneLineError(await Run("descriptor", "derive", hardened), "cannot derive a hardened step below an extended public key");
        AssertOneLineError(await Run("descriptor", "derive", hardened, "--json"), "without its private key (BIP32)");
    }
}
