using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Web5;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource dwn write|query|read|delete|protocol configure|protocol query</c>: DWN messages signed by a stored DID,
/// processed by this node's DWN (the local database) or sent to a DWN endpoint (<c>--url</c>: OPSource's
/// <c>/api/v1/web5/dwn</c> or a dwn-server). The result is the DWN reply as dwn-sdk-js returns it; a reply with a
/// status of 400 or more exits 1.
/// </summary>
internal static class DwnCommand
{
    private const string Tenant = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("dwn", "Decentralized Web Node: write, query, read and delete records, configure and query protocols");
        command.Add(CreateWrite(globals, output, error));
        command.Add(CreateQuery(globals, output, error));
        command.Add(CreateRead(globals, output, error));
        command.Add(CreateDelete(globals, output, error));
        var protocol = new Command("protocol", "DWN protocols: configure and query");
        protocol.Add(CreateConfigure(globals, output, error));
        protocol.Add(CreateProtocolQuery(globals, output, error));
        command.Add(protocol);
        return command;
    }

    private sealed record Common(Option<string> Tenant, Option<string?> Author, Option<bool> Anonymous, Option<string?> Url);

    private static Common AddCommon(Command command, bool anonymousAllowed)
    {
        var common = new Common(
            new Option<string>("--tenant") { Description = "The DID whose DWN receives the message", Required = true },
            new Option<string?>("--author") { Description = "The stored DID that signs (default: the tenant)" },
            new Option<bool>("--anonymous") { Description = "Send the message unsigned (published data only)" },
            new Option<string?>("--url") { Description = "A DWN endpoint (http://HOST:PORT/api/v1/web5/dwn or a dwn-server URL); default: this node's DWN" });
        command.Add(common.Tenant);
        command.Add(common.Author);
        if (anonymousAllowed)
        {
            command.Add(common.Anonymous);
        }

        command.Add(common.Url);
        return common;
    }

    private static Command CreateWrite(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var data = new Option<string>("--data") { Description = "The record data: text, '-' (stdin) or '@file' (bytes)", Required = true };
        var format = new Option<string>("--data-format") { Description = "The data's media type", DefaultValueFactory = _ => "application/json" };
        var schema = new Option<string?>("--schema") { Description = "The record's schema URI" };
        var protocol = new Option<string?>("--protocol") { Description = "A configured protocol's URI (with --protocol-path)" };
        var protocolPath = new Option<string?>("--protocol-path") { Description = "The record's path in the protocol structure (thread/message)" };
        var parent = new Option<string?>("--parent-context-id") { Description = "The parent record's contextId (records below a protocol root)" };
        var recipient = new Option<string?>("--recipient") { Description = "The recipient DID" };
        var published = new Option<bool>("--published") { Description = "Publish the record (readable by anyone)" };
        var tags = new Option<string?>("--tags") { Description = "Tags as a JSON object ('-', '@file')" };
        var role = new Option<string?>("--protocol-role") { Description = "A protocol role the author invokes (thread/participant)" };
        var command = new Command("write", "Write a new record (RecordsWrite with its data)") { data, format, schema, protocol, protocolPath, parent, recipient, published, tags, role };
        var common = AddCommon(command, anonymousAllowed: false);
        command.WithExamples(
            $"opsource dwn write --tenant {Tenant} --schema https://schema.org/Note --data '{{\"text\":\"hello\"}}'",
            $"opsource dwn write --tenant {Tenant} --data @photo.jpg --data-format image/jpeg --published --tags '{{\"album\":\"2024\"}}' --json",
            $"opsource dwn write --tenant {Tenant} --protocol http://chat-protocol.xyz --protocol-path thread --schema thread --data @thread.json --url http://127.0.0.1:8080/api/v1/web5/dwn");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, async (web5, author) =>
        {
            var bytes = ReadData(ctx, parse.GetValue(data)!);
            var message = RecordsWrite.Create(author!, bytes, new RecordsWriteOptions
            {
                DataFormat = parse.GetValue(format)!,
                Schema = parse.GetValue(schema),
                Protocol = parse.GetValue(protocol),
                ProtocolPath = parse.GetValue(protocolPath),
                ParentContextId = parse.GetValue(parent),
                Recipient = parse.GetValue(recipient),
                Published = parse.GetValue(published) ? true : null,
                Tags = parse.GetValue(tags) is { } t ? ParseObject(ctx, t, "--tags") : null,
                ProtocolRole = parse.GetValue(role),
            });
            return (message, bytes);
        }, (reply, message) => w =>
        {
            w.WriteLine($"{reply.Code} {reply.Detail}");
            w.WriteLine($"record_id: {message.GetString("recordId")}");
            if (message.GetString("contextId") is { } contextId)
            {
                w.WriteLine($"context_id: {contextId}");
            }
        }, ct2), ct));
        return command;
    }

    private static Command CreateQuery(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var filter = new Option<string>("--filter") { Description = "A RecordsQuery filter as JSON ('-', '@file'): schema, protocol, protocolPath, contextId, recipient, author, tags, dateCreated...", Required = true };
        var sort = new Option<string?>("--date-sort") { Description = "createdAscending (default), createdDescending, publishedAscending or publishedDescending" }.AcceptOnlyFromAmong([.. DwnRequests.DateSorts]);
        var limit = new Option<int?>("--limit") { Description = "At most this many records (a cursor is returned when more follow)" };
        var cursor = new Option<string?>("--cursor") { Description = "The cursor of the previous page as JSON" };
        var role = new Option<string?>("--protocol-role") { Description = "A protocol role the author invokes" };
        var command = new Command("query", "Query records (RecordsQuery)") { filter, sort, limit, cursor, role };
        var common = AddCommon(command, anonymousAllowed: true);
        command.WithExamples(
            $"opsource dwn query --tenant {Tenant} --filter '{{\"schema\":\"https://schema.org/Note\"}}'",
            $"opsource dwn query --tenant {Tenant} --filter '{{\"protocol\":\"http://chat-protocol.xyz\"}}' --date-sort createdDescending --limit 10 --json",
            $"opsource dwn query --tenant {Tenant} --anonymous --filter '{{\"tags\":{{\"album\":\"2024\"}}}}' --url http://127.0.0.1:8080/api/v1/web5/dwn");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, (web5, author) =>
        {
            if (parse.GetValue(limit) is < 1)
            {
                throw new CliUserException("--limit must be at least 1");
            }

            var message = DwnRequests.CreateRecordsQuery(ParseObject(ctx, parse.GetValue(filter)!, "--filter"), author, parse.GetValue(sort), parse.GetValue(limit),
                parse.GetValue(cursor) is { } c ? ParseObject(ctx, c, "--cursor") : null, parse.GetValue(role));
            return Task.FromResult<(JsonObject, byte[]?)>((message, null));
        }, (reply, _) => w =>
        {
            foreach (var entry in reply.Entries ?? [])
            {
                var d = entry!["descriptor"]!;
                w.WriteLine($"{entry["recordId"]} {d["dataFormat"]} {d["dataSize"]} bytes created {d["dateCreated"]}{(d["published"]?.GetValue<bool>() == true ? " published" : string.Empty)}");
            }

            if (reply.Cursor is not null)
            {
                w.WriteLine($"cursor: {Web5Json.Serialize(reply.Cursor)}");
            }
        }, ct2), ct));
        return command;
    }

    private static Command CreateRead(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var recordId = new Argument<string>("record-id") { Description = "The record ID" };
        var file = new Option<string?>("--output", "-o") { Description = "Write the data to this new file instead of stdout" };
        var role = new Option<string?>("--protocol-role") { Description = "A protocol role the author invokes" };
        var command = new Command("read", "Read a record's data (RecordsRead)") { recordId, file, role };
        var common = AddCommon(command, anonymousAllowed: true);
        command.WithExamples(
            $"opsource dwn read bafyreihk2zpp3psqm4gq2cg5bi5hbuqhx4ifnyp33ttxkjq37xfxhnq4ba --tenant {Tenant}",
            $"opsource dwn read bafyreihk2zpp3psqm4gq2cg5bi5hbuqhx4ifnyp33ttxkjq37xfxhnq4ba --tenant {Tenant} --anonymous -o photo.jpg",
            $"opsource dwn read bafyreihk2zpp3psqm4gq2cg5bi5hbuqhx4ifnyp33ttxkjq37xfxhnq4ba --tenant {Tenant} --json --url http://127.0.0.1:8080/api/v1/web5/dwn");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, (web5, author) =>
        {
            var message = DwnRequests.CreateRecordsRead(new JsonObject { ["recordId"] = parse.GetValue(recordId) }, author, parse.GetValue(role));
            return Task.FromResult<(JsonObject, byte[]?)>((message, null));
        }, (reply, _) => w =>
        {
            if (reply.Data is null)
            {
                w.WriteLine($"{reply.Code} {reply.Detail}");
            }
            else if (parse.GetValue(file) is null)
            {
                w.Write(System.Text.Encoding.UTF8.GetString(reply.Data));
            }
        }, ct2, onData: reply =>
        {
            if (reply.Data is not null && parse.GetValue(file) is { } path)
            {
                try
                {
                    using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                    stream.Write(reply.Data);
                }
                catch (IOException e)
                {
                    throw new CliUserException($"--output: cannot write {path}: {e.Message}", e);
                }
            }
        }), ct));
        return command;
    }

    private static Command CreateDelete(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var recordId = new Argument<string>("record-id") { Description = "The record ID" };
        var prune = new Option<bool>("--prune") { Description = "Also purge the record's descendants" };
        var role = new Option<string?>("--protocol-role") { Description = "A protocol role the author invokes" };
        var command = new Command("delete", "Delete a record (RecordsDelete)") { recordId, prune, role };
        var common = AddCommon(command, anonymousAllowed: false);
        command.WithExamples(
            $"opsource dwn delete bafyreihk2zpp3psqm4gq2cg5bi5hbuqhx4ifnyp33ttxkjq37xfxhnq4ba --tenant {Tenant}",
            $"opsource dwn delete bafyreihk2zpp3psqm4gq2cg5bi5hbuqhx4ifnyp33ttxkjq37xfxhnq4ba --tenant {Tenant} --prune --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, (web5, author) =>
            Task.FromResult<(JsonObject, byte[]?)>((DwnRequests.CreateRecordsDelete(parse.GetValue(recordId)!, author!, parse.GetValue(prune), parse.GetValue(role)), null)),
            (reply, _) => w => w.WriteLine($"{reply.Code} {reply.Detail}"), ct2), ct));
        return command;
    }

    private static Command CreateConfigure(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var definition = new Argument<string>("definition") { Description = "The protocol definition JSON ('-' stdin, '@file')" };
        var command = new Command("configure", "Configure a protocol on the tenant's DWN (ProtocolsConfigure, signed by the tenant)") { definition };
        var common = AddCommon(command, anonymousAllowed: false);
        command.WithExamples(
            $"opsource dwn protocol configure @chat.json --tenant {Tenant}",
            $"opsource dwn protocol configure @chat.json --tenant {Tenant} --json --url http://127.0.0.1:8080/api/v1/web5/dwn");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, (web5, author) =>
            Task.FromResult<(JsonObject, byte[]?)>((ProtocolsConfigure.Create(author!, ParseObject(ctx, parse.GetValue(definition)!, "definition")), null)),
            (reply, message) => w => w.WriteLine($"{reply.Code} {reply.Detail}: {message["descriptor"]!["definition"]!["protocol"]}"), ct2), ct));
        return command;
    }

    private static Command CreateProtocolQuery(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var protocol = new Option<string?>("--protocol") { Description = "Only this protocol URI" };
        var command = new Command("query", "List the tenant's protocols (ProtocolsQuery; anonymous and other DIDs see the published ones)") { protocol };
        var common = AddCommon(command, anonymousAllowed: true);
        command.WithExamples(
            $"opsource dwn protocol query --tenant {Tenant}",
            $"opsource dwn protocol query --tenant {Tenant} --anonymous --protocol http://chat-protocol.xyz --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => RunAsync(ctx, parse, common, (web5, author) =>
            Task.FromResult<(JsonObject, byte[]?)>((DwnRequests.CreateProtocolsQuery(parse.GetValue(protocol), author), null)),
            (reply, _) => w =>
            {
                foreach (var entry in reply.Entries ?? [])
                {
                    var d = entry!["descriptor"]!;
                    w.WriteLine($"{d["definition"]!["protocol"]} published={d["definition"]!["published"]} configured {d["messageTimestamp"]}");
                }
            }, ct2), ct));
        return command;
    }

    /// <summary>Opens the services, signs the message with the author's stored keys, processes or sends it and prints the reply.</summary>
    private static Task<int> RunAsync(
        CliContext ctx,
        ParseResult parse,
        Common common,
        Func<Web5Service, BearerDid?, Task<(JsonObject Message, byte[]? Data)>> build,
        Func<DwnReply, JsonObject, Action<TextWriter>> human,
        CancellationToken ct,
        Action<DwnReply>? onData = null) => WithServicesAsync(ctx, async (services, web5) =>
        {
            var tenant = parse.GetValue(common.Tenant)!;
            if (!Did.TryParse(tenant, out _))
            {
                throw new CliUserException($"--tenant '{tenant}' is not a DID");
            }

            var anonymous = parse.GetValue(common.Anonymous);
            if (anonymous && parse.GetValue(common.Author) is not null)
            {
                throw new CliUserException("--anonymous and --author exclude each other");
            }

            BearerDid? author = anonymous ? null : await web5.OpenAsync(parse.GetValue(common.Author) ?? tenant, ct).ConfigureAwait(false);
            try
            {
                JsonObject message;
                byte[]? data;
                try
                {
                    (message, data) = await build(web5, author).ConfigureAwait(false);
                }
                catch (DwnException e)
                {
                    throw new CliUserException($"{e.Code}: {e.Message}", e);
                }

                DwnReply reply;
                if (parse.GetValue(common.Url) is { } url)
                {
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
                    {
                        throw new CliUserException($"--url '{url}' is not an http(s) URL");
                    }

                    using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                    try
                    {
                        reply = await DwnJsonRpc.SendAsync(http, endpoint, tenant, message, data, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException or DwnTransportException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        throw new CliUserException($"--url {url}: {e.Message}", e);
                    }
                }
                else
                {
                    reply = await services.Get<DwnNode>().ProcessMessageAsync(tenant, message, data, ct).ConfigureAwait(false);
                }

                onData?.Invoke(reply);
                var json = reply.ToJson();
                if (reply.Data is not null)
                {
                    json["data_b64url"] = B64Url.Encode(reply.Data);
                }

                json["message_cid"] = DwnMessage.ComputeCid(message);
                if (message["recordId"] is { } id)
                {
                    json["record_id"] = id.DeepClone();
                }

                return reply.Code >= 400
                    ? ctx.WriteNegativeResult(json, human(reply, message), $"dwn: {reply.Code} {reply.Detail}")
                    : WriteOk(ctx, json, human(reply, message));
            }
            finally
            {
                author?.Dispose();
            }
        }, ct);

    private static async Task<int> WithServicesAsync(CliContext ctx, Func<CliServices, Web5Service, Task<int>> action, CancellationToken ct)
    {
        await using var services = await CliServices.OpenAsync(ctx, ct).ConfigureAwait(false);
        try
        {
            return await action(services, services.Get<Web5Service>()).ConfigureAwait(false);
        }
        catch (Web5Exception e)
        {
            throw new CliUserException(e.Message, e);
        }
    }

    private static int WriteOk(CliContext ctx, JsonObject json, Action<TextWriter> human)
    {
        ctx.WriteResult(json, human);
        return CliApp.ExitOk;
    }

    private static byte[] ReadData(CliContext ctx, string value)
    {
        if (value.StartsWith('@'))
        {
            try
            {
                return File.ReadAllBytes(value[1..]);
            }
            catch (IOException e)
            {
                throw new CliUserException($"--data: cannot read {value[1..]}: {e.Message}", e);
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(value == "-" ? ctx.In.ReadToEnd() : value);
    }

    private static JsonObject ParseObject(CliContext ctx, string value, string what)
    {
        var text = DidCommand.ReadArgument(ctx, value, what);
        try
        {
            return Web5Json.ParseObject(text, what);
        }
        catch (OPSource.Bitcoin.BitcoinFormatException e)
        {
            throw new CliUserException(e.Message, e);
        }
    }
}
