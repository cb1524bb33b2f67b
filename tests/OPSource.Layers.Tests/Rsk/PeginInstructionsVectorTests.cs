using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Transactions;
using OPSource.Layers.Rsk;
using OPSource.Layers.Rsk.Peg;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>
/// Peg-in instructions against rskj's published test vectors: raw Bitcoin transactions from rskj's own tests
/// (rskj-core/src/test/java/co/rsk/peg/bitcoin/BitcoinUtilsTest.java, BitcoinUtilsLegacyTest.java, PegUtilsTest.java,
/// pegininstructions/PeginInstructionsProviderTest.java), and the rules of PeginInstructionsVersion1.
/// </summary>
public sealed class PeginInstructionsVectorTests
{
    // BitcoinUtilsTest p2pkhArgProvider "PEGIN V1": mainnet tx 1aea355c..., RSKT v1 with a P2PKH refund address.
    private const string V1WithP2pkhRefund = "010000000127526c70380d29772e5644ce4f0aec10f77dc478953adc1c3168efb99e62fe34010000006b483045022100f10466b2949269d744bb8473d8e3eca448e07a78d0677eae2b06aa821a5b3e53"
            + "022045f72e56c7c1e0e9ef09d70737d9de7ca26d8c979c96fd55383948b3244adb8d012102ccf02ed837fd89cd9fd2a10af55f7316f8cfe26986918c87fa592ff268c3a253ffffffff02000000000000"
            + "0000306a2e52534b54016afd53e774eddec304398b2388048d0436f8716801b361100809c2b3872160f7b8161dd3c50742442d1e3b0f000000000017a914596cff92a275960df9cb2ab9df0ff69faa2b"
            + "1d8a8700000000";

    // BitcoinUtilsTest getSigHashForPegoutIndex_fail_for_bech32 "PEGIN BECH32": mainnet tx aeb98f9a..., RSKT v1, no refund.
    private const string V1FromBech32 = "010000000001012ee5f3cf0cf707d9fb1233653c3c8dfc96850cdf80ba716d4b4917d1ded876220000000000ffffffff0320a107000000000017a914056d0d9c5b14dd720d9f61fdb3f557c074f95cef"
            + "8700000000000000001b6a1952534b5401a0df67b9589bd0527af41f66294a846da513e1f9f3c201000000000016001402bd283849dbe761ee7a8e9d902a5dee1f9807f20248304502210080e065d2ed"
            + "38d819d26869e3ea25918adaa62fbaf1ce3a98e809a5c6a3c0beb10220669234d087835efcbccf21dbf225fee2abea4e37d29abead8a6da660812c450b01210210a19836ab556cc76f66ad8536fb6138"
            + "69db9676d123a7e56a1488369b646ed100000000";

    // BitcoinUtilsTest getSigHashForPegoutIndex_p2sh_pegin_v1: testnet tx 2d3d0ac3..., RSKT v1 from a P2SH multisig.
    private const string V1FromP2sh = "02000000017a04759c9582155575ca7e9b0549765d324b975501f48c5c3a8416a1226d62bf00000000d900473044022021fbc3bec74c2c65cb8edcebc03c4b7ec56185086fdf9a0f1578ce6e24a2cd57"
            + "0220626c8fcfa71a26365674b226e5cd3c33029b55a7bfe748923e3b773a36d7223401473044022055f9728a0fdc3533af8f4021f25ce78caaf6d76942969c31a860ebc64c2cee80022041c805e53ad2"
            + "5f8f41fe41def5ced4dacc0028d98df655c3b1b08d8e99f2549a01475221027451384fe9d38e1da80f2d50030bcc4264d3cb657165341cf2fdf901236033212102cf8cc726acd796084e77091f448af9"
            + "bd872ce4736abb05c2ea90635106574e4552aefdffffff0300000000000000001b6a1952534b540162db6c4b118d7259c23692b162829e6bd5e4d5b099de0a000000000017a9141dee6852dffce78d81"
            + "9a6215f33f6876babef5e0871d4238000000000017a9145d6469cc1a459cc9fbb5ac5e2909865f8d3b442d8772c92500";

    // PegUtilsTest (segwit peg-in), RSKT v1, no refund.
    private const string V1Segwit = "020000000001011f668117f2ca3314806ade1d99ae400f5413d7e9d4bfcbd11d52645e060e22fb0100000000fdffffff0300000000000000001b6a1952534b5401a27c6f697954357247e78f9900023c"
            + "fe01a9d49c0412030000000000160014b413f59a7ee6e34321140e83ea661e0484a79bc2988708000000000017a9145e6cf80958803e9b3c81cd90422152520d2a505c870247304402203fce49b39f79"
            + "581d93720f462b5f33f9174e66dc6efb635d4f41aacb33b08d0302201221aec5db31e269454fcc7a4df2936ccedd566ccf48828d4f97050954f196540121021831c5ba44b739521d635e521560525672"
            + "087e4d5db053801f4aeb60e782f6d6d0f02400";

    // BitcoinUtilsLegacyTest testnetRealPeginSerialized: an RSKT output of 66 bytes (not a valid v1 length).
    private const string SixtySixBytePayload = "0200000002d5dfff21c0e1f0b02dcbcda77a56ffd6412b79d2081bc4bc0466cf3f0913b297010000006a47304402201dc13fabe4b29d0a596a84f6f15b3d2d636625a8aa02acb8a4635038322040e102"
            + "20421d22271ca64b7c02b496dc916f092ea84a74e811f81a328f2f9d888aaee59b01210342e7b7961475e1fcb0e604ed34fc554f14ce7f931373646e98e463ae52a4b564fdffffffd5dfff21c0e1f0b0"
            + "2dcbcda77a56ffd6412b79d2081bc4bc0466cf3f0913b297020000006a47304402207e0add6292ac318db6657aeeb717818136f0f4d6e4efef35302ce72a79731fba0220297c3259eed72cd15fae7e0b"
            + "9a63d2321e415eb6bd36c023bd179455f236147301210342e7b7961475e1fcb0e604ed34fc554f14ce7f931373646e98e463ae52a4b564fdffffff030000000000000000446a4252534b540147bc43b2"
            + "14c418c101b976f8bbb5101ed262a069011ae302de6607907116810e598b83897b00f764d5c0eff2d4911d78c411bf873de759e10d3b2eeaba04bc0300000000001976a914dfc505d84d81d346563fe9"
            + "726a76c28e9ea8454588ac20a107000000000017a91405804450706addc3c6df3a400a22397ecaafe2d687cfba3d00";

    // PeginInstructionsProviderTest buildPeginInstructions_bech32: no OP_RETURN at all.
    private const string NoOpReturn = "02000000000101cf8b3b2baa22df50b1959d83b2f279ef231fb7cf2009ebfa35644d9e1f0184930200000000fdffffff02706408000000000017a9146e4b5ae85d86e4db0e6e5db09f8c276328cdbf3f"
            + "87ec5cd40500000000160014d7aa00421cd50c8f282dc7d32992a5e2932a92f3024730440220313d11b58bd2861e4a2f8b2d1b644250569e35c946fcba426de94ed28974f12102207b9074796eea9f82"
            + "3a2d56239f49674c4ec34d40f519b3babd5eba44f94495eb012102acbad9efed3a451f646b93b5fd37a796c1758875cc33eed1626d4ed673d00a9b5abd2600";

    [Theory]
    [InlineData(V1WithP2pkhRefund, "1aea355c7372f10d4c718b9263d63e4b67142ac1416df1dc741f96dd5ca07759", "6afd53e774eddec304398b2388048d0436f87168", "b361100809c2b3872160f7b8161dd3c50742442d")]
    [InlineData(V1FromBech32, "aeb98f9a7632efefcd8f9d89b881a0d7a80e4e5c501482f8c9a57db1d7e919c0", "a0df67b9589bd0527af41f66294a846da513e1f9", null)]
    [InlineData(V1FromP2sh, "2d3d0ac33fbcacab56cab594a68f9bd95c4786204e575bfb2297154d68cc115b", "62db6c4b118d7259c23692b162829e6bd5e4d5b0", null)]
    [InlineData(V1Segwit, null, "a27c6f697954357247e78f9900023cfe01a9d49c", null)]
    public void Rskj_peg_in_transactions_parse_to_their_instructions_and_round_trip(string rawTx, string? txid, string destination, string? refundHash)
    {
        var tx = Transaction.Parse(rawTx);
        if (txid is not null)
        {
            Assert.Equal(txid, tx.GetTxId().ToString());
        }

        var instructions = PeginInstructions.FromTransaction(tx, Network.Mainnet);
        Assert.NotNull(instructions);
        Assert.Equal(1, instructions.ProtocolVersion);
        Assert.Equal(destination, Convert.ToHexStringLower(instructions.Destination.Bytes));
        if (refundHash is null)
        {
            Assert.Null(instructions.RefundAddress);
        }
        else
        {
            var p2pkh = Assert.IsType<P2pkhAddress>(instructions.RefundAddress);
            Assert.Equal(refundHash, Convert.ToHexStringLower(p2pkh.PubKeyHash));
        }

        // Our encoder writes exactly the output rskj's wallet wrote.
        var rsktOutput = tx.Outputs.Single(o => o.ScriptPubKey.Span.IndexOf("RSKT"u8) > 0);
        Assert.Equal(rsktOutput.ScriptPubKey.ToHex(), instructions.ToScript().ToHex());
    }

    [Fact]
    public void Rskj_refusals_are_refused_and_transactions_without_instructions_have_none()
    {
        var ex = Assert.Throws<RskException>(() => PeginInstructions.FromTransaction(Transaction.Parse(SixtySixBytePayload), Network.Testnet));
        Assert.Equal(RskErrorKind.InvalidPegin, ex.Kind);
        Assert.Contains("invalid data length 66", ex.Message, StringComparison.Ordinal);
        Assert.Null(PeginInstructions.FromTransaction(Transaction.Parse(NoOpReturn), Network.Mainnet));

        var destination = RskAddress.FromBytes(new byte[20]);
        var payload = new PeginInstructions(destination).ToPayload();
        Assert.Equal("52534b5401" + new string('0', 40), Convert.ToHexStringLower(payload));
        payload[4] = 2;
        Assert.Contains("protocol version 2", Assert.Throws<RskException>(() => PeginInstructions.ParsePayload(payload, Network.Regtest)).Message, StringComparison.Ordinal);

        // PeginInstructionsVersion1Test.parseAdditionalData_invalidAddressType: type byte 9.
        var refund = new P2shAddress(Convert.FromHexString("5e6cf80958803e9b3c81cd90422152520d2a505c"), Network.Testnet);
        var withRefund = new PeginInstructions(destination, refund).ToPayload();
        Assert.Equal(46, withRefund.Length);
        Assert.Equal(2, withRefund[25]);
        Assert.Equal(refund.ToString(), PeginInstructions.ParsePayload(withRefund, Network.Testnet).RefundAddress!.ToString());
        withRefund[25] = 9;
        Assert.Contains("refund address type 9", Assert.Throws<RskException>(() => PeginInstructions.ParsePayload(withRefund, Network.Testnet)).Message, StringComparison.Ordinal);

        // Segwit refund addresses cannot be expressed (rskj v1 knows P2PKH and P2SH only).
        Assert.Equal(RskErrorKind.InvalidPegin, Assert.Throws<RskException>(() => new PeginInstructions(destination, Address.Parse("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", Network.Regtest))).Kind);

        // Two RSKT outputs: rskj refuses the transaction.
        var script = new PeginInstructions(destination).ToScript();
        var twice = Transaction.Parse(NoOpReturn).WithOutputs([new TxOut(Amount.Zero, script), new TxOut(Amount.Zero, script)]);
        Assert.Contains("only one OP_RETURN", Assert.Throws<RskException>(() => PeginInstructions.FromTransaction(twice, Network.Mainnet)).Message, StringComparison.Ordinal);
    }
}
