using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource key derive KEY --path PATH</c>: a BIP32 extended key at a path, with its fingerprints, public
/// key and the key expression for descriptors. An xprv input prints an xprv (a secret); nothing is logged.
/// </summary>
internal static class KeyCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("key", "Work with BIP32 extended keys");
        command.Add(CreateDerive(globals, output, error));
        return command;
    }

    private static Command CreateDerive(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var keyArgument = new Argument<string>("key") { Description = "An extended private or public key (xprv/tprv/xpub/tpub and SLIP-132 forms)" + CliInput.Hint };
        var pathOption = new Option<string>("--path", "-p")
        {
            Description = "BIP32 path from KEY: m/84h/0h/0h/0/5, 84'/0'/0', or m (default: the key itself); hardened steps need a private key",
            DefaultValueFactory = _ => "m",
        };
        var command = new Command("derive", "Derive an extended key at a path: xprv/xpub, fingerprints (key, parent, master), public key and the [fingerprint/path]xpub key expression")
        {
            keyArgument, pathOption,
        }.WithExamples(
            "opsource key derive @master.xprv --path m/84h/0h/0h",
            "opsource mnemonic seed --json < phrase.txt | jq -r .root_xprv | opsource key derive - --path m/86h/0h/0h --json",
            "opsource key derive tpubD6NzVbkrYhZ4... --path 0/5 --network testnet");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var text = CliInput.Text(ctx, parse.GetValue(keyArgument), "key");
            var pathText = parse.GetValue(pathOption) ?? "m";
            if (!KeyPath.TryParse(pathText, out var path, out var pathError))
            {
                throw new CliUserException("--path: " + (pathError.Message.StartsWith("keypath: ", StringComparison.Ordinal) ? pathError.Message[9..] : pathError.Message));
            }

            if (ExtKey.TryParse(text, out var key, out var version, out var privateError))
            {
                using (key)
                {
                    CliParse.CheckNetwork(version, network, "key");
                    using var derived = key.Derive(path);
                    var pub = derived.Neuter();
                    Write(ctx, network, key.Depth, key.Fingerprint, path, pub, derived.ToBase58(version));
                }

                return CliApp.ExitOk;
            }

            if (ExtPubKey.TryParse(text, out var xpub, out var pubVersion, out var publicError))
            {
                CliParse.CheckNetwork(pubVersion, network, "key");
                if (path.HasHardenedStep)
                {
                    throw new CliUserException($"--path: {path.ToString(true, 'h')} has a hardened step, which needs the private key (BIP32: CKDpub only derives normal children)");
                }

                Write(ctx, network, xpub.Depth, xpub.Fingerprint, path, xpub.Derive(path), null, pubVersion);
                return CliApp.ExitOk;
            }

            // Name the private-key problem for xprv-looking input, the public one otherwise.
            throw new CliUserException("key: " + StripPrefix((text.Length >= 4 && text[1..4] is "prv" ? privateError : publicError)?.Message));
        }, ct));
        return command;
    }

    private static string StripPrefix(string? error) =>
        error is not null && error.StartsWith("bip32: ", StringComparison.Ordinal) ? error[7..] : error ?? "not an extended key";

    private static void Write(CliContext ctx, Network network, byte inputDepth, KeyFingerprint inputFingerprint, KeyPath path, ExtPubKey pub, string? xprv, ExtKeyVersion? pubVersion = null)
    {
        var xpub = pub.ToString(pubVersion ?? ExtKeyVersion.For(network, false));
        var json = new JsonObject();
        if (xprv is not null)
        {
            json["xprv"] = xprv;
        }

        json["xpub"] = xpub;
        json["network"] = network.Name;
        json["path"] = path.ToString(true, 'h');
        json["depth"] = pub.Depth;
        json["child_index"] = pub.ChildIndex;
        json["fingerprint"] = pub.Fingerprint.ToString();
        json["parent_fingerprint"] = pub.ParentFingerprint.ToString();
        json["public_key"] = Hex.Encode(pub.PublicKeyBytes);
        string keyExpression;
        if (inputDepth == 0)
        {
            // From a master key the origin is known: [master fingerprint/path]xpub, as descriptors write it.
            json["master_fingerprint"] = inputFingerprint.ToString();
            keyExpression = path.Length == 0 ? xpub : $"[{inputFingerprint}/{path.ToString(false, 'h').TrimStart('/')}]{xpub}";
        }
        else
        {
            keyExpression = xpub;
        }

        json["key_expression"] = keyExpression;
        ctx.WriteResult(json, w =>
        {
            if (xprv is not null)
            {
                w.WriteLine($"xprv:               {xprv}");
            }

            w.WriteLine($"xpub:               {xpub}");
            w.WriteLine($"path:               {path.ToString(true, 'h')} (depth {pub.Depth})");
            w.WriteLine($"fingerprint:        {pub.Fingerprint} (parent {pub.ParentFingerprint}{(inputDepth == 0 ? $", master {inputFingerprint}" : string.Empty)})");
            w.WriteLine($"public key:         {Hex.Encode(pub.PublicKeyBytes)}");
            w.WriteLine($"key expression:     {keyExpression}");
        });
    }
}
