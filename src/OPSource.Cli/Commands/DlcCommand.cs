using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Dlc;
using OPSource.Dlc.Lifecycle;
using OPSource.Dlc.Messages;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource dlc offer|accept|sign|list|show|close|refund|sync</c> (contracts, stored in the database, keys
/// sealed with the Dlc passphrase) and <c>opsource dlc message decode|encode|verify</c> (offline tools over the
/// dlcspecs wire format and its JSON form).
/// </summary>
internal static class DlcCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("dlc", "Discreet Log Contracts (dlcspecs): offer, accept, sign, close, refund; message tools");
        command.Add(Offer(globals, output, error));
        command.Add(Accept(globals, output, error));
        command.Add(Sign(globals, output, error));
        command.Add(List(globals, output, error));
        command.Add(Show(globals, output, error));
        command.Add(Close(globals, output, error));
        command.Add(Refund(globals, output, error));
        command.Add(Sync(globals, output, error));
        command.Add(MessageTools(globals, output, error));
        return command;
    }

    private static Task<int> WithManager(GlobalOptions globals, ParseResult parse, TextWriter output, TextWriter error, Func<CliContext, DlcManager, CancellationToken, Task<int>> action, CancellationToken ct) =>
        CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            return await action(ctx, services.Get<DlcManager>(), token).ConfigureAwait(false);
        }, ct);

    private static DlcMessage ReadMessage(CliContext ctx, string value, string what)
    {
        var text = DidCommand.ReadArgument(ctx, value, what);
        try
        {
            return DlcInput.ParseMessage(text);
        }
        catch (DlcFormatException ex)
        {
            throw new CliUserException($"{what}: {ex.Message}", ex);
        }
    }

    private static T ReadMessage<T>(CliContext ctx, string value, string what)
        where T : DlcMessage =>
        ReadMessage(ctx, value, what) as T ?? throw new CliUserException($"{what}: expected {Name<T>()}");

    private static string Name<T>() => typeof(T) == typeof(OfferDlc) ? "an offer_dlc" : typeof(T) == typeof(AcceptDlc) ? "an accept_dlc" : "a sign_dlc";

    private static void WriteMessage(CliContext ctx, JsonObject contract, string key, DlcMessage message)
    {
        var json = new JsonObject { ["contract"] = contract, [key] = DlcViews.Message(message) };
        ctx.WriteResult(json, w => w.WriteLine(Convert.ToHexStringLower(DlcWireCodec.Encode(message))));
    }

    private static Command Offer(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var terms = new Argument<string>("contract") { Description = "Contract terms as JSON ('-' stdin, '@file'): announcements, collaterals, fee rate, payouts (see docs/dlc.md)" };
        var wallet = new Option<string?>("--wallet") { Description = "Wallet funding the offer (overrides \"wallet\" in the terms)" };
        var command = new Command("offer", "Make an offer: prints the offer_dlc hex to send to the counterparty") { terms, wallet }.WithExamples(
            "opsource dlc offer @terms.json > offer.hex",
            "opsource dlc offer - --wallet main --json < terms.json | jq -r .contract.id");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var text = DidCommand.ReadArgument(ctx, parse.GetValue(terms)!, "contract");
            JsonObject body;
            try
            {
                body = JsonNode.Parse(text) as JsonObject ?? throw new CliUserException("contract: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new CliUserException("contract: invalid JSON: " + ex.Message, ex);
            }

            if (parse.GetValue(wallet) is { } w)
            {
                body["wallet"] = w;
            }

            var (record, offer) = await manager.OfferAsync(DlcInput.ParseOfferRequest(body), token).ConfigureAwait(false);
            WriteMessage(ctx, DlcViews.Contract(record), "offer", offer);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Accept(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var offer = new Argument<string>("offer") { Description = "The offer_dlc as hex or JSON ('-' stdin, '@file')" };
        var wallet = new Option<string>("--wallet") { Description = "Wallet funding the acceptance", Required = true };
        var command = new Command("accept", "Validate an offer completely and accept it: prints the accept_dlc hex (CET and refund signatures)") { offer, wallet }.WithExamples(
            "opsource dlc accept @offer.hex --wallet main > accept.hex",
            "opsource dlc accept - --wallet main --json < offer.hex | jq -r .accept.hex");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var message = ReadMessage<OfferDlc>(ctx, parse.GetValue(offer)!, "offer");
            var (record, accept) = await manager.AcceptAsync(message, parse.GetValue(wallet)!, token).ConfigureAwait(false);
            WriteMessage(ctx, DlcViews.Contract(record), "accept", accept);
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Sign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var message = new Argument<string>("message") { Description = "An accept_dlc (offerer: prints the sign_dlc hex) or a sign_dlc (accepter: verifies it and broadcasts the funding transaction); hex or JSON, '-' or '@file'" };
        var command = new Command("sign", "Offerer: sign an accepted offer. Accepter: complete and broadcast the funding transaction") { message }.WithExamples(
            "opsource dlc sign @accept.hex > sign.hex      # offerer: prints the sign_dlc",
            "opsource dlc sign @sign.hex --json            # accepter: checks it, broadcasts the funding transaction");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            switch (ReadMessage(ctx, parse.GetValue(message)!, "message"))
            {
                case AcceptDlc accept:
                    {
                        var (record, sign) = await manager.SignAsync(accept, token).ConfigureAwait(false);
                        WriteMessage(ctx, DlcViews.Contract(record), "sign", sign);
                        return CliApp.ExitOk;
                    }

                case SignDlc sign:
                    {
                        var record = await manager.CompleteFundingAsync(sign, token).ConfigureAwait(false);
                        var json = DlcViews.Contract(record);
                        ctx.WriteResult(json, w => w.WriteLine($"funding transaction {json["funding_txid"]} broadcast; contract {record.ContractId} is signed"));
                        return CliApp.ExitOk;
                    }

                default:
                    throw new CliUserException("message: expected an accept_dlc or a sign_dlc");
            }
        }, ct));
        return command;
    }

    private static Command List(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List contracts (newest first)").WithExamples(
            "opsource dlc list",
            "opsource dlc list --json | jq -r '.dlcs[] | select(.state == \"confirmed\") | .id'");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var list = await manager.ListAsync(token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["dlcs"] = new JsonArray([.. list.Select(r => (JsonNode)DlcViews.Contract(r))]) }, w =>
            {
                foreach (var r in list)
                {
                    w.WriteLine($"{r.Id}  {r.State.ToString().ToLowerInvariant(),-9}  {(r.IsOfferer ? "offerer" : "accepter"),-8}  {r.Offer.ContractInfo.TotalCollateral.ToBtcString()} BTC  {r.ContractId?.ToString() ?? "-"}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Contract id (temporary or final, 64 hex digits)" };

    private static ContractId ParseId(string text) =>
        ContractId.TryParse(text, out var id) ? id : throw new CliUserException($"id: '{text}' is not a 64-hex-digit contract id");

    private static Command Show(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = IdArgument();
        var command = new Command("show", "Show a contract with its messages") { id }.WithExamples(
            "opsource dlc show \"$ID\"",
            "opsource dlc show \"$ID\" --json | jq -r .offer.hex > offer.hex");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var record = await manager.GetAsync(ParseId(parse.GetValue(id)!), token).ConfigureAwait(false);
            var json = DlcViews.Contract(record);
            json["offer"] = DlcViews.Message(record.Offer);
            json["accept"] = record.Accept is null ? null : DlcViews.Message(record.Accept);
            json["sign"] = record.Sign is null ? null : DlcViews.Message(record.Sign);
            ctx.WriteResult(json, w =>
            {
                foreach (var (k, v) in DlcViews.Contract(record))
                {
                    if (v is not null and not JsonArray and not JsonObject)
                    {
                        w.WriteLine($"{k + ":",-26}{v}");
                    }
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Close(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = IdArgument();
        var attestation = new Option<string[]>("--attestation") { Description = "An oracle attestation (TLV hex or JSON, '@file'); repeatable. Without it the built-in oracle's attestations are used" };
        var command = new Command("close", "Close a contract with the CET the attestations unlock (testmempoolaccept, then broadcast)") { id, attestation }.WithExamples(
            "opsource dlc close \"$ID\"                       # with the built-in oracle's attestation",
            "opsource dlc close \"$ID\" --attestation @attestation.hex --json");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var attestations = (parse.GetValue(attestation) ?? []).Select((a, i) =>
            {
                var text = DidCommand.ReadArgument(ctx, a, "--attestation");
                return DlcInput.ParseAttestation(text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : JsonValue.Create(text), $"--attestation[{i}]");
            }).ToList();
            var record = await manager.CloseAsync(ParseId(parse.GetValue(id)!), attestations, token).ConfigureAwait(false);
            ctx.WriteResult(DlcViews.Contract(record), w => w.WriteLine($"CET {record.ClosingTx!.GetTxId()} broadcast"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Refund(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = IdArgument();
        var command = new Command("refund", "Broadcast the refund transaction (once refund_locktime is reached)") { id }.WithExamples(
            "opsource dlc refund \"$ID\"",
            "opsource dlc refund \"$ID\" --json | jq -r .closing_txid");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var record = await manager.RefundAsync(ParseId(parse.GetValue(id)!), token).ConfigureAwait(false);
            ctx.WriteResult(DlcViews.Contract(record), w => w.WriteLine($"refund {record.ClosingTx!.GetTxId()} broadcast"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Sync(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("sync", "Follow the chain: mark funded contracts confirmed and spent ones closed or refunded").WithExamples(
            "opsource dlc sync",
            "opsource dlc sync --json | jq '.changed[] | {id, state}'");
        command.SetAction((parse, ct) => WithManager(globals, parse, output, error, async (ctx, manager, token) =>
        {
            var changed = await manager.SyncAsync(token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["changed"] = new JsonArray([.. changed.Select(r => (JsonNode)DlcViews.Contract(r))]) }, w =>
            {
                foreach (var r in changed)
                {
                    w.WriteLine($"{r.Id}  {r.State.ToString().ToLowerInvariant()}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command MessageTools(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var message = new Command("message", "Offline tools for dlcspecs messages (offer_dlc, accept_dlc, sign_dlc)");

        var hex = new Argument<string>("hex") { Description = "A message's wire hex ('-' stdin, '@file')" };
        var decode = new Command("decode", "Decode wire hex to the dlcspecs JSON form (as the test vectors write it)") { hex }.WithExamples(
            "opsource dlc message decode @offer.hex",
            "opsource dlc message decode - < accept.hex > accept.json");
        decode.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var m = ReadMessage(ctx, parse.GetValue(hex)!, "hex");
            // The JSON form is the result in both modes.
            ctx.Out.WriteLine(DlcJsonCodec.ToJson(m).ToJsonString(Indented));
            return CliApp.ExitOk;
        }, ct));

        var json = new Argument<string>("json") { Description = "A message's dlcspecs JSON form ('-' stdin, '@file')" };
        var encode = new Command("encode", "Encode the dlcspecs JSON form to wire hex") { json }.WithExamples(
            "opsource dlc message encode @accept.json > accept.hex",
            "opsource dlc message decode @offer.hex | opsource dlc message encode -");
        encode.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var m = ReadMessage(ctx, parse.GetValue(json)!, "json");
            var bytes = DlcWireCodec.Encode(m);
            ctx.WriteResult(new JsonObject { ["hex"] = Convert.ToHexStringLower(bytes) }, w => w.WriteLine(Convert.ToHexStringLower(bytes)));
            return CliApp.ExitOk;
        }, ct));

        var offer = new Argument<string>("offer") { Description = "offer_dlc (hex or JSON, '-' or '@file')" };
        var accept = new Argument<string>("accept") { Description = "accept_dlc" };
        var sign = new Argument<string?>("sign") { Description = "sign_dlc (optional)", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Command("verify", "Rebuild the funding transaction, CETs and refund and check every adaptor, refund and funding signature (exit 1 if any fails)") { offer, accept, sign }.WithExamples(
            "opsource dlc message verify @offer.hex @accept.hex @sign.hex",
            "opsource dlc message verify @offer.json @accept.json --network regtest --json");
        verify.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, token) =>
        {
            var o = ReadMessage<OfferDlc>(ctx, parse.GetValue(offer)!, "offer");
            var a = ReadMessage<AcceptDlc>(ctx, parse.GetValue(accept)!, "accept");
            var s = parse.GetValue(sign) is { } sv ? ReadMessage<SignDlc>(ctx, sv, "sign") : null;
            var network = Network.TryGet(ctx.Network, out var n) ? n : throw new CliUserException($"--network: unknown network '{ctx.Network}'");
            var report = DlcMessageVerifier.Verify(o, a, s, new DlcPolicy(network), token);
            ctx.WriteResult(DlcViews.Report(report), w =>
            {
                foreach (var c in report.Checks)
                {
                    w.WriteLine($"{(c.Ok ? "ok  " : "FAIL")}  {c.Name}: {c.Detail}");
                }
            });
            if (!report.Ok)
            {
                throw new CliUserException("verification failed: " + string.Join("; ", report.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")));
            }

            return Task.FromResult(CliApp.ExitOk);
        }, ct));

        message.Add(decode);
        message.Add(encode);
        message.Add(verify);
        return message;
    }
}
