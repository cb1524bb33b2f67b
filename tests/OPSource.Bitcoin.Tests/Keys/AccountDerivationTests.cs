using System.Text.Json.Nodes;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Crypto;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Keys;

// BIP49/84/86 "Test vectors" sections (bip49_84_86_derivation_vectors.json): every field of every entry is checked.
public class AccountDerivationTests
{
    private static JsonObject Bips() => JsonNode.Parse(Vectors.ReadText("bips", "bip49_84_86_derivation_vectors.json"))!["bips"]!.AsObject();

    public static TheoryData<string, int> Entries()
    {
        var data = new TheoryData<string, int>();
        foreach (var (bip, entries) in Bips())
        {
            for (var i = 0; i < entries!.AsArray().Count; i++)
            {
                data.Add(bip, i);
            }
        }

        return data;
    }

    // Field values carry notes: "HASH160(x) = 0xabc (testnet)" -> "abc".
    private static string Value(string raw)
    {
        var s = raw.Replace(" (testnet)", "", StringComparison.Ordinal).Trim();
        var eq = s.LastIndexOf("= ", StringComparison.Ordinal);
        if (eq >= 0)
        {
            s = s[(eq + 2)..];
        }

        return s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s;
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Bip_vector_entry(string bip, int index)
    {
        var entry = Bips()[bip]![index]!;
        var (purpose, network) = bip switch
        {
            "bip49" => (AccountPurpose.Bip49, Network.Testnet),
            "bip84" => (AccountPurpose.Bip84, Network.Mainnet),
            "bip86" => (AccountPurpose.Bip86, Network.Mainnet),
            _ => throw new InvalidOperationException(bip),
        };
        var account = new AccountPath(purpose, network);
        // Entries without a path: the root ones ("root") and BIP49's address steps (first receive key).
        var path = entry["path"] is { } p ? KeyPath.Parse((string)p!)
            : (string)entry["label"]! == "root" ? KeyPath.Root : account.ReceivePath(0);
        if (entry["path"] is not null && path.Length == 3)
        {
            Assert.Equal(account.KeyPath, path);
        }
        else if (path.Length == 5)
        {
            Assert.True(AccountPath.TryFromKeyPath(path, network, out var recognised));
            Assert.Equal(account, recognised);
            Assert.Equal(path, account.AddressPath(path.Indexes[3] == 1, path.Indexes[4]));
        }

        using var mnemonic = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        using var seed = mnemonic.DeriveSeed();
        using var root = ExtKey.CreateMaster(seed);
        using var key = root.Derive(path);
        var pub = key.Neuter().PublicKey;

        var checkedFields = 0;
        foreach (var (name, node) in entry["fields"]!.AsObject())
        {
            var expected = Value((string)node!);
            switch (name)
            {
                case "masterseedWords" or "mnemonic":
                    Assert.Equal(expected, mnemonic.ToPhrase());
                    break;
                case "masterseed" or "rootpriv" or "account0Xpriv" or "xpriv" or "xprv":
                    Assert.True(ExtKey.TryParse(expected, out var parsed, out var version, out var error), error?.Message);
                    parsed.Dispose();
                    Assert.Equal(expected, key.ToBase58(version!));
                    break;
                case "rootpub" or "account0Xpub" or "xpub":
                    Assert.True(ExtPubKey.TryParse(expected, out _, out var pubVersion, out var pubError), pubError?.Message);
                    Assert.Equal(expected, key.Neuter().ToString(pubVersion!));
                    if (path.Length == 3)
                    {
                        // The SLIP-132 family of the account matches the purpose.
                        Assert.Equal(account.ScriptType, pubVersion.ScriptType);
                    }

                    break;
                case "account0recvPrivateKey" or "privkey":
                    Assert.Equal(expected, Wif.Encode(key.PrivateKey, network, compressed: true));
                    break;
                case "account0recvPrivateKeyHex":
                    var k = new byte[32];
                    key.PrivateKey.WriteTo(k);
                    Assert.Equal(expected, Convert.ToHexStringLower(k));
                    break;
                case "account0recvPublicKeyHex" or "pubkey":
                    Assert.Equal(expected, Convert.ToHexStringLower(pub.ToCompressed()));
                    break;
                case "internal_key":
                    Assert.Equal(expected, Convert.ToHexStringLower(pub.ToXOnly(out _).ToBytes()));
                    break;
                case "output_key":
                    Assert.Equal(expected, Convert.ToHexStringLower(AccountAddresses.Bip86OutputKey(pub).ToBytes()));
                    break;
                case "keyhash":
                    var h = new byte[20];
                    Hashes.Hash160(pub.ToCompressed(), h);
                    Assert.Equal(expected, Convert.ToHexStringLower(h));
                    break;
                case "scriptSig":
                    // BIP49: the redeem script pushed by scriptSig is OP_0 <HASH160(pubkey)>.
                    Assert.Equal(expected, Convert.ToHexStringLower(Address.P2wpkh(pub, network).ScriptPubKeyBytes));
                    break;
                case "addressBytes":
                    Assert.Equal(expected, Convert.ToHexStringLower(((P2shAddress)Address.P2shP2wpkh(pub, network)).ScriptHash));
                    break;
                case "scriptPubKey":
                    Assert.Equal(expected, Convert.ToHexStringLower(AccountAddresses.ForKey(pub, purpose, network).ScriptPubKeyBytes));
                    break;
                case "address":
                    var address = AccountAddresses.ForKey(pub, purpose, network);
                    Assert.Equal(expected, address.ToString());
                    Assert.Equal(AccountAddresses.AddressTypeOf(purpose), address.Type);
                    Assert.Equal(address, Address.Parse(expected, network));
                    // Deriving from the account xpub gives the same address as from the private key.
                    using (var accountKey = root.Derive(account.KeyPath))
                    {
                        Assert.Equal(address, AccountAddresses.Derive(accountKey.Neuter(), purpose, network, path.Indexes[3] == 1, path.Indexes[4]));
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unhandled vector field {name}");
            }

            checkedFields++;
        }

        Assert.True(checkedFields > 0);
    }

    [Fact]
    public void Account_paths_follow_bip44()
    {
        Assert.Equal("m/44'/0'/0'", new AccountPath(AccountPurpose.Bip44, Network.Mainnet).ToString());
        Assert.Equal("m/84'/1'/3'", new AccountPath(AccountPurpose.Bip84, Network.Signet, 3).ToString());
        Assert.Equal("m/86'/0'/0'/1/7", new AccountPath(AccountPurpose.Bip86, Network.Mainnet).ChangePath(7).ToString());
        Assert.Equal("m/49'/1'/0'/0/0", new AccountPath(AccountPurpose.Bip49, Network.Regtest).ReceivePath(0).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new AccountPath(AccountPurpose.Bip84, Network.Mainnet, KeyPath.HardenedBit));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AccountPath(AccountPurpose.Bip84, Network.Mainnet).ReceivePath(KeyPath.HardenedBit));
        Assert.False(AccountPath.TryFromKeyPath(KeyPath.Parse("m/84'/1'/0'"), Network.Mainnet, out _));
        Assert.False(AccountPath.TryFromKeyPath(KeyPath.Parse("m/84'/0'/0'/2/0"), Network.Mainnet, out _));
        Assert.False(AccountPath.TryFromKeyPath(KeyPath.Parse("m/85'/0'/0'"), Network.Mainnet, out _));
        Assert.True(AccountPath.TryFromKeyPath(KeyPath.Parse("m/84'/0'/5'"), Network.Mainnet, out var account));
        Assert.Equal(5u, account!.Account);
    }

    [Fact]
    public void Bip44_address_is_p2pkh_of_compressed_key()
    {
        using var mnemonic = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        using var seed = mnemonic.DeriveSeed();
        using var root = ExtKey.CreateMaster(seed);
        var account = new AccountPath(AccountPurpose.Bip44, Network.Mainnet);
        using var key = root.Derive(account.ReceivePath(0));
        // Widely published first BIP44 address of the "abandon ... about" mnemonic (e.g. Ian Coleman's tool, Trezor docs).
        Assert.Equal("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", AccountAddresses.ForKey(key.Neuter().PublicKey, AccountPurpose.Bip44, Network.Mainnet).ToString());
    }
}
