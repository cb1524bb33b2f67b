using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Cli;

/// <summary>
/// The one JSON shape the CLI takes for outputs being spent (<c>consensus verify --prevouts</c>,
/// <c>message sign|verify --utxos</c>): an array of <c>{"txid","vout","scriptPubKey","amount"}</c> with the
/// amount in satoshis. Errors name the option and the entry (<c>prevouts[2].amount: ...</c>).
/// </summary>
internal static class SpentOutputsJson
{
    /// <summary>
    /// Reads and parses the JSON given to option <paramref name="what"/>: a file path (as before), <c>@FILE</c>,
    /// <c>-</c> for standard input, or the JSON array itself.
    /// </summary>
    public static JsonNode? Read(CliContext ctx, string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value == "-" || value.StartsWith('@') || value.TrimStart().StartsWith('[')
            ? CliInput.Text(ctx, value, what)
            : ReadPath(value, what);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new CliUserException($"{what}: not valid JSON: {DescribeJsonError(ex)}", ex);
        }
    }

    private static string ReadPath(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"{what}: cannot read '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A System.Text.Json error without its internals: "'x' is an invalid start of a value. Path: $ |
    /// LineNumber: 0 | BytePositionInLine: 3." becomes "'x' is an invalid start of a value (line 1, column 4)".
    /// </summary>
    public static string DescribeJsonError(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        message = (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ');
        return ex.LineNumber is { } line && ex.BytePositionInLine is { } column
            ? string.Create(CultureInfo.InvariantCulture, $"{message} (line {line + 1}, column {column + 1})")
            : message;
    }

    /// <summary>Each entry as an outpoint and the output it holds; CliUserException names the bad field.</summary>
    public static List<(OutPoint OutPoint, TxOut Output)> Parse(JsonNode? json, string what)
    {
        if (json is not JsonArray array)
        {
            throw new CliUserException($"{what}: expected a JSON array of {{\"txid\",\"vout\",\"scriptPubKey\",\"amount\"}}");
        }

        var result = new List<(OutPoint, TxOut)>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"{what}[{i}]");
            if (array[i] is not JsonObject entry)
            {
                throw new CliUserException($"{field}: not a JSON object");
            }

            if (!TxId.TryParse(GetString(entry, "txid", field), out var txid))
            {
                throw new CliUserException($"{field}.txid: not a 64-digit hex txid");
            }

            if (entry["vout"] is not JsonValue voutValue || !voutValue.TryGetValue<long>(out var vout) || vout is < 0 or > uint.MaxValue)
            {
                throw new CliUserException($"{field}.vout: missing or not an integer in 0..4294967295");
            }

            if (!Hex.TryParse(GetString(entry, "scriptPubKey", field), out var script, out var hexError))
            {
                throw new CliUserException($"{field}.scriptPubKey: {hexError}");
            }

            // Core amount.h MoneyRange: 0..MAX_MONEY satoshis.
            if (entry["amount"] is not JsonValue amountValue || !amountValue.TryGetValue<long>(out var sats) || !Amount.TryFromSatoshis(sats, out var amount))
            {
                throw new CliUserException($"{field}.amount: missing or not an integer number of satoshis in 0..2100000000000000");
            }

            result.Add((new OutPoint(txid, (uint)vout), new TxOut(amount, new Script(script))));
        }

        return result;
    }

    private static string GetString(JsonObject entry, string name, string field) =>
        entry[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new CliUserException($"{field}.{name}: missing or not a string");
}
