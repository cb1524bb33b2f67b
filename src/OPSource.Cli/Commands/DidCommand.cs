using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Web5;
using OPSource.Web5.Encoding;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource did create|resolve|list|export|import|sign|role</c>: DIDs over the web5 module (keys sealed in the
/// database with the passphrase from <c>OPSOURCE_WEB5_PASSPHRASE</c> or <c>{data dir}/web5.passphrase</c>).
/// </summary>
internal static class DidCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("did", "Decentralized identifiers: create, resolve, list, export, import, sign with (did:key, did:jwk, did:web, did:dht), and bind to API roles for DID login");
        command.Add(CreateCreate(globals, output, error));
        command.Add(CreateResolve(globals, output, error));
        command.Add(CreateList(globals, output, error));
        command.Add(CreateExport(globals, output, error));
        command.Add(CreateImport(globals, output, error));
        command.Add(CreateSign(globals, output, error));
        command.Add(DidRoleCommand.Create(globals, output, error));
        return command;
    }

    /// <summary>Runs a web5 action, turning typed web5 errors into user errors (exit 1).</summary>
    internal static async Task<int> Web5Action(CliContext ctx, Func<Web5Service, Task<int>> action, CancellationToken ct)
    {
        await using var services = await CliServices.OpenAsync(ctx, ct).ConfigureAwait(false);
        try
        {
            return await action(services.Get<Web5Service>()).ConfigureAwait(false);
        }
        catch (Web5Exception e)
        {
            throw new CliUserException(e.Message, e);
        }
    }

    /// <summary>Reads an argument that may be '-' (stdin) or '@file'.</summary>
    internal static string ReadArgument(CliContext ctx, string value, string what)
    {
        if (value == "-")
        {
            return ctx.In.ReadToEnd().Trim();
        }

        if (value.StartsWith('@'))
        {
            try
            {
                return File.ReadAllText(value[1..]).Trim();
            }
            catch (IOException e)
            {
                throw new CliUserException($"{what}: cannot read {value[1..]}: {e.Message}", e);
            }
        }

        return value;
    }

    private static Command CreateCreate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var method = new Option<string>("--method", "-m") { Description = "key, jwk or dht", DefaultValueFactory = _ => "dht" }.AcceptOnlyFromAmong("key", "jwk", "dht");
        var curve = new Option<string>("--curve") { Description = "Ed25519 or secp256k1 (did:dht identity keys are Ed25519)", DefaultValueFactory = _ => "Ed25519" }.AcceptOnlyFromAmong("Ed25519", "secp256k1");
        var service = new Option<string[]>("--service") { Description = "did:dht service as id,type,endpoint (repeatable), e.g. dwn,DecentralizedWebNode,https://dwn.example" };
        var command = new Command("create", "Create a DID with fresh keys and store it (did:dht is published to the gateway)") { method, curve, service }.WithExamples(
            "opsource did create --method key --curve secp256k1",
            "opsource did create --method dht --service dwn,DecentralizedWebNode,https://dwn.example.com --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var services = new List<OPSource.Web5.Dids.DidService>();
            foreach (var s in parse.GetValue(service) ?? [])
            {
                var parts = s.Split(',', 3);
                if (parts.Length != 3)
                {
                    throw new CliUserException($"--service '{s}' must be id,type,endpoint");
                }

                services.Add(new OPSource.Web5.Dids.DidService(parts[0], parts[1], JsonValue.Create(parts[2])));
            }

            var did = await web5.CreateDidAsync(parse.GetValue(method)!, parse.GetValue(curve)!, services, ct2).ConfigureAwait(false);
            ctx.WriteResult(Web5Views.Did(did), w => w.WriteLine(did.Uri));
            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateResolve(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var did = new Argument<string>("did") { Description = "The DID to resolve" };
        var command = new Command("resolve", "Resolve a DID to its DID resolution result (exit 1 with the DID error code when it fails)") { did }.WithExamples(
            "opsource did resolve did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "opsource did resolve did:web:example.com",
            "opsource did list --json | jq -r '.[0].uri' | opsource did resolve -");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var result = await web5.ResolveAsync(ReadArgument(ctx, parse.GetValue(did)!, "did"), ct2).ConfigureAwait(false);
            // The resolution result is printed in both modes (it is the JSON document the user asked for).
            ctx.Out.WriteLine(result.ToJson().ToJsonString(Web5Json.Indented));
            if (!result.Ok)
            {
                throw new CliUserException($"did resolve: {result.Error}" + (result.ErrorMessage is null ? string.Empty : $" ({result.ErrorMessage})"));
            }

            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateList(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List the DIDs stored here").WithExamples(
            "opsource did list",
            "opsource did list --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var list = await web5.ListAsync(ct2).ConfigureAwait(false);
            ctx.WriteResult(new JsonArray([.. list.Select(d => (JsonNode)Web5Views.Did(d))]), w =>
            {
                foreach (var d in list)
                {
                    w.WriteLine($"{d.Uri}\t{d.Method}\t{d.CreatedAt:yyyy-MM-ddTHH:mm:ssZ}");
                }
            });
            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateExport(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var did = new Argument<string>("did") { Description = "A stored DID" };
        var encrypt = new Option<string?>("--encrypt-passphrase-file") { Description = "Seal the export with the passphrase in this file (Argon2id + XChaCha20-Poly1305) instead of plaintext keys" };
        var outFile = new Option<string?>("--output", "-o") { Description = "Write to this file (created with mode 0600) instead of stdout" };
        var command = new Command("export", "Export a stored DID as a portable DID (web5 PortableDid JSON with its private keys)") { did, encrypt, outFile }.WithExamples(
            "opsource did export did:dht:i9xkp8ddcbcg8jwq54ox699wuzxyifsqx4jru45zodqu453ksz6y --encrypt-passphrase-file pass.txt -o alice.did.json",
            "opsource did export did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK > portable.json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var passphrase = parse.GetValue(encrypt) is { } path ? ReadSecretFile(path) : [];
            byte[] bytes = [];
            try
            {
                bytes = await web5.ExportAsync(parse.GetValue(did)!, passphrase, ct2).ConfigureAwait(false);
                if (parse.GetValue(outFile) is { } file)
                {
                    var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                    if (!OperatingSystem.IsWindows())
                    {
                        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                    }

                    await using var stream = new FileStream(file, options);
                    await stream.WriteAsync(bytes, ct2).ConfigureAwait(false);
                }
                else
                {
                    await using var stdout = Console.OpenStandardOutput();
                    if (ReferenceEquals(ctx.Out, Console.Out))
                    {
                        await stdout.WriteAsync(bytes, ct2).ConfigureAwait(false);
                        await stdout.WriteAsync("\n"u8.ToArray(), ct2).ConfigureAwait(false);
                    }
                    else
                    {
                        // Tests capture the writer; only then does the export pass through a string.
                        ctx.Out.WriteLine(System.Text.Encoding.UTF8.GetString(bytes));
                    }
                }
            }
            catch (IOException e)
            {
                throw new CliUserException("did export: " + e.Message, e);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
                CryptographicOperations.ZeroMemory(passphrase);
            }

            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateImport(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file") { Description = "Portable DID JSON file ('-' reads stdin)" };
        var decrypt = new Option<string?>("--decrypt-passphrase-file") { Description = "Passphrase file of an encrypted export" };
        var command = new Command("import", "Import a portable DID (plain or encrypted) into the key store") { file, decrypt }.WithExamples(
            "opsource did import alice.did.json --decrypt-passphrase-file pass.txt",
            "opsource did import - < portable.json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var path = parse.GetValue(file)!;
            byte[] bytes;
            try
            {
                bytes = path == "-" ? System.Text.Encoding.UTF8.GetBytes(ctx.In.ReadToEnd()) : await File.ReadAllBytesAsync(path, ct2).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CliUserException($"did import: cannot read {path}: {e.Message}", e);
            }

            var passphrase = parse.GetValue(decrypt) is { } p ? ReadSecretFile(p) : [];
            try
            {
                var did = await web5.ImportAsync(bytes, passphrase, ct2).ConfigureAwait(false);
                ctx.WriteResult(Web5Views.Did(did), w => w.WriteLine(did.Uri));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
                CryptographicOperations.ZeroMemory(passphrase);
            }

            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var did = new Argument<string>("did") { Description = "A stored DID" };
        var payload = new Argument<string>("payload") { Description = "The payload (text; '-' reads stdin, @file a file), e.g. a DID login challenge {\"challenge\",\"did\"}" };
        var relationship = new Option<string>("--relationship") { Description = "The verification relationship of the signing key", DefaultValueFactory = _ => "authentication" }
            .AcceptOnlyFromAmong("authentication", "assertionMethod");
        var command = new Command("sign", "Sign a payload as a compact JWS (kid = the DID's verification method), e.g. a DID login challenge") { did, payload, relationship }.WithExamples(
            "opsource did sign did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK '{\"challenge\":\"...\",\"did\":\"did:key:z6Mk...\"}'",
            "opsource did sign did:jwk:eyJ... @payload.json --relationship assertionMethod --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => Web5Action(ctx, async web5 =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(ReadArgument(ctx, parse.GetValue(payload)!, "payload"));
            var (jws, kid) = await web5.SignCompactAsync(parse.GetValue(did)!, bytes, parse.GetValue(relationship)!, ct2).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["jws"] = jws, ["kid"] = kid }, w => w.WriteLine(jws));
            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static byte[] ReadSecretFile(string path)
    {
        try
        {
            return Web5Service.ReadSecretFile(path);
        }
        catch (Web5Exception e)
        {
            throw new CliUserException(e.Message, e);
        }
    }
}
