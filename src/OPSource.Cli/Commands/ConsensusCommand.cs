using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource consensus verify</c> and <c>verify-batch</c>: offline checks, with OPSource's
/// Core-compatible interpreter, that a transaction spends the outputs it claims (docs/consensus.md).
/// </summary>
internal static partial class ConsensusCommand
{
    [System.Text.RegularExpressions.GeneratedRegex("Key: (?<key>[^ ]*)")]
    private static partial System.Text.RegularExpressions.Regex DuplicateKey();

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("consensus", "Verify transactions against the outputs they spend (Bitcoin Core rules)");
        command.Add(CreateVerify(globals, output, error));
        command.Add(CreateVerifyBatch(globals, output, error));
        return command;
    }

    private static Option<string?> FlagsOption() => new("--flags")
    {
        Description = "Comma-separated script verification flags (default: all standard flags)",
    };

    private static Command CreateVerify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var tx = new Option<string>("--tx") { Description = "The spending transaction, hex" + CliInput.Hint, Required = true };
        var prevouts = new Option<string>("--prevouts") { Description = "The spent outputs in input order, JSON [{\"txid\",\"vout\",\"scriptPubKey\",\"amount\"(sat)}]: a file path, @FILE, '-' or the JSON itself", Required = true };
        var flags = FlagsOption();
        var command = new Command("verify", "Verify every input of one transaction; exit 1 when an input fails (the result is still printed)") { tx, prevouts, flags }
            .WithExamples(
                "opsource consensus verify --tx 0200000001... --prevouts prevouts.json",
                "opsource consensus verify --tx @spend.hex --prevouts - --flags P2SH,WITNESS,TAPROOT < prevouts.json --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var prevoutsJson = SpentOutputsJson.Read(ctx, parse.GetValue(prevouts)!, "--prevouts");
            var result = Verify(CliInput.Text(ctx, parse.GetValue(tx), "--tx"), prevoutsJson, parse.GetValue(flags));
            var ok = (bool)result["ok"]!;
            ctx.WriteResult(result, w =>
            {
                if (ok)
                {
                    w.WriteLine("valid: every input verifies");
                }
                else if (result["input"] is { } input)
                {
                    w.WriteLine($"invalid: input {(int)input} fails with {(string?)result["error"]}");
                }
                else
                {
                    w.WriteLine($"invalid: {(string?)result["error"]}");
                }
            });
            if (ok)
            {
                return CliApp.ExitOk;
            }

            // docs/consensus.md: an invalid transaction is a user error (exit 1, one line on stderr),
            // reported after the result itself so scripts still get the JSON on stdout.
            ctx.Error.WriteLine(result["input"] is { } failed
                ? $"error: input {(int)failed} failed: {(string?)result["error"]}"
                : $"error: transaction failed: {(string?)result["error"]}");
            return CliApp.ExitUserError;
        }, ct));
        return command;
    }

    private static Command CreateVerifyBatch(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var input = new Option<string>("--input")
        {
            Description = "Read JSON lines from this file instead of stdin ('-' is stdin)",
            DefaultValueFactory = _ => "-",
        };
        var command = new Command("verify-batch", "Verify JSON lines {\"tx\",\"prevouts\",\"flags\"} from stdin; one JSON result line each") { input }
            .WithExamples("opsource consensus verify-batch < lines.jsonl", "opsource consensus verify-batch --input lines.jsonl > results.jsonl");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var path = parse.GetValue(input)!;
            TextReader reader;
            try
            {
                reader = path == "-" ? ctx.In : new StreamReader(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUserException($"input: cannot read '{path}': {ex.Message}", ex);
            }

            try
            {
                string? line;
                while ((line = await reader.ReadLineAsync(token).ConfigureAwait(false)) is not null)
                {
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }

                    var result = VerifyLine(line);
                    await ctx.Out.WriteLineAsync(result.ToJsonString()).ConfigureAwait(false);
                }
            }
            finally
            {
                if (!ReferenceEquals(reader, ctx.In))
                {
                    reader.Dispose();
                }
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>One batch line to one result object; malformed lines become {"ok":false,"error":...}.</summary>
    internal static JsonObject VerifyLine(string line)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(line);
        }
        catch (JsonException ex)
        {
            return Failure("line: invalid JSON: " + SpentOutputsJson.DescribeJsonError(ex));
        }

        if (node is not JsonObject request)
        {
            return Failure("line: expected a JSON object {\"tx\", \"prevouts\", \"flags\"}");
        }

        try
        {
            var tx = request["tx"] is JsonValue txValue && txValue.TryGetValue<string>(out var hex)
                ? hex
                : throw new CliUserException("tx: missing or not a string");
            string? flags = null;
            if (request["flags"] is { } flagsNode)
            {
                flags = flagsNode is JsonValue fv && fv.TryGetValue<string>(out var f) ? f : throw new CliUserException("flags: not a string");
            }

            return Verify(tx, request["prevouts"], flags);
        }
        catch (Exception ex) when (ex is CliUserException or OPSource.Bitcoin.BitcoinFormatException)
        {
            return Failure(ex.Message);
        }
        catch (ArgumentException ex) when (DuplicateKey().Match(ex.Message) is { Success: true } duplicate)
        {
            // System.Text.Json reports duplicate object keys this way ("An item with the same key has already been added. Key: tx").
            return Failure($"line: duplicate key '{duplicate.Groups["key"].Value}'");
        }
    }

    /// <summary>Parses the request parts and verifies; malformed parts throw <see cref="CliUserException"/> (or the library's typed error) naming the field.</summary>
    internal static JsonObject Verify(string txHex, JsonNode? prevoutsJson, string? flagsText)
    {
        var flags = ScriptFlags.Standard;
        if (flagsText is not null && !ScriptFlags.TryParse(flagsText, out flags, out var flagsError))
        {
            throw flagsError.ToException();
        }

        if (!Transaction.TryParse(txHex, out var tx, out var txError))
        {
            throw new CliUserException("tx: " + txError, txError.ToException());
        }

        var spent = ParsePrevouts(prevoutsJson, tx);
        if (!TransactionChecks.CheckTransaction(tx, out var reason))
        {
            return Failure(reason!);
        }

        var verdict = TransactionVerifier.VerifyInputs(tx, spent, flags);
        return verdict.IsValid
            ? new JsonObject { ["ok"] = true }
            : new JsonObject { ["ok"] = false, ["input"] = verdict.InputIndex, ["error"] = ScriptErrors.Name(verdict.Error) };
    }

    private static List<TxOut> ParsePrevouts(JsonNode? json, Transaction tx)
    {
        var entries = SpentOutputsJson.Parse(json, "prevouts");
        if (entries.Count != tx.Inputs.Count)
        {
            throw new CliUserException($"prevouts: {entries.Count} given but the transaction has {tx.Inputs.Count} inputs");
        }

        var result = new List<TxOut>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var expected = tx.Inputs[i].PrevOut;
            if (expected != entries[i].OutPoint)
            {
                throw new CliUserException($"prevouts[{i.ToString(CultureInfo.InvariantCulture)}]: {entries[i].OutPoint.TxId}:{entries[i].OutPoint.Index} does not match input {i} which spends {expected}");
            }

            result.Add(entries[i].Output);
        }

        return result;
    }

    private static JsonObject Failure(string error) => new() { ["ok"] = false, ["error"] = error };
}
