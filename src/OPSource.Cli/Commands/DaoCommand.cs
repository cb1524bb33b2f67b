using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Crypto.Secp256k1;
using OPSource.Dao;
using OPSource.Dao.Bundle;
using OPSource.Dao.Log;
using OPSource.Dao.Model;
using OPSource.Dao.Service;
using PartiallySignedTransaction = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource dao create|list|show|members|propose|vote|submit|tally|close|cancel|execute|rotate|sign-psbt|anchor|export|verify|token</c>
/// (docs/dao.md). Member keys come from a file holding the 32-byte secret as 64 hex digits (<c>--key-file</c>);
/// signing commands with <c>--sign-only</c> print the signed action for someone else to submit.
/// </summary>
internal static class DaoCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("dao", "DAOs: signed votes, a Taproot treasury, anchored logs anyone can verify (docs/dao.md)");
        command.Add(CreateDao(globals, output, error));
        command.Add(List(globals, output, error));
        command.Add(Show(globals, output, error));
        command.Add(Members(globals, output, error));
        command.Add(Propose(globals, output, error));
        command.Add(Vote(globals, output, error));
        command.Add(Submit(globals, output, error));
        command.Add(Tally(globals, output, error));
        command.Add(Close(globals, output, error));
        command.Add(Cancel(globals, output, error));
        command.Add(Execute(globals, output, error));
        command.Add(Rotate(globals, output, error));
        command.Add(SignPsbt(globals, output, error));
        command.Add(Anchor(globals, output, error));
        command.Add(Export(globals, output, error));
        command.Add(Verify(globals, output, error));
        command.Add(Token(globals, output, error));
        return command;
    }

    private static Task<int> WithService(GlobalOptions globals, ParseResult parse, TextWriter output, TextWriter error, Func<CliContext, DaoService, CliServices, CancellationToken, Task<int>> action, CancellationToken ct) =>
        CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            return await action(ctx, services.Get<DaoService>(), services, token).ConfigureAwait(false);
        }, ct);

    /// <summary>Reads a member secret key: a file with 64 hex digits (whitespace around them ignored); never held as a string.</summary>
    internal static SecretKey ReadKey(string path)
    {
        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUserException($"--key-file: cannot read '{path}': {ex.Message}", ex);
        }

        Span<byte> secret = stackalloc byte[32];
        try
        {
            var hex = raw.AsSpan().Trim((byte[])[(byte)' ', (byte)'\n', (byte)'\r', (byte)'\t']);
            if (hex.Length != 64)
            {
                throw new CliUserException("--key-file: the file must hold the secret key as 64 hex digits");
            }

            for (var i = 0; i < 32; i++)
            {
                var hi = HexValue(hex[2 * i]);
                var lo = HexValue(hex[(2 * i) + 1]);
                if (hi < 0 || lo < 0)
                {
                    throw new CliUserException("--key-file: the file must hold the secret key as 64 hex digits");
                }

                secret[i] = (byte)((hi << 4) | lo);
            }

            return SecretKey.TryCreate(secret, out var key) ? key : throw new CliUserException("--key-file: not a valid secp256k1 secret key");
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
        }

        static int HexValue(byte c) => c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            _ => -1,
        };
    }

    private static DaoMember ParseMember(string text)
    {
        // KEY:WEIGHT[:DID] — the DID may itself contain colons.
        var parts = text.Split(':', 3);
        if (parts.Length < 2 || !DaoKeys.TryParseKey(parts[0].ToLowerInvariant(), out _) ||
            !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > DaoKeys.MaxTokens)
        {
            throw new CliUserException($"--member '{text}': expected XONLYKEY:WEIGHT[:DID] (64 hex digits, an integer weight)");
        }

        return new DaoMember(parts[0].ToLowerInvariant(), weight, parts.Length == 3 ? parts[2] : null);
    }

    private static Command CreateDao(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "Display name" };
        var governance = new Option<string>("--governance") { Description = "multisig (k-of-n, one member one vote), token (balance) or quadratic (floor(sqrt(balance)))", DefaultValueFactory = _ => "multisig" };
        var members = new Option<string[]>("--member") { Description = "A member: XONLYKEY:WEIGHT[:DID] (repeat; the weight is the starting token balance)", Required = true, AllowMultipleArgumentsPerToken = false };
        var signers = new Option<int>("--signers") { Description = "k: treasury signatures needed (and, under multisig, yes votes)", DefaultValueFactory = _ => 1 };
        var quorum = new Option<int>("--quorum-bps") { Description = "Part of the total voting power that must vote, basis points", DefaultValueFactory = _ => 0 };
        var approval = new Option<int>("--approval-bps") { Description = "Part of yes among yes+no needed, basis points (a tie never passes)", DefaultValueFactory = _ => 5000 };
        var threshold = new Option<ulong>("--proposal-threshold") { Description = "Voting power a proposer needs", DefaultValueFactory = _ => 0 };
        var delay = new Option<int>("--voting-delay") { Description = "Blocks from a proposal to the start of voting", DefaultValueFactory = _ => 0 };
        var period = new Option<int>("--voting-period") { Description = "Blocks voting lasts", DefaultValueFactory = _ => 144 };
        var timelock = new Option<int>("--timelock") { Description = "Blocks after voting before a passed proposal executes", DefaultValueFactory = _ => 0 };
        var mintable = new Option<bool>("--mintable") { Description = "Allow mint proposals (otherwise the supply is fixed)" };
        var treasury = new Option<bool>("--treasury") { Description = "Set up the Taproot treasury tr(musig(members), multi_a(k, members)) as a watch-only wallet" };
        var command = new Command("create", "Create a DAO (event 0 of its log)") { name, governance, members, signers, quorum, approval, threshold, delay, period, timelock, mintable, treasury }.WithExamples(
            "opsource dao create council --member $A:1 --member $B:1 --member $C:1 --signers 2 --treasury --timelock 6",
            "opsource dao create guild --governance quadratic --member $A:100 --member $B:400 --quorum-bps 2000 --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            if (!DaoKeys.TryParseGovernance(parse.GetValue(governance), out var type))
            {
                throw new CliUserException("--governance must be multisig, token or quadratic");
            }

            var p = new DaoParameters(parse.GetValue(threshold), parse.GetValue(quorum), parse.GetValue(approval), parse.GetValue(delay), parse.GetValue(period), parse.GetValue(timelock));
            if (p.Validate() is { } problem)
            {
                throw new CliUserException("--" + problem.Replace('_', '-'));
            }

            var list = parse.GetValue(members)!.Select(ParseMember).ToList();
            var state = await service.CreateAsync(new CreateDaoRequest(parse.GetValue(name)!, type, list, p, parse.GetValue(signers), parse.GetValue(mintable), parse.GetValue(treasury)), token).ConfigureAwait(false);
            var (record, _, _) = await service.LoadAsync(state.DaoId, token).ConfigureAwait(false);
            ctx.WriteResult(DaoViews.Summary(record, state, state.LastHeight), w => w.WriteLine(state.DaoId));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command List(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List the DAOs of this instance").WithExamples("opsource dao list", "opsource dao list --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var daos = await service.ListAsync(token).ConfigureAwait(false);
            var json = new JsonArray(daos.Select(d => (JsonNode)new JsonObject { ["id"] = d.Id, ["name"] = d.Name, ["treasury_wallet"] = d.TreasuryWallet, ["created_at"] = d.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) }).ToArray());
            ctx.WriteResult(json, w =>
            {
                foreach (var d in daos)
                {
                    w.WriteLine($"{d.Id}  {d.Name}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Argument<string> DaoArgument() => new("dao") { Description = "DAO id (64 hex digits)" };

    private static Argument<string> ProposalArgument() => new("proposal") { Description = "Proposal id (64 hex digits)" };

    private static Command Show(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var command = new Command("show", "Show a DAO: parameters, treasury, proposals with their status at the current height") { dao }.WithExamples(
            "opsource dao show 3f2a...e1", "opsource dao show 3f2a...e1 --json | jq .proposals");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var (record, state, _) = await service.LoadAsync(parse.GetValue(dao)!, token).ConfigureAwait(false);
            var tip = await service.TipAsync(token).ConfigureAwait(false);
            var json = DaoViews.Summary(record, state, tip);
            ctx.WriteResult(json, w =>
            {
                w.WriteLine($"{record.Name} ({DaoKeys.Name(state.Definition!.Governance)}, {state.Members.Count} members, {state.Count} events)");
                if ((string?)json["treasury_address"] is { } address)
                {
                    w.WriteLine($"treasury {address}");
                }

                foreach (var p in state.Proposals)
                {
                    var t = state.Tally(p);
                    w.WriteLine($"{p.Id}  {DaoKeys.Name(p.StatusAt(tip, state)),-9} yes={t.Yes} no={t.No} abstain={t.Abstain}  {p.Body.Title}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Members(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var command = new Command("members", "List members with balances and voting power") { dao }.WithExamples("opsource dao members 3f2a...e1", "opsource dao members 3f2a...e1 --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var (_, state, _) = await service.LoadAsync(parse.GetValue(dao)!, token).ConfigureAwait(false);
            var json = new JsonArray(state.Members.Values.Select(m => (JsonNode)new JsonObject { ["key"] = m.KeyHex, ["balance"] = m.Balance, ["power"] = state.PowerOf(m), ["did"] = m.Did }).ToArray());
            ctx.WriteResult(json, w =>
            {
                foreach (var m in state.Members.Values)
                {
                    w.WriteLine($"{m.KeyHex}  balance={m.Balance} power={state.PowerOf(m)}{(m.Did is null ? "" : "  " + m.Did)}");
                }
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Option<string> KeyFile() => new("--key-file") { Description = "File holding the member's secret key (64 hex digits)", Required = true };

    private static Option<ulong?> NonceOption() => new("--nonce") { Description = "Nonce (default: the current Unix time, so a later vote supersedes an earlier one)" };

    private static Option<bool> SignOnly() => new("--sign-only") { Description = "Print the signed action ({\"body\",\"sig\"}) instead of submitting it (offline signing)" };

    private static ulong NonceOrNow(ulong? nonce) => nonce ?? (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static async Task<int> SubmitOrPrint(CliContext ctx, CliServices? services, string daoId, SignedAction action, bool signOnly, CancellationToken token)
    {
        if (signOnly || services is null)
        {
            ctx.Out.WriteLine(action.ToJson());
            return CliApp.ExitOk;
        }

        var e = await services.Get<DaoService>().SubmitAsync(daoId, action, token).ConfigureAwait(false);
        ctx.WriteResult(new JsonObject { ["seq"] = e.Seq, ["height"] = e.Height, ["hash"] = Convert.ToHexStringLower(e.Hash) }, w => w.WriteLine($"event {e.Seq} {Convert.ToHexStringLower(e.Hash)}"));
        return CliApp.ExitOk;
    }

    private static Task<int> Signing(GlobalOptions globals, ParseResult parse, TextWriter output, TextWriter error, bool signOnly, Func<CliContext, CliServices?, CancellationToken, Task<int>> action, CancellationToken ct) =>
        CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            if (signOnly)
            {
                return await action(ctx, null, token).ConfigureAwait(false);
            }

            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            return await action(ctx, services, token).ConfigureAwait(false);
        }, ct);

    private static Command Propose(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var key = KeyFile();
        var title = new Option<string>("--title") { Description = "Title", Required = true };
        var description = new Option<string>("--description") { Description = "Description", DefaultValueFactory = _ => "" };
        var spend = new Option<string[]>("--pay") { Description = "Treasury spend output ADDRESS=AMOUNT (repeat; amounts as 0.001btc, 100000sat or BTC)" };
        var feeRate = new Option<decimal>("--fee-rate") { Description = "Spend fee rate, sat/vB", DefaultValueFactory = _ => 2 };
        var mint = new Option<string?>("--mint") { Description = "Mint tokens: XONLYKEY=AMOUNT" };
        var add = new Option<string?>("--add-member") { Description = "Add a member: XONLYKEY:WEIGHT[:DID]" };
        var remove = new Option<string?>("--remove-member") { Description = "Remove a member: XONLYKEY" };
        var weight = new Option<string?>("--set-weight") { Description = "Set a member's balance: XONLYKEY=WEIGHT" };
        var parameters = new Option<string?>("--parameters") { Description = "New parameters as JSON ('@file'): proposal_threshold, quorum_bps, approval_bps, voting_delay, voting_period, timelock" };
        var setSigners = new Option<int?>("--set-signers") { Description = "Change k (treasury signatures needed, and multisig yes voters); the treasury then rotates" };
        var nonce = NonceOption();
        var signOnly = SignOnly();
        var command = new Command("propose", "Sign and submit a proposal (text by default; or a spend, mint, member change or parameter change)") { dao, key, title, description, spend, feeRate, mint, add, remove, weight, parameters, setSigners, nonce, signOnly }.WithExamples(
            "opsource dao propose 3f2a...e1 --key-file alice.key --title 'Pay the auditor' --pay bcrt1q...=0.01btc --fee-rate 2",
            "opsource dao propose 3f2a...e1 --key-file alice.key --title 'Adopt the charter' --description @charter.txt --json");
        command.SetAction((parse, ct) => Signing(globals, parse, output, error, parse.GetValue(signOnly), async (ctx, services, token) =>
        {
            ProposalAction action = new TextAction();
            var network = Network.Get(ctx.Network);
            if (parse.GetValue(spend) is { Length: > 0 } outputs)
            {
                action = new SpendAction(outputs.Select(o =>
                {
                    var at = o.LastIndexOf('=');
                    if (at <= 0 || !Amount.TryParse(o[(at + 1)..], out var amount, out var amountError))
                    {
                        throw new CliUserException($"--pay '{o}': expected ADDRESS=AMOUNT");
                    }

                    if (!DaoKeys.TryAddressScript(o[..at], network, out _, out var addressError))
                    {
                        throw new CliUserException($"--pay '{o}': {addressError}");
                    }

                    _ = amountError;
                    return new SpendOutput(o[..at], amount.Satoshis);
                }).ToList(), parse.GetValue(feeRate));
            }
            else if (parse.GetValue(mint) is { } m)
            {
                var (to, amount) = KeyEquals(m, "--mint");
                action = new MintAction(to, amount);
            }
            else if (parse.GetValue(add) is { } a)
            {
                action = new MemberAddAction(ParseMember(a));
            }
            else if (parse.GetValue(remove) is { } r)
            {
                action = DaoKeys.IsHex32(r.ToLowerInvariant()) ? new MemberRemoveAction(r.ToLowerInvariant()) : throw new CliUserException("--remove-member: expected a 64-hex x-only key");
            }
            else if (parse.GetValue(weight) is { } sw)
            {
                var (member, value) = KeyEquals(sw, "--set-weight");
                action = new MemberWeightAction(member, value);
            }
            else if (parse.GetValue(setSigners) is { } k)
            {
                action = k >= 1 ? new SignersAction(k) : throw new CliUserException("--set-signers must be at least 1");
            }
            else if (parse.GetValue(parameters) is { } pj)
            {
                var text = DidCommand.ReadArgument(ctx, pj, "--parameters");
                try
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(text);
                    action = new ParametersAction(DaoEventCodec.ParseParameters(doc.RootElement));
                }
                catch (System.Text.Json.JsonException ex)
                {
                    throw new CliUserException("--parameters: invalid JSON: " + ex.Message, ex);
                }
            }

            var daoId = parse.GetValue(dao)!;
            var descriptionText = parse.GetValue(description)!;
            if (descriptionText.StartsWith('@'))
            {
                descriptionText = DidCommand.ReadArgument(ctx, descriptionText, "--description");
            }

            using var secret = ReadKey(parse.GetValue(key)!);
            var signed = DaoSigner.Proposal(secret, daoId, NonceOrNow(parse.GetValue(nonce)), parse.GetValue(title)!, descriptionText, action);
            if (!parse.GetValue(signOnly) && services is not null)
            {
                await SubmitOrPrint(ctx, services, daoId, signed, false, token).ConfigureAwait(false);
                if (!ctx.Json)
                {
                    ctx.Out.WriteLine("proposal " + DaoSigner.ProposalId(signed.Body));
                }

                return CliApp.ExitOk;
            }

            return await SubmitOrPrint(ctx, null, daoId, signed, true, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static (string Key, ulong Value) KeyEquals(string text, string option)
    {
        var parts = text.Split('=', 2);
        return parts.Length == 2 && DaoKeys.IsHex32(parts[0].ToLowerInvariant()) && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= DaoKeys.MaxTokens
            ? (parts[0].ToLowerInvariant(), v)
            : throw new CliUserException($"{option} '{text}': expected XONLYKEY=AMOUNT");
    }

    private static Command Vote(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var proposal = ProposalArgument();
        var choice = new Argument<string>("choice") { Description = "yes, no or abstain" };
        var key = KeyFile();
        var nonce = NonceOption();
        var signOnly = SignOnly();
        var command = new Command("vote", "Sign a vote (BIP340 over the tagged hash of dao id, proposal id, choice, nonce) and submit it, or print it (--sign-only)") { dao, proposal, choice, key, nonce, signOnly }.WithExamples(
            "opsource dao vote 3f2a...e1 9b7c...04 yes --key-file alice.key",
            "opsource dao vote 3f2a...e1 9b7c...04 no --key-file bob.key --sign-only > bob-vote.json");
        command.SetAction((parse, ct) => Signing(globals, parse, output, error, parse.GetValue(signOnly), async (ctx, services, token) =>
        {
            if (!DaoKeys.TryParseChoice(parse.GetValue(choice), out var c))
            {
                throw new CliUserException("choice must be yes, no or abstain");
            }

            var daoId = parse.GetValue(dao)!;
            var proposalId = parse.GetValue(proposal)!;
            if (!DaoKeys.IsHex32(daoId) || !DaoKeys.IsHex32(proposalId))
            {
                throw new CliUserException("dao and proposal ids are 64 lowercase hex digits");
            }

            using var secret = ReadKey(parse.GetValue(key)!);
            var signed = DaoSigner.Vote(secret, daoId, proposalId, c, NonceOrNow(parse.GetValue(nonce)));
            return await SubmitOrPrint(ctx, services, daoId, signed, parse.GetValue(signOnly), token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command Submit(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var action = new Argument<string>("signed") { Description = "A signed action printed by --sign-only ('-' stdin, '@file')" };
        var command = new Command("submit", "Submit a vote, transfer or proposal someone signed offline (anyone may submit it)") { dao, action }.WithExamples(
            "opsource dao submit 3f2a...e1 @bob-vote.json", "cat votes/*.json | opsource dao submit 3f2a...e1 -");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, _, services, token) =>
        {
            var signed = SignedAction.Parse(DidCommand.ReadArgument(ctx, parse.GetValue(action)!, "signed"));
            return await SubmitOrPrint(ctx, services, parse.GetValue(dao)!, signed, false, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command Tally(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var proposal = ProposalArgument();
        var command = new Command("tally", "Recompute a proposal's tally from the log") { dao, proposal }.WithExamples(
            "opsource dao tally 3f2a...e1 9b7c...04", "opsource dao tally 3f2a...e1 9b7c...04 --json | jq .outcome");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var (_, state, _) = await service.LoadAsync(parse.GetValue(dao)!, token).ConfigureAwait(false);
            var p = state.FindProposal(parse.GetValue(proposal)!) ?? throw new CliUserException("no such proposal");
            var tip = await service.TipAsync(token).ConfigureAwait(false);
            var json = DaoViews.Proposal(state, p, tip);
            ctx.WriteResult(json, w => w.WriteLine($"{json["status"]}: yes={json["yes"]} no={json["no"]} abstain={json["abstain"]} of {json["total"]} ({json["outcome"]} if closed now)"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Close(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var proposal = ProposalArgument();
        var command = new Command("close", "Operator: record the tally of a proposal whose voting ended (anchors when Dao:AnchorWallet is set)") { dao, proposal }.WithExamples(
            "opsource dao close 3f2a...e1 9b7c...04", "opsource dao close 3f2a...e1 9b7c...04 --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var (close, anchor) = await service.CloseAsync(parse.GetValue(dao)!, parse.GetValue(proposal)!, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["seq"] = close.Seq, ["body"] = JsonNode.Parse(close.Body), ["anchor_seq"] = anchor?.Seq }, w => w.WriteLine(close.Body));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Cancel(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var proposal = ProposalArgument();
        var reason = new Option<string>("--reason") { Description = "Why", DefaultValueFactory = _ => "" };
        var command = new Command("cancel", "Operator: cancel a proposal before execution") { dao, proposal, reason }.WithExamples(
            "opsource dao cancel 3f2a...e1 9b7c...04 --reason 'superseded'", "opsource dao cancel 3f2a...e1 9b7c...04 --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var e = await service.CancelAsync(parse.GetValue(dao)!, parse.GetValue(proposal)!, parse.GetValue(reason)!, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["seq"] = e.Seq }, w => w.WriteLine($"event {e.Seq}"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Execute(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var proposal = ProposalArgument();
        var psbts = new Option<string[]>("--psbt") { Description = "A member-signed copy of the spend PSBT (repeat; base64, '@file')" };
        var command = new Command("execute", "Operator: execute a passed, unlocked proposal; a spend prints the PSBT to sign until k signatures are in, then broadcasts") { dao, proposal, psbts }.WithExamples(
            "opsource dao execute 3f2a...e1 9b7c...04 > spend.psbt",
            "opsource dao execute 3f2a...e1 9b7c...04 --psbt @alice.psbt --psbt @bob.psbt --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var signed = ReadPsbts(ctx, parse.GetValue(psbts));
            var result = await service.ExecuteAsync(parse.GetValue(dao)!, parse.GetValue(proposal)!, signed, token).ConfigureAwait(false);
            var json = new JsonObject { ["executed"] = result.Executed, ["txid"] = result.Txid, ["psbt"] = result.Psbt, ["signatures"] = result.Signatures, ["required"] = result.Required };
            ctx.WriteResult(json, w => w.WriteLine(result.Txid ?? result.Psbt ?? "executed"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static List<PartiallySignedTransaction> ReadPsbts(CliContext ctx, string[]? values) =>
        (values ?? []).Select(p =>
        {
            var text = DidCommand.ReadArgument(ctx, p, "--psbt");
            return PartiallySignedTransaction.TryParse(text, out var psbt, out var parseError) ? psbt : throw new CliUserException("--psbt: " + parseError);
        }).ToList();

    private static Command Rotate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var psbts = new Option<string[]>("--psbt") { Description = "An old member's signed copy of the sweep PSBT (repeat; base64, '@file')" };
        var feeRate = new Option<decimal?>("--fee-rate") { Description = "Fee rate of the sweep, sat/vB (default Dao:AnchorFeeRateSatVb)" };
        var empty = new Option<bool>("--empty") { Description = "The old treasury holds no coins: record the rotation without a sweep" };
        var command = new Command("rotate", "Operator: after a member add/remove or a new k, move the treasury to the descriptor the members and k now define (the old members sign the sweep); prints the PSBT until k old signatures are in") { dao, psbts, feeRate, empty }.WithExamples(
            "opsource dao rotate 3f2a...e1 > sweep.psbt",
            "opsource dao rotate 3f2a...e1 --psbt @alice.psbt --psbt @bob.psbt --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var signed = ReadPsbts(ctx, parse.GetValue(psbts));
            if (parse.GetValue(feeRate) is { } rate && (rate < 1 || rate > 10_000))
            {
                throw new CliUserException("--fee-rate must be from 1 to 10000 sat/vB");
            }

            var result = await service.RotateAsync(parse.GetValue(dao)!, signed, parse.GetValue(feeRate), parse.GetValue(empty), token).ConfigureAwait(false);
            var json = new JsonObject { ["rotated"] = result.Executed, ["txid"] = result.Txid, ["psbt"] = result.Psbt, ["signatures"] = result.Signatures, ["required"] = result.Required };
            ctx.WriteResult(json, w => w.WriteLine(result.Txid ?? result.Psbt ?? "rotated"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command SignPsbt(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var psbt = new Argument<string>("psbt") { Description = "The treasury spend PSBT (base64; '-' stdin, '@file')" };
        var key = KeyFile();
        var command = new Command("sign-psbt", "Member, offline: add this member's multi_a signature to a treasury spend PSBT") { psbt, key }.WithExamples(
            "opsource dao sign-psbt @spend.psbt --key-file alice.key > alice.psbt",
            "opsource dao sign-psbt - --key-file bob.key --json < spend.psbt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var text = DidCommand.ReadArgument(ctx, parse.GetValue(psbt)!, "psbt");
            if (!PartiallySignedTransaction.TryParse(text, out var document, out var parseError))
            {
                throw new CliUserException("psbt: " + parseError);
            }

            using var secret = ReadKey(parse.GetValue(key)!);
            if (!document.TrySign([secret], out var signed, out var refusals))
            {
                throw new CliUserException("psbt: " + string.Join("; ", refusals));
            }

            var count = signed.Inputs.Count(i => i.TapScriptSignatures.Any(s => s.Key == secret.XOnlyPublicKey));
            ctx.WriteResult(new JsonObject { ["psbt"] = signed.ToBase64(), ["signed_inputs"] = count }, w => w.WriteLine(signed.ToBase64()));
            return count > 0 ? CliApp.ExitOk : throw new CliUserException("psbt: this key signs no input (not a treasury member, or no leaf data)");
        }, ct));
        return command;
    }

    private static Command Anchor(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var wallet = new Option<string>("--wallet") { Description = "Operator wallet paying for the anchor", Required = true };
        var passphrase = new Option<string?>("--passphrase-file") { Description = "File holding the wallet passphrase ('-' stdin; without it, a terminal prompts)" };
        var proposal = new Option<string?>("--proposal") { Description = "The proposal whose close this anchors" };
        var command = new Command("anchor", "Commit the log's Merkle root on Bitcoin (OP_RETURN \"ODAO\" || tagged commitment) and record the anchor") { dao, wallet, passphrase, proposal }.WithExamples(
            "opsource dao anchor 3f2a...e1 --wallet ops --passphrase-file ~/.ops-pass",
            "opsource dao anchor 3f2a...e1 --wallet ops --proposal 9b7c...04 --json");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, services, token) =>
        {
            var walletName = parse.GetValue(wallet)!;
            using (var pass = SecretInput.Read(ctx, parse.GetValue(passphrase), "--passphrase-file", $"Passphrase of wallet {walletName}"))
            {
                await services.Get<OPSource.Wallet.Service.WalletService>().UnlockAsync(walletName, pass.Memory, TimeSpan.FromMinutes(5), token).ConfigureAwait(false);
            }

            var e = await service.AnchorAsync(parse.GetValue(dao)!, parse.GetValue(proposal), walletName, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["seq"] = e.Seq, ["body"] = JsonNode.Parse(e.Body) }, w => w.WriteLine(e.Body));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Export(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var dao = DaoArgument();
        var command = new Command("export", "Write the DAO's bundle (signed log, anchors with block proofs, spends) to stdout") { dao }.WithExamples(
            "opsource dao export 3f2a...e1 > bundle.json", "opsource dao export 3f2a...e1 | opsource dao verify -");
        command.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var bundle = await service.ExportAsync(parse.GetValue(dao)!, token).ConfigureAwait(false);
            ctx.Out.WriteLine(bundle.ToJson());
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command Verify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var bundle = new Argument<string>("bundle") { Description = "The bundle (a path, '-' stdin or '@file')" };
        var node = new Option<bool>("--node") { Description = "Also check each proven block is the configured node's best-chain block at its height" };
        var unconfirmed = new Option<bool>("--allow-unconfirmed") { Description = "Accept anchors without a block proof" };
        var command = new Command("verify", "Verify a bundle offline: hash chain, every signature, snapshot and tally, anchors and their block proofs") { bundle, node, unconfirmed }.WithExamples(
            "opsource dao verify bundle.json", "opsource dao verify bundle.json --node --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var source = parse.GetValue(bundle)!;
            var text = source is "-" || source.StartsWith('@') ? DidCommand.ReadArgument(ctx, source, "bundle") : ReadFile(source);
            var parsed = DaoBundle.Parse(text);
            CliServices? services = null;
            try
            {
                if (parse.GetValue(node))
                {
                    services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
                }

                var nodeSource = services is null ? null : services.Get<OPSource.Chain.IBitcoinNode>();
                var result = await DaoVerifier.VerifyAsync(parsed, nodeSource, new DaoVerifierOptions(parse.GetValue(unconfirmed)), token).ConfigureAwait(false);
                var json = DaoViews.Verification(result);
                void Human(TextWriter w)
                {
                    w.WriteLine(result.Ok ? $"valid: {result.Events} events, {result.Signatures} signatures, {result.Anchors.Count} anchor(s), {result.Proposals.Count} proposal(s)" : "invalid");
                }

                return result.Ok ? Ok(ctx, json, Human) : ctx.WriteNegativeResult(json, Human, result.Error!);
            }
            finally
            {
                if (services is not null)
                {
                    await services.DisposeAsync().ConfigureAwait(false);
                }
            }
        }, ct));
        return command;

        static int Ok(CliContext ctx, JsonObject json, Action<TextWriter> human)
        {
            ctx.WriteResult(json, human);
            return CliApp.ExitOk;
        }

        static string ReadFile(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUserException($"cannot read '{path}': {ex.Message}", ex);
            }
        }
    }

    private static Command Token(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("token", "The DAO's governance token: member-signed transfers, balances");
        var dao = DaoArgument();
        var to = new Option<string>("--to") { Description = "Recipient member's x-only key", Required = true };
        var amount = new Option<ulong>("--amount") { Description = "Tokens", Required = true };
        var key = KeyFile();
        var nonce = NonceOption();
        var signOnly = SignOnly();
        var transfer = new Command("transfer", "Sign and submit a transfer (the snapshot of open proposals is unaffected)") { dao, to, amount, key, nonce, signOnly }.WithExamples(
            "opsource dao token transfer 3f2a...e1 --to 79be...98 --amount 10 --key-file alice.key",
            "opsource dao token transfer 3f2a...e1 --to 79be...98 --amount 10 --key-file alice.key --sign-only > t.json");
        transfer.SetAction((parse, ct) => Signing(globals, parse, output, error, parse.GetValue(signOnly), async (ctx, services, token) =>
        {
            var daoId = parse.GetValue(dao)!;
            var recipient = parse.GetValue(to)!.ToLowerInvariant();
            if (!DaoKeys.IsHex32(daoId) || !DaoKeys.IsHex32(recipient))
            {
                throw new CliUserException("dao id and --to are 64 hex digits");
            }

            using var secret = ReadKey(parse.GetValue(key)!);
            var signed = DaoSigner.Transfer(secret, daoId, recipient, parse.GetValue(amount), NonceOrNow(parse.GetValue(nonce)));
            return await SubmitOrPrint(ctx, services, daoId, signed, parse.GetValue(signOnly), token).ConfigureAwait(false);
        }, ct));
        var balancesDao = DaoArgument();
        var balances = new Command("balances", "Token balances and supply") { balancesDao }.WithExamples("opsource dao token balances 3f2a...e1", "opsource dao token balances 3f2a...e1 --json");
        balances.SetAction((parse, ct) => WithService(globals, parse, output, error, async (ctx, service, _, token) =>
        {
            var (_, state, _) = await service.LoadAsync(parse.GetValue(balancesDao)!, token).ConfigureAwait(false);
            var json = new JsonObject { ["supply"] = state.Supply, ["mintable"] = state.Definition!.Mintable, ["balances"] = new JsonObject(state.Members.Values.Select(m => KeyValuePair.Create(m.KeyHex, (JsonNode?)m.Balance))) };
            ctx.WriteResult(json, w =>
            {
                foreach (var m in state.Members.Values)
                {
                    w.WriteLine($"{m.KeyHex}  {m.Balance}");
                }

                w.WriteLine($"supply {state.Supply}");
            });
            return CliApp.ExitOk;
        }, ct));
        command.Add(transfer);
        command.Add(balances);
        return command;
    }
}
