using OPSource.Layers.Stacks;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Pox;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Tests.Stacks;

/// <summary>Bad input gives one clear error naming the problem; readable Clarity text and types round-trip.</summary>
public sealed class StacksInputTests
{
    private const string Testnet = "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5";
    private const string Mainnet = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7";

    private static StacksException Fails(Action action)
    {
        var e = Assert.Throws<StacksException>(action);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Theory]
    [InlineData("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ8", "bad checksum")]
    [InlineData("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJU", "not c32")]
    [InlineData("XP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7", "must start with 'S'")]
    [InlineData("SP2J6", "too short")]
    [InlineData("", "must start with 'S'")]
    public void Malformed_c32_address_is_one_clear_error(string text, string expected)
    {
        var e = Fails(() => StacksAddress.Parse(text));
        Assert.Equal("stacks_address_invalid", e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_network_version_is_one_clear_error()
    {
        var e = Fails(() => StacksAddress.Parse(Mainnet, StacksNetwork.Testnet));
        Assert.Equal("stacks_address_network", e.Code);
        Assert.Contains("a mainnet address (version 22), expected testnet", e.Message, StringComparison.Ordinal);
        e = Fails(() => StacksAddress.Parse(new StacksAddress(5, new byte[20]).ToString(), StacksNetwork.Mainnet));
        Assert.Contains("version 5 is not a mainnet version", e.Message, StringComparison.Ordinal);
        Assert.Equal(26, StacksAddress.Parse(Testnet, StacksNetwork.Testnet).Version);
    }

    [Fact]
    public void Oversize_memo_is_one_clear_error()
    {
        var e = Fails(() => TokenTransferPayload.Create(Cv.Principal(Testnet), 1, new string('m', 35)));
        Assert.Equal("stacks_memo_too_long", e.Code);
        Assert.Contains("memo is 35 bytes, at most 34 fit", e.Message, StringComparison.Ordinal);
        e = Fails(() => TokenTransferPayload.Create(Cv.Principal(Testnet), 1, new string('é', 18))); // 36 UTF-8 bytes
        Assert.Contains("36 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal("exactly thirty-four bytes of memo!!", TokenTransferPayload.Create(Cv.Principal(Testnet), 1, "exactly thirty-four bytes of memo!!"[..34]).MemoText + "!");
    }

    [Theory]
    [InlineData("uint", "-1", "value -1 is not uint")]
    [InlineData("int", "u1", "value u1 is not int")]
    [InlineData("(buff 2)", "0x010203", "value is 3 bytes, more than (buff 2) allows")]
    [InlineData("(string-ascii 3)", "\"abcd\"", "value is 4 characters, more than (string-ascii 3) allows")]
    [InlineData("(string-utf8 1)", "u\"\\u{1f600}x\"", "value is 2 characters, more than (string-utf8 1) allows")]
    [InlineData("(list 2 uint)", "(list u1 u2 u3)", "value has 3 items, more than (list 2 uint) allows")]
    [InlineData("(list 3 uint)", "(list u1 2)", "value[1] 2 is not uint")]
    [InlineData("{a: uint, b: bool}", "{a: u1}", "value lacks key 'b'")]
    [InlineData("{a: uint}", "{a: u1, c: u2}", "value has key 'c'")]
    [InlineData("(optional (buff 1))", "(some 0x0102)", "value (some) is 2 bytes")]
    [InlineData("(response uint int)", "(err u1)", "value (err) u1 is not int")]
    [InlineData("principal", "\"ST1\"", "is not principal")]
    public void Clarity_value_that_does_not_fit_its_type_is_one_clear_error(string type, string text, string expected)
    {
        var e = Fails(() => ClarityText.Parse(text, ClarityType.Parse(type)));
        Assert.Equal("clarity_type", e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("u340282366920938463463374607431768211456", "does not fit uint")]
    [InlineData("170141183460469231731687303715884105728", "does not fit int")]
    [InlineData("\"caf\u00e9\"", "string-ascii cannot hold")]
    public void Out_of_range_literals_are_one_clear_error(string text, string expected)
    {
        var e = Fails(() => ClarityText.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5.token", "expected ADDRESS.contract::asset")]
    [InlineData("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5.token::", "asset name '' is not a valid Clarity name")]
    [InlineData("ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5.1token::t", "contract name '1token' is not valid")]
    public void Malformed_asset_identifiers_are_one_clear_error(string text, string expected)
    {
        var e = Fails(() => AssetInfo.Parse(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Post_condition_on_an_asset_the_contract_does_not_declare_is_one_clear_error()
    {
        var asset = AssetInfo.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.opsource-test::no-such-token");
        var contractInterface = new OPSource.Layers.Stacks.Node.ContractAssets(["opsource-token"], ["opsource-nft"]);
        var e = Fails(() => contractInterface.Check(new FungiblePostCondition(new PostConditionPrincipal.Origin(), asset, FungibleConditionCode.Equal, 1)));
        Assert.Equal("stacks_unknown_asset", e.Code);
        Assert.Contains("declares no fungible token 'no-such-token'", e.Message, StringComparison.Ordinal);
        var nft = AssetInfo.Parse("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.opsource-test::opsource-token");
        e = Fails(() => contractInterface.Check(new NonFungiblePostCondition(new PostConditionPrincipal.Origin(), nft, Cv.UInt(1), NonFungibleConditionCode.Sends)));
        Assert.Contains("declares no non-fungible token 'opsource-token' (it declares: opsource-nft)", e.Message, StringComparison.Ordinal);
        contractInterface.Check(new FungiblePostCondition(new PostConditionPrincipal.Origin(), nft, FungibleConditionCode.Equal, 1));
    }

    [Fact]
    public void Decoding_garbage_names_offsets_and_types()
    {
        Assert.Contains("truncated", Fails(() => TransactionCodec.ParseHex("0080000000")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown transaction version 0x42", Fails(() => TransactionCodec.ParseHex("42")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown type prefix 0x0f", Fails(() => ClarityCodec.FromHex("0f")).Message, StringComparison.Ordinal);
        Assert.Contains("trailing", Fails(() => ClarityCodec.FromHex("0300")).Message, StringComparison.Ordinal);
        Assert.Contains("tuple keys out of order", Fails(() => ClarityCodec.FromHex("0c00000002016203016103")).Message, StringComparison.Ordinal);
        Assert.Contains("lock period 13", Fails(() => Pox4.StackStx(StacksNetwork.Testnet, 1, new PoxAddress(0, new byte[20]), 1, 13, null, new byte[33], 1, 1)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("u0")]
    [InlineData("-170141183460469231731687303715884105728")]
    [InlineData("0x")]
    [InlineData("(list)")]
    [InlineData("(tuple (a (list 1 2)) (b (some (ok none))) (c (err u\"\\u{1f600}\\n\")))")]
    [InlineData("'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5.my-contract")]
    [InlineData("\"tab\\tquote\\\"back\\\\\"")]
    public void Readable_form_round_trips(string text)
    {
        var value = ClarityText.Parse(text);
        Assert.Equal(text, ClarityText.Print(value));
        Assert.Equal(value, ClarityCodec.FromHex(ClarityCodec.ToHex(value)));
    }

    [Fact]
    public void Random_values_round_trip_through_wire_and_text()
    {
        var rng = new RandomStacks(11);
        for (int i = 0; i < 2000; i++)
        {
            var value = rng.Value();
            string hex = ClarityCodec.ToHex(value);
            Assert.Equal(hex, ClarityCodec.ToHex(ClarityCodec.FromHex(hex)));
            Assert.Equal(hex, ClarityCodec.ToHex(ClarityText.Parse(ClarityText.Print(value))));
        }
    }

    [Fact]
    public void Tampered_signatures_fail_verification()
    {
        var rng = new RandomStacks(12);
        for (int i = 0; i < 30; i++)
        {
            var (tx, _) = rng.Transaction();
            if (TransactionSigner.AwaitsSponsor(tx))
            {
                continue;
            }

            TransactionSigner.Verify(tx);
            var bytes = tx.Serialize();
            var tampered = tx with { Auth = tx.Auth with { Origin = tx.Auth.Origin with { Nonce = tx.Auth.Origin.Nonce ^ 1 } } };
            Assert.Throws<StacksException>(() => TransactionSigner.Verify(tampered));
            Assert.Equal(bytes, TransactionCodec.Parse(bytes).Serialize());
        }
    }
}
