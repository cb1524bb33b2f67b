using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Node;
using OPSource.Layers.Stacks.Pox;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource stacks address|tx build|tx decode|call|stack|pox-info</c> (docs/stacks.md). The Stacks
/// network follows <c>--network</c>: mainnet for mainnet, testnet for every Bitcoin test network.
/// Amounts are integer micro-STX.
/// </summary>
internal static class StacksCommand
{
    private const string DefaultNode = "http://127.0.0.1:20443";
    private const ulong DefaultStackFee = 10_000;

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("stacks", "Stacks: addresses from the platform seed, SIP-005 transactions, Clarity calls and pox-4 stacking");
        command.Add(CreateAddress(globals, output, error));
        var tx = new Command("tx", "Build and decode Stacks transactions");
        tx.Add(CreateBuild(globals, output, error));
        tx.Add(CreateDecode(globals, output, error));
        command.Add(tx);
        command.Add(CreateCall(globals, output, error));
        command.Add(CreateStack(globals, output, error));
        command.Add(CreatePoxInfo(globals, output, error));
        return command;
    }

    private static StacksNetwork NetworkOf(CliContext ctx) => ctx.Network == "mainnet" ? StacksNetwork.Mainnet : StacksNetwork.Testnet;

    private sealed record KeyOptions(Option<string?> Mnemonic, Option<uint> Index, Option<string?> Key);

    private static KeyOptions AddKeyOptions(Command command)
    {
        var keys = new KeyOptions(
            new Option<string?>("--mnemonic") { Description = "BIP39 mnemonic of the platform seed" + CliInput.Hint + "; the key is m/44'/5757'/0'/0/INDEX" },
            new Option<uint>("--index") { Description = "Account index under m/44'/5757'/0'/0 (default 0)" },
            new Option<string?>("--key") { Description = "Stacks private key hex (64, or 66 ending 01 for compressed)" + CliInput.Hint });
        command.Add(keys.Mnemonic);
        command.Add(keys.Index);
        command.Add(keys.Key);
        return keys;
    }

    private static StacksPrivateKey ReadKey(CliContext ctx, System.CommandLine.ParseResult parse, KeyOptions options, out string? path)
    {
        string? mnemonicText = parse.GetValue(options.Mnemonic), keyText = parse.GetValue(options.Key);
        path = null;
        if ((mnemonicText is null) == (keyText is null))
        {
            throw new CliUserException("stacks: give --mnemonic (with --index) or --key");
        }

        if (keyText is not null)
        {
            return StacksPrivateKey.Parse(CliInput.Text(ctx, keyText, "--key"));
        }

        if (!Mnemonic.TryParse(CliInput.Text(ctx, mnemonicText, "--mnemonic"), out var mnemonic, out var error))
        {
            throw new CliUserException($"stacks: --mnemonic: {error}");
        }

        using (mnemonic)
        using (var seed = mnemonic.DeriveSeed())
        using (var master = ExtKey.CreateMaster(seed))
        {
            uint index = parse.GetValue(options.Index);
            path = StacksKeys.Path(index).ToString();
            return StacksKeys.Derive(master, index);
        }
    }

    private static Option<string> NodeOption() => new("--node") { Description = $"Stacks node RPC URL (default {DefaultNode})", DefaultValueFactory = _ => DefaultNode };

    private static StacksNodeClient Node(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        ? new StacksNodeClient(new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) })
        : throw new CliUserException($"stacks: --node '{url}' is not an http(s) URL");

    private static ulong U64(string? text, string what) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw new CliUserException($"stacks: {what} must be an integer from 0 to 2^64-1 (micro-STX for amounts and fees)");

    /// <summary>
    /// The options every transaction-building command shares: nonce and fee (integer micro-STX), the node and
    /// broadcasting to it.
    /// </summary>
    private sealed record TxOptions(Option<string?> Nonce, Option<string?> Fee, Option<string> Node, Option<bool> Broadcast)
    {
        public static TxOptions Add(Command command, string feeHelp)
        {
            var options = new TxOptions(
                new Option<string?>("--nonce") { Description = "Origin nonce (default: from --node)" },
                new Option<string?>("--fee") { Description = feeHelp },
                NodeOption(),
                new Option<bool>("--broadcast") { Description = "Send the signed transaction to --node" });
            command.Add(options.Nonce);
            command.Add(options.Fee);
            command.Add(options.Node);
            command.Add(options.Broadcast);
            return options;
        }

        public StacksNodeClient Client(System.CommandLine.ParseResult parse) => StacksCommand.Node(parse.GetValue(Node)!);

        /// <summary>--nonce, or the account's nonce from the node (<paramref name="client"/> null: an error naming both).</summary>
        public async Task<ulong> NonceAsync(System.CommandLine.ParseResult parse, StacksNodeClient? client, StacksAddress origin, string command, CancellationToken ct) =>
            parse.GetValue(Nonce) is { } n ? U64(n, "--nonce")
            : client is not null ? (await client.GetAccountAsync(origin, ct)).Nonce
            : throw new CliUserException($"stacks {command}: give --nonce, or --check to ask --node");

        /// <summary>Writes the signed transaction (its hex on stdout, the decoded view with --json), broadcasting it first with --broadcast.</summary>
        public async Task<int> FinishAsync(CliContext ctx, System.CommandLine.ParseResult parse, StacksNodeClient? client, StacksTransaction tx, JsonObject json, CancellationToken ct)
        {
            json["hex"] = Hex.Encode(tx.Serialize());
            if (parse.GetValue(Broadcast))
            {
                json["broadcast_txid"] = await (client ?? Client(parse)).BroadcastAsync(tx, ct);
            }

            ctx.WriteResult(json, w => w.WriteLine((string)json["hex"]!));
            return CliApp.ExitOk;
        }
    }

    /// <summary><c>ADDRESS.contract</c> (a contract principal), or a one-line error naming <paramref name="what"/>.</summary>
    private static ClarityContractPrincipal Contract(string text, StacksNetwork network, string what) =>
        Principal(text, network, what) as ClarityContractPrincipal
            ?? throw new CliUserException($"stacks: {what} must be ADDRESS.contract");

    /// <summary>A standard or contract principal whose address belongs to <paramref name="network"/>.</summary>
    private static ClarityValue Principal(string text, StacksNetwork network, string what)
    {
        var principal = Cv.Principal(text.Trim().TrimStart('\''));
        var address = principal is ClarityContractPrincipal c ? c.Address : ((ClarityStandardPrincipal)principal).Address;
        if (!network.OwnsAddressVersion(address.Version))
        {
            _ = StacksAddress.TryParse(address.ToString(), network, out _, out string? why);
            throw new StacksException("stacks_address_network", $"{what}: {why}");
        }

        return principal;
    }

    /// <summary>Clarity arguments in readable form, each inline, <c>-</c> or <c>@FILE</c>.</summary>
    private static List<ClarityValue> ClarityArgs(CliContext ctx, string[]? values, string what) =>
        [.. (values ?? []).Select(v => ClarityText.Parse(CliInput.Text(ctx, v, what)))];

    private static Command CreateAddress(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("address", "The Stacks address of a key from the platform seed (m/44'/5757'/0'/0/INDEX) or of a private key");
        var keys = AddKeyOptions(command);
        command.WithExamples(
            "opsource stacks address --mnemonic @seed.txt --index 0",
            "opsource --network testnet stacks address --mnemonic - --index 3 --json < seed.txt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var network = NetworkOf(ctx);
            using var key = ReadKey(ctx, parse, keys, out string? path);
            var address = key.Address(network);
            var json = new JsonObject
            {
                ["address"] = address.ToString(),
                ["network"] = network.Name,
                ["version"] = address.Version,
                ["hash160"] = address.Hash160Hex,
                ["public_key"] = Hex.Encode(key.PublicKeyBytes),
                ["path"] = path,
            };
            ctx.WriteResult(json, w => w.WriteLine(address));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateBuild(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("build", "Build and sign a token transfer, contract call or contract deploy (SIP-005); --broadcast sends it");
        var keys = AddKeyOptions(command);
        var transfer = new Option<string?>("--transfer") { Description = "Token transfer to this principal (with --amount, --memo)" };
        var amount = new Option<string?>("--amount") { Description = "Amount in micro-STX" };
        var memo = new Option<string?>("--memo") { Description = "Memo, at most 34 bytes of UTF-8" };
        var call = new Option<string?>("--call") { Description = "Contract call: ADDRESS.contract::function (with --arg)" };
        var arg = new Option<string[]>("--arg") { Description = "A Clarity argument in readable form (u1, 0x00, 'SP..., (list 1 2), {a: u1})" + CliInput.Hint + "; repeat in order", AllowMultipleArgumentsPerToken = false };
        var deploy = new Option<string?>("--deploy") { Description = "Deploy a contract with this name (with --source)" };
        var source = new Option<string?>("--source") { Description = "Clarity source" + CliInput.Hint };
        var clarityVersion = new Option<int?>("--clarity-version") { Description = "Clarity version of a deploy (versioned payload); omit for the unversioned payload" };
        var sponsored = new Option<bool>("--sponsored") { Description = "Leave the fee to a sponsor (sponsored authorization)" };
        var anchor = new Option<string>("--anchor-mode") { Description = "on-chain-only, off-chain-only or any", DefaultValueFactory = _ => "any" }.AcceptOnlyFromAmong("on-chain-only", "off-chain-only", "any");
        var pcMode = new Option<string>("--post-condition-mode") { Description = "deny, allow or originator", DefaultValueFactory = _ => "deny" }.AcceptOnlyFromAmong("deny", "allow", "originator");
        var pcs = new Option<string[]>("--post-condition") { Description = "'stx P CMP N', 'ft P CMP N ADDR.contract::token', 'nft P sent|not-sent|maybe-sent ADDR.contract::token VALUE', 'staking P CMP N', 'pox P CODE' (P: origin or a principal; CMP: eq gt gte lt lte)" };
        var useNode = new Option<bool>("--check") { Description = "Ask --node for the nonce and fee when not given, check a call's arguments against the contract's interface and that post-condition assets exist" };
        foreach (var o in new Option[] { transfer, amount, memo, call, arg, deploy, source, clarityVersion, sponsored, anchor, pcMode, pcs, useNode })
        {
            command.Add(o);
        }

        var txOptions = TxOptions.Add(command, "Fee in micro-STX (default: the node's middle estimate, with --check)");

        command.WithExamples(
            "opsource --network testnet stacks tx build --key @stx.key --transfer ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5 --amount 1000000 --memo invoice-42 --nonce 0 --fee 180",
            "opsource stacks tx build --mnemonic @seed.txt --call SP000000000000000000002Q6VF78.pox-4::revoke-delegate-stx --nonce 3 --fee 2000 --json",
            "opsource --network testnet stacks tx build --key @stx.key --deploy hello --source @hello.clar --clarity-version 3 --nonce 1 --fee 5000 --post-condition 'stx origin lte 0'",
            "opsource stacks tx build --key @stx.key --transfer SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7 --amount 5 --check --broadcast --node http://127.0.0.1:20443");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var network = NetworkOf(ctx);
            using var key = ReadKey(ctx, parse, keys, out _);
            int kinds = new[] { parse.GetValue(transfer), parse.GetValue(call), parse.GetValue(deploy) }.Count(v => v is not null);
            if (kinds != 1)
            {
                throw new CliUserException("stacks tx build: give exactly one of --transfer, --call, --deploy");
            }

            bool check = parse.GetValue(useNode) || parse.GetValue(txOptions.Broadcast);
            var client = check ? txOptions.Client(parse) : null;
            Payload payload;
            if (parse.GetValue(transfer) is { } recipient)
            {
                payload = TokenTransferPayload.Create(Principal(recipient, network, "--transfer"), U64(parse.GetValue(amount), "--amount"), parse.GetValue(memo) ?? "");
            }
            else if (parse.GetValue(call) is { } target)
            {
                int sep = target.IndexOf("::", StringComparison.Ordinal);
                if (sep < 0)
                {
                    throw new CliUserException("stacks tx build: --call must be ADDRESS.contract::function");
                }

                var contract = Contract(target[..sep], network, "--call");
                var callArgs = ClarityArgs(ctx, parse.GetValue(arg), "--arg");
                if (client is not null)
                {
                    await client.CheckCallAsync(contract.Address, contract.Name, target[(sep + 2)..], callArgs, transaction: true, token);
                }

                payload = new ContractCallPayload(contract.Address, contract.Name, target[(sep + 2)..], [.. callArgs]);
            }
            else
            {
                string code = CliInput.Text(ctx, parse.GetValue(source) ?? throw new CliUserException("stacks tx build: --deploy needs --source"), "--source", trim: false);
                int? version = parse.GetValue(clarityVersion);
                if (version is < 1 or > 4)
                {
                    throw new CliUserException("stacks tx build: --clarity-version must be 1..4");
                }

                payload = new SmartContractPayload(parse.GetValue(deploy)!, code, (byte?)version);
            }

            var postConditions = (parse.GetValue(pcs) ?? []).Select(PostConditionText.Parse).ToList();
            ulong nonceValue = await txOptions.NonceAsync(parse, client, key.Address(network), "tx build", token);
            var anchorMode = parse.GetValue(anchor) switch { "on-chain-only" => AnchorMode.OnChainOnly, "off-chain-only" => AnchorMode.OffChainOnly, _ => AnchorMode.Any };
            var mode = parse.GetValue(pcMode) switch { "allow" => PostConditionMode.Allow, "originator" => PostConditionMode.Originator, _ => PostConditionMode.Deny };
            bool isSponsored = parse.GetValue(sponsored);
            StacksTransaction Build(ulong feeValue) => TransactionSigner.SignOrigin(
                TransactionBuilder.Unsigned(network, TransactionBuilder.SingleSig(key.PublicKeyBytes, nonceValue, feeValue), payload, isSponsored, anchorMode, mode, postConditions), key);
            ulong feeValue;
            if (parse.GetValue(txOptions.Fee) is { } f)
            {
                feeValue = U64(f, "--fee");
            }
            else if (isSponsored)
            {
                feeValue = 0;
            }
            else if (client is not null)
            {
                var estimate = await client.EstimateFeeAsync(Build(0), token);
                feeValue = estimate.Fees.Count > 1 ? estimate.Fees[1] : estimate.Fees[0];
            }
            else
            {
                throw new CliUserException("stacks tx build: give --fee, or --check to ask --node");
            }

            var tx = Build(feeValue);
            if (client is not null)
            {
                await client.CheckPostConditionAssetsAsync(tx, token);
            }

            return await txOptions.FinishAsync(ctx, parse, client, tx, StacksViews.Transaction(tx), token);
        }, ct));
        return command;
    }

    private static Command CreateDecode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var hex = new Argument<string>("hex") { Description = "Serialized transaction hex" + CliInput.Hint };
        var command = new Command("decode", "Decode a SIP-005 transaction and verify its signatures") { hex };
        command.WithExamples("opsource stacks tx decode @tx.hex", "opsource stacks tx decode 80800000000400... --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var tx = TransactionCodec.ParseHex(CliInput.Text(ctx, parse.GetValue(hex), "hex"));
            var json = StacksViews.Transaction(tx);
            json["signatures_valid"] = TransactionSigner.SignaturesValid(tx);
            ctx.WriteResult(json, w => w.WriteLine(json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateCall(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var contract = new Argument<string>("contract") { Description = "ADDRESS.contract" };
        var function = new Argument<string>("function") { Description = "Read-only function name" };
        var args = new Argument<string[]>("args") { Description = "Arguments in readable Clarity form" + CliInput.Hint, Arity = ArgumentArity.ZeroOrMore };
        var sender = new Option<string?>("--sender") { Description = "Sender principal (default: the contract's deployer)" };
        var node = NodeOption();
        var command = new Command("call", "Call a read-only Clarity function on a Stacks node (/v2/contracts/call-read)") { contract, function, args, sender, node };
        command.WithExamples(
            "opsource stacks call SP000000000000000000002Q6VF78.pox-4 get-stacker-info \"'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7\"",
            "opsource --network testnet stacks call ST000000000000000000002AMW42H.pox-4 current-pox-reward-cycle --node http://127.0.0.1:20443 --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var network = NetworkOf(ctx);
            var target = Contract(parse.GetValue(contract)!, network, "contract");
            var senderAddress = parse.GetValue(sender) is { } s ? StacksAddress.Parse(s, network) : target.Address;
            var values = ClarityArgs(ctx, parse.GetValue(args), "argument");
            var client = Node(parse.GetValue(node)!);
            await client.CheckCallAsync(target.Address, target.Name, parse.GetValue(function)!, values, transaction: false, token);
            var result = await client.CallReadOnlyAsync(target.Address, target.Name, parse.GetValue(function)!, values, senderAddress, token);
            var json = StacksViews.Value(result);
            ctx.WriteResult(json, w => w.WriteLine(ClarityText.Print(result)));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateStack(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("stack", "Build pox-4 stack-stx (or delegate-stx) paying rewards to the platform's Bitcoin address, with the SIP-018 signer signature");
        var keys = AddKeyOptions(command);
        var amount = new Option<string>("--amount") { Description = "micro-STX to lock", Required = true };
        var poxAddress = new Option<string>("--pox-address") { Description = "Bitcoin address for the rewards (P2PKH, P2SH, P2WPKH, P2WSH, P2TR)", Required = true };
        var cycles = new Option<ulong>("--cycles") { Description = "Lock period in reward cycles (1..12)", DefaultValueFactory = _ => 1 };
        var signerKey = new Option<string?>("--signer-key") { Description = "Signer private key hex" + CliInput.Hint + " (default: the stacker's key)" };
        var startBurn = new Option<ulong?>("--start-burn-height") { Description = "start-burn-ht (default: the node's current burn height)" };
        var cycle = new Option<ulong?>("--reward-cycle") { Description = "Reward cycle the signature is for (default: the node's current cycle)" };
        var maxAmount = new Option<string?>("--max-amount") { Description = "max-amount of the signer authorization (default: --amount)" };
        var authId = new Option<string?>("--auth-id") { Description = "auth-id of the signer authorization (default: random)" };
        var delegateTo = new Option<string?>("--delegate-to") { Description = "Build delegate-stx to this principal instead of stack-stx" };
        foreach (var o in new Option[] { amount, poxAddress, cycles, signerKey, startBurn, cycle, maxAmount, authId, delegateTo })
        {
            command.Add(o);
        }

        var txOptions = TxOptions.Add(command, $"Fee in micro-STX (default {DefaultStackFee})");

        command.WithExamples(
            "opsource --network testnet stacks stack --mnemonic @seed.txt --amount 100000000000 --pox-address tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx --cycles 2 --start-burn-height 1000 --reward-cycle 0 --nonce 0",
            "opsource stacks stack --key @stx.key --amount 100000000000 --pox-address bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297 --delegate-to SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7 --nonce 4 --json",
            "opsource stacks stack --mnemonic @seed.txt --amount 100000000000 --pox-address 1BoatSLRHtKNngkdXEeobR76b53LETtpyT --broadcast --node http://127.0.0.1:20443");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var network = NetworkOf(ctx);
            using var key = ReadKey(ctx, parse, keys, out _);
            ulong ustx = U64(parse.GetValue(amount), "--amount");
            var pox = PoxAddress.Parse(parse.GetValue(poxAddress)!, PoxAddress.BitcoinNetworkFor(network));
            bool needNode = parse.GetValue(txOptions.Broadcast) || parse.GetValue(txOptions.Nonce) is null
                || (parse.GetValue(delegateTo) is null && (parse.GetValue(startBurn) is null || parse.GetValue(cycle) is null));
            var client = needNode ? txOptions.Client(parse) : null;
            ulong nonceValue = await txOptions.NonceAsync(parse, client, key.Address(network), "stack", token);
            ContractCallPayload payload;
            JsonObject details = [];
            if (parse.GetValue(delegateTo) is { } delegate_)
            {
                payload = Pox4.DelegateStx(network, ustx, Principal(delegate_, network, "--delegate-to"), null, pox);
            }
            else
            {
                ulong burn, rewardCycle;
                if (parse.GetValue(startBurn) is { } b && parse.GetValue(cycle) is { } c)
                {
                    (burn, rewardCycle) = (b, c);
                }
                else
                {
                    using var info = await client!.GetPoxInfoAsync(token);
                    burn = parse.GetValue(startBurn) ?? info.RootElement.GetProperty("current_burnchain_block_height").GetUInt64();
                    rewardCycle = parse.GetValue(cycle) ?? info.RootElement.GetProperty("current_cycle").GetProperty("id").GetUInt64();
                }

                UInt128 max = parse.GetValue(maxAmount) is { } m ? U64(m, "--max-amount") : ustx;
                UInt128 auth = parse.GetValue(authId) is { } a ? U64(a, "--auth-id") : (UInt128)(ulong)RandomNumberGenerator.GetInt32(int.MaxValue);
                using var signer = parse.GetValue(signerKey) is { } sk ? StacksPrivateKey.Parse(CliInput.Text(ctx, sk, "--signer-key")) : StacksPrivateKey.Parse(key.ToHex());
                ulong period = parse.GetValue(cycles);
                byte[] signature = Pox4.SignerSignature(signer, network, pox, rewardCycle, Pox4Topic.StackStx, period, max, auth);
                payload = Pox4.StackStx(network, ustx, pox, burn, period, signature, signer.PublicKeyBytes, max, auth);
                details["reward_cycle"] = rewardCycle;
                details["start_burn_height"] = burn;
                details["signer_key"] = Hex.Encode(signer.PublicKeyBytes);
                details["signer_signature"] = Hex.Encode(signature);
                details["auth_id"] = auth.ToString();
            }

            ulong feeValue = parse.GetValue(txOptions.Fee) is { } f ? U64(f, "--fee") : DefaultStackFee;
            var tx = TransactionSigner.SignOrigin(TransactionBuilder.Unsigned(network,
                TransactionBuilder.SingleSig(key.PublicKeyBytes, nonceValue, feeValue), payload, postConditionMode: PostConditionMode.Allow), key);
            var json = StacksViews.Transaction(tx);
            json["pox_address"] = new JsonObject { ["version"] = pox.Version, ["hashbytes"] = Hex.Encode(pox.HashBytes) };
            json["stacking"] = details;
            return await txOptions.FinishAsync(ctx, parse, client, tx, json, token);
        }, ct));
        return command;
    }

    private static Command CreatePoxInfo(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var node = NodeOption();
        var stacker = new Option<string?>("--stacker") { Description = "Also show pox-4 get-stacker-info for this principal" };
        var command = new Command("pox-info", "PoX state from a Stacks node: /v2/pox, pox-4 current-pox-reward-cycle and get-pox-info") { node, stacker };
        command.WithExamples("opsource stacks pox-info --node http://127.0.0.1:20443", "opsource --network testnet stacks pox-info --stacker ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5 --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var network = NetworkOf(ctx);
            var client = Node(parse.GetValue(node)!);
            var boot = Pox4.BootAddress(network);
            using var info = await client.GetPoxInfoAsync(token);
            var cycle = await client.CallReadOnlyAsync(boot, Pox4.ContractName, "current-pox-reward-cycle", [], boot, token);
            var poxInfo = await client.CallReadOnlyAsync(boot, Pox4.ContractName, "get-pox-info", [], boot, token);
            var json = new JsonObject
            {
                ["pox"] = JsonNode.Parse(info.RootElement.GetRawText()),
                ["current_reward_cycle"] = StacksViews.Value(cycle),
                ["pox_4_info"] = StacksViews.Value(poxInfo),
            };
            if (parse.GetValue(stacker) is { } s)
            {
                json["stacker_info"] = StacksViews.Value(await client.CallReadOnlyAsync(boot, Pox4.ContractName, "get-stacker-info", [Principal(s, network, "--stacker")], boot, token));
            }

            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"current reward cycle: {ClarityText.Print(cycle)}");
                w.WriteLine($"pox-4: {ClarityText.Print(poxInfo)}");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }
}
