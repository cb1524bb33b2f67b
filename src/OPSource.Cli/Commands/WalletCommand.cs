using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.Wallet;
using OPSource.Wallet.Service;
using PsbtDocument = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource wallet ...</c>: the descriptor wallets of this installation (docs/wallet.md), a thin adapter over
/// <see cref="WalletService"/>. Passphrases and mnemonics come from a file (<c>--passphrase-file</c>,
/// <c>--mnemonic-file</c>; <c>-</c> reads standard input) or a prompt without echo, never from an argument.
/// </summary>
internal static partial class WalletCommand
{
    private const string PassphraseHelp = "File holding the wallet passphrase ('-' reads standard input; without it, a terminal prompts)";

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("wallet", "Descriptor HD wallets: create, restore, receive, send, PSBTs, fee bumps, labels, sync");
        command.Add(CreateCreate(globals, output, error));
        command.Add(CreateRestore(globals, output, error));
        command.Add(CreateList(globals, output, error));
        command.Add(CreateInfo(globals, output, error));
        command.Add(CreateAddress(globals, output, error));
        command.Add(CreateBalance(globals, output, error));
        command.Add(CreateUtxos(globals, output, error));
        command.Add(CreateHistory(globals, output, error));
        command.Add(CreateSend(globals, output, error));
        command.Add(CreateBump(globals, output, error, cpfp: false));
        command.Add(CreateBump(globals, output, error, cpfp: true));
        var psbt = new Command("psbt", "PSBTs from and for this wallet: create (funded, unsigned), sign, finalize");
        psbt.Add(CreatePsbtCreate(globals, output, error));
        psbt.Add(CreatePsbtSign(globals, output, error));
        psbt.Add(CreatePsbtFinalize(globals, output, error));
        command.Add(psbt);
        command.Add(CreateSync(globals, output, error));
        command.Add(CreateRescan(globals, output, error));
        var labels = new Command("labels", "BIP329 labels (JSON Lines)");
        labels.Add(CreateLabelsImport(globals, output, error));
        labels.Add(CreateLabelsExport(globals, output, error));
        command.Add(labels);
        command.Add(CreateExportDescriptors(globals, output, error));
        command.Add(CreateUnlock(globals, output, error));
        command.Add(CreateLock(globals, output, error));
        return command;
    }

    private static Task<int> Run(GlobalOptions globals, ParseResult parse, TextWriter output, TextWriter error, Func<CliContext, WalletService, CancellationToken, Task<int>> body, CancellationToken ct) =>
        CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            return await body(ctx, services.Get<WalletService>(), token).ConfigureAwait(false);
        }, ct);

    private static Argument<string> NameArgument() => new("name") { Description = "Wallet name" };

    private static Option<string?> PassphraseOption() => new("--passphrase-file") { Description = PassphraseHelp };

    // ------------------------------------------------------------------ create / restore

    private static Command CreateCreate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var template = new Option<string>("--template", "-t") { Description = "bip86 (taproot), bip84, bip49 or bip44", DefaultValueFactory = _ => "bip86" };
        var words = new Option<int>("--words") { Description = "Mnemonic length: 12, 15, 18, 21 or 24", DefaultValueFactory = _ => 24 };
        var account = new Option<uint>("--account") { Description = "BIP44 account number", DefaultValueFactory = _ => 0 };
        var birthday = new Option<int?>("--birthday") { Description = "First block height that can hold the wallet's transactions (default: the node's tip)" };
        var descriptor = new Option<string?>("--descriptor") { Description = "Create from a descriptor instead of a new mnemonic (watch-only unless it holds private keys)" + CliInput.Hint };
        var changeDescriptor = new Option<string?>("--change-descriptor") { Description = "Change descriptor for --descriptor" + CliInput.Hint };
        var passphrase = PassphraseOption();
        var bip39 = new Option<string?>("--bip39-passphrase-file") { Description = "File holding an optional BIP39 passphrase (the \"25th word\")" };
        var command = new Command("create", "Create a wallet from a new BIP39 mnemonic (shown once) or from descriptors") { name, template, words, account, birthday, descriptor, changeDescriptor, passphrase, bip39 }
            .WithExamples(
                "opsource wallet create treasury --passphrase-file ~/.treasury-pass",
                "opsource wallet create watch --descriptor \"tr([d34db33f/86h/0h/0h]xpub.../<0;1>/*)\"");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var walletName = parse.GetValue(name)!;
            if (parse.GetValue(descriptor) is { } d)
            {
                var text = CliInput.Text(ctx, d, "--descriptor");
                var change = parse.GetValue(changeDescriptor) is { } c ? CliInput.Text(ctx, c, "--change-descriptor") : null;
                using var pass = SecretInput.Read(ctx, parse.GetValue(passphrase), "--passphrase-file", "Wallet passphrase (only for descriptors with private keys; empty for watch-only)", confirm: true);
                var info = await wallets.ImportAsync(new ImportWalletRequest { Name = walletName, Descriptor = text, ChangeDescriptor = change, BirthdayHeight = parse.GetValue(birthday) }, pass.Memory, token).ConfigureAwait(false);
                ctx.WriteResult(WalletViews.Info(info), w => WriteInfo(w, info));
                return CliApp.ExitOk;
            }

            var request = new CreateWalletRequest
            {
                Name = walletName,
                Template = Template(parse.GetValue(template)),
                WordCount = parse.GetValue(words),
                Account = parse.GetValue(account),
                BirthdayHeight = parse.GetValue(birthday),
            };
            using var walletPass = RequirePassphrase(ctx, parse.GetValue(passphrase), confirm: true);
            using var bip39Pass = parse.GetValue(bip39) is { } b ? SecretInput.Read(ctx, b, "--bip39-passphrase-file", "") : SecretInput.None();
            var (created, mnemonic) = await wallets.CreateAsync(request, walletPass.Memory, bip39Pass.Memory, token).ConfigureAwait(false);
            using (mnemonic)
            {
                var phrase = GC.AllocateArray<char>(mnemonic.PhraseLength, pinned: true);
                try
                {
                    mnemonic.CopyPhraseTo(phrase);
                    WriteWithMnemonic(ctx, created, phrase);
                }
                finally
                {
                    Array.Clear(phrase);
                }
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>The result plus the new mnemonic, written from the char buffer (no string of it is made).</summary>
    private static void WriteWithMnemonic(CliContext ctx, WalletInfo info, char[] phrase)
    {
        if (!ctx.Json)
        {
            WriteInfo(ctx.Out, info);
            ctx.Out.Write("mnemonic: ");
            ctx.Out.Write(phrase);
            ctx.Out.WriteLine();
            ctx.Error.WriteLine($"Write down the {phrase.Count(c => c == ' ') + 1} words and keep them offline: they are the only backup of wallet '{info.Name}' and are not shown again.");
            return;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WalletViews.WriteInfoWithMnemonic(writer, info, phrase);
        }

        var chars = GC.AllocateArray<char>(Encoding.UTF8.GetCharCount(buffer.WrittenSpan), pinned: true);
        try
        {
            Encoding.UTF8.GetChars(buffer.WrittenSpan, chars);
            ctx.Out.Write(chars);
            ctx.Out.WriteLine();
        }
        finally
        {
            Array.Clear(chars);
            buffer.Clear();
        }
    }

    private static Command CreateRestore(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var mnemonicFile = new Option<string?>("--mnemonic-file") { Description = "File holding the BIP39 words ('-' reads standard input; without it, a terminal prompts)" };
        var template = new Option<string>("--template", "-t") { Description = "bip86 (taproot), bip84, bip49 or bip44", DefaultValueFactory = _ => "bip86" };
        var account = new Option<uint>("--account") { Description = "BIP44 account number", DefaultValueFactory = _ => 0 };
        var birthday = new Option<int?>("--birthday") { Description = "First block height to scan (default 0: the whole chain)" };
        var passphrase = PassphraseOption();
        var bip39 = new Option<string?>("--bip39-passphrase-file") { Description = "File holding the BIP39 passphrase, if the wallet had one" };
        var command = new Command("restore", "Restore a wallet from its BIP39 mnemonic; the next sync scans from the birthday") { name, mnemonicFile, template, account, birthday, passphrase, bip39 }
            .WithExamples("opsource wallet restore treasury --mnemonic-file - --passphrase-file ~/.treasury-pass < words.txt");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            using var words = SecretInput.Read(ctx, parse.GetValue(mnemonicFile), "--mnemonic-file", "BIP39 words");
            if (words.IsEmpty)
            {
                throw new CliUserException("wallet restore: give the words with --mnemonic-file FILE or '-' (standard input)");
            }

            if (!Mnemonic.TryParse(words.Memory.Span, out var mnemonic, out var parseError))
            {
                throw parseError.ToException();
            }

            using (mnemonic)
            {
                using var walletPass = RequirePassphrase(ctx, parse.GetValue(passphrase), confirm: true);
                using var bip39Pass = parse.GetValue(bip39) is { } b ? SecretInput.Read(ctx, b, "--bip39-passphrase-file", "") : SecretInput.None();
                var info = await wallets.RestoreAsync(new CreateWalletRequest
                {
                    Name = parse.GetValue(name)!,
                    Template = Template(parse.GetValue(template)),
                    Account = parse.GetValue(account),
                    BirthdayHeight = parse.GetValue(birthday),
                }, mnemonic, walletPass.Memory, bip39Pass.Memory, token).ConfigureAwait(false);
                ctx.WriteResult(WalletViews.Info(info), w => WriteInfo(w, info));
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static WalletTemplate Template(string? text) =>
        DescriptorTemplates.TryParse(text, out var template) ? template : throw new CliUserException($"--template: '{text}' is not bip86, bip84, bip49 or bip44");

    private static SecretInput RequirePassphrase(CliContext ctx, string? source, bool confirm = false)
    {
        var secret = SecretInput.Read(ctx, source, "--passphrase-file", "Wallet passphrase", confirm);
        if (secret.IsEmpty)
        {
            throw new CliUserException("the wallet passphrase is required: give --passphrase-file FILE (or '-' for standard input)");
        }

        return secret;
    }

    // ------------------------------------------------------------------ reading

    private static Command CreateList(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List the wallets with their balances")
            .WithExamples("opsource wallet list", "opsource wallet list --json | jq -r '.[].name'");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var list = await wallets.ListAsync(token).ConfigureAwait(false);
            ctx.WriteResult(new JsonArray([.. list.Select(i => (JsonNode)WalletViews.Info(i))]), w =>
            {
                foreach (var i in list)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i.Name}\t{(i.WatchOnly ? "watch-only" : i.SecretKind)}\t{i.Balance.Total.ToBtcString()} BTC\theight {i.Tip.Height}"));
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateInfo(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("info", "Show a wallet: descriptors, tip, balances, counts") { name }
            .WithExamples("opsource wallet info treasury", "opsource wallet info treasury --json | jq .tip_height");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var info = await wallets.GetInfoAsync(parse.GetValue(name)!, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Info(info), w => WriteInfo(w, info));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static void WriteInfo(TextWriter w, WalletInfo i)
    {
        w.WriteLine($"wallet:    {i.Name} ({i.Network}, {(i.WatchOnly ? "watch-only" : i.SecretKind)})");
        w.WriteLine($"receive:   {i.ExternalDescriptor}");
        if (i.InternalDescriptor is { } change)
        {
            w.WriteLine($"change:    {change}");
        }

        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tip:       {i.Tip.Height} {i.Tip.Hash} (birthday {i.BirthdayHeight})"));
        WriteBalance(w, i.Balance);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"history:   {i.TransactionCount} transactions, {i.UtxoCount} unspent outputs"));
    }

    private static void WriteBalance(TextWriter w, WalletBalance b)
    {
        w.WriteLine($"confirmed: {b.Confirmed.ToBtcString()} BTC");
        w.WriteLine($"pending:   {b.TrustedPending.ToBtcString()} BTC trusted, {b.UntrustedPending.ToBtcString()} BTC untrusted");
        w.WriteLine($"immature:  {b.Immature.ToBtcString()} BTC");
    }

    private static Command CreateAddress(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var change = new Option<bool>("--change") { Description = "A change address instead of a receive address" };
        var unused = new Option<bool>("--unused") { Description = "The lowest revealed address nobody paid yet (instead of a new one)" };
        var list = new Option<bool>("--list") { Description = "List the revealed addresses instead" };
        var command = new Command("address", "Hand out the next receive (or change) address; it is saved before it is shown") { name, change, unused, list }
            .WithExamples(
                "opsource wallet address treasury",
                "opsource wallet address treasury --unused --json | jq -r .address",
                "opsource wallet address treasury --change --list");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var keychain = parse.GetValue(change) ? WalletKeychain.Internal : WalletKeychain.External;
            var walletName = parse.GetValue(name)!;
            if (parse.GetValue(list))
            {
                var all = await wallets.ListAddressesAsync(walletName, keychain, token).ConfigureAwait(false);
                ctx.WriteResult(new JsonArray([.. all.Select(a => (JsonNode)WalletViews.Address(a))]), w =>
                {
                    foreach (var a in all)
                    {
                        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Index}\t{a.Address}\t{(a.Used ? "used" : "unused")}"));
                    }
                });
                return CliApp.ExitOk;
            }

            var address = parse.GetValue(unused)
                ? await wallets.GetUnusedAddressAsync(walletName, keychain, token).ConfigureAwait(false)
                : await wallets.GetNewAddressAsync(walletName, keychain, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Address(address), w => w.WriteLine(address.Address?.ToString() ?? address.ScriptPubKey.ToHex()));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateBalance(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("balance", "Balances: confirmed, trusted and untrusted pending, immature (as Core's getbalances)") { name }
            .WithExamples("opsource wallet balance treasury", "opsource wallet balance treasury --json | jq .confirmed_sat");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var balance = await wallets.GetBalanceAsync(parse.GetValue(name)!, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Balance(balance), w => WriteBalance(w, balance));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateUtxos(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("utxos", "Unspent outputs") { name }
            .WithExamples("opsource wallet utxos treasury", "opsource wallet utxos treasury --json | jq '[.[].amount_sat] | add'");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var utxos = await wallets.ListUnspentAsync(parse.GetValue(name)!, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonArray([.. utxos.Select(u => (JsonNode)WalletViews.Utxo(u, wallets.Network))]), w =>
            {
                foreach (var u in utxos)
                {
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{u.OutPoint}\t{u.Value.ToBtcString()} BTC\t{u.Confirmations} conf{(u.IsLocked ? "\tlocked" : "")}{(u.IsMature ? "" : "\timmature")}"));
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateHistory(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("history", "Transactions, oldest first, with the amounts for this wallet") { name }
            .WithExamples("opsource wallet history treasury", "opsource wallet history treasury --json | jq -r '.[] | [.txid, .net_sat] | @tsv'");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var walletName = parse.GetValue(name)!;
            var txs = await wallets.ListTransactionsAsync(walletName, token).ConfigureAwait(false);
            var labels = (await wallets.ListLabelsAsync(walletName, token).ConfigureAwait(false)).Where(l => l.Type == "tx").ToDictionary(l => l.Ref, l => l.Label, StringComparer.Ordinal);
            ctx.WriteResult(new JsonArray([.. txs.Select(t => (JsonNode)WalletViews.Transaction(t, labels.GetValueOrDefault(t.TxId.ToString())))]), w =>
            {
                foreach (var t in txs)
                {
                    var net = t.Net.Satoshis >= 0 ? "+" + t.Net.ToBtcString() : t.Net.ToBtcString();
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.TxId}\t{net} BTC\t{(t.Confirmations > 0 ? $"{t.Confirmations} conf" : "pending")}\t{labels.GetValueOrDefault(t.TxId.ToString())}").TrimEnd());
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    // ------------------------------------------------------------------ spending

    /// <summary>The options every spend-building command shares.</summary>
    private sealed class SpendOptions
    {
        public Argument<string> Address { get; } = new("address") { Description = "Destination address" };

        public Argument<string> Amount { get; } = new("amount") { Description = "Amount: 0.001btc, 100000sat, plain BTC (at most 8 decimals), or 'max' to send everything" };

        public Option<string[]> Outputs { get; } = new("--output") { Description = "Another payment ADDRESS=AMOUNT (repeatable)" };

        public Option<string?> FeeRate { get; } = new("--fee-rate") { Description = "Fee rate in sat/vB (default: the fee model's rate when Ml:FeeModel:Enabled, else the node's estimate; never below Wallet:MinFeeRate, else Wallet:FallbackFeeRate)" };

        public Option<int?> ConfTarget { get; } = new("--target", "--conf-target") { Description = "Confirmation target in blocks for the fee model or the node's estimate (default Wallet:ConfirmationTarget)" };

        public Option<string?> OpReturn { get; } = new("--op-return") { Description = "Add an OP_RETURN output with this data (hex, at most 80 bytes)" };

        public Option<string[]> Utxos { get; } = new("--utxo") { Description = "Spend this coin, txid:vout (repeatable)" };

        public Option<string[]> Exclude { get; } = new("--exclude") { Description = "Never spend this coin, txid:vout (repeatable)" };

        public Option<bool> OnlySelected { get; } = new("--only-selected") { Description = "Spend only the --utxo coins" };

        public Option<int> MinConf { get; } = new("--min-conf") { Description = "Minimum confirmations of coins chosen automatically", DefaultValueFactory = _ => 0 };

        public Option<bool> AvoidReuse { get; } = new("--avoid-reuse") { Description = "Skip coins on addresses that were already spent from" };

        public Option<bool> NoRbf { get; } = new("--no-rbf") { Description = "Do not signal BIP125 replaceability" };

        public Option<string?> Label { get; } = new("--label") { Description = "Label the transaction (BIP329 tx label)" };

        public void AddTo(Command command)
        {
            command.Add(Address);
            command.Add(Amount);
            command.Add(Outputs);
            command.Add(FeeRate);
            command.Add(ConfTarget);
            command.Add(OpReturn);
            command.Add(Utxos);
            command.Add(Exclude);
            command.Add(OnlySelected);
            command.Add(MinConf);
            command.Add(AvoidReuse);
            command.Add(NoRbf);
            command.Add(Label);
        }

        public SpendRequest Request(ParseResult parse)
        {
            var amountText = parse.GetValue(Amount)!;
            var sendMax = string.Equals(amountText.Trim(), "max", StringComparison.OrdinalIgnoreCase);
            var payments = new List<Payment> { new(parse.GetValue(Address)!, sendMax ? OPSource.Bitcoin.Amount.Zero : CliParse.Amount(amountText, "amount")) };
            foreach (var extra in parse.GetValue(Outputs) ?? [])
            {
                var eq = extra.LastIndexOf('=');
                if (eq <= 0)
                {
                    throw new CliUserException($"--output '{CliOptions.Shorten(extra)}' must be ADDRESS=AMOUNT");
                }

                payments.Add(new Payment(extra[..eq], CliParse.Amount(extra[(eq + 1)..], "--output amount")));
            }

            byte[]? data = null;
            if (parse.GetValue(OpReturn) is { } hex && !Hex.TryParse(hex, out data, out var hexError))
            {
                throw new CliUserException("--op-return: " + hexError);
            }

            var minConf = parse.GetValue(MinConf);
            if (minConf < 0)
            {
                throw new CliUserException("--min-conf must not be negative");
            }

            return new SpendRequest
            {
                Payments = payments,
                OpReturnData = data,
                FeeRate = ParseFeeRate(parse.GetValue(FeeRate)),
                ConfirmationTarget = parse.GetValue(ConfTarget),
                SendMax = sendMax,
                MustUse = [.. (parse.GetValue(Utxos) ?? []).Select(u => ParseOutPoint(u, "--utxo"))],
                MustNotUse = [.. (parse.GetValue(Exclude) ?? []).Select(u => ParseOutPoint(u, "--exclude"))],
                AllowOtherInputs = !parse.GetValue(OnlySelected),
                MinConfirmations = minConf,
                AvoidReuse = parse.GetValue(AvoidReuse),
                EnableRbf = !parse.GetValue(NoRbf),
                Label = parse.GetValue(Label),
            };
        }
    }

    private static FeeRate? ParseFeeRate(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.EndsWith("sat/vb", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^6].TrimEnd();
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var satVb) || satVb <= 0 || satVb > 100_000
            || decimal.Round(satVb, 3) != satVb)
        {
            throw new CliUserException($"--fee-rate: '{CliOptions.Shorten(text)}' is not a fee rate in sat/vB (e.g. 2 or 1.5, at most 3 decimals)");
        }

        return OPSource.Bitcoin.FeeRate.FromSatoshisPerVByte(satVb);
    }

    private static OutPoint ParseOutPoint(string text, string what) =>
        OutPoint.TryParse(text?.Trim(), out var op) ? op : throw new CliUserException($"{what}: '{CliOptions.Shorten(text ?? "")}' is not txid:vout");

    private static TxId ParseTxId(string text) =>
        TxId.TryParse(text?.Trim(), out var txid) ? txid : throw new CliUserException($"txid: '{CliOptions.Shorten(text ?? "")}' is not a 64-digit hex transaction id");

    private static Command CreateSend(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var spend = new SpendOptions();
        var passphrase = PassphraseOption();
        var remote = new Option<bool>("--remote") { Description = "Send through the running server, which signs with the keys 'wallet unlock' holds (no passphrase needed while unlocked)" };
        var server = new RemoteOptions();
        var command = new Command("send", "Pay an address: build (Core's coin selection), sign, verify, testmempoolaccept and broadcast") { name };
        spend.AddTo(command);
        command.Add(passphrase);
        command.Add(remote);
        server.AddTo(command);
        command.WithExamples(
            "opsource wallet send treasury bcrt1q... 0.01btc --fee-rate 2 --passphrase-file ~/.pass",
            "opsource wallet send treasury bcrt1q... 0.01btc --target 3 --passphrase-file ~/.pass",
            "opsource wallet send treasury bcrt1q... max --label sweep --passphrase-file -",
            "opsource wallet send treasury bcrt1q... 0.01btc --remote --api-key-file ~/.opsource-key");
        command.SetAction((parse, ct) => parse.GetValue(remote)
            ? CliApp.Guard(globals.Bind(parse, output, error), (ctx, token) => SendRemoteAsync(ctx, parse, server, parse.GetValue(name)!, spend.Request(parse), parse.GetValue(passphrase), token), ct)
            : Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var request = spend.Request(parse);
            using var pass = RequirePassphrase(ctx, parse.GetValue(passphrase));
            var result = await wallets.SendAsync(parse.GetValue(name)!, request, pass.Memory, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Spend(result), w => WriteSpend(w, result));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static void WriteSpend(TextWriter w, SpendResult result)
    {
        w.WriteLine(result.TxId.ToString());
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fee {result.Fee.Satoshis} sat ({result.FeeRate}), {result.VSize} vB"));
        if (result.FeeSource is { } source)
        {
            w.WriteLine($"fee rate from: {WalletViews.SourceName(source.Source)} ({source.Detail})");
        }
    }

    private static Command CreateBump(GlobalOptions globals, TextWriter output, TextWriter error, bool cpfp)
    {
        var name = NameArgument();
        var txid = new Argument<string>("txid") { Description = cpfp ? "The unconfirmed transaction paying this wallet" : "The unconfirmed transaction of this wallet to replace" };
        var feeRate = new Option<string?>("--fee-rate") { Description = cpfp ? "Target package fee rate in sat/vB (default: the estimate)" : "New fee rate in sat/vB (default: the estimate, at least the old rate + 1 sat/vB)" };
        var passphrase = PassphraseOption();
        var command = cpfp
            ? new Command("cpfp", "Child-pays-for-parent: spend this wallet's outputs of an unconfirmed transaction with a fee that lifts the package to the target rate") { name, txid, feeRate, passphrase }
            : new Command("bump", "Replace an unconfirmed transaction with one paying a higher fee (BIP125, like Core's bumpfee)") { name, txid, feeRate, passphrase };
        command.WithExamples(cpfp
            ? ["opsource wallet cpfp treasury TXID --fee-rate 20 --passphrase-file ~/.treasury-pass", "opsource wallet cpfp treasury TXID --passphrase-file - --json < ~/.treasury-pass"]
            : ["opsource wallet bump treasury TXID --fee-rate 12.5 --passphrase-file ~/.treasury-pass", "opsource wallet bump treasury TXID --passphrase-file - --json < ~/.treasury-pass | jq -r .txid"]);
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var id = ParseTxId(parse.GetValue(txid)!);
            var rate = ParseFeeRate(parse.GetValue(feeRate));
            using var pass = RequirePassphrase(ctx, parse.GetValue(passphrase));
            var result = cpfp
                ? await wallets.CpfpAsync(parse.GetValue(name)!, id, rate, pass.Memory, token).ConfigureAwait(false)
                : await wallets.BumpFeeAsync(parse.GetValue(name)!, id, rate, pass.Memory, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Spend(result), w => WriteSpend(w, result));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreatePsbtCreate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var spend = new SpendOptions();
        var command = new Command("create", "Build a funded, unsigned PSBT (Core's walletcreatefundedpsbt): coins chosen and locked, change reserved") { name };
        spend.AddTo(command);
        command.WithExamples(
            "opsource wallet psbt create treasury bcrt1q... 0.01btc --fee-rate 2 > unsigned.psbt",
            "opsource wallet psbt create treasury bcrt1q... max --utxo TXID:0 --only-selected --json | jq -r .psbt");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var result = await wallets.CreatePsbtAsync(parse.GetValue(name)!, spend.Request(parse), token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Psbt(result), w => w.WriteLine(result.Psbt.ToBase64()));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static PsbtDocument ParsePsbt(CliContext ctx, string? value) =>
        PsbtDocument.TryParse(CliInput.Psbt(ctx, value), out var psbt, out var parseError) ? psbt : throw parseError.ToException();

    private static Command CreatePsbtSign(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var psbtArgument = new Argument<string>("psbt") { Description = "The PSBT, base64 or hex" + CliInput.Hint };
        var passphrase = PassphraseOption();
        var command = new Command("sign", "Sign the inputs this wallet can sign (adding its UTXO and derivation data first, like Core's walletprocesspsbt)") { name, psbtArgument, passphrase }
            .WithExamples(
                "opsource wallet psbt sign treasury @unsigned.psbt --passphrase-file ~/.treasury-pass > signed.psbt",
                "opsource wallet psbt sign cosigner @partly-signed.psbt --passphrase-file ~/.cosigner-pass --json | jq .complete");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var psbt = ParsePsbt(ctx, parse.GetValue(psbtArgument));
            using var pass = RequirePassphrase(ctx, parse.GetValue(passphrase));
            var result = await wallets.SignPsbtAsync(parse.GetValue(name)!, psbt, pass.Memory, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Signed(result), w => w.WriteLine(result.Psbt.ToBase64()));
            if (!ctx.Json)
            {
                ctx.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"signed {result.SignedInputs.Count} input(s); {(result.Complete ? "complete: finalize it" : "more signatures needed")}"));
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreatePsbtFinalize(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var psbtArgument = new Argument<string>("psbt") { Description = "The signed PSBT, base64 or hex" + CliInput.Hint };
        var broadcast = new Option<bool>("--broadcast") { Description = "Broadcast it (testmempoolaccept first) and record it in the wallet" };
        var command = new Command("finalize", "Finalize, extract and verify every input with the consensus interpreter; optionally broadcast") { name, psbtArgument, broadcast }
            .WithExamples("opsource wallet psbt finalize treasury @signed.psbt", "opsource wallet psbt finalize treasury - --broadcast --json < signed.psbt");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var psbt = ParsePsbt(ctx, parse.GetValue(psbtArgument));
            var (tx, sent) = await wallets.FinalizePsbtAsync(parse.GetValue(name)!, psbt, parse.GetValue(broadcast), token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Finalized(tx, sent), w => w.WriteLine(Convert.ToHexStringLower(tx.ToBytes())));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    // ------------------------------------------------------------------ chain

    private static Command CreateSync(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = new Argument<string?>("name") { Description = "Wallet name (omit with --all)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every wallet" };
        var command = new Command("sync", "Catch up with the node now: connect new blocks (each saved atomically), follow reorgs, record the mempool") { name, all }
            .WithExamples("opsource wallet sync treasury", "opsource wallet sync --all --json");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            IReadOnlyList<string> names;
            if (parse.GetValue(all))
            {
                names = await wallets.ListNamesAsync(token).ConfigureAwait(false);
            }
            else
            {
                names = [parse.GetValue(name) ?? throw new CliUserException("wallet sync: give a wallet name or --all")];
            }

            var results = new JsonArray();
            foreach (var walletName in names)
            {
                var progress = await wallets.SyncAsync(walletName, mempool: true, token).ConfigureAwait(false);
                results.Add((JsonNode)WalletViews.Sync(walletName, progress));
                if (!ctx.Json)
                {
                    ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{walletName}: height {progress.Tip.Height}, {progress.BlocksConnected} blocks connected, {progress.BlocksDisconnected} disconnected, {progress.TransactionsFound} transactions found"));
                }
            }

            if (ctx.Json)
            {
                ctx.WriteResult(results, _ => { });
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateRescan(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var from = new Option<int?>("--from") { Description = "Start height (default: the wallet's birthday)" };
        var command = new Command("rescan", "Scan the chain again from a height (Core's rescanblockchain), then sync") { name, from }
            .WithExamples("opsource wallet rescan treasury", "opsource wallet rescan treasury --from 850000 --json");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var walletName = parse.GetValue(name)!;
            var progress = await wallets.RescanAsync(walletName, parse.GetValue(from), token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Sync(walletName, progress), w => w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{walletName}: height {progress.Tip.Height}, {progress.BlocksConnected} blocks scanned, {progress.TransactionsFound} transactions found")));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    // ------------------------------------------------------------------ labels, descriptors

    private static Command CreateLabelsImport(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var file = new Argument<string>("file") { Description = "BIP329 JSON Lines file ('-' reads standard input)" };
        var command = new Command("import", "Import BIP329 labels; the whole file is checked first and nothing is stored when a line is invalid") { name, file }
            .WithExamples("opsource wallet labels import treasury labels.jsonl", "opsource wallet labels export old | opsource wallet labels import treasury -");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var path = parse.GetValue(file)!;
            var text = path == "-" || path.StartsWith('@') ? CliInput.Text(ctx, path, "labels", trim: false) : CliInput.Text(ctx, "@" + path, "labels", trim: false);
            var count = await wallets.ImportLabelsAsync(parse.GetValue(name)!, text, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["imported"] = count }, w => w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} label(s) imported")));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateLabelsExport(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("export", "Export every label as BIP329 JSON Lines (with fee, value, height and key path where known) on standard output") { name }
            .WithExamples("opsource wallet labels export treasury > labels.jsonl");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            // JSON Lines is the output in both modes.
            ctx.Out.Write(await wallets.ExportLabelsAsync(parse.GetValue(name)!, token).ConfigureAwait(false));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateExportDescriptors(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = NameArgument();
        var command = new Command("export-descriptors", "The wallet's public descriptors with checksums (Core's listdescriptors), to watch it elsewhere") { name }
            .WithExamples(
                "opsource wallet export-descriptors treasury",
                "opsource wallet export-descriptors treasury --json | jq -c .descriptors");
        command.SetAction((parse, ct) => Run(globals, parse, output, error, async (ctx, wallets, token) =>
        {
            var walletName = parse.GetValue(name)!;
            var info = await wallets.GetInfoAsync(walletName, token).ConfigureAwait(false);
            var descriptors = await wallets.ExportDescriptorsAsync(walletName, token).ConfigureAwait(false);
            ctx.WriteResult(WalletViews.Descriptors(walletName, descriptors, info.CreatedAt), w =>
            {
                foreach (var d in descriptors)
                {
                    w.WriteLine(d.Descriptor);
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
