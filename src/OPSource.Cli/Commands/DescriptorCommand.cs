using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource descriptor derive|checksum|info</c>: BIP380-390 output descriptors.</summary>
internal static class DescriptorCommand
{
    // Keeps a typo such as --range 0-99999999 from running for hours.
    private const uint MaxRangeSize = 100_000;

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("descriptor", "Output descriptors (BIP380-390): derive scripts and addresses, checksum, info");
        command.Add(CreateDerive(globals, output, error));
        command.Add(CreateChecksum(globals, output, error));
        command.Add(CreateInfo(globals, output, error));
        return command;
    }

    private static Argument<string> DescriptorArgument() => new("descriptor") { Description = "The descriptor (checksum optional)" + CliInput.Hint };

    // The --network decides which WIF version byte is accepted (Core: the chain's SECRET_KEY prefix).
    private static Descriptor ParseDescriptor(string? text, Network network) =>
        Descriptor.TryParse(text, network, out var descriptor, out var parseError) ? descriptor : throw parseError.ToException();

    private static Command CreateDerive(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var descriptorArgument = DescriptorArgument();
        var rangeOption = new Option<string>("--range", "-r")
        {
            Description = "Index or inclusive range START-END for ranged descriptors (default 0)",
            DefaultValueFactory = _ => "0",
        };
        var command = new Command("derive", "Derive scriptPubKeys and addresses (multipath descriptors: one list per path)")
        {
            descriptorArgument, rangeOption,
        }.WithExamples(
            "opsource descriptor derive \"wpkh([d34db33f/84h/0h/0h]xpub6DJ2dN.../0/*)\" --range 0-9",
            "opsource descriptor derive @wallet.desc --network testnet --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var (start, end) = ParseRange(parse.GetValue(rangeOption));
            using var descriptor = ParseDescriptor(CliInput.Text(ctx, parse.GetValue(descriptorArgument), "descriptor"), network);
            if (!descriptor.IsRange)
            {
                // A fixed descriptor has exactly one set of scripts.
                start = 0;
                end = 0;
            }

            var paths = new JsonArray();
            var expanded = descriptor.Expand();
            for (var p = 0; p < expanded.Count; p++)
            {
                var outputs = new JsonArray();
                // A hardened step below an xpub throws descriptor.needs_private_key, a typed user error (exit 1).
                foreach (var o in expanded[p].Derive(start, end, network))
                {
                    outputs.Add((JsonNode)new JsonObject
                    {
                        ["index"] = o.Index,
                        ["script_pubkey"] = o.ScriptPubKey.ToHex(),
                        ["address"] = o.Address?.ToString(),
                    });
                }

                paths.Add((JsonNode)new JsonObject
                {
                    ["path"] = p,
                    ["descriptor"] = expanded[p].ToString(),
                    ["outputs"] = outputs,
                });
            }

            var json = new JsonObject
            {
                ["descriptor"] = descriptor.ToString(),
                ["network"] = network.Name,
                ["is_range"] = descriptor.IsRange,
                ["paths"] = paths,
            };
            ctx.WriteResult(json, w =>
            {
                foreach (var path in paths)
                {
                    if (expanded.Count > 1)
                    {
                        w.WriteLine($"path {path!["path"]}: {path["descriptor"]}");
                    }

                    foreach (var o in path!["outputs"]!.AsArray())
                    {
                        w.WriteLine($"{o!["index"]}\t{o["script_pubkey"]}\t{(string?)o["address"] ?? "-"}");
                    }
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static (uint Start, uint End) ParseRange(string? text)
    {
        var parts = (text ?? "0").Split('-');
        if (parts.Length is < 1 or > 2
            || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !uint.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var end))
        {
            throw new CliUserException($"descriptor: --range must be INDEX or START-END with decimal indexes, got '{text}'");
        }

        if (end < start)
        {
            throw new CliUserException($"descriptor: --range end {end} is below start {start}");
        }

        if (end >= 0x80000000u)
        {
            throw new CliUserException("descriptor: --range indexes must be below 2^31 (BIP32 unhardened)");
        }

        if (end - start >= MaxRangeSize)
        {
            throw new CliUserException($"descriptor: --range covers {end - start + 1} indexes; at most {MaxRangeSize}");
        }

        return (start, end);
    }

    private static Command CreateChecksum(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var descriptorArgument = DescriptorArgument();
        var command = new Command("checksum", "Compute the BIP380 checksum (an existing #checksum is replaced)") { descriptorArgument }
            .WithExamples("opsource descriptor checksum \"tr(KEY,{pk(A),pk(B)})\"", "opsource descriptor checksum - < wallet.desc");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var text = CliInput.Text(ctx, parse.GetValue(descriptorArgument), "descriptor");
            var body = text.Split('#')[0];
            if (body.Length == 0)
            {
                throw new CliUserException("descriptor: is empty");
            }

            if (!DescriptorChecksum.TryCompute(body, out var checksum))
            {
                throw new CliUserException("descriptor: contains characters outside the BIP380 descriptor character set");
            }

            var json = new JsonObject
            {
                ["checksum"] = checksum,
                ["descriptor"] = body + "#" + checksum,
            };
            ctx.WriteResult(json, w => w.WriteLine(body + "#" + checksum));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateInfo(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var descriptorArgument = DescriptorArgument();
        var command = new Command("info", "Describe a descriptor like Core's getdescriptorinfo: checksum, range, solvable, private keys, normalised public form") { descriptorArgument }
            .WithExamples("opsource descriptor info \"wpkh(xprv.../84h/0h/0h/0/*)\" --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            using var descriptor = ParseDescriptor(CliInput.Text(ctx, parse.GetValue(descriptorArgument), "descriptor"), network);
            var publicForm = descriptor.ToString();
            // Core getdescriptorinfo's names (descriptor, checksum, isrange, issolvable, hasprivatekeys), then OPSource's.
            var json = new JsonObject
            {
                ["descriptor"] = publicForm,
                ["checksum"] = publicForm[(publicForm.IndexOf('#', StringComparison.Ordinal) + 1)..],
                ["isrange"] = descriptor.IsRange,
                ["issolvable"] = descriptor.IsSolvable,
                ["hasprivatekeys"] = descriptor.HasPrivateKeys,
                ["type"] = descriptor.FunctionName,
                ["network"] = network.Name,
                ["multipath_count"] = descriptor.MultipathCount,
                ["normalized_descriptor"] = descriptor.ToNormalizedString(),
            };
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"type:             {json["type"]}");
                w.WriteLine($"range:            {descriptor.IsRange}");
                w.WriteLine($"solvable:         {descriptor.IsSolvable}");
                w.WriteLine($"private keys:     {descriptor.HasPrivateKeys}");
                w.WriteLine($"multipath paths:  {descriptor.MultipathCount}");
                w.WriteLine($"descriptor:       {publicForm}");
                w.WriteLine($"normalized:       {json["normalized_descriptor"]}");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
