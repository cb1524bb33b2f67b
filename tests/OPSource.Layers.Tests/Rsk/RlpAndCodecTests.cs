using System.Numerics;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Abi;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>RLP (Ethereum wiki vectors, canonical-form rejections), address parsing errors, ABI vectors from the Solidity docs.</summary>
public sealed class RlpAndCodecTests
{
    private static byte[] Str(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Theory]
    [InlineData("", "80")]
    [InlineData("dog", "83646f67")]
    [InlineData("Lorem ipsum dolor sit amet, consectetur adipisicing elit", "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974")]
    public void Rlp_strings_match_the_ethereum_wiki_vectors(string text, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(Rlp.EncodeString(Str(text))));
        Assert.Equal(Str(text), Rlp.Decode(Convert.FromHexString(hex)).Bytes.ToArray());
    }

    [Fact]
    public void Rlp_lists_and_integers_match_the_ethereum_wiki_vectors()
    {
        Assert.Equal("c88363617483646f67", Convert.ToHexStringLower(Rlp.Encode(RlpItem.List([RlpItem.String(Str("cat")), RlpItem.String(Str("dog"))]))));
        Assert.Equal("c0", Convert.ToHexStringLower(Rlp.Encode(RlpItem.List([]))));
        var empty = RlpItem.List([]);
        var set = RlpItem.List([empty, RlpItem.List([empty]), RlpItem.List([empty, RlpItem.List([empty])])]);
        Assert.Equal("c7c0c1c0c3c0c1c0", Convert.ToHexStringLower(Rlp.Encode(set)));
        Assert.Equal("80", Convert.ToHexStringLower(Rlp.Encode(RlpItem.UInt(0))));
        Assert.Equal("0f", Convert.ToHexStringLower(Rlp.Encode(RlpItem.UInt(15))));
        Assert.Equal("820400", Convert.ToHexStringLower(Rlp.Encode(RlpItem.UInt(1024))));
        var decoded = Rlp.Decode(Convert.FromHexString("c7c0c1c0c3c0c1c0"));
        Assert.True(decoded.IsList);
        Assert.Equal(3, decoded.Items.Count);
    }

    [Theory]
    [InlineData("8100", "single byte below 0x80")]
    [InlineData("b80100", "long form")]
    [InlineData("b90001" + "00", "leading zero")]
    [InlineData("83646f", "ends inside the payload")]
    [InlineData("83646f6700", "after the item")]
    [InlineData("f80100", "long form")]
    [InlineData("", "ends before")]
    public void Rlp_decoding_refuses_non_canonical_and_truncated_data(string hex, string expected)
    {
        var ex = Assert.Throws<RskException>(() => Rlp.Decode(Convert.FromHexString(hex)));
        Assert.Equal(RskErrorKind.InvalidEncoding, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Address_parsing_reports_bad_checksums_and_checksums_of_another_chain()
    {
        using var account = RskAccount.FromSecretKey(Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"));
        var for30 = account.Address.ToChecksumString(30);
        var for31 = account.Address.ToChecksumString(31);
        Assert.NotEqual(for30, for31);
        Assert.Equal(account.Address, RskAddress.Parse(for31, 31));
        Assert.Equal(account.Address, RskAddress.Parse(for31.ToLowerInvariant(), 31));
        var wrongChain = Assert.Throws<RskException>(() => RskAddress.Parse(for30, 31));
        Assert.Equal(RskErrorKind.WrongChain, wrongChain.Kind);
        Assert.Contains("chain 30", wrongChain.Message, StringComparison.Ordinal);

        // Flip the case of one letter: no chain's checksum matches.
        var chars = for31.ToCharArray();
        var letter = Array.FindIndex(chars, 2, char.IsAsciiLetter);
        chars[letter] = char.IsUpper(chars[letter]) ? char.ToLowerInvariant(chars[letter]) : char.ToUpperInvariant(chars[letter]);
        var bad = Assert.Throws<RskException>(() => RskAddress.Parse(new string(chars), 31));
        Assert.Equal(RskErrorKind.BadChecksum, bad.Kind);
        Assert.Equal("bad_checksum", bad.Error.Code);
        Assert.Equal(RskErrorKind.InvalidAddress, Assert.Throws<RskException>(() => RskAddress.Parse("0x1234", 31)).Kind);
    }

    [Fact]
    public void Abi_matches_the_solidity_documentation_examples()
    {
        // Solidity ABI spec: baz(uint32,bool) with (69, true).
        var baz = AbiFunction.Parse("function baz(uint32 x, bool y) public pure returns (bool r)");
        Assert.Equal("cdcd77c0"
            + "0000000000000000000000000000000000000000000000000000000000000045"
            + "0000000000000000000000000000000000000000000000000000000000000001",
            Convert.ToHexStringLower(baz.EncodeCall([new BigInteger(69), true])));
        Assert.Equal("bool", baz.Outputs[0].Type.Canonical);

        // sam(bytes,bool,uint256[]) with ("dave", true, [1,2,3]).
        var sam = AbiFunction.Parse("sam(bytes,bool,uint256[])");
        Assert.Equal("a5643bf2"
            + "0000000000000000000000000000000000000000000000000000000000000060"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "00000000000000000000000000000000000000000000000000000000000000a0"
            + "0000000000000000000000000000000000000000000000000000000000000004"
            + "6461766500000000000000000000000000000000000000000000000000000000"
            + "0000000000000000000000000000000000000000000000000000000000000003"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "0000000000000000000000000000000000000000000000000000000000000003",
            Convert.ToHexStringLower(sam.EncodeCall([Str("dave"), true, new List<object> { new BigInteger(1), new BigInteger(2), new BigInteger(3) }])));
        var back = sam.DecodeCall(sam.EncodeCall([Str("dave"), true, new List<object> { new BigInteger(1) }]));
        Assert.Equal(Str("dave"), (byte[])back[0]);

        // ERC-20 Transfer topic.
        var transfer = AbiEvent.Parse("event Transfer(address indexed from, address indexed to, uint256 value)");
        Assert.Equal("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", Convert.ToHexStringLower(transfer.Topic));
    }

    [Fact]
    public void Abi_decoding_refuses_dirty_padding_and_bad_offsets()
    {
        var dirtyBool = new byte[32];
        dirtyBool[31] = 2;
        Assert.Equal(RskErrorKind.InvalidEncoding, Assert.Throws<RskException>(() => AbiCodec.Decode([AbiType.Bool], dirtyBool)).Kind);
        var dirtyAddress = new byte[32];
        dirtyAddress[0] = 1;
        Assert.Throws<RskException>(() => AbiCodec.Decode([AbiType.Address], dirtyAddress));
        var hugeOffset = new byte[32];
        hugeOffset[27] = 1;
        Assert.Throws<RskException>(() => AbiCodec.Decode([AbiType.String], hugeOffset));
        var hugeArray = new byte[64];
        hugeArray[31] = 32;
        hugeArray[60] = 0x10;
        Assert.Throws<RskException>(() => AbiCodec.Decode([AbiType.Parse("uint256[]")], hugeArray));
        Assert.Throws<RskException>(() => AbiCodec.Encode([AbiType.UInt(8)], [new BigInteger(256)]));
        Assert.Throws<RskException>(() => AbiType.Parse("uint7"));
        Assert.Equal("(address,bytes32[2])[]", AbiType.Parse("tuple(address a, bytes32[2] b)[]").Canonical);
    }

    [Fact]
    public void Transactions_refuse_high_s_and_decode_rskj_zero_gas_price()
    {
        using var account = RskAccount.FromSecretKey(Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"));
        var tx = new RskTransaction { Nonce = 0, GasPrice = 0, GasLimit = 21000, To = account.Address, Value = 1, ChainId = 31 }.Sign(account);
        // rskj RLP.encodeCoinNonNullZero: zero gas price is the single byte 0x00.
        var encoded = tx.Encode();
        Assert.Equal(0xf8, encoded[0]);
        Assert.Equal(0x80, encoded[2]);
        Assert.Equal(0x00, encoded[3]);
        Assert.Equal(account.Address, RskTransaction.Decode(tx.Encode()).RecoverSender());
        var order = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var high = tx with { Signature = tx.Signature! with { S = order - tx.Signature!.S } };
        var ex = Assert.Throws<RskException>(() => RskTransaction.Decode(high.Encode()));
        Assert.Contains("high s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RskErrorKind.WrongChain, Assert.Throws<RskException>(() => (tx with { ChainId = 200, Signature = null }).Sign(account)).Kind);
        Assert.Contains("exactly 9", Assert.Throws<RskException>(() => RskTransaction.Decode(Rlp.EncodeList(Rlp.EncodeString([1])))).Message, StringComparison.Ordinal);
    }
}
