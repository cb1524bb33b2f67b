using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Peg;
using OPSource.Platform.Funding;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource rsk address|balance|send|call|deploy|pegin|pegout|status</c>: Rootstock accounts from a BIP39 mnemonic
/// (RSK's BIP44 paths), RBTC transfers, contract calls and deployments, and the 2-way peg (section Rsk; docs/rsk.md).
/// </summary>
internal static class RskCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("rsk", "Rootstock (RSK): accounts, RBTC, contracts and the Bitcoin peg (section Rsk in the configuration)");
        command.Add(Address(globals, output, error));
        command.Add(Balance(globals, output, error));
        command.Add(Send(globals, output, error));
        command.Add(Call(globals, output, error));
        command.Add(Deploy(globals, output, error));
        command.Add(Pegin(globals, output, error));
        command.Add(Pegout(globals, output, error));
        command.Add(Status(globals, output, error));
        return command;
    }

    private static Option<string?> MnemonicOption() => new("--mnemonic-file") { Description = "File with the BIP39 words of the RSK accounts ('-' for standard input; prompted when omitted on a terminal)" };

    private static Option<uint> AccountOption() => new("--account") { Description = "Address index i of m/44'/coin'/0'/0/i", DefaultValueFactory = _ => 0 };

    private static Option<string?> Bip39Option() => new("--bip39-passphrase-file") { Description = "File holding the BIP39 passphrase, if any" };

    private static Option<bool> NoWaitOption() => new("--no-wait") { Description = "Return after broadcasting instead of waiting for the receipt" };

    private static Command Address(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var check = new Argument<string?>("address") { Description = "An address to check (checksum against Rsk:ChainId); without it, derive from the mnemonic", Arity = ArgumentArity.ZeroOrOne };
        var mnemonic = MnemonicOption();
        var account = AccountOption();
        var count = new Option<uint>("--count") { Description = "How many consecutive addresses to derive", DefaultValueFactory = _ => 1 };
        var bip39 = Bip39Option();
        var command = new Command("address", "Derive RSK addresses (EIP-1191 checksum for the configured chain) or check one") { check, mnemonic, account, count, bip39 }
            .WithExamples(
                "opsource rsk address --mnemonic-file @words.txt --network testnet",
                "opsource rsk address --mnemonic-file - --account 3 --count 2 --json < words.txt",
                "opsource rsk address 0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd --network testnet");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var options = services.Get<RskOptions>();
            if (parse.GetValue(check) is { } text)
            {
                var parsed = RskAddress.Parse(text, options.ChainId);
                ctx.WriteResult(RskViews.Address(parsed, options.ChainId), w => w.WriteLine(parsed.ToChecksumString(options.ChainId)));
                return CliApp.ExitOk;
            }

            var n = parse.GetValue(count);
            if (n is 0 or > 1000)
            {
                throw new CliUserException("--count must be from 1 to 1000");
            }

            using var seed = ReadSeed(ctx, parse.GetValue(mnemonic), parse.GetValue(bip39));
            var list = new JsonArray();
            var lines = new List<string>();
            for (var i = 0u; i < n; i++)
            {
                using var acct = RskAccount.FromSeed(seed.Span, options.Chain, checked(parse.GetValue(account) + i), options.Derivation);
                list.Add((JsonNode)RskViews.Address(acct.Address, options.ChainId, acct.Path.ToString()));
                lines.Add($"{acct.Path}  {acct.Address.ToChecksumString(options.ChainId)}");
            }

            ctx.WriteResult(n == 1 ? list[0]!.DeepClone() : list, w => lines.ForEach(w.WriteLine));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Balance(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var address = new Argument<string>("address") { Description = "RSK address" };
        var command = new Command("balance", "RBTC balance of an address (eth_getBalance)") { address }
            .WithExamples("opsource rsk balance 0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd --network testnet", "opsource rsk balance 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var parsed = RskAddress.Parse(parse.GetValue(address)!, rsk.Options.ChainId);
            var wei = await rsk.GetBalanceAsync(parsed, token).ConfigureAwait(false);
            ctx.WriteResult(RskViews.Balance(parsed, rsk.Options.ChainId, wei), w => w.WriteLine($"{RskViews.Rbtc(wei)} RBTC"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Send(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var to = new Argument<string>("to") { Description = "Recipient address" };
        var amount = new Argument<string>("amount") { Description = "0.5rbtc, 20gwei, 1000wei or RBTC decimals" };
        var data = new Option<string?>("--data") { Description = "Call data as 0x hex" + CliInput.Hint };
        var gasPrice = new Option<string?>("--gas-price") { Description = "Gas price (e.g. 0.06gwei; default: the node's eth_gasPrice)" };
        var gasLimit = new Option<ulong?>("--gas-limit") { Description = "Gas limit (default: eth_estimateGas)" };
        var nonce = new Option<ulong?>("--nonce") { Description = "Nonce (default: the account's next)" };
        var mnemonic = MnemonicOption();
        var account = AccountOption();
        var bip39 = Bip39Option();
        var noWait = NoWaitOption();
        var command = new Command("send", "Sign and send RBTC (legacy EIP-155 transaction for Rsk:ChainId); checks nonce, gas price, funds and reverts first") { to, amount, data, gasPrice, gasLimit, nonce, mnemonic, account, bip39, noWait }
            .WithExamples(
                "opsource rsk send 0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd 0.01rbtc --mnemonic-file @words.txt --network testnet",
                "opsource rsk send 0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd 1000wei --mnemonic-file - --account 1 --gas-price 0.06gwei --json < words.txt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var recipient = RskAddress.Parse(parse.GetValue(to)!, rsk.Options.ChainId);
            var value = RbtcAmount.ParseWei(parse.GetValue(amount), "amount");
            var callData = parse.GetValue(data) is { } d ? Hex(CliInput.Text(ctx, d, "--data"), "--data") : [];
            BigInteger? price = parse.GetValue(gasPrice) is { } p ? RbtcAmount.ParseWei(p, "--gas-price") : null;
            using var acct = ReadAccount(ctx, rsk.Options, parse.GetValue(mnemonic), parse.GetValue(bip39), parse.GetValue(account));
            var sent = await rsk.SendAsync(acct, new RskSendRequest(recipient, value, callData, parse.GetValue(gasLimit), price, parse.GetValue(nonce)), !parse.GetValue(noWait), token).ConfigureAwait(false);
            return WriteSent(ctx, sent, rsk.Options.ChainId);
        }, ct));
        return command;
    }

    private static Command Call(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var contract = new Argument<string>("contract") { Description = "Contract address" };
        var signature = new Argument<string>("function") { Description = "Function signature with outputs, e.g. 'balanceOf(address) returns (uint256)'" };
        var args = new Argument<string?>("args") { Description = "Arguments as a JSON array" + CliInput.Hint, Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<string?>("--from") { Description = "Caller address (msg.sender)" };
        var command = new Command("call", "Call a contract function read-only (eth_call) and decode its outputs; a revert prints its reason") { contract, signature, args, from }
            .WithExamples(
                "opsource rsk call 0x0000000000000000000000000000000001000006 'getFederationAddress() returns (string)' --network testnet",
                "opsource rsk call 0x19f64674d8a5b4e652319f5e239efd3bc969a1fe 'balanceOf(address) returns (uint256)' '[\"0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd\"]' --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var chainId = rsk.Options.ChainId;
            var target = RskAddress.Parse(parse.GetValue(contract)!, chainId);
            var function = AbiFunction.Parse(parse.GetValue(signature)!);
            var arguments = AbiCodec.FromJson(function.InputTypes, JsonArgs(ctx, parse.GetValue(args)), chainId);
            var caller = parse.GetValue(from) is { } f ? RskAddress.Parse(f, chainId) : null;
            var values = await rsk.CallAsync(target, function, arguments, caller, token).ConfigureAwait(false);
            var json = AbiCodec.ToJsonArray(function.OutputTypes, values, chainId);
            ctx.WriteResult(new JsonObject { ["contract"] = target.ToChecksumString(chainId), ["function"] = function.Signature, ["values"] = json }, w =>
            {
                foreach (var v in json)
                {
                    w.WriteLine(v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString());
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Deploy(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var bytecode = new Argument<string>("bytecode") { Description = "Init code as 0x hex (solc's bytecode)" + CliInput.Hint };
        var constructor = new Option<string?>("--constructor") { Description = "Constructor parameter types, e.g. 'uint256,string'" };
        var args = new Option<string?>("--args") { Description = "Constructor arguments as a JSON array" + CliInput.Hint };
        var value = new Option<string?>("--value") { Description = "RBTC sent to a payable constructor" };
        var gasLimit = new Option<ulong?>("--gas-limit") { Description = "Gas limit (default: eth_estimateGas)" };
        var mnemonic = MnemonicOption();
        var account = AccountOption();
        var bip39 = Bip39Option();
        var noWait = NoWaitOption();
        var command = new Command("deploy", "Deploy a contract (creation transaction) and print its address") { bytecode, constructor, args, value, gasLimit, mnemonic, account, bip39, noWait }
            .WithExamples(
                "opsource rsk deploy @Counter.bin --constructor 'uint256,string' --args '[41, \"start\"]' --mnemonic-file @words.txt --network testnet",
                "opsource rsk deploy 0x6080604052348015600e575f80fd5b50603e80601a5f395ff3fe60806040525f80fdfea164736f6c634300081e000a --mnemonic-file - --json < words.txt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var code = Hex(CliInput.Text(ctx, parse.GetValue(bytecode), "bytecode"), "bytecode");
            var types = parse.GetValue(constructor) is { } c ? AbiType.ParseList(c) : [];
            var encodedArgs = AbiCodec.Encode(types, AbiCodec.FromJson(types, JsonArgs(ctx, parse.GetValue(args)), rsk.Options.ChainId));
            var wei = parse.GetValue(value) is { } v ? RbtcAmount.ParseWei(v, "--value") : BigInteger.Zero;
            using var acct = ReadAccount(ctx, rsk.Options, parse.GetValue(mnemonic), parse.GetValue(bip39), parse.GetValue(account));
            var sent = await rsk.SendAsync(acct, new RskSendRequest(null, wei, (byte[])[.. code, .. encodedArgs], parse.GetValue(gasLimit)), !parse.GetValue(noWait), token).ConfigureAwait(false);
            return WriteSent(ctx, sent, rsk.Options.ChainId);
        }, ct));
        return command;
    }

    private static Command Pegin(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var wallet = new Option<string>("--wallet") { Description = "OPSource wallet that pays", Required = true };
        var amount = new Option<string>("--amount") { Description = "BTC to peg in (0.01btc, 1000000sat)", Required = true };
        var to = new Option<string?>("--to") { Description = "RSK destination address (default: the mnemonic's account)" };
        var refund = new Option<string?>("--refund") { Description = "P2PKH or P2SH Bitcoin address for a refund (default: rskj refunds the sender)" };
        var feeRate = new Option<decimal>("--fee-rate") { Description = "Fee rate in sat/vB", DefaultValueFactory = _ => 2m };
        var passphrase = new Option<string?>("--passphrase-file") { Description = "File holding the wallet passphrase ('-' stdin; without it, a terminal prompts)" };
        var psbtOnly = new Option<bool>("--psbt") { Description = "Only build: print the funded, unsigned PSBT (coins locked) for signing elsewhere" };
        var mnemonic = MnemonicOption();
        var account = AccountOption();
        var bip39 = Bip39Option();
        var command = new Command("pegin", "Peg in: pay the Bridge's federation address from an OPSource wallet with the RSKT OP_RETURN; signed by the wallet and broadcast through the node") { wallet, amount, to, refund, feeRate, passphrase, psbtOnly, mnemonic, account, bip39 }
            .WithExamples(
                "opsource rsk pegin --wallet treasury --amount 0.01btc --to 0x5aAeb6053F3e94c9b9A09F33669435E7EF1BEaEd --passphrase-file @pass.txt",
                "opsource rsk pegin --wallet treasury --amount 1000000sat --mnemonic-file @words.txt --refund mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn --psbt --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var chainId = rsk.Options.ChainId;
            RskAddress destination;
            if (parse.GetValue(to) is { } t)
            {
                destination = RskAddress.Parse(t, chainId);
            }
            else
            {
                using var acct = ReadAccount(ctx, rsk.Options, parse.GetValue(mnemonic), parse.GetValue(bip39), parse.GetValue(account));
                destination = acct.Address;
            }

            var refundAddress = parse.GetValue(refund) is { } r ? CliParse.Address(r, rsk.BitcoinNetwork, "--refund") : null;
            var instructions = new PeginInstructions(destination, refundAddress);
            var walletName = parse.GetValue(wallet)!;
            var pegAmount = CliParse.Amount(parse.GetValue(amount), "--amount");
            var rate = parse.GetValue(feeRate) is > 0m and var fr ? FeeRate.FromSatoshisPerVByte(fr) : throw new CliUserException("--fee-rate must be positive (sat/vB)");
            var funding = services.Get<IWalletFunding>();
            if (parse.GetValue(psbtOnly))
            {
                var bridge = await rsk.Bridge.GetInfoAsync(token).ConfigureAwait(false);
                var plan = await new PeginBuilder(funding).BuildAsync(walletName, bridge, pegAmount, rate, instructions, token).ConfigureAwait(false);
                ctx.WriteResult(RskViews.PeginPlan(plan, chainId), w =>
                {
                    w.WriteLine($"federation: {plan.Federation} ({plan.Amount.Satoshis} sat)");
                    w.WriteLine($"rsk:        {destination.ToChecksumString(chainId)}");
                    w.WriteLine($"op_return:  {Convert.ToHexStringLower(instructions.ToPayload())}");
                    w.WriteLine($"psbt:       {plan.Psbt.ToBase64()}");
                    w.WriteLine($"next:       opsource wallet psbt sign {walletName} <psbt>, then opsource wallet psbt finalize {walletName} <psbt> --broadcast");
                });
                return CliApp.ExitOk;
            }

            using (var pass = SecretInput.Read(ctx, parse.GetValue(passphrase), "--passphrase-file", $"Passphrase of wallet {walletName}"))
            {
                await services.Get<OPSource.Wallet.Service.WalletService>().UnlockAsync(walletName, pass.Memory, TimeSpan.FromMinutes(5), token).ConfigureAwait(false);
            }

            var sent = await rsk.PeginAsync(walletName, pegAmount, rate, instructions, funding, services.Get<IPsbtSigner>(), services.Get<OPSource.Chain.ITransactionBroadcaster>(), token).ConfigureAwait(false);
            ctx.WriteResult(RskViews.PeginSent(sent, chainId), w =>
            {
                w.WriteLine(sent.TxId.ToString());
                w.WriteLine($"federation: {sent.Plan.Federation} ({sent.Plan.Amount.Satoshis} sat, fee {sent.FeeSatoshis} sat)");
                w.WriteLine($"rsk:        {destination.ToChecksumString(chainId)}");
                w.WriteLine($"next:       opsource rsk status --pegin {sent.TxId} (once the Bridge has registered it)");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Pegout(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var amount = new Argument<string>("amount") { Description = "BTC to peg out (0.01btc, 1000000sat), sent as RBTC to the Bridge" };
        var mnemonic = MnemonicOption();
        var account = AccountOption();
        var bip39 = Bip39Option();
        var noWait = NoWaitOption();
        var command = new Command("pegout", "Peg out: send RBTC to the Bridge (0x...01000006); follow it with 'rsk status --pegout HASH'") { amount, mnemonic, account, bip39, noWait }
            .WithExamples("opsource rsk pegout 0.005btc --mnemonic-file @words.txt --network testnet", "opsource rsk pegout 500000sat --mnemonic-file - --account 2 --json < words.txt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            using var acct = ReadAccount(ctx, rsk.Options, parse.GetValue(mnemonic), parse.GetValue(bip39), parse.GetValue(account));
            var sent = await rsk.PegoutAsync(acct, CliParse.Amount(parse.GetValue(amount), "amount"), !parse.GetValue(noWait), token).ConfigureAwait(false);
            return WriteSent(ctx, sent, rsk.Options.ChainId);
        }, ct));
        return command;
    }

    private static Command Status(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var pegin = new Option<string?>("--pegin") { Description = "A peg-in's Bitcoin txid: its status from the Bridge's events" };
        var pegout = new Option<string?>("--pegout") { Description = "A peg-out's RSK transaction hash: its status from the Bridge's events" };
        var tx = new Option<string?>("--tx") { Description = "An RSK transaction hash: its receipt" };
        var bridge = new Option<bool>("--bridge") { Description = "Also read the Bridge's federation address, minimum peg-in and locking cap" };
        var command = new Command("status", "The RSK node (chain id, height, gas price), or a transaction, peg-in or peg-out") { pegin, pegout, tx, bridge }
            .WithExamples(
                "opsource rsk status --network testnet",
                "opsource rsk status --bridge --json",
                "opsource rsk status --pegout 0x2f1c9a0e4d3b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f",
                "opsource rsk status --pegin 1aea355c7372f10d4c718b9263d63e4b67142ac1416df1dc741f96dd5ca07759");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var rsk = services.Get<RskService>();
            var chainId = rsk.Options.ChainId;
            if (parse.GetValue(pegin) is { } btcTxId)
            {
                var s = await rsk.Peg.GetPeginStatusAsync(btcTxId, token).ConfigureAwait(false);
                ctx.WriteResult(RskViews.Pegin(s, chainId), w => w.WriteLine($"pegin {s.BtcTxId}: {RskViews.Pegin(s, chainId)["stage"]}{(s.AmountSatoshis is { } a ? $", {a} sat to {s.Receiver!.ToChecksumString(chainId)}" : "")}"));
                return CliApp.ExitOk;
            }

            if (parse.GetValue(pegout) is { } hash)
            {
                var s = await rsk.Peg.GetPegoutStatusAsync(hash, token).ConfigureAwait(false);
                ctx.WriteResult(RskViews.Pegout(s), w => w.WriteLine($"pegout {s.RskTxHash}: {s.Stage.ToString().ToLowerInvariant()}{(s.BtcTxId is { } b ? $", bitcoin tx {b}" : "")}"));
                return CliApp.ExitOk;
            }

            if (parse.GetValue(tx) is { } txHash)
            {
                var receipt = await rsk.Rpc.GetTransactionReceiptAsync(txHash, token).ConfigureAwait(false)
                    ?? throw new RskException(RskErrorKind.NotFound, $"rsk status: no receipt for {txHash} (unknown or not mined yet)");
                ctx.WriteResult(RskViews.Receipt(receipt, chainId), w => w.WriteLine($"{receipt.TransactionHash}: {(receipt.Succeeded ? "success" : "reverted")} in block {receipt.BlockNumber}, gas {receipt.GasUsed}"));
                return CliApp.ExitOk;
            }

            var status = await rsk.GetStatusAsync(token).ConfigureAwait(false);
            var json = RskViews.Status(status, rsk.Options);
            BridgeInfo? info = parse.GetValue(bridge) ? await rsk.Bridge.GetInfoAsync(token).ConfigureAwait(false) : null;
            if (info is not null)
            {
                json["bridge"] = RskViews.Bridge(info);
            }

            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"node:   {rsk.Options.NodeUrl} (chain {status.ChainId}, {json["network"]})");
                w.WriteLine($"height: {status.BlockNumber}");
                w.WriteLine($"gas:    {status.GasPrice} wei");
                if (info is not null)
                {
                    w.WriteLine($"bridge: federation {info.FederationAddress}, minimum peg-in {info.MinimumPegin.Satoshis} sat, locking cap {info.LockingCap.Satoshis} sat");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static int WriteSent(CliContext ctx, RskSent sent, long chainId)
    {
        ctx.WriteResult(RskViews.Sent(sent, chainId), w =>
        {
            w.WriteLine(sent.Hash);
            if (sent.ContractAddress is not null)
            {
                w.WriteLine($"contract: {sent.ContractAddress.ToChecksumString(chainId)}");
            }

            if (sent.Receipt is not null)
            {
                w.WriteLine($"status:   {(sent.Receipt.Succeeded ? "success" : "reverted")} in block {sent.Receipt.BlockNumber}, gas {sent.Receipt.GasUsed}");
            }
        });
        if (sent.Receipt is { Succeeded: false })
        {
            ctx.Error.WriteLine($"error: rsk: transaction {sent.Hash} reverted");
            return CliApp.ExitUserError;
        }

        return CliApp.ExitOk;
    }

    private static Bip39Seed ReadSeed(CliContext ctx, string? mnemonicFile, string? bip39File)
    {
        using var words = SecretInput.Read(ctx, mnemonicFile, "--mnemonic-file", "BIP39 words of the RSK accounts");
        if (words.IsEmpty)
        {
            throw new CliUserException("rsk: give the account's BIP39 words with --mnemonic-file FILE or '-' (standard input)");
        }

        if (!Mnemonic.TryParse(words.Memory.Span, out var mnemonic, out var parseError))
        {
            throw new CliUserException("--mnemonic-file: " + parseError);
        }

        using (mnemonic)
        {
            using var pass = bip39File is { } b ? SecretInput.Read(ctx, b, "--bip39-passphrase-file", "") : SecretInput.None();
            return mnemonic.DeriveSeed(pass.Memory.Span);
        }
    }

    private static RskAccount ReadAccount(CliContext ctx, RskOptions options, string? mnemonicFile, string? bip39File, uint index)
    {
        using var seed = ReadSeed(ctx, mnemonicFile, bip39File);
        return RskAccount.FromSeed(seed.Span, options.Chain, index, options.Derivation);
    }

    private static JsonArray JsonArgs(CliContext ctx, string? value)
    {
        if (value is null)
        {
            return [];
        }

        var text = CliInput.Text(ctx, value, "args");
        try
        {
            return JsonNode.Parse(text) as JsonArray ?? throw new CliUserException("args: must be a JSON array");
        }
        catch (JsonException ex)
        {
            throw new CliUserException($"args: not JSON: {ex.Message}", ex);
        }
    }

    private static byte[] Hex(string text, string what)
    {
        var body = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return body.Length % 2 == 0 && body.All(char.IsAsciiHexDigit)
            ? Convert.FromHexString(body)
            : throw new CliUserException($"{what}: not hex");
    }
}
