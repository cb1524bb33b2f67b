using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource message sign|verify</c>: Bitcoin Core's legacy <c>signmessage</c> format for P2PKH
/// and BIP322 (src/OPSource.Bitcoin/Bip322/) simple/full signatures for any address, chosen with
/// <c>--format</c> (default: legacy for P2PKH, BIP322 simple otherwise), and BIP322 proofs of funds
/// over the UTXOs of a <c>--utxos</c> JSON file.
/// </summary>
internal static class MessageCommand
{
    /// <summary>
    /// Verification schemes, tried in order; the first whose <see cref="IMessageSignatureScheme.CanVerify"/>
    /// accepts the address decides. Extension point: add the BIP322 scheme here.
    /// </summary>
    internal static IReadOnlyList<IMessageSignatureScheme> Schemes { get; } = [LegacyMessageSigner.Instance, Bip322MessageScheme.Instance];

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("message", "Sign and verify messages (Bitcoin Core legacy format and BIP322 simple/full/proof of funds)");
        command.Add(CreateSign(globals, output, error));
        command.Add(CreateVerify(globals, output, error));
        return command;
    }

    private static readonly string[] FormatNames = ["legacy", "simple", "full", "proof-of-funds"];

    private static Option<string?> FormatOption(string description) => new Option<string?>("--format", "-f")
    {
        Description = description,
    }.AcceptOnlyFromAmong(FormatNames);

    private static Bip322Format? ParseFormat(string? name) => name switch
    {
        null => null,
        "legacy" => Bip322Format.Legacy,
        "simple" => Bip322Format.Simple,
        "full" => Bip322Format.Full,
        "proof-of-funds" => Bip322Format.ProofOfFunds,
        _ => throw new CliUserException($"message: --format must be one of {string.Join(", ", FormatNames)}"),
    };

    private static string FormatName(Bip322Format format) => format switch
    {
        Bip322Format.Legacy => "legacy",
        Bip322Format.Simple => "bip322-simple",
        Bip322Format.Full => "bip322-full",
        _ => "bip322-proof-of-funds",
    };

    private static Option<string?> UtxosOption(string description) => new("--utxos")
    {
        Description = description,
    };

    private static Command CreateSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var wifOption = new Option<string[]>("--wif")
        {
            Description = "Private key in WIF for --network (repeat it for the UTXOs of a proof of funds)",
            Required = true,
        };
        var addressOption = new Option<string?>("--address", "-a")
        {
            Description = "Address to sign for (default: the key's P2PKH address, or --address-type)",
        };
        var typeOption = new Option<string?>("--address-type")
        {
            Description = "Derive the address from the key: p2pkh, p2wpkh, p2sh-p2wpkh or p2tr",
        }.AcceptOnlyFromAmong("p2pkh", "p2wpkh", "p2sh-p2wpkh", "p2tr");
        var formatOption = FormatOption("legacy (P2PKH only), simple, full or proof-of-funds (BIP322); default: proof-of-funds with --utxos, else legacy for P2PKH, simple otherwise");
        var utxosOption = UtxosOption("Proof of funds: the UTXOs to prove, JSON [{\"txid\",\"vout\",\"scriptPubKey\",\"amount\"(sat)}] as a file path, @FILE, '-' or the JSON itself; each is signed by one of the --wif keys");
        var messageArgument = new Argument<string>("message") { Description = "The message to sign" + CliInput.Hint };
        var command = new Command("sign", "Sign a message: Core's legacy format for P2PKH, BIP322 simple/full for any single-key address, or a BIP322 proof of funds")
        {
            wifOption, addressOption, typeOption, formatOption, utxosOption, messageArgument,
        }.WithExamples(
            "opsource message sign --wif @key.wif --address-type p2wpkh \"hello\"",
            "opsource message sign --wif KEY --address 1BvBM... --format simple @message.txt",
            "opsource message sign --wif KEY1 --wif KEY2 --address ADDRESS --utxos utxos.json \"reserves\"");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var utxosPath = parse.GetValue(utxosOption);
            var requested = ParseFormat(parse.GetValue(formatOption));
            if (utxosPath is not null && requested is not (null or Bip322Format.ProofOfFunds))
            {
                throw new CliUserException("message: --utxos is only for --format proof-of-funds");
            }

            if (requested == Bip322Format.ProofOfFunds && utxosPath is null)
            {
                throw new CliUserException("message: --format proof-of-funds needs --utxos FILE (the UTXOs to prove)");
            }

            var wifTexts = parse.GetValue(wifOption) ?? [];
            if (wifTexts.Length > 1 && utxosPath is null)
            {
                throw new CliUserException("message: give one --wif, or several only for a proof of funds (--utxos)");
            }

            var keys = new List<Wif>(wifTexts.Length);
            try
            {
                for (var i = 0; i < wifTexts.Length; i++)
                {
                    keys.Add(CliParse.Wif(CliInput.Text(ctx, wifTexts[i], "--wif"), network, wifTexts.Length > 1 ? $"--wif {i + 1}" : "--wif"));
                }

                if (keys.Count == 0)
                {
                    throw new CliUserException("message: --wif is required");
                }

                var wif = keys[0];
                var message = CliInput.Message(ctx, parse.GetValue(messageArgument));
                var addressText = parse.GetValue(addressOption);
                var type = parse.GetValue(typeOption);
                if (addressText is not null && type is not null)
                {
                    throw new CliUserException("message: give --address or --address-type, not both");
                }

                Address address;
                if (addressText is not null)
                {
                    address = CliParse.Address(addressText, network, "--address");
                }
                else
                {
                    var pub = wif.PrivateKey.PublicKey;
                    address = type switch
                    {
                        "p2wpkh" => Address.P2wpkh(pub, network),
                        "p2sh-p2wpkh" => Address.P2shP2wpkh(pub, network),
                        "p2tr" => Address.P2tr(AccountAddresses.Bip86OutputKey(wif.PrivateKey.XOnlyPublicKey), network),
                        _ => Address.P2pkh(pub, network, wif.IsCompressed),
                    };
                }

                // Default: a proof of funds when UTXOs are given; Core's legacy format for P2PKH, BIP322 simple otherwise.
                var format = requested ?? (utxosPath is not null ? Bip322Format.ProofOfFunds
                    : address is P2pkhAddress ? Bip322Format.Legacy : Bip322Format.Simple);
                IReadOnlyList<Bip322Utxo> utxos = utxosPath is null ? [] : ReadUtxos(ctx, utxosPath);
                string signature;
                try
                {
                    signature = format == Bip322Format.ProofOfFunds
                        ? Bip322Message.SignProofOfFunds(keys, address, message, utxos)
                        : Bip322Message.Sign(wif, address, message, format);
                }
                catch (ArgumentException e)
                {
                    throw new CliUserException(e.Message.Split(" (Parameter", 2)[0]);
                }

                var json = new JsonObject
                {
                    ["signature"] = signature,
                    ["address"] = address.ToString(),
                    ["format"] = FormatName(format),
                };
                if (format == Bip322Format.ProofOfFunds)
                {
                    json["utxos"] = utxos.Count;
                    json["amount_sat"] = utxos.Sum(u => u.Output.Value.Satoshis);
                }

                ctx.WriteResult(json, w => w.WriteLine(signature));
            }
            finally
            {
                keys.ForEach(k => k.Dispose());
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>
    /// Reads the UTXOs of a proof of funds: a JSON array of <c>{"txid","vout","scriptPubKey","amount"}</c>
    /// (amount in satoshis, as <c>consensus verify --prevouts</c> takes them) from a path, @FILE, '-' or inline.
    /// </summary>
    internal static List<Bip322Utxo> ReadUtxos(CliContext ctx, string value) =>
        SpentOutputsJson.Parse(SpentOutputsJson.Read(ctx, value, "--utxos"), "--utxos").ConvertAll(e => new Bip322Utxo(e.OutPoint, e.Output));

    private static Command CreateVerify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var addressArgument = new Argument<string>("address") { Description = "The address that signed" };
        var signatureArgument = new Argument<string>("signature") { Description = "Base64 signature (legacy, or BIP322 simple/full/proof of funds, optionally smp/ful/pof-prefixed)" + CliInput.Hint };
        var messageArgument = new Argument<string>("message") { Description = "The signed message" + CliInput.Hint };
        var formatOption = FormatOption("Require this format (default: detect legacy for P2PKH, else BIP322)");
        var utxosOption = UtxosOption("Proof of funds: your view of the UTXO set, JSON [{\"txid\",\"vout\",\"scriptPubKey\",\"amount\"(sat)}] as a file path, @FILE, '-' or the JSON itself; without it a proof of funds is inconclusive");
        var command = new Command("verify", "Verify a signed message (legacy or BIP322); exit 1 when it is not valid (invalid or inconclusive), with the result still printed")
        {
            addressArgument, signatureArgument, messageArgument, formatOption, utxosOption,
        }.WithExamples(
            "opsource message verify bc1q... \"AkcwRAIg...\" \"hello\"",
            "opsource message verify 1BvBM... @signature.txt @message.txt --json",
            "opsource message verify ADDRESS \"pofcHNid...\" \"reserves\" --utxos utxos.json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            var address = CliParse.Address(parse.GetValue(addressArgument), network);
            var signature = CliInput.Text(ctx, parse.GetValue(signatureArgument), "signature");
            var message = CliInput.Message(ctx, parse.GetValue(messageArgument));
            var required = ParseFormat(parse.GetValue(formatOption));
            var utxosPath = parse.GetValue(utxosOption);
            IReadOnlyList<Bip322Utxo>? utxos = utxosPath is null ? null : ReadUtxos(ctx, utxosPath);
            Bip322Format format;
            Bip322Verification? verified = null;
            if (required == Bip322Format.Legacy || (required is null && LooksLegacy(address, signature)))
            {
                var scheme = Schemes.FirstOrDefault(s => s.CanVerify(address) && s is LegacyMessageSigner)
                    ?? throw new CliUserException($"message: the legacy format needs a P2PKH address, not {AddressCommand.TypeName(address.Type)}");
                var legacy = scheme.Verify(address, signature, message);
                if (legacy != MessageVerificationResult.Ok)
                {
                    return Negative(ctx, address, "legacy", "invalid", "message: " + LegacyMessageSigner.Describe(legacy));
                }

                format = Bip322Format.Legacy;
            }
            else
            {
                var result = Bip322Message.Verify(address, message, signature, utxos);
                verified = result;
                if (!result.IsValid)
                {
                    return Negative(ctx, address, result.Format is { } f ? FormatName(f) : null,
                        result.State == Bip322State.Inconclusive ? "inconclusive" : "invalid", result.Error!);
                }

                if (required is not null && result.Format != required)
                {
                    throw new CliUserException($"message: signature is {FormatName(result.Format!.Value)}, not {FormatName(required.Value)} as --format requires");
                }

                format = result.Format!.Value;
            }

            var json = new JsonObject
            {
                ["valid"] = true,
                ["state"] = "valid",
                ["address"] = address.ToString(),
                ["format"] = FormatName(format),
            };
            if (format == Bip322Format.ProofOfFunds && verified is not null)
            {
                // BIP322: "valid at time T and age S", for the UTXOs it proves.
                json["lock_time"] = verified.LockTime.Value;
                json["sequence"] = verified.Sequence.Value;
                json["amount_sat"] = verified.ProvenAmount.Satoshis;
                json["utxos"] = new JsonArray([.. verified.ProvenUtxos.Select(u => (JsonNode)JsonValue.Create(u.OutPoint.ToString()))]);
            }

            ctx.WriteResult(json, w => w.WriteLine(format == Bip322Format.ProofOfFunds && verified is not null
                ? $"valid: proof of funds by {address} for {verified.ProvenUtxos.Count} UTXO(s), {verified.ProvenAmount}"
                : $"valid: signature by {address} ({FormatName(format)})"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>An invalid or inconclusive verification: the result on stdout ({"valid": false, ...} with --json), the reason on stderr, exit 1.</summary>
    private static int Negative(CliContext ctx, Address address, string? format, string state, string reason)
    {
        var json = new JsonObject
        {
            ["valid"] = false,
            ["state"] = state,
            ["address"] = address.ToString(),
            ["format"] = format,
            ["reason"] = reason,
        };
        return ctx.WriteNegativeResult(json, w => w.WriteLine($"{state}: {reason}"), reason);
    }

    // Core's verifymessage form: P2PKH with an unprefixed signature that is not a longer BIP322 payload.
    private static bool LooksLegacy(Address address, string signature)
    {
        if (address is not P2pkhAddress)
        {
            return false;
        }

        var text = signature.Trim();
        if (text.StartsWith(Bip322Message.SimplePrefix, StringComparison.Ordinal) || text.StartsWith(Bip322Message.FullPrefix, StringComparison.Ordinal) || text.StartsWith(Bip322Message.ProofOfFundsPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var buffer = new byte[text.Length];
        return !Convert.TryFromBase64String(text, buffer, out var written) || written == LegacyMessageSigner.CompactSignatureSize;
    }
}
