using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Dlc;
using OPSource.Dlc.Messages;
using OPSource.Dlc.Oracle;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource oracle announce|attest|list|show</c>: the built-in DLC oracle (keys and nonces sealed in the key store).</summary>
internal static class OracleCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("oracle", "The built-in DLC oracle: announce events, attest outcomes exactly once");
        command.Add(Announce(globals, output, error));
        command.Add(Attest(globals, output, error));
        command.Add(List(globals, output, error));
        command.Add(Show(globals, output, error));
        return command;
    }

    private static Task<int> WithOracle(GlobalOptions globals, ParseResult parse, TextWriter output, TextWriter error, Func<CliContext, DlcOracleService, CancellationToken, Task<int>> action, CancellationToken ct) =>
        CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            return await action(ctx, services.Get<DlcOracleService>(), token).ConfigureAwait(false);
        }, ct);

    private static Command Announce(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var eventId = new Argument<string>("event-id") { Description = "The event's id (printable, no spaces or '/')" };
        var outcomes = new Option<string?>("--outcomes") { Description = "Enumerated outcomes, comma-separated (e.g. up,down,flat)" };
        var digits = new Option<int?>("--digits") { Description = "Numeric event: number of digits signed" };
        var @base = new Option<int>("--base") { Description = "Numeric event: base of the digits", DefaultValueFactory = _ => 2 };
        var signed = new Option<bool>("--signed") { Description = "Numeric event: also sign the sign (+/-)" };
        var unit = new Option<string>("--unit") { Description = "Numeric event: unit", DefaultValueFactory = _ => string.Empty };
        var precision = new Option<int>("--precision") { Description = "Numeric event: base exponent of the value", DefaultValueFactory = _ => 0 };
        var maturity = new Option<string?>("--maturity") { Description = "Earliest attestation time, RFC 3339 (default: now)" };
        var command = new Command("announce", "Announce an event: prints the oracle_announcement TLV hex") { eventId, outcomes, digits, @base, signed, unit, precision, maturity }.WithExamples(
            "opsource oracle announce match-42 --outcomes home,draw,away",
            "opsource oracle announce btc-close-2026-12-31 --digits 17 --unit usd/btc --maturity 2026-12-31T00:00:00Z > announcement.hex");
        command.SetAction((parse, ct) => WithOracle(globals, parse, output, error, async (ctx, oracle, token) =>
        {
            var body = new JsonObject { ["event_id"] = parse.GetValue(eventId) };
            if (parse.GetValue(outcomes) is { } list)
            {
                body["outcomes"] = new JsonArray([.. list.Split(',', StringSplitOptions.TrimEntries).Select(o => (JsonNode)JsonValue.Create(o))]);
            }
            else if (parse.GetValue(digits) is { } n)
            {
                body["nb_digits"] = n;
                body["base"] = parse.GetValue(@base);
                body["is_signed"] = parse.GetValue(signed);
                body["unit"] = parse.GetValue(unit);
                body["precision"] = parse.GetValue(precision);
            }
            else
            {
                throw new CliUserException("announce: give --outcomes (enumerated) or --digits (numeric)");
            }

            if (parse.GetValue(maturity) is { } m)
            {
                body["maturity"] = m;
            }

            var (id, descriptor, when) = OracleInput.ParseAnnounce(body, DateTimeOffset.UtcNow);
            var e = await oracle.AnnounceAsync(id, descriptor, when, token).ConfigureAwait(false);
            ctx.WriteResult(DlcViews.OracleEvent(e), w => w.WriteLine(Convert.ToHexStringLower(DlcWireCodec.EncodeAnnouncement(e.Announcement))));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Attest(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var eventId = new Argument<string>("event-id") { Description = "The event" };
        var outcome = new Argument<string>("outcome") { Description = "The outcome: one of the enumerated outcomes, or an integer for a numeric event" };
        var command = new Command("attest", "Attest an event's outcome (once; the same outcome again returns the same attestation): prints the oracle_attestation TLV hex") { eventId, outcome }.WithExamples(
            "opsource oracle attest match-42 draw > attestation.hex",
            "opsource oracle attest btc-close-2026-12-31 97250 --json");
        command.SetAction((parse, ct) => WithOracle(globals, parse, output, error, async (ctx, oracle, token) =>
        {
            var e = await oracle.AttestAsync(parse.GetValue(eventId)!, parse.GetValue(outcome)!, token).ConfigureAwait(false);
            ctx.WriteResult(DlcViews.OracleEvent(e), w => w.WriteLine(Convert.ToHexStringLower(DlcWireCodec.EncodeAttestation(e.Attestation!))));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command List(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List the oracle's events (newest first)").WithExamples(
            "opsource oracle list",
            "opsource oracle list --json | jq -r '.events[] | select(.outcome == null) | .event_id'");
        command.SetAction((parse, ct) => WithOracle(globals, parse, output, error, async (ctx, oracle, token) =>
        {
            var events = await oracle.ListAsync(token).ConfigureAwait(false);
            var key = await oracle.HasKeyAsync(token).ConfigureAwait(false) ? Convert.ToHexStringLower((await oracle.GetPublicKeyAsync(token).ConfigureAwait(false)).ToBytes()) : null;
            ctx.WriteResult(new JsonObject { ["public_key"] = key, ["events"] = new JsonArray([.. events.Select(e => (JsonNode)DlcViews.OracleEvent(e))]) }, w =>
            {
                w.WriteLine($"oracle key: {key ?? "(none yet)"}");
                foreach (var e in events)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.EventId}  matures {DlcViews.Rfc3339(e.Maturity)}  {(e.Outcome is null ? "not attested" : "attested " + e.Outcome)}"));
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Show(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var eventId = new Argument<string>("event-id") { Description = "The event" };
        var command = new Command("show", "Show an event with its announcement and attestation") { eventId }.WithExamples(
            "opsource oracle show match-42",
            "opsource oracle show match-42 --json | jq -r .attestation > attestation.hex");
        command.SetAction((parse, ct) => WithOracle(globals, parse, output, error, async (ctx, oracle, token) =>
        {
            var e = await oracle.GetAsync(parse.GetValue(eventId)!, token).ConfigureAwait(false)
                ?? throw new CliUserException($"oracle: no event '{parse.GetValue(eventId)}'");
            ctx.WriteResult(DlcViews.OracleEvent(e), w =>
            {
                w.WriteLine($"event:        {e.EventId}");
                w.WriteLine($"maturity:     {DlcViews.Rfc3339(e.Maturity)}");
                w.WriteLine($"announcement: {Convert.ToHexStringLower(DlcWireCodec.EncodeAnnouncement(e.Announcement))}");
                w.WriteLine($"outcome:      {e.Outcome ?? "(not attested)"}");
                if (e.Attestation is not null)
                {
                    w.WriteLine($"attestation:  {Convert.ToHexStringLower(DlcWireCodec.EncodeAttestation(e.Attestation))}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
