using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource address validate ADDR</c>: checks an address against <c>--network</c> and describes it.</summary>
internal static class AddressCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("address", "Inspect Bitcoin addresses");
        command.Add(CreateValidate(globals, output, error));
        return command;
    }

    private static Command CreateValidate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var addressArgument = new Argument<string>("address") { Description = "The address to check" };
        var command = new Command("validate", "Check that an address is valid on --network and show its type and scriptPubKey")
        {
            addressArgument,
        };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var text = parse.GetValue(addressArgument) ?? string.Empty;
            var network = Network.Get(ctx.Network);
            if (!Address.TryParse(text, network, out var address, out var parseError))
            {
                // Say so when the address is fine but for another network.
                if (Address.TryParse(text, out var other, out _))
                {
                    var names = string.Join(", ", Network.All.Where(other.IsValidOn).Select(n => n.Name));
                    throw new CliUserException($"address: valid on {names}, not on {network.Name} (use --network)");
                }

                throw new CliUserException(parseError);
            }

            var json = new JsonObject
            {
                ["valid"] = true,
                ["address"] = address.ToString(),
                ["network"] = network.Name,
                ["validOn"] = new JsonArray(Network.All.Where(address.IsValidOn).Select(n => (JsonNode)n.Name).ToArray()),
                ["type"] = TypeName(address.Type),
                ["scriptPubKey"] = Convert.ToHexStringLower(address.ScriptPubKeyBytes),
            };
            if (address is WitnessAddress witness)
            {
                json["witnessVersion"] = witness.WitnessVersion;
                json["witnessProgram"] = Convert.ToHexStringLower(witness.Program);
            }

            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"valid:         yes ({network.Name})");
                w.WriteLine($"address:       {address}");
                w.WriteLine($"type:          {TypeName(address.Type)}");
                if (address is WitnessAddress wa)
                {
                    w.WriteLine($"witness:       v{wa.WitnessVersion} {Convert.ToHexStringLower(wa.Program)}");
                }

                w.WriteLine($"scriptPubKey:  {Convert.ToHexStringLower(address.ScriptPubKeyBytes)}");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>Names as Bitcoin Core's descriptors and RPCs spell them.</summary>
    internal static string TypeName(AddressType type) => type switch
    {
        AddressType.P2pkh => "p2pkh",
        AddressType.P2sh => "p2sh",
        AddressType.P2wpkh => "p2wpkh",
        AddressType.P2wsh => "p2wsh",
        AddressType.P2tr => "p2tr",
        AddressType.WitnessUnknown => "witness_unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
