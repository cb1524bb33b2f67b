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

        if (!Mnemonic.TryParse(CliInput.Text(ctx, mnemonicText, "--mnemonic"), out var mnemonic, out string? error))
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
        var arg = new Option<string[]>("--arg") { Description = "A Clarity argument in readable form (u1, 0x00, 'SP..., (list 1 2), {a: u1}); repeat in order", AllowMultipleArgumentsPerToken = false };
        var deploy = new Option<string?>("--deploy") { Description = "Deploy a contract with this name (with --source)" };
        var source = new Option<string?>("--source") { Description = "Clarity source" + CliInput.Hint };
        var clarityVersion = new Option<int?>("--clarity-version") { Description = "Clarity version of a deploy (versioned payload); omit for the unversioned payload" };
        var nonce = new Option<string?>("--nonce") { Description = "Origin nonce (default: from --node)" };
        var fee = new Option<string?>("--fee") { Description = "Fee in micro-STX (default: the node's estimate)" };
        var sponsored = new Option<bool>("--sponsored") { Description = "Leave the fee to a sponsor (sponsored authorization)" };
        var anchor = new Option<string>("--anchor-mode") { Description = "on-chain-only, off-chain-only or any", DefaultValueFactory = _ => "any" }.AcceptOnlyFromAmong("on-chain-only", "off-chain-only", "any");
        var pcMode = new Option<string>("--post-condition-mode") { Description = "deny, allow or originator", DefaultValueFactory = _ => "deny" }.AcceptOnlyFromAmong("deny", "allow", "originator");
        var pcs = new Option<string[]>("--post-condition") { Description = "'stx P CMP N', 'ft P CMP N ADDR.contract::token', 'nft P sent|not-sent|maybe-sent ADDR.contract::token VALUE', 'staking P CMP N', 'pox P CODE' (P: origin or a principal; CMP: eq gt gte lt lte)" };
        var node = NodeOption();
        var useNode = new Option<bool>("--check") { Description = "Ask --node for the nonce and fee when not given, and check that post-condition assets exist" };
        var broadcast = new Option<bool>("--broadcast") { Description = "Send the signed transaction to --node" };
        foreach (var o in new Option[] { transfer, amount, memo, call, arg, deploy, source, clarityVersion, nonce, fee, sponsored, anchor, pcMode, pcs, node, useNode, broadcast })
        {
            command.Add(o);
        }

        command.WithExamples(
            "opsource --network testnet stacks tx build --key @stx.key --transfer ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5 --amount 1000000 --memo invoice-42 --nonce 0 --fee 180",
            "opsource stacks tx build --mnemonic @seed.txt --call SP000000000000000000002Q6VF78.pox-4::get-pox-info --nonce 3 --fee 2000 --json",
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

            Payload payload;
            if (parse.GetValue(transfer) is { } recipient)
            {
                payload = TokenTransferPayload.Create(Cv.Principal(recipient), U64(parse.GetValue(amount), "--amount"), parse.GetValue(memo) ?? "");
            }
            else if (parse.GetValue(call) is { } target)
            {
                int sep = target.IndexOf("::", StringComparison.Ordinal);
                var contract = sep < 0 ? null : Cv.Principal(target[..sep]) as ClarityContractPrincipal;
                if (contract is null)
                {
                    throw new CliUserException("stacks tx build: --call must be ADDRESS.contract::function");
                }

                payload = new ContractCallPayload(contract.Address, contract.Name, target[(sep + 2)..], [.. (parse.GetValue(arg) ?? []).Select(ClarityText.Parse)]);
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
            bool check = parse.GetValue(useNode) || parse.GetValue(broadcast);
            var client = check ? Node(parse.GetValue(node)!) : null;
            ulong nonceValue = parse.GetValue(nonce) is { } n ? U64(n, "--nonce")
                : client is not null ? (await client.GetAccountAsync(key.Address(network), token)).Nonce
                : throw new CliUserException("stacks tx build: give --nonce, or --check to ask --node");
            var anchorMode = parse.GetValue(anchor) switch { "on-chain-only" => AnchorMode.OnChainOnly, "off-chain-only" => AnchorMode.OffChainOnly, _ => AnchorMode.Any };
            var mode = parse.GetValue(pcMode) switch { "allow" => PostConditionMode.Allow, "originator" => PostConditionMode.Originator, _ => PostConditionMode.Deny };
            bool isSponsored = parse.GetValue(sponsored);
            StacksTransaction Build(ulong feeValue) => TransactionSigner.SignOrigin(
                TransactionBuilder.Unsigned(network, TransactionBuilder.SingleSig(key.PublicKeyBytes, nonceValue, feeValue), payload, isSponsored, anchorMode, mode, postConditions), key);
            ulong feeValue;
            if (parse.GetValue(fee) is { } f)
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

            var json = StacksViews.Transaction(tx);
            json["hex"] = Hex.Encode(tx.Serialize());
            if (parse.GetValue(broadcast))
            {
                json["broadcast_txid"] = await client!.BroadcastAsync(tx, token);
            }

            ctx.WriteResult(json, w => w.WriteLine((string)json["hex"]!));
            return CliApp.ExitOk;
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
        var args = new Argument<string[]>("args") { Description = "Arguments in readable Clarity form", Arity = ArgumentArity.ZeroOrMore };
        var sender = new Option<string?>("--sender") { Description = "Sender principal (default: the contract's deployer)" };
        var node = NodeOption();
        var command = new Command("call", "Call a read-only Clarity function on a Stacks node (/v2/contracts/call-read)") { contract, function, args, sender, node };
        command.WithExamples(
            "opsource stacks call SP000000000000000000002Q6VF78.pox-4 get-stacker-info \"'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7\"",
            "opsource --network testnet stacks call ST000000000000000000002AMW42H.pox-4 current-pox-reward-cycle --node http://127.0.0.1:20443 --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var network = NetworkOf(ctx);
            var target = Cv.Principal(parse.GetValue(contract)!) as ClarityContractPrincipal
                ?? throw new CliUserException("stacks call: contract must be ADDRESS.contract");
            var senderAddress = parse.GetValue(sender) is { } s ? StacksAddress.Parse(s, network) : target.Address;
            var values = (parse.GetValue(args) ?? []).Select(ClarityText.Parse).ToList();
            var result = await Node(parse.GetValue(node)!).CallReadOnlyAsync(target.Address, target.Name, parse.GetValue(function)!, values, senderAddress, token);
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
        var nonce = new Option<string?>("--nonce") { Description = "Origin nonce (default: from --node)" };
        var fee = new Option<string>("--fee") { Description = "Fee in micro-STX", DefaultValueFactory = _ => "10000" };
        var node = NodeOption();
        var broadcast = new Option<bool>("--broadcast") { Description = "Send the signed transaction to --node" };
        foreach (var o in new Option[] { amount, poxAddress, cycles, signerKey, startBurn, cycle, maxAmount, authId, delegateTo, nonce, fee, node, broadcast })
        {
            command.Add(o);
        }

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
            bool needNode = parse.GetValue(broadcast) || parse.GetValue(nonce) is null
                || (parse.GetValue(delegateTo) is null && (parse.GetValue(startBurn) is null || parse.GetValue(cycle) is null));
            var client = needNode ? Node(parse.GetValue(node)!) : null;
            ulong nonceValue = parse.GetValue(nonce) is { } n ? U64(n, "--nonce") : (await client!.GetAccountAsync(key.Address(network), token)).Nonce;
            ContractCallPayload payload;
            JsonObject details = [];
            if (parse.GetValue(delegateTo) is { } delegate_)
            {
                payload = Pox4.DelegateStx(network, ustx, Cv.Principal(delegate_), null, pox);
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

            var tx = TransactionSigner.SignOrigin(TransactionBuilder.Unsigned(network,
                TransactionBuilder.SingleSig(key.PublicKeyBytes, nonceValue, U64(parse.GetValue(fee), "--fee")), payload, postConditionMode: PostConditionMode.Allow), key);
            var json = StacksViews.Transaction(tx);
            json["hex"] = Hex.Encode(tx.Serialize());
            json["pox_address"] = new JsonObject { ["version"] = pox.Version, ["hashbytes"] = Hex.Encode(pox.HashBytes) };
            json["stacking"] = details;
            if (parse.GetValue(broadcast))
            {
                json["broadcast_txid"] = await client!.BroadcastAsync(tx, token);
            }

            ctx.WriteResult(json, w => w.WriteLine((string)json["hex"]!));
            return CliApp.ExitOk;
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
                json["stacker_info"] = StacksViews.Value(await client.CallReadOnlyAsync(boot, Pox4.ContractName, "get-stacker-info", [Cv.Principal(s)], boot, token));
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
