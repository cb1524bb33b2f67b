using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Keys;
using OPSource.Layers.Rsk;

namespace OPSource.Layers.Tests.Rsk;

/// <summary>Addresses, checksums, derivation and transactions against ethers 6 and @rsksmart/rsk-utils on random inputs.</summary>
public sealed class RskDifferentialTests
{
    private static readonly int[] ChainIds = [30, 31, 33, 1, 1337, 5777];

    [Fact]
    public async Task Random_keys_and_chain_ids_give_the_same_addresses_and_checksums_as_ethers_and_rsk_utils()
    {
        RskPeers.Require();
        var random = new Random(1191);
        var cases = new JsonArray();
        var ours = new List<(RskAddress Address, int ChainId)>();
        for (var i = 0; i < 300; i++)
        {
            var key = RandomKey(random);
            var chainId = ChainIds[random.Next(ChainIds.Length)];
            using var account = RskAccount.FromSecretKey(key);
            ours.Add((account.Address, chainId));
            cases.Add(new JsonObject { ["kind"] = "address", ["key"] = "0x" + Convert.ToHexStringLower(key), ["chainId"] = chainId });
        }

        var results = await RskPeers.DiffAsync(cases, TestContext.Current.CancellationToken);
        for (var i = 0; i < ours.Count; i++)
        {
            var (address, chainId) = ours[i];
            Assert.Equal((string)results[i]!["eip55"]!, address.ToChecksumString(null));
            Assert.Equal((string)results[i]!["eip1191"]!, address.ToChecksumString(chainId));
            Assert.Equal(address, RskAddress.Parse((string)results[i]!["eip1191"]!, chainId));
            Assert.Equal(address, RskAddress.Parse((string)results[i]!["eip55"]!, chainId));
        }
    }

    [Fact]
    public async Task Bip44_accounts_match_ethers_on_the_rsk_and_ethereum_paths()
    {
        RskPeers.Require();
        const string phrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        using var seed = Mnemonic.Parse(phrase).DeriveSeed();
        var cases = new JsonArray();
        var ours = new List<RskAddress>();
        foreach (var chain in RskChain.Known)
        {
            foreach (var derivation in new[] { RskDerivation.Rsk, RskDerivation.Ethereum })
            {
                foreach (var index in new uint[] { 0, 1, 7, 1000 })
                {
                    using var account = RskAccount.FromSeed(seed.Span, chain, index, derivation);
                    ours.Add(account.Address);
                    cases.Add(new JsonObject { ["kind"] = "derive", ["phrase"] = phrase, ["path"] = account.Path.ToString() });
                }
            }
        }

        var results = await RskPeers.DiffAsync(cases, TestContext.Current.CancellationToken);
        for (var i = 0; i < ours.Count; i++)
        {
            Assert.Equal((string)results[i]!["address"]!, ours[i].ToChecksumString(null));
        }

        // The well-known first Ethereum account of this phrase, and the RSK coin types in the paths.
        using var eth = RskAccount.FromSeed(seed.Span, RskChain.Mainnet, 0, RskDerivation.Ethereum);
        Assert.Equal("0x9858EfFD232B4033E47d90003D41EC34EcaEda94", eth.Address.ToChecksumString(null));
        Assert.Equal("m/44'/137'/0'/0/3", RskAccount.PathFor(RskChain.Mainnet, 3).ToString());
        Assert.Equal("m/44'/37310'/0'/0/3", RskAccount.PathFor(RskChain.Testnet, 3).ToString());
        Assert.Equal("m/44'/37310'/0'/0/3", RskAccount.PathFor(RskChain.Regtest, 3).ToString());
    }

    [Fact]
    public async Task Random_transactions_give_byte_identical_rlp_signatures_and_hashes()
    {
        RskPeers.Require();
        var random = new Random(155);
        var cases = new JsonArray();
        var ours = new List<(RskTransaction Unsigned, RskTransaction Signed, RskAddress From)>();
        for (var i = 0; i < 250; i++)
        {
            var key = RandomKey(random);
            using var account = RskAccount.FromSecretKey(key);
            var data = new byte[random.Next(4) == 0 ? 0 : random.Next(1, 300)];
            random.NextBytes(data);
            var to = random.Next(5) == 0 ? null : RskAddress.FromBytes(RandomBytes(random, 20));
            var tx = new RskTransaction
            {
                Nonce = (ulong)random.NextInt64(0, 1L << 53),
                // rskj encodes a zero gas price as 0x00 (not 0x80 as ethers does): differential prices start at 1.
                GasPrice = RandomUInt(random, 1 + random.Next(16)) + 1,
                GasLimit = (ulong)random.NextInt64(21_000, 1L << 40),
                To = to,
                Value = random.Next(3) == 0 ? BigInteger.Zero : RandomUInt(random, 1 + random.Next(31)),
                Data = data,
                ChainId = new[] { 30, 31, 33, 1, 100 }[random.Next(5)],
            };
            var signed = tx.Sign(account);
            ours.Add((tx, signed, account.Address));
            cases.Add(new JsonObject
            {
                ["kind"] = "tx",
                ["key"] = "0x" + Convert.ToHexStringLower(key),
                ["nonce"] = (long)tx.Nonce,
                ["gasPrice"] = tx.GasPrice.ToString(),
                ["gasLimit"] = tx.GasLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["to"] = to?.ToString(),
                ["value"] = tx.Value.ToString(),
                ["data"] = "0x" + Convert.ToHexStringLower(data),
                ["chainId"] = tx.ChainId,
            });
        }

        var results = await RskPeers.DiffAsync(cases, TestContext.Current.CancellationToken);
        for (var i = 0; i < ours.Count; i++)
        {
            var (unsigned, signed, from) = ours[i];
            Assert.Null(results[i]!["error"]);
            Assert.Equal((string)results[i]!["unsigned"]!, "0x" + Convert.ToHexStringLower(unsigned.EncodeForSigning()));
            Assert.Equal((string)results[i]!["signed"]!, "0x" + Convert.ToHexStringLower(signed.Encode()));
            Assert.Equal((string)results[i]!["hash"]!, "0x" + Convert.ToHexStringLower(signed.Hash()));
            var decoded = RskTransaction.Decode(signed.Encode());
            Assert.Equal(from, decoded.RecoverSender());
            Assert.Equal(signed.Encode(), decoded.Encode());
            Assert.Equal(signed.ChainId, decoded.ChainId);
        }
    }

    internal static byte[] RandomKey(Random random)
    {
        while (true)
        {
            var key = RandomBytes(random, 32);
            if (OPSource.Crypto.Secp256k1.SecretKey.TryCreate(key, out var k))
            {
                k.Dispose();
                return key;
            }
        }
    }

    internal static byte[] RandomBytes(Random random, int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }

    internal static BigInteger RandomUInt(Random random, int bytes) => new(RandomBytes(random, bytes), isUnsigned: true, isBigEndian: true);
}
