using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Wallet.Service;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>wallet unlock|lock</c> and <c>wallet send --remote</c>: like bitcoin-cli's walletpassphrase/walletlock, they ask the
/// running server (REST <c>/api/v1/wallets/{name}/unlock|lock|send</c>) to hold the decrypted keys in its memory for a
/// while, to wipe them, and to sign with them. The keys never enter this process's memory for longer than the request.
/// </summary>
internal static partial class WalletCommand
{
    private static Command CreateUnlock(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var duration = new Option<string>("--for") { Description = "How long the server keeps the keys: a whole number with s, m, h or d (90s, 10m, 1h)", Required = true };
        var passphrase = PassphraseOption();
        var server = new RemoteOptions();
        var command = new Command("unlock", "Ask the running server to hold the wallet's keys in memory for a while (bitcoin-cli walletpassphrase)") { name, duration, passphrase };
        server.AddTo(command);
        command.WithExamples(
            "opsource wallet unlock treasury --for 10m",
            "opsource wallet unlock treasury --for 90s --passphrase-file - --server http://127.0.0.1:8080 < pass.txt",
            "opsource wallet unlock treasury --for 1h --passphrase-file @/run/secrets/treasury --api-key-file ~/.opsource-key");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var wallet = parse.GetValue(name)!;
            var seconds = CliParse.Duration(parse.GetValue(duration), "--for");
            using var pass = RequirePassphrase(ctx, parse.GetValue(passphrase));
            using var client = await server.ConnectAsync(ctx, parse, token).ConfigureAwait(false);
            var answer = await client.PostAsync(WalletPath(wallet, "unlock"), w =>
            {
                w.WriteString("passphrase", pass.Memory.Span);
                w.WriteNumber("duration_s", seconds);
            }, token).ConfigureAwait(false);
            ctx.WriteResult(answer, w => w.WriteLine($"wallet '{wallet}' unlocked on {client.BaseUri} until {(string?)answer["unlocked_until"]}"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateLock(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var server = new RemoteOptions();
        var command = new Command("lock", "Ask the running server to wipe the wallet's keys from memory now (bitcoin-cli walletlock)") { name };
        server.AddTo(command);
        command.WithExamples("opsource wallet lock treasury", "opsource wallet lock treasury --server http://127.0.0.1:8080 --api-key-file ~/.opsource-key");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var wallet = parse.GetValue(name)!;
            using var client = await server.ConnectAsync(ctx, parse, token).ConfigureAwait(false);
            var answer = await client.PostAsync(WalletPath(wallet, "lock"), _ => { }, token).ConfigureAwait(false);
            ctx.WriteResult(answer, w => w.WriteLine((bool?)answer["was_unlocked"] == true ? $"wallet '{wallet}' locked" : $"wallet '{wallet}' was not unlocked"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static async Task<int> SendRemoteAsync(CliContext ctx, ParseResult parse, RemoteOptions server, string wallet, SpendRequest request, string? passphraseSource, CancellationToken token)
    {
        // Without --passphrase-file the server signs with the keys 'wallet unlock' gave it (no prompt here).
        using var pass = passphraseSource is null ? SecretInput.None() : RequirePassphrase(ctx, passphraseSource);
        using var client = await server.ConnectAsync(ctx, parse, token).ConfigureAwait(false);
        var answer = await client.PostAsync(WalletPath(wallet, "send"), w =>
        {
            WriteSpend(w, request);
            if (!pass.IsEmpty)
            {
                w.WriteString("passphrase", pass.Memory.Span);
            }
        }, token).ConfigureAwait(false);
        ctx.WriteResult(answer, w =>
        {
            w.WriteLine((string?)answer["txid"]);
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fee {(long?)answer["fee_sat"]} sat ({(decimal?)answer["fee_rate_sat_vb"]} sat/vB), {(int?)answer["vsize"]} vB"));
            if ((string?)answer["fee_rate_source"] is { } source)
            {
                w.WriteLine($"fee rate from: {source} ({(string?)answer["fee_rate_detail"]})");
            }
        });
        return CliApp.ExitOk;
    }

    private static string WalletPath(string wallet, string action) => $"wallets/{Uri.EscapeDataString(wallet)}/{action}";

    /// <summary>The REST send body (docs/api.md) of a spend request the CLI parsed.</summary>
    private static void WriteSpend(Utf8JsonWriter w, SpendRequest request)
    {
        w.WriteStartArray("payments");
        foreach (var payment in request.Payments)
        {
            w.WriteStartObject();
            w.WriteString("address", payment.Address);
            w.WriteNumber("amount_sat", payment.Amount.Satoshis);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (request.OpReturnData is { } data)
        {
            w.WriteString("op_return_hex", Convert.ToHexStringLower(data));
        }

        if (request.FeeRate is { } rate)
        {
            w.WriteNumber("fee_rate_sat_vb", rate.SatoshisPerVByte);
        }

        if (request.ConfirmationTarget is { } target)
        {
            w.WriteNumber("conf_target", target);
        }

        w.WriteBoolean("send_max", request.SendMax);
        WriteOutPoints(w, "utxos", request.MustUse);
        WriteOutPoints(w, "exclude", request.MustNotUse);
        w.WriteBoolean("only_selected", !request.AllowOtherInputs);
        w.WriteNumber("min_conf", request.MinConfirmations);
        w.WriteBoolean("avoid_reuse", request.AvoidReuse);
        w.WriteBoolean("rbf", request.EnableRbf);
        if (request.Label is { } label)
        {
            w.WriteString("label", label);
        }
    }

    private static void WriteOutPoints(Utf8JsonWriter w, string name, IReadOnlyList<OPSource.Bitcoin.Transactions.OutPoint> outPoints)
    {
        w.WriteStartArray(name);
        foreach (var op in outPoints)
        {
            w.WriteStringValue(op.ToString());
        }

        w.WriteEndArray();
    }
}
