using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource message sign|verify</c>: Bitcoin Core's legacy <c>signmessage</c> format for P2PKH
/// and BIP322 (src/OPSource.Bitcoin/Bip322/) simple/full signatures for any address, chosen with
/// <c>--format</c> (default: legacy for P2PKH, BIP322 simple otherwise).
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
        var command = new Command("message", "Sign and verify messages (Bitcoin Core legacy format and BIP322 simple/full)");
        command.Add(CreateSign(globals, output, error));
        command.Add(CreateVerify(globals, output, error));
        return command;
    }

    private static readonly string[] FormatNames = ["legacy", "simple", "full"];

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
        _ => throw new CliUserException($"message: --format must be one of {string.Join(", ", FormatNames)}"),
    };

    private static string FormatName(Bip322Format format) => format switch
    {
        Bip322Format.Legacy => "legacy",
        Bip322Format.Simple => "bip322-simple",
        Bip322Format.Full => "bip322-full",
        _ => "bip322-proof-of-funds",
    };

    private static Command CreateSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var wifOption = new Option<string>("--wif")
        {
            Description = "Private key in WIF for --network",
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
        var formatOption = FormatOption("legacy (P2PKH only), simple or full (BIP322); default: legacy for P2PKH, simple otherwise");
        var messageArgument = new Argument<string>("message") { Description = "The message to sign" };
        var command = new Command("sign", "Sign a message: Core's legacy format for P2PKH, BIP322 simple/full for any single-key address")
        {
            wifOption, addressOption, typeOption, formatOption, messageArgument,
        };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            if (!Wif.TryParse(parse.GetValue(wifOption), network, out var wif, out var wifError))
            {
                throw new CliUserException(wifError);
            }

            using (wif)
            {
                var message = parse.GetValue(messageArgument) ?? string.Empty;
                var addressText = parse.GetValue(addressOption);
                var type = parse.GetValue(typeOption);
                if (addressText is not null && type is not null)
                {
                    throw new CliUserException("message: give --address or --address-type, not both");
                }

                Address address;
                if (addressText is not null)
                {
                    if (!Address.TryParse(addressText, network, out var parsed, out var addressError))
                    {
                        throw new CliUserException(addressError);
                    }

                    address = parsed;
                }
                else
                {
                    var pub = wif.PrivateKey.PublicKey;
                    address = type switch
                    {
                        "p2wpkh" => Address.P2wpkh(pub, network),
                        "p2sh-p2wpkh" => Address.P2shP2wpkh(pub, network),
                        "p2tr" => Address.P2tr(TaprootOutputKey(wif.PrivateKey.XOnlyPublicKey), network),
                        _ => Address.P2pkh(pub, network, wif.IsCompressed),
                    };
                }

                // Default: Core's legacy format for P2PKH, BIP322 simple for segwit and taproot.
                var format = ParseFormat(parse.GetValue(formatOption)) ?? (address is P2pkhAddress ? Bip322Format.Legacy : Bip322Format.Simple);
                string signature;
                try
                {
                    signature = Bip322Message.Sign(wif, address, message, format);
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
                ctx.WriteResult(json, w => w.WriteLine(signature));
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static OPSource.Crypto.Secp256k1.XOnlyPublicKey TaprootOutputKey(OPSource.Crypto.Secp256k1.XOnlyPublicKey internalKey)
    {
        // BIP341/BIP86: key-path-only output key Q = P + hash_TapTweak(P)·G.
        Span<byte> tweak = stackalloc byte[32];
        OPSource.Crypto.Hashes.TaggedHash("TapTweak", internalKey.ToBytes(), tweak);
        return internalKey.TryAddTweak(tweak, out var output, out _)
            ? output
            : throw new CliUserException("message: taproot tweak failed for this key");
    }

    private static Command CreateVerify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var addressArgument = new Argument<string>("address") { Description = "The address that signed" };
        var signatureArgument = new Argument<string>("signature") { Description = "Base64 signature (legacy, or BIP322 simple/full, optionally smp/ful-prefixed)" };
        var messageArgument = new Argument<string>("message") { Description = "The signed message" };
        var formatOption = FormatOption("Require this format (default: detect legacy for P2PKH, else BIP322)");
        var command = new Command("verify", "Verify a signed message (legacy or BIP322); exit 1 when it does not verify")
        {
            addressArgument, signatureArgument, messageArgument, formatOption,
        };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            if (!Address.TryParse(parse.GetValue(addressArgument), network, out var address, out var addressError))
            {
                throw new CliUserException(addressError);
            }

            var signature = parse.GetValue(signatureArgument) ?? string.Empty;
            var message = parse.GetValue(messageArgument) ?? string.Empty;
            var required = ParseFormat(parse.GetValue(formatOption));
            Bip322Format format;
            if (required == Bip322Format.Legacy || (required is null && LooksLegacy(address, signature)))
            {
                var scheme = Schemes.FirstOrDefault(s => s.CanVerify(address) && s is LegacyMessageSigner)
                    ?? throw new CliUserException($"message: the legacy format needs a P2PKH address, not {AddressCommand.TypeName(address.Type)}");
                var legacy = scheme.Verify(address, signature, message);
                if (legacy != MessageVerificationResult.Ok)
                {
                    throw new CliUserException("message: " + LegacyMessageSigner.Describe(legacy));
                }

                format = Bip322Format.Legacy;
            }
            else
            {
                var result = Bip322Message.Verify(address, message, signature);
                if (!result.IsValid)
                {
                    throw new CliUserException(result.Error!);
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
                ["address"] = address.ToString(),
                ["format"] = FormatName(format),
            };
            ctx.WriteResult(json, w => w.WriteLine($"valid: signature by {address} ({FormatName(format)})"));
            return CliApp.ExitOk;
        }, ct));
        return command;
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
