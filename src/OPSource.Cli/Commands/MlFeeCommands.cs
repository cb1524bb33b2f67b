using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.ML.Fees;
using OPSource.ML.Hardware;
#if OPSOURCE_ML_TRAINING
using OPSource.ML.Training;
#endif

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource ml ingest|train|evaluate|predict</c>: the fee models' data pipeline, training, evaluation against
/// mempool.space's recommendations and baselines, and predictions (docs/ml.md).
/// </summary>
internal static class MlFeeCommands
{
    public static void AddTo(Command ml, GlobalOptions globals, TextWriter output, TextWriter error)
    {
        ml.Add(Ingest(globals, output, error));
        ml.Add(Train(globals, output, error));
        ml.Add(Evaluate(globals, output, error));
        ml.Add(Predict(globals, output, error));
    }

    private static Option<string> Blockstats() => new("--blockstats") { Description = "getblockstats CSV (plain or .gz), e.g. shared/data/fees/blockstats.csv.gz" };

    private static Option<string> Snapshots() => new("--snapshots") { Description = "Mempool snapshots CSV (plain or .gz) in the data set's columns" };

    private static Option<string> ModelDir() => new("--model") { Description = "Model directory (default: Ml:FeeModel:Path, {data dir}/ml/fee; forecast: {data dir}/ml/forecast)" };

    private static Command Ingest(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var blockstats = Blockstats();
        var snapshots = Snapshots();
        var node = new Option<bool>("--node") { Description = "Ingest from the node: getblockstats of missing blocks and one getrawmempool snapshot" };
        var from = new Option<int?>("--from") { Description = "With --node: first height to backfill" };
        var to = new Option<int?>("--to") { Description = "With --node: last height to backfill (default: the tip)" };
        var follow = new Option<bool>("--follow") { Description = "With --node: keep ingesting new blocks and a snapshot every --interval until interrupted" };
        var interval = new Option<int>("--interval") { Description = "Seconds between live snapshots with --follow", DefaultValueFactory = _ => 100 };
        var command = new Command("ingest", "Load fee data into the feature store: from CSV files or live from the node (idempotent)") { blockstats, snapshots, node, from, to, follow, interval }.WithExamples(
            "opsource ml ingest --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz",
            "opsource ml ingest --node --from 900000 --to 900143 --json",
            "opsource ml ingest --node --follow --interval 300");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var useNode = parse.GetValue(node);
            var files = (parse.GetValue(blockstats), parse.GetValue(snapshots));
            if (useNode == (files.Item1 is not null || files.Item2 is not null))
            {
                throw new CliUserException("ml ingest: give --blockstats/--snapshots files or --node (one of them)");
            }

            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var store = services.Get<FeeStore>();
            var json = new JsonObject();
            if (!useNode)
            {
                if (files.Item1 is { } b)
                {
                    var count = await store.AddBlocksAsync(FeeCsv.ReadBlocks(b), "file", token).ConfigureAwait(false);
                    json["blocks"] = Count(count);
                }

                if (files.Item2 is { } s)
                {
                    var count = await store.AddSnapshotsAsync(FeeCsv.ReadSnapshots(s), "file", token).ConfigureAwait(false);
                    json["snapshots"] = Count(count);
                }
            }
            else
            {
                var ingestor = new FeeIngestor(services.Get<OPSource.Chain.IBitcoinNode>(), store);
                if (parse.GetValue(follow))
                {
                    await ingestor.RunAsync(TimeSpan.FromSeconds(Math.Max(10, parse.GetValue(interval))), 1000, m => ctx.Error.WriteLine(m), token).ConfigureAwait(false);
                    return CliApp.ExitOk;
                }

                var blocks = parse.GetValue(from) is { } f
                    ? await ingestor.BackfillAsync(f, parse.GetValue(to) ?? await services.Get<OPSource.Chain.IBitcoinNode>().GetBlockCountAsync(token).ConfigureAwait(false), token).ConfigureAwait(false)
                    : await ingestor.CatchUpAsync(144, token).ConfigureAwait(false);
                var snapshot = await ingestor.SnapshotAsync(token).ConfigureAwait(false);
                json["blocks"] = Count(blocks);
                json["snapshots"] = Count(new IngestCount(1, 0));
                json["snapshot_time"] = FeeModelRfc(snapshot.Time);
                json["mempool_count"] = snapshot.Count;
                json["mempool_vsize"] = snapshot.VSize;
            }

            ctx.WriteResult(json, w =>
            {
                foreach (var (name, value) in json)
                {
                    w.WriteLine($"{name}: {value?.ToJsonString()}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static JsonObject Count(IngestCount c) => new() { ["inserted"] = c.Inserted, ["already_present"] = c.AlreadyPresent };

    private static string FeeModelRfc(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<(IReadOnlyList<BlockRow> Blocks, IReadOnlyList<SnapshotRow> Snapshots)> LoadAsync(CliContext ctx, string? blockstats, string? snapshots, bool needSnapshots, CancellationToken token)
    {
        if (blockstats is not null && (snapshots is not null || !needSnapshots))
        {
            return (FeeCsv.ReadBlocks(blockstats), needSnapshots ? FeeCsv.ReadSnapshots(snapshots!) : []);
        }

        if (blockstats is not null || snapshots is not null)
        {
            throw new CliUserException(needSnapshots ? "give both --blockstats and --snapshots, or neither (then the feature store is used)" : "--snapshots is not used here");
        }

        await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
        var store = services.Get<FeeStore>();
        var blocks = await store.GetBlocksAsync(token).ConfigureAwait(false);
        if (blocks.Count == 0)
        {
            throw new CliUserException("the feature store has no blocks: run opsource ml ingest first, or give --blockstats");
        }

        return (blocks, needSnapshots ? await store.GetSnapshotsAsync(token).ConfigureAwait(false) : []);
    }

    private static int Threads(CliContext ctx)
    {
        var (_, layers) = ConfigCommand.Load(ctx.Overrides);
        var configured = MlSettings.FromConfiguration(layers.Root.GetSection("Ml"), out _);
        return (configured ?? MlSettingsRules.Derive(HardwareDetector.Detect(ctx.DataDir)).Settings).Threads;
    }

    private static string FeeDir(CliContext ctx, string? given)
    {
        if (given is not null)
        {
            return given;
        }

        var (_, layers) = ConfigCommand.Load(ctx.Overrides);
        return MlFeeOptions.FromConfiguration(layers.Root.GetSection("Ml"), ctx.DataDir).ModelDirectory;
    }

    private static Command Train(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var kind = new Argument<string>("model") { Description = "fee or forecast" }.AcceptOnlyFromAmong("fee", "forecast");
        var blockstats = Blockstats();
        var snapshots = Snapshots();
        var model = ModelDir();
        var iterations = new Option<int>("--iterations") { Description = "Boosted trees per model", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same data + seed = same model)", DefaultValueFactory = _ => 42 };
        var onnx = new Option<bool>("--onnx") { Description = "fee: also export each target's model to ONNX next to it (ML.NET trainers)" };
        var trainer = new Option<string>("--trainer") { Description = "fee: auto (per target the best on the validation split of fasttree, lightgbm and lightgbm's quantile objective), fasttree (ML.NET), lightgbm (LightGBM's C API) or mlnet-lightgbm (ML.NET's LightGBM wrapper)", DefaultValueFactory = _ => FeeTrainers.Auto }.AcceptOnlyFromAmong([.. FeeTrainers.All]);
        var quantiles = new Option<string?>("--quantiles") { Description = "fee, lightgbm or auto: LightGBM's quantile objective; comma-separated quantiles to try, the best per target on the validation split is kept (auto's default: 0.5,0.6,0.7,0.8,0.9)" };
        var calibration = new Option<string>("--calibration") { Description = "fee: auto (per target, the mode that carried the goal best from a calibration week to the next, over three weeks of the train and validation splits), offset (one offset per target), terciles (one offset per tercile of the raw score) or budget (one offset per tercile, the overpayment budget spent on safety)", DefaultValueFactory = _ => FeeCalibrationModes.Auto }.AcceptOnlyFromAmong([.. FeeCalibrationModes.All]);
        var holdOutRegime = new Option<int?>("--hold-out-regime") { Description = "forecast: leave out the regime (contiguous height range) starting at this height from training and every choice; ml evaluate forecast --held-out then scores all of it" };
        var command = new Command("train", "Train the fee model or the block-fee forecast; writes the model and its training report") { kind, blockstats, snapshots, model, iterations, seed, onnx, trainer, quantiles, calibration, holdOutRegime }.WithExamples(
            "opsource ml train fee --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz",
            "opsource ml train fee --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz --trainer fasttree --onnx",
            "opsource ml train fee --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz --trainer lightgbm --quantiles 0.5,0.7,0.8,0.9 --model /tmp/fee-lightgbm",
            "opsource ml train forecast --blockstats ../shared/data/fees/blockstats.csv.gz --json",
            "opsource ml train forecast --blockstats ../shared/data/fees/blockstats.csv.gz --hold-out-regime 909458 --model /tmp/forecast-hold-out",
            "opsource ml train fee --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz --trainer fasttree --calibration offset --model /tmp/fee-offset",
            "opsource ml train fee --model /srv/models/fee --iterations 500");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
#if !OPSOURCE_ML_TRAINING
            await Task.CompletedTask.ConfigureAwait(false);
            throw new CliUserException(TrainingUnavailable);
#else
            var which = parse.GetValue(kind)!;
            // The options are checked before the data is read.
            var alphas = Quantiles(parse.GetValue(quantiles));
            if (alphas is not null && (which != "fee" || parse.GetValue(trainer) is not (FeeTrainers.LightGbm or FeeTrainers.Auto)))
            {
                throw new CliUserException("ml train: --quantiles needs the fee model and --trainer lightgbm or auto (the quantile objective is LightGBM's)");
            }

            if (parse.GetValue(holdOutRegime) is not null && which != "forecast")
            {
                throw new CliUserException("ml train: --hold-out-regime is for the forecast (the fee model's snapshots cover one regime)");
            }

            if (parse.GetValue(onnx) && parse.GetValue(trainer) is not (FeeTrainers.FastTree or FeeTrainers.MlNetLightGbm))
            {
                throw new CliUserException($"ml train: --onnx needs --trainer {FeeTrainers.FastTree} or {FeeTrainers.MlNetLightGbm} (ML.NET models; LightGBM's are served from their tree files)");
            }

            var (blocks, snaps) = await LoadAsync(ctx, parse.GetValue(blockstats), parse.GetValue(snapshots), which == "fee", token).ConfigureAwait(false);
            var threads = Threads(ctx);
            var history = new BlockHistory(blocks);
            JsonNode json;
            string dir;
            if (which == "fee")
            {
                dir = FeeDir(ctx, parse.GetValue(model));
                var options = new FeeTrainOptions(Seed: parse.GetValue(seed), Iterations: parse.GetValue(iterations), Threads: threads, Trainer: parse.GetValue(trainer)!, QuantileAlphas: alphas, Calibration: parse.GetValue(calibration)!);
                var trained = FeeModelTrainer.Train(FeeExample.Join(snaps, history), options, token);
                trained.Model.Save(dir);
                if (parse.GetValue(onnx))
                {
                    trained.ExportOnnx(dir);
                }

                json = JsonSerializer.SerializeToNode(trained.Model.Report, OPSource.ML.Fees.MlJsonContext.Default.FeeModelReport)!;
            }
            else
            {
                dir = parse.GetValue(model) ?? Path.Combine(ctx.DataDir, "ml", "forecast");
                var names = Segments(history);
                var examples = ForecastFeatures.Build(history);
                string? heldOut = null;
                if (parse.GetValue(holdOutRegime) is { } first)
                {
                    heldOut = first.ToString(CultureInfo.InvariantCulture);
                    var index = names.IndexOf(heldOut);
                    if (index < 0 || names.Count < 2)
                    {
                        throw new CliUserException($"ml train: --hold-out-regime {heldOut} is not the first height of a regime in the block stats, or the only one (regimes: {string.Join(", ", names)})");
                    }

                    examples = [.. examples.Where(e => e.Segment != index)];
                }

                var trained = ForecastModelTrainer.Train(examples, names, parse.GetValue(seed), parse.GetValue(iterations), threads, token);
                trained = trained.WithReport(trained.Report with { HeldOutRegime = heldOut });
                trained.Save(dir);
                json = JsonSerializer.SerializeToNode(trained.Report, OPSource.ML.Fees.MlJsonContext.Default.ForecastModelReport)!;
            }

            json["model_directory"] = Path.GetFullPath(dir);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"trained {which} model in {json["training_seconds"]} s -> {Path.GetFullPath(dir)}");
                WriteMetrics(w, json);
            });
            return CliApp.ExitOk;
#endif
        }, ct));
        return command;
    }

#if OPSOURCE_ML_TRAINING
    private static List<double>? Quantiles(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var result = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) || !(q > 0 && q < 1))
            {
                throw new CliUserException($"ml train: --quantiles: '{part}' is not a quantile between 0 and 1 (exclusive)");
            }

            result.Add(q);
        }

        return result;
    }
#endif

#if !OPSOURCE_ML_TRAINING
    /// <summary>The one-line answer of the Native AOT binary to <c>ml train</c>: ML.NET needs the JIT.</summary>
    internal static string TrainingUnavailable =>
        "ml train: this Native AOT binary serves models but cannot train them (ML.NET needs the JIT); run the same command with the framework-dependent build, "
        + Path.Combine(AppContext.BaseDirectory, "jit", "opsource") + " (published there by scripts/publish-aot.sh), or: dotnet run --project src/OPSource.Cli -c Release -- ml train ...";
#endif

    private static List<string> Segments(BlockHistory history)
    {
        var names = new List<string>();
        var blocks = history.Blocks;
        for (var i = 0; i < blocks.Count; i++)
        {
            if (i == 0 || blocks[i].Height != blocks[i - 1].Height + 1)
            {
                names.Add(blocks[i].Height.ToString(CultureInfo.InvariantCulture));
            }
        }

        return names;
    }

    private static Command Evaluate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var kind = new Argument<string>("model") { Description = "fee or forecast" }.AcceptOnlyFromAmong("fee", "forecast");
        var blockstats = Blockstats();
        var snapshots = Snapshots();
        var model = ModelDir();
        var heldOut = new Option<bool>("--held-out") { Description = "Only the rows of the model's held-out test range (fee: from the report's test start; forecast: the latest 15 % of each regime, and all of a regime left out by train --hold-out-regime)" };
        var command = new Command("evaluate", "Metrics of a trained model on any data: fee hit rate and overpayment next to mempool.space's recommendation; forecast MAE next to the baselines") { kind, blockstats, snapshots, model, heldOut }.WithExamples(
            "opsource ml evaluate fee --blockstats ../shared/data/fees/blockstats.csv.gz --snapshots ../shared/data/fees/mempool-snapshots.csv.gz --held-out --json",
            "opsource ml evaluate forecast --blockstats ../shared/data/fees/blockstats.csv.gz --held-out",
            "opsource ml evaluate fee --model /srv/models/fee --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var which = parse.GetValue(kind)!;
            var (blocks, snaps) = await LoadAsync(ctx, parse.GetValue(blockstats), parse.GetValue(snapshots), which == "fee", token).ConfigureAwait(false);
            var history = new BlockHistory(blocks);
            JsonNode json;
            if (which == "fee")
            {
                var trained = FeeModel.Load(FeeDir(ctx, parse.GetValue(model)));
                var rows = FeeExample.Join(snaps, history);
                if (parse.GetValue(heldOut))
                {
                    rows = [.. rows.Where(r => r.Time >= trained.Report.TestFrom)];
                }

                json = JsonSerializer.SerializeToNode(trained.Evaluate(rows, parse.GetValue(heldOut) ? "test" : "all"), OPSource.ML.Fees.MlJsonContext.Default.SplitMetrics)!;
            }
            else
            {
                var trained = ForecastModel.Load(parse.GetValue(model) ?? Path.Combine(ctx.DataDir, "ml", "forecast"));
                var names = Segments(history);
                var examples = ForecastFeatures.Build(history);
                var metrics = new List<ForecastMetrics>();
                // A regime and horizon without a scored origin (a short range purged by the horizon) is left out, as in
                // the training report: its MAE would be NaN.
                void Scored(ForecastMetrics m)
                {
                    if (m.Rows > 0)
                    {
                        metrics.Add(m);
                    }
                }

                foreach (var h in ForecastFeatures.Horizons)
                {
                    var all = new List<ForecastExample>();
                    foreach (var segment in examples.GroupBy(e => e.Segment))
                    {
                        var rows = segment.OrderBy(e => e.Time).ToList();
                        if (parse.GetValue(heldOut) && names[segment.Key] == trained.Report.HeldOutRegime)
                        {
                            // Never trained on nor chosen on: every origin of it is held out, reported on its own.
                            Scored(trained.Evaluate(rows, "held-out-regime", names[segment.Key], h));
                            continue;
                        }

                        rows = parse.GetValue(heldOut) ? FeeMetrics.SplitByTime(rows, e => e.Time, 0.7, 0.15, h * 3600L).Test : rows;
                        all.AddRange(rows);
                        Scored(trained.Evaluate(rows, parse.GetValue(heldOut) ? "test" : "all", names[segment.Key], h));
                    }

                    Scored(trained.Evaluate(all, parse.GetValue(heldOut) ? "test" : "all", "all", h));
                }

                json = new JsonObject { ["metrics"] = JsonSerializer.SerializeToNode(metrics, OPSource.ML.Fees.MlJsonContext.Default.ListForecastMetrics) };
            }

            ctx.WriteResult(json, w => WriteMetrics(w, json));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static void WriteMetrics(TextWriter w, JsonNode json)
    {
        static string P(JsonNode? n) => n is null ? "-" : ((double)n).ToString("0.000", CultureInfo.InvariantCulture);
        var splits = json["splits"] is JsonArray a ? a : json["targets"] is not null ? new JsonArray(json.DeepClone()) : null;
        if (splits is not null)
        {
            w.WriteLine("split       target  rows   hit(model)  overpay(model)  hit(mempool.space)  overpay(mempool.space)");
            foreach (var s in splits)
            {
                foreach (var t in s!["targets"]!.AsArray())
                {
                    w.WriteLine($"{(string)s["split"]!,-11} {(int)t!["target"]!,6} {(int)t["model"]!["rows"]!,5}   {P(t["model"]!["hit_rate"]),9}  {P(t["model"]!["median_overpayment"]),14}  {P(t["mempool_space"]?["hit_rate"]),18}  {P(t["mempool_space"]?["median_overpayment"]),22}");
                }
            }
        }

        if (json["metrics"] is JsonArray m)
        {
            w.WriteLine("split       regime   horizon  rows   MAE(model)  MAE(persistence)  MAE(last week)");
            foreach (var r in m.Where(r => json["kind"] is null || (string)r!["split"]! == "test"))
            {
                w.WriteLine($"{(string)r!["split"]!,-11} {(string)r["segment"]!,-8} {(int)r["horizon_hours"]!,6}h {(int)r["rows"]!,5}  {P(r["model_mae"]),10}  {P(r["persistence_mae"]),16}  {P(r["last_week_mae"]),14}");
            }
        }
    }

    private static Command Predict(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var kind = new Argument<string>("model") { Description = "fee" }.AcceptOnlyFromAmong("fee");
        var target = new Option<int?>("--target") { Description = "Confirmation target in blocks: 1, 3, 6 or 144 (default: all)" };
        var snapshot = new Option<string>("--snapshot") { Description = "Predict for the last row of this snapshots CSV (blocks from --blockstats or the feature store) instead of the node's mempool now" };
        var blockstats = Blockstats();
        var model = ModelDir();
        var command = new Command("predict", "Fee rate to confirm within N blocks: from the node's mempool now (next to estimatesmartfee) or from a snapshot file") { kind, target, snapshot, blockstats, model }.WithExamples(
            "opsource ml predict fee --target 6",
            "opsource ml predict fee --json",
            "opsource ml predict fee --target 1 --snapshot ../shared/data/fees/mempool-snapshots.csv.gz --blockstats ../shared/data/fees/blockstats.csv.gz");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var wanted = parse.GetValue(target);
            if (wanted is { } t && !FeeLabels.Targets.Contains(t))
            {
                throw new CliUserException($"--target {t}: the model predicts targets {string.Join(", ", FeeLabels.Targets)}");
            }

            FeePredictionSet set;
            if (parse.GetValue(snapshot) is { } file)
            {
                var rows = FeeCsv.ReadSnapshots(file);
                var last = rows.Count > 0 ? rows.MaxBy(r => r.Time)! : throw new CliUserException($"{file}: no snapshot rows");
                var (blocks, _) = await LoadAsync(ctx, parse.GetValue(blockstats), null, false, token).ConfigureAwait(false);
                var features = FeeFeatures.Build(last, new BlockHistory(blocks))
                    ?? throw new CliUserException($"the blocks given end before the snapshot at {FeeModelRfc(last.Time)} has 6 known blocks");
                var trained = FeeModel.Load(FeeDir(ctx, parse.GetValue(model)));
                set = new FeePredictionSet(
                    DateTimeOffset.FromUnixTimeSeconds(last.Time),
                    new BlockHistory(blocks).Blocks[Math.Max(0, new BlockHistory(blocks).NextIndex(last.Time) - 1)].Height,
                    trained.Report.SchemaId,
                    [.. FeeLabels.Targets.Select(x => { var r = trained.Predict(features, x); return new FeePrediction(x, r, null, FeeLabels.MinRelaySatVb, (decimal)r); })]);
            }
            else
            {
                await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
                var service = services.Get<FeeService>();
                if (parse.GetValue(model) is { } dir)
                {
                    service = new FeeService(() => services.Get<OPSource.Chain.IBitcoinNode>(), services.Get<FeeStore>(), service.Options with { ModelDirectory = dir });
                }

                set = await service.PredictLiveAsync(token).ConfigureAwait(false);
            }

            set = set with { Predictions = [.. set.Predictions.Where(p => wanted is null || p.Target == wanted)] };
            var json = JsonSerializer.SerializeToNode(set, OPSource.ML.Fees.MlJsonContext.Default.FeePredictionSet)!;
            ctx.WriteResult(json, w =>
            {
                foreach (var p in set.Predictions)
                {
                    w.WriteLine($"target {p.Target,3}: {p.BoundedSatVb.ToString("0.###", CultureInfo.InvariantCulture)} sat/vB (model {p.ModelSatVb.ToString("0.##", CultureInfo.InvariantCulture)}, node {p.NodeEstimateSatVb?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-"}, mempool min {p.MempoolMinSatVb.ToString("0.###", CultureInfo.InvariantCulture)})");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
