using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OPSource.TestSupport;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary><c>opsource oracle ...</c> and <c>opsource dlc message ...</c> through the real CLI (own data dir, dlcspecs vectors).</summary>
public sealed class DlcCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-dlc-").FullName;

    public DlcCommandTests()
    {
        // The key-store passphrase from a file (a cheap KDF for the test).
        File.WriteAllText(Path.Combine(_dataDir, "dlc-passphrase"), "a passphrase for the cli test\n");
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), new JsonObject
        {
            ["Dlc"] = new JsonObject { ["PassphraseFile"] = "dlc-passphrase", ["KdfMemoryKiB"] = 8192, ["KdfPasses"] = 1 },
        }.ToJsonString());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<(int Code, string Out, string Err)> Cli(params string[] args) => Run([.. args, "--data-dir", _dataDir, "--network", "regtest"]);

    [Fact]
    public async Task Oracle_announces_attests_once_and_refuses_a_different_second_outcome()
    {
        var announced = await Cli("oracle", "announce", "match-42", "--outcomes", "home,draw,away", "--json");
        Assert.True(announced.Code == 0, announced.Err);
        var e = JsonNode.Parse(announced.Out)!;
        Assert.Equal("match-42", (string)e["event_id"]!);
        Assert.Equal("enum", (string)e["descriptor"]!["kind"]!);
        Assert.StartsWith("fdd824", (string)e["announcement"]!, StringComparison.Ordinal);

        // The announcement decodes as one (the message tool refuses it as a contract message with one line).
        AssertOneLineError(await Cli("dlc", "message", "decode", (string)e["announcement"]!), "error:");

        var attested = await Cli("oracle", "attest", "match-42", "draw");
        Assert.True(attested.Code == 0, attested.Err);
        Assert.StartsWith("fdd868", attested.Out.Trim(), StringComparison.Ordinal);
        // The same outcome again returns the same attestation; another outcome is refused.
        Assert.Equal(attested.Out, (await Cli("oracle", "attest", "match-42", "draw")).Out);
        AssertOneLineError(await Cli("oracle", "attest", "match-42", "away"), "already attested");
        AssertOneLineError(await Cli("oracle", "attest", "match-42", "nobody"), "error:");
        AssertOneLineError(await Cli("oracle", "attest", "no-such-event", "draw"), "no-such-event");

        var shown = JsonNode.Parse((await Cli("oracle", "show", "match-42", "--json")).Out)!;
        Assert.Equal("draw", (string)shown["outcome"]!);
        Assert.Equal(attested.Out.Trim(), (string)shown["attestation"]!);
        var list = JsonNode.Parse((await Cli("oracle", "list", "--json")).Out)!;
        Assert.Contains("match-42", list.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_tools_round_trip_and_verify_a_dlcspecs_vector_and_report_a_broken_signature()
    {
        var vector = JsonNode.Parse(Vectors.ReadText("dlc", "dlcspecs", "test_vectors", "single_oracle_numerical_test.json"))!;
        var offerHex = (string)vector["offer_message"]!["serialized"]!;
        var acceptHex = (string)vector["accept_message"]!["serialized"]!;
        var signHex = (string)vector["sign_message"]!["serialized"]!;

        var decoded = await RunWithInput(offerHex, "dlc", "message", "decode", "-");
        Assert.True(decoded.Code == 0, decoded.Err);
        Assert.True(JsonNode.DeepEquals(vector["offer_message"]!["message"], JsonNode.Parse(decoded.Out)), "decode: not the vector's JSON");
        var encoded = await RunWithInput(decoded.Out, "dlc", "message", "encode", "-");
        Assert.Equal(offerHex, encoded.Out.Trim());

        var files = new[] { ("offer", offerHex), ("accept", acceptHex), ("sign", signHex) }.Select(f =>
        {
            var path = Path.Combine(_dataDir, f.Item1 + ".hex");
            File.WriteAllText(path, f.Item2);
            return "@" + path;
        }).ToArray();
        var ok = await Run("dlc", "message", "verify", files[0], files[1], files[2], "--json", "--network", "regtest");
        Assert.True(ok.Code == 0, ok.Err);
        var report = JsonNode.Parse(ok.Out)!;
        Assert.True((bool)report["valid"]!);
        Assert.True((int)report["adaptor_signature_count"]! > 0);

        // One bit of the accepter's refund signature flipped: the report names the check, exit 1 with one line.
        var accept = vector["accept_message"]!["message"]!.DeepClone().AsObject();
        var refund = (string)accept["refundSignature"]!;
        accept["refundSignature"] = refund[..^2] + (refund[^2..] == "00" ? "01" : "00");
        var broken = await RunWithInput(accept.ToJsonString(), "dlc", "message", "verify", files[0], "-", "--json", "--network", "regtest");
        Assert.Equal(1, broken.Code);
        Assert.False((bool)JsonNode.Parse(broken.Out)!["valid"]!);
        AssertOneLineError(broken, "refund");

        AssertOneLineError(await Run("dlc", "message", "decode", "zz"), "hex");
    }
}
