using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Transactions;
using OPSource.TestSupport;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public sealed class ConsensusCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-consensus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The BIP341 vector's fully signed 9-input transaction (Taproot, P2PKH, P2WPKH...) and its prevouts.</summary>
    private static (string TxHex, JsonArray Prevouts) SignedVector()
    {
        using var doc = JsonDocument.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "bip341_wallet_vectors.json"));
        var spending = doc.RootElement.GetProperty("keyPathSpending")[0];
        var hex = spending.GetProperty("auxiliary").GetProperty("fullySignedTx").GetString()!;
        var tx = Transaction.Parse(hex);
        var utxos = spending.GetProperty("given").GetProperty("utxosSpent");
        var prevouts = new JsonArray();
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            prevouts.Add(new JsonObject
            {
                ["txid"] = tx.Inputs[i].PrevOut.TxId.ToString(),
                ["vout"] = tx.Inputs[i].PrevOut.Index,
                ["scriptPubKey"] = utxos[i].GetProperty("scriptPubKey").GetString(),
                ["amount"] = utxos[i].GetProperty("amountSats").GetInt64(),
            });
        }

        return (hex, prevouts);
    }

    private static string TamperFirstWitness(string hex)
    {
        var tx = Transaction.Parse(hex);
        var sig = tx.Inputs[0].Witness[0].ToArray();
        sig[10] ^= 1;
        return tx.WithWitness(0, Witness.Create(sig)).ToHex();
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Verify_accepts_a_valid_transaction()
    {
        var (hex, prevouts) = SignedVector();
        var (code, output, _) = await Run("consensus", "verify", "--tx", hex, "--prevouts", WriteFile("p.json", prevouts.ToJsonString()), "--json");
        Assert.Equal(0, code);
        Assert.True((bool)JsonNode.Parse(output)!["ok"]!);
        (code, output, _) = await Run("consensus", "verify", "--tx", hex, "--prevouts", WriteFile("p.json", prevouts.ToJsonString()));
        Assert.Equal(0, code);
        Assert.Contains("valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_reports_the_failing_input_and_core_error()
    {
        var (hex, prevouts) = SignedVector();
        var (code, output, error) = await Run("consensus", "verify", "--tx", TamperFirstWitness(hex), "--prevouts", WriteFile("p.json", prevouts.ToJsonString()), "--json");
        // docs/consensus.md: invalid is a user error: exit 1, the result on stdout, one line on stderr.
        Assert.Equal(1, code);
        Assert.Equal("error: input 0 failed: SCHNORR_SIG", error.TrimEnd());
        var json = JsonNode.Parse(output)!;
        Assert.False((bool)json["ok"]!);
        Assert.Equal(0, (int)json["input"]!);
        Assert.Equal("SCHNORR_SIG", (string?)json["error"]);
        // Under pre-Taproot flags the tampered Taproot input is unencumbered and the rest verifies.
        (code, _, _) = await Run("consensus", "verify", "--tx", TamperFirstWitness(hex), "--prevouts", WriteFile("p.json", prevouts.ToJsonString()), "--flags", "P2SH,DERSIG,WITNESS");
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task Verify_invalid_without_json_prints_the_summary_then_one_stderr_line()
    {
        var (hex, prevouts) = SignedVector();
        var (code, output, error) = await Run("consensus", "verify", "--tx", TamperFirstWitness(hex), "--prevouts", WriteFile("p.json", prevouts.ToJsonString()));
        Assert.Equal(1, code);
        Assert.Equal("invalid: input 0 fails with SCHNORR_SIG", output.TrimEnd());
        Assert.Equal("error: input 0 failed: SCHNORR_SIG", error.TrimEnd());

        // A CheckTransaction failure names no input.
        var tx = Transaction.Parse(hex);
        var duplicate = tx.WithInput(1, tx.Inputs[0]).ToHex();
        var duplicatePrevouts = JsonNode.Parse(prevouts.ToJsonString())!.AsArray();
        duplicatePrevouts[1] = duplicatePrevouts[0]!.DeepClone();
        (code, output, error) = await Run("consensus", "verify", "--tx", duplicate, "--prevouts", WriteFile("d.json", duplicatePrevouts.ToJsonString()), "--json");
        Assert.Equal(1, code);
        Assert.Equal("bad-txns-inputs-duplicate", (string?)JsonNode.Parse(output)!["error"]);
        Assert.Equal("error: transaction failed: bad-txns-inputs-duplicate", error.TrimEnd());
    }

    [Fact]
    public async Task Verify_batch_reads_json_lines_from_stdin()
    {
        var (hex, prevouts) = SignedVector();
        var good = new JsonObject { ["tx"] = hex, ["prevouts"] = JsonNode.Parse(prevouts.ToJsonString()) }.ToJsonString();
        var bad = new JsonObject { ["tx"] = TamperFirstWitness(hex), ["prevouts"] = JsonNode.Parse(prevouts.ToJsonString()) }.ToJsonString();
        var stdin = good + "\n\n" + bad + "\nnot json\n";
        foreach (var args in new[] { new[] { "consensus", "verify-batch" }, new[] { "consensus", "verify-batch", "--input", "-" } })
        {
            var (code, output, error) = await RunWithInput(stdin, args);
            Assert.Equal(0, code);
            Assert.Equal(string.Empty, error);
            var results = output.Trim().Split('\n').Select(l => JsonNode.Parse(l)!).ToArray();
            Assert.Equal(3, results.Length);
            Assert.Equal("{\"ok\":true}", results[0].ToJsonString());
            Assert.Equal("{\"ok\":false,\"input\":0,\"error\":\"SCHNORR_SIG\"}", results[1].ToJsonString());
            Assert.StartsWith("line: invalid JSON", (string?)results[2]["error"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verify_input_errors_are_one_line_user_errors()
    {
        var (hex, prevouts) = SignedVector();
        var path = WriteFile("p.json", prevouts.ToJsonString());
        var (code, _, error) = await Run("consensus", "verify", "--tx", "zz", "--prevouts", path);
        Assert.Equal(1, code);
        Assert.StartsWith("error: tx:", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));

        (code, _, error) = await Run("consensus", "verify", "--tx", hex, "--prevouts", path, "--flags", "P2SH,NOPE");
        Assert.Equal(1, code);
        Assert.Contains("NOPE", error, StringComparison.Ordinal);

        var swapped = JsonNode.Parse(prevouts.ToJsonString())!.AsArray();
        (swapped[0], swapped[1]) = (swapped[1]!.DeepClone(), swapped[0]!.DeepClone());
        (code, _, error) = await Run("consensus", "verify", "--tx", hex, "--prevouts", WriteFile("s.json", swapped.ToJsonString()));
        Assert.Equal(1, code);
        Assert.Contains("prevouts[0]", error, StringComparison.Ordinal);

        (code, _, error) = await Run("consensus", "verify", "--tx", hex, "--prevouts", Path.Combine(_dir, "missing.json"));
        Assert.Equal(1, code);
        Assert.Contains("prevouts", error, StringComparison.Ordinal);

        (code, _, error) = await Run("consensus", "verify", "--tx", hex, "--prevouts", WriteFile("bad.json", "{not json"));
        Assert.Equal(1, code);
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_batch_writes_one_result_per_line_and_keeps_going()
    {
        var (hex, prevouts) = SignedVector();
        var tx = Transaction.Parse(hex);
        var duplicate = tx.WithInput(1, tx.Inputs[0]).ToHex();
        var duplicatePrevouts = JsonNode.Parse(prevouts.ToJsonString())!.AsArray();
        duplicatePrevouts[1] = duplicatePrevouts[0]!.DeepClone();
        string Line(string t, JsonArray p, string? flags = null)
        {
            var o = new JsonObject { ["tx"] = t, ["prevouts"] = JsonNode.Parse(p.ToJsonString()) };
            if (flags is not null)
            {
                o["flags"] = flags;
            }

            return o.ToJsonString();
        }

        var lines = new[]
        {
            Line(hex, prevouts),
            Line(TamperFirstWitness(hex), prevouts),
            "this is not json",
            "",
            "{\"prevouts\": []}",
            Line(hex, prevouts, "P2SH,WITNESS,TAPROOT"),
            Line(hex, prevouts, "BOGUS"),
            Line(duplicate, duplicatePrevouts),
            "[1,2,3]",
            Line(hex, new JsonArray()),
        };
        var (code, output, _) = await Run("consensus", "verify-batch", "--input", WriteFile("batch.jsonl", string.Join('\n', lines)));
        Assert.Equal(0, code);
        var results = output.Trim().Split('\n').Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(9, results.Length);
        Assert.True((bool)results[0]["ok"]!);
        Assert.Equal("{\"ok\":false,\"input\":0,\"error\":\"SCHNORR_SIG\"}", results[1].ToJsonString());
        Assert.StartsWith("line: invalid JSON", (string?)results[2]["error"], StringComparison.Ordinal);
        Assert.StartsWith("tx:", (string?)results[3]["error"], StringComparison.Ordinal);
        Assert.True((bool)results[4]["ok"]!);
        Assert.Contains("BOGUS", (string?)results[5]["error"], StringComparison.Ordinal);
        Assert.Equal("bad-txns-inputs-duplicate", (string?)results[6]["error"]);
        Assert.StartsWith("line: expected a JSON object", (string?)results[7]["error"], StringComparison.Ordinal);
        Assert.StartsWith("prevouts:", (string?)results[8]["error"], StringComparison.Ordinal);
        Assert.All(results.Where((_, i) => i is not (0 or 4)), r => Assert.False((bool)r["ok"]!));
    }

    [Fact]
    public void Random_lines_never_crash_the_batch_parser()
    {
        var random = new Random(7);
        var (hex, prevouts) = SignedVector();
        var valid = new JsonObject { ["tx"] = hex, ["prevouts"] = JsonNode.Parse(prevouts.ToJsonString()) }.ToJsonString();
        for (var i = 0; i < 300; i++)
        {
            var chars = valid.ToCharArray();
            for (var k = 0; k < 1 + random.Next(4); k++)
            {
                chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
            }

            var result = Commands.ConsensusCommand.VerifyLine(new string(chars));
            Assert.NotNull(result["ok"]);
        }

        Assert.False((bool)Commands.ConsensusCommand.VerifyLine("{\"tx\":\"00\",\"tx\":\"00\"}")["ok"]!);
    }
}
