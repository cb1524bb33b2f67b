using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;
using OPSource.Layers.Rsk.Rpc;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// Against a real EVM node (anvil, chain id 31): fund an account derived from a BIP39 seed on RSK testnet's path,
/// send RBTC, deploy a solc-compiled contract, call and read it, decode its events; and each bad input gives one error.
/// </summary>
public sealed class AnvilIntegrationTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static readonly BigInteger Rbtc = BigInteger.Pow(10, 18);

    private RskService Service(int chainId = 31) =>
        new(anvil.Rpc, new RskOptions { NodeUrl = anvil.Url, ChainId = chainId }, Network.Testnet);

    private static RskAccount Account(uint index)
    {
        using var seed = Mnemonic.Parse("legal winner thank year wave sausage worth useful legal winner thank yellow").DeriveSeed();
        return RskAccount.FromSeed(seed.Span, RskChain.Testnet, index);
    }

    private static async Task<(byte[] Bytecode, JsonObject Compiled)> CompileAsync(string file, string contract, CancellationToken ct)
    {
        var compiled = await RskPeers.CompileAsync(Path.Combine(OPSource.TestSupport.Vectors.RepoRoot, "tests", "OPSource.Layers.Tests", "Rsk", "Contracts", file), ct);
        var hex = (string)compiled[contract]!["bytecode"]!;
        return (Convert.FromHexString(hex[2..]), compiled[contract]!.AsObject());
    }

    [Fact]
    public async Task Fund_send_deploy_call_and_decode_events_on_a_real_node()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = Service();
        var status = await service.GetStatusAsync(ct);
        Assert.Equal(31, status.ChainId);

        using var alice = Account(0);
        using var bob = Account(1);
        Assert.Equal("m/44'/37310'/0'/0/0", alice.Path.ToString());
        await anvil.FundAsync(alice.Address, 10 * Rbtc, ct);
        Assert.Equal(10 * Rbtc, await service.GetBalanceAsync(alice.Address, ct));

        // Send RBTC.
        var bobBefore = await service.GetBalanceAsync(bob.Address, ct);
        var sent = await service.SendAsync(alice, new RskSendRequest(bob.Address, 3 * Rbtc / 2, ReadOnlyMemory<byte>.Empty), waitForReceipt: true, ct);
        Assert.True(sent.Receipt!.Succeeded);
        Assert.Equal(alice.Address, sent.Receipt.From);
        Assert.Equal(bobBefore + (3 * Rbtc / 2), await service.GetBalanceAsync(bob.Address, ct));
        Assert.Equal(sent.Hash, "0x" + Convert.ToHexStringLower(sent.Transaction.Hash()));
        Assert.Equal(alice.Address, RskTransaction.Decode(sent.Transaction.Encode()).RecoverSender());

        // Deploy Counter(41, "start") compiled by solc.
        var (bytecode, compiled) = await CompileAsync("Counter.sol", "Counter", ct);
        Assert.Contains("Incremented", compiled["abi"]!.ToJsonString(), StringComparison.Ordinal);
        var ctorArgs = AbiCodec.Encode(AbiType.ParseList("uint256,string"), [new BigInteger(41), "start"]);
        var deployed = await service.SendAsync(alice, new RskSendRequest(null, 0, (byte[])[.. bytecode, .. ctorArgs]), waitForReceipt: true, ct);
        Assert.True(deployed.Receipt!.Succeeded);
        Assert.Equal(deployed.ContractAddress, deployed.Receipt.ContractAddress);
        var counter = deployed.ContractAddress!;

        // Call and read.
        var count = AbiFunction.Parse("count() returns (uint256)");
        Assert.Equal(new BigInteger(41), (BigInteger)(await service.CallAsync(counter, count, [], null, ct))[0]);
        var describe = AbiFunction.Parse("describe() view returns (uint256, string, address)");
        var described = await service.CallAsync(counter, describe, [], bob.Address, ct);
        Assert.Equal("start", (string)described[1]);
        Assert.Equal(bob.Address, (RskAddress)described[2]);

        // A state-changing call, then its event from the receipt and from eth_getLogs.
        var increment = AbiFunction.Parse("increment(uint256 by, string newLabel) returns (uint256)");
        var tx = await service.SendAsync(bob, new RskSendRequest(counter, 0, increment.EncodeCall([new BigInteger(5), "héllo wörld"])), waitForReceipt: true, ct);
        Assert.True(tx.Receipt!.Succeeded);
        var incremented = AbiEvent.Parse("event Incremented(address indexed by, uint256 indexed newCount, string label, uint256[] history)");
        var log = Assert.Single(tx.Receipt.Logs);
        Assert.Equal(counter, log.Address);
        var values = incremented.Decode(log.Topics, log.Data);
        Assert.Equal(bob.Address, (RskAddress)values[0].Value);
        Assert.Equal(new BigInteger(46), (BigInteger)values[1].Value);
        Assert.Equal("héllo wörld", (string)values[2].Value);
        Assert.Equal([new BigInteger(41), new BigInteger(46)], ((IReadOnlyList<object>)values[3].Value).Cast<BigInteger>());
        var logs = await anvil.Rpc.GetLogsAsync(new RskLogFilter(counter, [incremented.Topic, null, AbiCodec.EncodeTopic(AbiType.UInt(256), new BigInteger(46))], BlockTag.Earliest, BlockTag.Latest), ct);
        Assert.Equal(tx.Hash, Assert.Single(logs).TransactionHash);
        Assert.Equal("héllo wörld", (string)(await service.CallAsync(counter, AbiFunction.Parse("label() returns (string)"), [], null, ct))[0]);
    }

    [Fact]
    public async Task Bad_inputs_each_give_one_clear_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = Service();
        using var carol = Account(5);
        using var dave = Account(6);
        await anvil.FundAsync(carol.Address, Rbtc, ct);
        var (bytecode, _) = await CompileAsync("Counter.sol", "Counter", ct);
        var deployed = await service.SendAsync(carol, new RskSendRequest(null, 0, (byte[])[.. bytecode, .. AbiCodec.Encode(AbiType.ParseList("uint256,string"), [BigInteger.One, "x"])]), true, ct);
        var counter = deployed.ContractAddress!;
        var increment = AbiFunction.Parse("increment(uint256,string) returns (uint256)");

        // Reverted call (eth_call) and reverted transaction (caught in estimation, nothing broadcast).
        var reverted = await Assert.ThrowsAsync<RskException>(() => service.CallAsync(counter, increment, [BigInteger.Zero, "x"], carol.Address, ct));
        Assert.Equal(RskErrorKind.Reverted, reverted.Kind);
        Assert.Contains("by must be positive", reverted.Message, StringComparison.Ordinal);
        var nonceBefore = await anvil.Rpc.GetTransactionCountAsync(carol.Address, BlockTag.Pending, ct);
        var revertedSend = await Assert.ThrowsAsync<RskException>(() => service.SendAsync(carol, new RskSendRequest(counter, 0, increment.EncodeCall([BigInteger.Zero, "x"])), true, ct));
        Assert.Equal(RskErrorKind.Reverted, revertedSend.Kind);
        Assert.Contains("by must be positive", revertedSend.Message, StringComparison.Ordinal);

        // Nonce gap and nonce reuse.
        var gap = await Assert.ThrowsAsync<RskException>(() => service.SendAsync(carol, new RskSendRequest(dave.Address, 1, ReadOnlyMemory<byte>.Empty, 21000, null, nonceBefore + 3), false, ct));
        Assert.Equal(RskErrorKind.NonceGap, gap.Kind);
        Assert.Contains("gap", gap.Message, StringComparison.Ordinal);
        var reuse = await Assert.ThrowsAsync<RskException>(() => service.SendAsync(carol, new RskSendRequest(dave.Address, 1, ReadOnlyMemory<byte>.Empty, 21000, null, nonceBefore - 1), false, ct));
        Assert.Equal(RskErrorKind.NonceTooLow, reuse.Kind);

        // The node itself refuses a reused nonce the same way (error mapped from the node's message).
        var raw = new RskTransaction { Nonce = nonceBefore - 1, GasPrice = 1_000_000_000, GasLimit = 21000, To = dave.Address, Value = 1, ChainId = 31 }.Sign(carol);
        Assert.Equal(RskErrorKind.NonceTooLow, (await Assert.ThrowsAsync<RskException>(() => anvil.Rpc.SendRawTransactionAsync(raw, ct))).Kind);

        // Under-priced: below eth_gasPrice.
        var underpriced = await Assert.ThrowsAsync<RskException>(() => service.SendAsync(carol, new RskSendRequest(dave.Address, 1, ReadOnlyMemory<byte>.Empty, 21000, 1), false, ct));
        Assert.Equal(RskErrorKind.Underpriced, underpriced.Kind);
        Assert.Equal("underpriced", underpriced.Error.Code);

        // Wrong chain id: configured for RSK mainnet (30), the node is on 31.
        var wrongChain = await Assert.ThrowsAsync<RskException>(() => Service(30).SendAsync(carol, new RskSendRequest(dave.Address, 1, ReadOnlyMemory<byte>.Empty), false, ct));
        Assert.Equal(RskErrorKind.WrongChain, wrongChain.Kind);
        Assert.Contains("chain 31", wrongChain.Message, StringComparison.Ordinal);

        // Insufficient funds.
        var poor = await Assert.ThrowsAsync<RskException>(() => service.SendAsync(carol, new RskSendRequest(dave.Address, 5 * Rbtc, ReadOnlyMemory<byte>.Empty, 21000), false, ct));
        Assert.Equal(RskErrorKind.InsufficientFunds, poor.Kind);

        // Wrong checksum (an address typed by hand).
        var good = dave.Address.ToChecksumString(31);
        var flipped = good[..^1] + (char.IsUpper(good[^1]) ? char.ToLowerInvariant(good[^1]) : char.IsLower(good[^1]) ? char.ToUpperInvariant(good[^1]) : good[^1]);
        if (flipped != good)
        {
            Assert.Equal(RskErrorKind.BadChecksum, Assert.Throws<RskException>(() => RskAddress.Parse(flipped, 31)).Kind);
        }

        // Nothing was broadcast by the refused sends.
        Assert.Equal(nonceBefore, await anvil.Rpc.GetTransactionCountAsync(carol.Address, BlockTag.Pending, ct));
    }
}
