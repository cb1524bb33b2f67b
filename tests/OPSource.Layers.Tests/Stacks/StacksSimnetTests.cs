using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Node;
using OPSource.Layers.Stacks.Pox;
using OPSource.Layers.Stacks.Transactions;
using OPSource.TestSupport;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>
/// Against a real Clarity simnet (@stacks/clarinet-sdk 3.21.0): a contract written for these tests is
/// deployed and called with arguments OPSource encoded, results are decoded by OPSource, and pox-4
/// accepts stack-stx built from OPSource's PoX-address mapping and SIP-018 signer signature.
/// </summary>
public sealed class StacksSimnetTests(SimnetPeer simnet) : IClassFixture<SimnetPeer>
{
    private const string Pox4Contract = "ST000000000000000000002AMW42H.pox-4";
    private const string TestMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    private string Deployer => simnet.Accounts["deployer"];

    private string Wallet => simnet.Accounts["wallet_1"];

    private async Task<string> DeployAsync(CancellationToken ct, string name = "opsource-test")
    {
        string source = await File.ReadAllTextAsync(Path.Combine(Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Stacks", "Contracts", "opsource-test.clar"), ct);
        var response = await simnet.RequestAsync(new JsonObject { ["op"] = "deploy", ["name"] = name, ["source"] = source, ["sender"] = Deployer }, ct);
        Assert.Equal(Cv.Bool(true), ClarityCodec.FromHex((string)response["result"]!));
        return $"{Deployer}.{name}";
    }

    [Fact]
    public async Task Contract_call_with_opsource_encoded_arguments_returns_what_opsource_decodes()
    {
        var ct = TestContext.Current.CancellationToken;
        string contract = await DeployAsync(ct);

        // Each argument typed by the contract's signature, parsed from the readable form and checked.
        (string Type, string Text)[] args =
        [
            ("int", "-170141183460469231731687303715884105728"[..20]),
            ("uint", "u340282366920938463463374607431768211454"),
            ("bool", "false"),
            ("(buff 32)", "0x00ff10"),
            ("principal", $"'{Wallet}"),
            ("(string-ascii 40)", "\"hello \\\"clarity\\\"\""),
            ("(string-utf8 40)", "u\"gr\\u{fc}\\u{df}e \\u{1f600}\""),
            ("(optional uint)", "(some u7)"),
            ("(list 5 int)", "(list 1 -2 3)"),
            ("{name: (string-ascii 20), value: uint}", "{name: \"n\", value: u41}"),
        ];
        var values = args.Select(a => ClarityText.Parse(a.Text, ClarityType.Parse(a.Type))).ToList();

        var result = await simnet.CallAsync("call", contract, "echo-all", values, Wallet, ct);

        var expected = Cv.Ok(Cv.Tuple(
            ("i", Cv.Int(Int128.Parse("-170141183460469231731687303715884105728"[..20]) * 2)),
            ("u", Cv.UInt(UInt128.MaxValue)),
            ("b", Cv.Bool(true)),
            ("buf", Cv.Buffer([0x00, 0xff, 0x10, 0xff])),
            ("p", Cv.Principal(Wallet)),
            ("a", Cv.Ascii("hello \"clarity\"!")),
            ("s", Cv.Utf8("grüße 😀✓")),
            ("o", Cv.UInt(7)),
            ("sum", Cv.Int(2)),
            ("t", Cv.Tuple(("name", Cv.Ascii("n")), ("value", Cv.UInt(42))))));
        Assert.Equal(ClarityCodec.ToHex(expected), ClarityCodec.ToHex(result));
        Assert.Equal(
            "(ok (tuple (a \"hello \\\"clarity\\\"!\") (b true) (buf 0x00ff10ff) (i -3402823669209384634) (o u7) " +
            $"(p '{Wallet}) (s u\"gr\\u{{fc}}\\u{{df}}e \\u{{1f600}}\\u{{2713}}\") (sum 2) (t (tuple (name \"n\") (value u42))) (u u340282366920938463463374607431768211455)))",
            ClarityText.Print(result));

        // err responses and read-only state decode too.
        Assert.Equal(Cv.Err(Cv.UInt(11)), await simnet.CallAsync("call", contract, "check-below", [Cv.UInt(11)], Wallet, ct));
        Assert.Equal(Cv.Ok(Cv.UInt(3)), await simnet.CallAsync("call", contract, "check-below", [Cv.UInt(3)], Wallet, ct));
        var before = (ClarityUInt)await simnet.CallAsync("read", contract, "get-counter", [], Wallet, ct);
        Assert.Equal(Cv.Ok(Cv.UInt(before.Value + 1)), await simnet.CallAsync("call", contract, "bump", [], Wallet, ct));
        Assert.Equal(Cv.UInt(before.Value + 1), await simnet.CallAsync("read", contract, "get-counter", [], Wallet, ct));
    }

    [Fact]
    public async Task Pox4_read_only_calls_decode()
    {
        var ct = TestContext.Current.CancellationToken;
        var info = await simnet.CallAsync("read", Pox4Contract, "get-pox-info", [], Wallet, ct);
        var tuple = Assert.IsType<ClarityTuple>(Assert.IsType<ClarityResponse>(info).Value);
        Assert.Equal(Cv.UInt(1050), tuple["reward-cycle-length"]);
        Assert.IsType<ClarityUInt>(await simnet.CallAsync("read", Pox4Contract, "current-pox-reward-cycle", [], Wallet, ct));
        Assert.Equal(Cv.None, await simnet.CallAsync("read", Pox4Contract, "get-stacker-info", [Cv.Principal(Deployer)], Wallet, ct));
    }

    [Fact]
    public async Task Stack_stx_from_each_platform_bitcoin_address_type_is_accepted_by_pox4()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mnemonic = Mnemonic.Parse(TestMnemonic);
        using var seed = mnemonic.DeriveSeed();
        using var master = ExtKey.CreateMaster(seed);
        var network = StacksNetwork.Testnet;
        var btc = Network.Testnet;

        // The platform's own Bitcoin addresses (BIP44/49/84/86 accounts, and a 2-of-2 P2WSH), one stacker each.
        PublicKey(master, "m/44'/1'/0'/0/0", out var k44);
        PublicKey(master, "m/84'/1'/0'/0/1", out var k84b);
        Address[] payouts =
        [
            AccountAddresses.Derive(master.Derive(KeyPath.Parse("m/44'/1'/0'")).Neuter(), AccountPurpose.Bip44, btc, false, 0),
            AccountAddresses.Derive(master.Derive(KeyPath.Parse("m/49'/1'/0'")).Neuter(), AccountPurpose.Bip49, btc, false, 0),
            AccountAddresses.Derive(master.Derive(KeyPath.Parse("m/84'/1'/0'")).Neuter(), AccountPurpose.Bip84, btc, false, 0),
            Address.P2wsh([0x52, 0x21, .. k44, 0x21, .. k84b, 0x52, 0xae], btc),
            AccountAddresses.Derive(master.Derive(KeyPath.Parse("m/86'/1'/0'")).Neuter(), AccountPurpose.Bip86, btc, false, 0),
        ];
        byte[] expectedVersions = [0x00, 0x01, 0x04, 0x05, 0x06];

        var height = await simnet.RequestAsync(new JsonObject { ["op"] = "height" }, ct);
        ulong burnHeight = (ulong)height["burn_block_height"]!;
        var cycle = (ClarityUInt)await simnet.CallAsync("read", Pox4Contract, "current-pox-reward-cycle", [], Wallet, ct);
        const ulong amount = 30_000_000_000; // above min-amount-ustx of get-pox-info
        for (int i = 0; i < payouts.Length; i++)
        {
            using var stacker = StacksKeys.Derive(master, (uint)i);
            using var signer = StacksKeys.Derive(master, (uint)(100 + i));
            string stackerAddress = stacker.Address(network).ToString();
            var funded = await simnet.RequestAsync(new JsonObject { ["op"] = "transfer", ["amount"] = (amount + 1_000_000).ToString(), ["recipient"] = stackerAddress, ["sender"] = Wallet }, ct);
            Assert.Equal(Cv.Ok(Cv.Bool(true)), ClarityCodec.FromHex((string)funded["result"]!));

            var pox = PoxAddress.FromBitcoin(payouts[i]);
            Assert.Equal(expectedVersions[i], pox.Version);
            ulong period = (ulong)(i % 3) + 1;
            UInt128 authId = (UInt128)(1000 + i);
            byte[] signature = Pox4.SignerSignature(signer, network, pox, (ulong)cycle.Value, Pox4Topic.StackStx, period, amount, authId);
            var payload = Pox4.StackStx(network, amount, pox, burnHeight, period, signature, signer.PublicKeyBytes, amount, authId);

            // The same payload as a signed transaction reads back and verifies.
            var tx = TransactionBuilder.Unsigned(network, TransactionBuilder.SingleSig(stacker.PublicKeyBytes, 0, 1000), payload, postConditionMode: PostConditionMode.Allow);
            tx = TransactionSigner.SignOrigin(tx, stacker);
            TransactionSigner.Verify(TransactionCodec.Parse(tx.Serialize()));

            var result = await simnet.CallAsync("call", $"{payload.Address}.{payload.ContractName}", payload.FunctionName, payload.Arguments, stackerAddress, ct);
            var ok = Assert.IsType<ClarityResponse>(result);
            Assert.True(ok.IsOk, $"stack-stx for {payouts[i]} ({payouts[i].Type}) refused: {result}");
            var locked = Assert.IsType<ClarityTuple>(ok.Value);
            Assert.Equal(Cv.UInt(amount), locked["lock-amount"]);
            Assert.Equal(Cv.Buffer(signer.PublicKeyBytes), locked["signer-key"]);

            var info = await simnet.CallAsync("read", Pox4Contract, "get-stacker-info", [Cv.Principal(stackerAddress)], Wallet, ct);
            var stackerInfo = Assert.IsType<ClarityTuple>(Assert.IsType<ClarityOptional>(info).Value);
            Assert.Equal(ClarityCodec.ToHex(pox.ToClarity()), ClarityCodec.ToHex(stackerInfo["pox-addr"]));
        }

        // A signature over another period is refused by pox-4 (err 35, ERR_INVALID_SIGNATURE_PUBKEY).
        using var late = StacksKeys.Derive(master, 50);
        using var lateSigner = StacksKeys.Derive(master, 150);
        await simnet.RequestAsync(new JsonObject { ["op"] = "transfer", ["amount"] = (amount + 1_000_000).ToString(), ["recipient"] = late.Address(network).ToString(), ["sender"] = Wallet }, ct);
        var wrongPox = PoxAddress.FromBitcoin(payouts[0]);
        byte[] wrong = Pox4.SignerSignature(lateSigner, network, wrongPox, (ulong)cycle.Value, Pox4Topic.StackStx, 2, amount, 1);
        var refused = Pox4.StackStx(network, amount, wrongPox, burnHeight, 1, wrong, lateSigner.PublicKeyBytes, amount, 1);
        var refusal = await simnet.CallAsync("call", Pox4Contract, "stack-stx", refused.Arguments, late.Address(network).ToString(), ct);
        Assert.False(Assert.IsType<ClarityResponse>(refusal).IsOk);
    }

    [Fact]
    public async Task Delegate_stx_with_the_platform_pox_address_is_accepted_by_pox4()
    {
        var ct = TestContext.Current.CancellationToken;
        using var mnemonic = Mnemonic.Parse(TestMnemonic);
        using var seed = mnemonic.DeriveSeed();
        using var master = ExtKey.CreateMaster(seed);
        using var delegator = StacksKeys.Derive(master, 200);
        string address = delegator.Address(StacksNetwork.Testnet).ToString();
        await simnet.RequestAsync(new JsonObject { ["op"] = "transfer", ["amount"] = "1000000000", ["recipient"] = address, ["sender"] = Wallet }, ct);
        var payout = AccountAddresses.Derive(master.Derive(KeyPath.Parse("m/84'/1'/0'")).Neuter(), AccountPurpose.Bip84, Network.Testnet, false, 7);
        var payload = Pox4.DelegateStx(StacksNetwork.Testnet, 500_000_000, Cv.Principal(Deployer), null, PoxAddress.FromBitcoin(payout));
        var result = await simnet.CallAsync("call", Pox4Contract, "delegate-stx", payload.Arguments, address, ct);
        Assert.Equal(Cv.Ok(Cv.Bool(true)), result);
    }

    [Fact]
    public async Task Contract_interfaces_from_the_simnet_type_the_calls_opsource_builds()
    {
        var ct = TestContext.Current.CancellationToken;
        async Task<ContractInterface> InterfaceAsync(string contract)
        {
            var response = await simnet.RequestAsync(new JsonObject { ["op"] = "interface", ["contract"] = contract }, ct);
            using var doc = System.Text.Json.JsonDocument.Parse(response["interface"]!.ToJsonString());
            return ContractInterface.FromJson(contract, doc.RootElement);
        }

        // pox-4's own interface: the stack-stx and delegate-stx payloads fit it; a read-only function is no transaction.
        var pox4 = await InterfaceAsync(Pox4Contract);
        using var key = StacksPrivateKey.Parse("edf9aee84d9b7abc145504dde6726c64f369d37ee34ded868fabd876c26570bc01");
        var pox = PoxAddress.Parse("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", Network.Testnet);
        byte[] signature = Pox4.SignerSignature(key, StacksNetwork.Testnet, pox, 1, Pox4Topic.StackStx, 3, 10, 4);
        var stack = Pox4.StackStx(StacksNetwork.Testnet, 10, pox, 100, 3, signature, key.PublicKeyBytes, 10, 4);
        pox4.CheckCall(stack.FunctionName, stack.Arguments, transaction: true);
        var delegate_ = Pox4.DelegateStx(StacksNetwork.Testnet, 10, Cv.Principal(Deployer), 500, pox);
        pox4.CheckCall(delegate_.FunctionName, delegate_.Arguments, transaction: true);
        pox4.CheckCall("get-stacker-info", [Cv.Principal(Deployer)], transaction: false);
        Assert.Equal("stacks_not_public", Assert.Throws<StacksException>(() => pox4.CheckCall("get-pox-info", [], transaction: true)).Code);
        var bad = Assert.Throws<StacksException>(() => pox4.CheckCall("stack-stx", [Cv.Int(10), .. stack.Arguments.Skip(1)], transaction: true));
        Assert.Equal("clarity: stack-stx argument 1 (amount-ustx) 10 is not uint", bad.Message);
        bad = Assert.Throws<StacksException>(() => pox4.CheckCall("stack-stx", [.. stack.Arguments.Take(4), Cv.Some(Cv.Buffer(new byte[66])), .. stack.Arguments.Skip(5)], transaction: true));
        Assert.Contains("stack-stx argument 5 (signer-sig) (some) is 66 bytes, more than (buff 65) allows", bad.Message, StringComparison.Ordinal);

        // The test contract's interface (every Clarity type): the types read from its ABI are its signature's.
        var test = await InterfaceAsync(await DeployAsync(ct, "opsource-test-abi"));
        var echo = test.Functions["echo-all"];
        Assert.Equal("public", echo.Access);
        Assert.Equal(
            ["int", "uint", "bool", "(buff 32)", "principal", "(string-ascii 40)", "(string-utf8 40)", "(optional uint)", "(list 5 int)", ClarityType.Parse("{name: (string-ascii 20), value: uint}").ToString()],
            echo.Args.Select(a => a.Type.ToString()));
        Assert.Equal("read_only", test.Functions["get-counter"].Access);
        Assert.Contains("opsource-token", test.Assets.Fungible);
        Assert.Contains("opsource-nft", test.Assets.NonFungible);
        test.CheckCall("check-below", [Cv.UInt(3)], transaction: true);
        bad = Assert.Throws<StacksException>(() => test.CheckCall("echo-all", [Cv.Int(1), Cv.UInt(1), Cv.Bool(true), Cv.Buffer([1]), Cv.Principal(Wallet), Cv.Ascii("a"), Cv.Utf8("b"), Cv.None, Cv.List(Cv.Int(1)),
            Cv.Tuple(("name", Cv.Ascii("n")), ("value", Cv.Int(1)))], transaction: true));
        Assert.Equal("clarity: echo-all argument 10 (t).value 1 is not uint", bad.Message);
    }

    private static void PublicKey(ExtKey master, string path, out byte[] key)
    {
        using var child = master.Derive(KeyPath.Parse(path));
        key = child.PublicKey.ToCompressed();
    }
}
