using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Messages;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource message sign|verify</c>: Bitcoin Core's legacy <c>signmessage</c> format. Verification
/// goes through <see cref="Schemes"/>, so BIP322 (src/OPSource.Bitcoin/Bip322/) is added by
/// appending its <see cref="IMessageSignatureScheme"/> there.
/// </summary>
internal static class MessageCommand
{
    /// <summary>
    /// Verification schemes, tried in order; the first whose <see cref="IMessageSignatureScheme.CanVerify"/>
    /// accepts the address decides. Extension point: add the BIP322 scheme here.
    /// </summary>
    internal static IReadOnlyList<IMessageSignatureScheme> Schemes { get; } = [LegacyMessageSigner.Instance];

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("message", "Sign and verify messages (Bitcoin Core legacy format)");
        command.Add(CreateSign(globals, output, error));
        command.Add(CreateVerify(globals, output, error));
        return command;
    }

    private static Command CreateSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var wifOption = new Option<string>("--wif")
        {
            Description = "Private key in WIF for --network (its compression flag picks the P2PKH address)",
            Required = true,
        };
        var messageArgument = new Argument<string>("message") { Description = "The message to sign" };
        var command = new Command("sign", "Sign a message with a private key (like Core's signmessagewithprivkey)")
        {
            wifOption, messageArgument,
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
                var signature = LegacyMessageSigner.Sign(wif, message);
                var address = Address.P2pkh(wif.PrivateKey.PublicKey, network, wif.IsCompressed);
                var json = new JsonObject
                {
                    ["signature"] = signature,
                    ["address"] = address.ToString(),
                    ["format"] = LegacyMessageSigner.Instance.Name,
                };
                ctx.WriteResult(json, w => w.WriteLine(signature));
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateVerify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var addressArgument = new Argument<string>("address") { Description = "The address that signed" };
        var signatureArgument = new Argument<string>("signature") { Description = "Base64 signature" };
        var messageArgument = new Argument<string>("message") { Description = "The signed message" };
        var command = new Command("verify", "Verify a signed message (like Core's verifymessage); exit 1 when it does not verify")
        {
            addressArgument, signatureArgument, messageArgument,
        };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = Network.Get(ctx.Network);
            if (!Address.TryParse(parse.GetValue(addressArgument), network, out var address, out var addressError))
            {
                throw new CliUserException(addressError);
            }

            var scheme = Schemes.FirstOrDefault(s => s.CanVerify(address))
                ?? throw new CliUserException($"message: no signature scheme for {AddressCommand.TypeName(address.Type)} addresses here; legacy signing needs a P2PKH address");
            var result = scheme.Verify(address, parse.GetValue(signatureArgument) ?? string.Empty, parse.GetValue(messageArgument) ?? string.Empty);
            if (result != MessageVerificationResult.Ok)
            {
                throw new CliUserException("message: " + LegacyMessageSigner.Describe(result));
            }

            var json = new JsonObject
            {
                ["valid"] = true,
                ["address"] = address.ToString(),
                ["format"] = scheme.Name,
            };
            ctx.WriteResult(json, w => w.WriteLine($"valid: signature by {address} ({scheme.Name})"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
