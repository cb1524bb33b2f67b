using System.CommandLine;
using OPSource.Layers.Rgb;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource rgb inspect|validate|schema</c>: RGB 0.11 consignments and schema kits (docs/rgb.md).
/// Files may be binary (<c>.rgb</c>), serde JSON or ASCII-armored; <c>-</c> reads JSON or armor from standard input.
/// </summary>
internal static class RgbCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("rgb", "RGB 0.11 client-side validation: inspect and validate consignments, show schemas");
        command.Add(CreateInspect(globals, output, error));
        command.Add(CreateValidate(globals, output, error));
        command.Add(CreateSchema(globals, output, error));
        return command;
    }

    private static byte[] ReadFile(CliContext ctx, string path, string what)
    {
        if (path == "-")
        {
            if (ctx.StdinConsumed)
            {
                throw new CliUserException($"{what}: standard input was already read");
            }

            ctx.StdinConsumed = true;
            return System.Text.Encoding.UTF8.GetBytes(ctx.In.ReadToEnd());
        }

        return File.Exists(path) ? File.ReadAllBytes(path) : throw new CliUserException($"{what}: file '{CliOptions.Shorten(path)}' not found");
    }

    private static LoadedConsignment Load(CliContext ctx, string path)
    {
        var bytes = ReadFile(ctx, path, "consignment");
        try
        {
            return RgbService.LoadConsignment(bytes);
        }
        catch (RgbDecodeException e)
        {
            throw new CliUserException($"consignment: {e.Message}", e);
        }
    }

    private static Command CreateInspect(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "Consignment: binary .rgb, JSON, or armored ('-' reads JSON/armor from standard input)" };
        var command = new Command("inspect", "Show a consignment's ids (contract, schema, bundles, witnesses, libraries), terminals and genesis state without validating it")
        {
            file,
        }.WithExamples(
            "opsource rgb inspect consignment_A.rgb",
            "opsource rgb inspect consignment_A.json --json",
            "cat transfer.rgba | opsource rgb inspect -");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var loaded = Load(ctx, parse.GetValue(file)!);
            var json = RgbViews.Inspect(loaded.Consignment, loaded.Format);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"format:       {json["format"]} ({((bool)json["transfer"]! ? "transfer" : "contract")})");
                w.WriteLine($"contract:     {json["contract_id"]}");
                w.WriteLine($"schema:       {json["schema_name"]} {json["schema_id"]}{((bool)json["schema_matches"]! ? string.Empty : " (DOES NOT match the embedded schema)")}");
                w.WriteLine($"chain:        {json["chain_net"]}");
                w.WriteLine($"issued:       {json["timestamp"]} by {json["issuer"]}");
                w.WriteLine($"type system:  {json["type_system_id"]} ({json["types"]} types)");
                foreach (var lib in json["libs"]!.AsArray())
                {
                    w.WriteLine($"library:      {lib}");
                }

                var state = json["genesis_state"]!;
                w.WriteLine($"asset:        {state["ticker"]} \"{state["name"]}\" precision {state["precision"]}, issued {state["issued_supply"]}");
                foreach (var b in json["bundles"]!.AsArray())
                {
                    w.WriteLine($"bundle:       {b!["bundle_id"]} witness {b["witness_txid"]} ({b["dbc"]}, {b["transitions"]!.AsArray().Count} transition(s))");
                }

                foreach (var t in json["terminals"]!.AsArray())
                {
                    w.WriteLine($"terminal:     {t!["bundle_id"]}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateValidate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "Consignment: binary .rgb, JSON, or armored ('-' reads JSON/armor from standard input)" };
        var txs = new Option<string?>("--txs") { Description = "Folder of witness transactions in bp-core JSON (one file per transaction, as rgb-tests' txs_X/)" };
        var node = new Option<bool>("--node") { Description = "Resolve witness transactions from the configured Bitcoin Core node (confirmed ones need -txindex)" };
        var kits = new Option<string?>("--kits") { Description = "Folder of trusted schema kits (*.rgb / *.rgba); default: the Rgb:KitDirectory setting" };
        var safeHeight = new Option<uint?>("--safe-height") { Description = "Warn (UnsafeHistory) about witnesses mined above this block height or not mined at all" };
        var command = new Command("validate", "Validate a consignment as rgb-consensus 0.11 does; exit 0 when valid, 1 with the failure when not")
        {
            file, txs, node, kits, safeHeight,
        }.WithExamples(
            "opsource rgb validate consignment_A.rgb --txs txs_A --kits rgb-schemas --network regtest",
            "opsource rgb validate transfer.rgba --node --network regtest --safe-height 120 --json",
            "opsource rgb validate consignment_B.json --txs txs_B --kits rgb-schemas --network regtest --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var txsDir = parse.GetValue(txs);
            bool useNode = parse.GetValue(node);
            if ((txsDir is null) == !useNode)
            {
                throw new CliUserException("give exactly one witness source: --txs DIR or --node");
            }

            var safe = parse.GetValue(safeHeight);
            if (safe == 0)
            {
                throw new CliUserException("--safe-height: must be a block height of at least 1");
            }

            var loaded = Load(ctx, parse.GetValue(file)!);
            var kitsDir = parse.GetValue(kits);
            CliServices? services = null;
            try
            {
                RgbService service;
                if (kitsDir is not null)
                {
                    if (!Directory.Exists(kitsDir))
                    {
                        throw new CliUserException($"--kits: folder '{CliOptions.Shorten(kitsDir)}' not found");
                    }

                    service = new RgbService(LoadKits(kitsDir));
                }
                else
                {
                    services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
                    service = services.Get<RgbService>();
                }

                IWitnessResolver resolver;
                if (txsDir is not null)
                {
                    if (!Directory.Exists(txsDir))
                    {
                        throw new CliUserException($"--txs: folder '{CliOptions.Shorten(txsDir)}' not found");
                    }

                    try
                    {
                        resolver = TxDirectoryResolver.Load(txsDir);
                    }
                    catch (RgbDecodeException e)
                    {
                        throw new CliUserException($"--txs: {e.Message}");
                    }
                }
                else
                {
                    services ??= await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
                    resolver = new NodeWitnessResolver(services.Get<OPSource.Chain.IBitcoinNode>());
                }

                var report = await service.ValidateAsync(loaded.Consignment, resolver, RgbService.ChainNetFor(ctx.Network), token, safe).ConfigureAwait(false);
                var json = RgbViews.Report(report, loaded.Consignment);
                ctx.WriteResult(json, w => WriteHuman(w, json));
                if (report.Validity == RgbValidity.Valid)
                {
                    return CliApp.ExitOk;
                }

                var reason = report.Failure?.ToString() ?? $"resolver error {report.ResolverError}";
                await ctx.Error.WriteLineAsync($"error: invalid consignment: {reason}").ConfigureAwait(false);
                return CliApp.ExitUserError;
            }
            finally
            {
                if (services is not null)
                {
                    await services.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, ct));
        return command;
    }

    private static TypeSystemRegistry LoadKits(string dir)
    {
        try
        {
            return RgbService.LoadTrustedTypes(RgbModule.KitFiles(dir));
        }
        catch (RgbDecodeException e)
        {
            throw new CliUserException($"--kits: {e.Message}");
        }
    }

    private static void WriteHuman(TextWriter w, System.Text.Json.Nodes.JsonObject json)
    {
        w.WriteLine($"validity:  {json["validity"]}");
        w.WriteLine($"contract:  {json["contract_id"]}");
        if (json["failure"] is { } f)
        {
            w.WriteLine($"failure:   {f["kind"]}: {f["detail"]}");
        }

        if (json["resolver_error"] is { } e)
        {
            w.WriteLine($"resolver:  {e["kind"]}: {e["detail"]}");
        }

        foreach (var warning in json["warnings"]!.AsArray())
        {
            w.WriteLine($"warning:   {warning!["kind"]}: {warning["detail"]}");
        }

        if (json["state"] is { } s)
        {
            byte? precision = s["precision"] is { } p ? (byte)p : null;
            w.WriteLine($"asset:     {s["ticker"]} \"{s["name"]}\" precision {s["precision"]}, issued {RgbViews.FormatAmount((ulong)s["issued_supply"]!, precision)}");
            foreach (var a in s["allocations"]!.AsArray())
            {
                w.WriteLine($"owns:      {RgbViews.FormatAmount((ulong)a!["amount"]!, precision),14} type {a["assignment_type"]} at {a["outpoint"] ?? "concealed " + a["secret_seal"]}");
            }
        }
    }

    private static Command CreateSchema(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "A schema kit (binary RGB\\0KIT or armored), or a consignment (its embedded schema)" };
        var command = new Command("schema", "Show a schema: id, global, owned and meta types, genesis and transition rules, validators")
        {
            file,
        }.WithExamples(
            "opsource rgb schema NonInflatableAsset.rgb",
            "opsource rgb schema InflatableFungibleAsset.rgba --json",
            "opsource rgb schema consignment_C.json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var bytes = ReadFile(ctx, parse.GetValue(file)!, "schema");
            IReadOnlyList<Schema> schemata;
            string? typeSystem = null;
            try
            {
                bool isKit = bytes.AsSpan().StartsWith(RgbBinary.KitMagic) || System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).Contains("BEGIN RGB KIT", StringComparison.Ordinal);
                if (isKit)
                {
                    var kit = RgbService.LoadKit(bytes);
                    schemata = kit.Schemata;
                    typeSystem = RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(kit.Types));
                }
                else
                {
                    var c = RgbService.LoadConsignment(bytes).Consignment;
                    schemata = [c.Schema];
                    typeSystem = RgbIds.TypeSystemIdString(RgbIds.TypeSystemId(c.Types));
                }
            }
            catch (RgbDecodeException e)
            {
                throw new CliUserException($"schema: {e.Message}", e);
            }

            var list = new System.Text.Json.Nodes.JsonArray();
            foreach (var s in schemata)
            {
                var j = RgbViews.Schema(s);
                j["type_system_id"] = typeSystem;
                list.Add((System.Text.Json.Nodes.JsonNode)j);
            }

            System.Text.Json.Nodes.JsonNode result = list.Count == 1 ? list[0]!.DeepClone() : list;
            ctx.WriteResult(result, w =>
            {
                foreach (var j in list)
                {
                    w.WriteLine($"schema:      {j!["name"]} {j["schema_id"]}");
                    w.WriteLine($"type system: {j["type_system_id"]}");
                    foreach (var g in j["global_types"]!.AsArray())
                    {
                        w.WriteLine($"global:      {g!["type"]} {g["name"]} (max {g["max_items"]})");
                    }

                    foreach (var o in j["owned_types"]!.AsArray())
                    {
                        w.WriteLine($"owned:       {o!["type"]} {o["name"]} ({o["state"]})");
                    }

                    foreach (var m in j["meta_types"]!.AsArray())
                    {
                        w.WriteLine($"meta:        {m!["type"]} {m["name"]}");
                    }

                    foreach (var t in j["transitions"]!.AsArray())
                    {
                        w.WriteLine($"transition:  {t!["type"]} {t["name"]} inputs {t["inputs"]!.ToJsonString()} assignments {t["assignments"]!.ToJsonString()}");
                    }
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
