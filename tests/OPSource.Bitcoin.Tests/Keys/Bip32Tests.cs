using CsCheck;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Keys;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Keys;

public class Bip32Tests
{
    private static JsonObject Load() => JsonNode.Parse(Vectors.ReadText("bips", "bip32_test_vectors.json"))!.AsObject();

    // One case per (vector, chain entry) of BIP32 test vectors 1-4.
    public static TheoryData<int, int> ValidCases()
    {
        var data = new TheoryData<int, int>();
        var vectors = Load()["vectors"]!.AsArray();
        for (var v = 0; v < vectors.Count; v++)
        {
            for (var c = 0; c < vectors[v]!["chains"]!.AsArray().Count; c++)
            {
                data.Add(v, c);
            }
        }

        return data;
    }

    public static TheoryData<int> InvalidCases()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Load()["invalid_extended_keys"]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void Derives_serializes_and_parses_vector(int vector, int chain)
    {
        var v = Load()["vectors"]![vector]!;
        var c = v["chains"]![chain]!;
        var path = KeyPath.Parse((string)c["path"]!);
        var xprv = (string)c["xprv"]!;
        var xpub = (string)c["xpub"]!;

        using var master = ExtKey.CreateMaster(Convert.FromHexString((string)v["seed_hex"]!));
        using var key = master.Derive(path);
        Assert.Equal(xprv, key.ToBase58(ExtKeyVersion.Xprv));
        Assert.Equal(xpub, key.Neuter().ToString());
        Assert.Equal(path.Length, key.Depth);

        // Parse round trip, private and public.
        Assert.True(ExtKey.TryParse(xprv, out var parsed, out var version, out var error), error?.Message);
        using (parsed)
        {
            Assert.Same(ExtKeyVersion.Xprv, version);
            Assert.Equal(xprv, parsed.ToBase58(ExtKeyVersion.Xprv));
            Assert.Equal(key.Fingerprint, parsed.Fingerprint);
        }

        Assert.True(ExtPubKey.TryParse(xpub, out var pub, out var pubVersion, out error), error?.Message);
        Assert.Same(ExtKeyVersion.Xpub, pubVersion);
        Assert.Equal(key.Neuter(), pub);

        // Public derivation agrees with private derivation for the last non-hardened step.
        if (path.Length > 0 && !KeyPath.IsHardened(path.LastIndex!.Value))
        {
            using var parent = master.Derive(path.Parent);
            Assert.Equal(xpub, parent.Neuter().Derive(path.LastIndex.Value).ToString());
            Assert.Equal(parent.Fingerprint, key.ParentFingerprint);
        }
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Rejects_bip32_vector5_invalid_key(int index)
    {
        var c = Load()["invalid_extended_keys"]![index]!;
        var text = (string)c["key"]!;
        var reason = (string)c["reason"]!;
        var isPrivate = text.StartsWith("xprv", StringComparison.Ordinal);
        KeyError? error;
        if (isPrivate)
        {
            Assert.False(ExtKey.TryParse(text, out _, out _, out error));
        }
        else
        {
            Assert.False(ExtPubKey.TryParse(text, out _, out _, out error));
        }

        // Both parsers reject every invalid key.
        Assert.False(ExtKey.TryParse(text, out _, out _, out _));
        Assert.False(ExtPubKey.TryParse(text, out _, out _, out _));

        var expected = reason switch
        {
            "pubkey version / prvkey mismatch" => "version is public but the key data is a private key",
            "prvkey version / pubkey mismatch" => "version is private but the key data is a public key",
            "invalid pubkey prefix 04" => "invalid public key prefix 0x04",
            "invalid prvkey prefix 04" => "invalid private key prefix 0x04",
            "invalid pubkey prefix 01" => "invalid public key prefix 0x01",
            "invalid prvkey prefix 01" => "invalid private key prefix 0x01",
            "zero depth with non-zero parent fingerprint" => "zero depth with non-zero parent fingerprint",
            "zero depth with non-zero index" => "zero depth with non-zero child index",
            "unknown extended key version" => "unknown extended key version",
            "private key 0 not in 1..n-1" => "private key is not in 1..n-1",
            "private key n not in 1..n-1" => "private key is not in 1..n-1",
            "invalid checksum" => "checksum",
            _ when reason.StartsWith("invalid pubkey 02", StringComparison.Ordinal) => "public key is not a valid curve point",
            _ => throw new InvalidOperationException("unmapped vector reason: " + reason),
        };
        Assert.Contains(expected, error?.Message, StringComparison.Ordinal);
        Assert.StartsWith("bip32: ", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_and_ToString_never_show_private_keys()
    {
        using var master = ExtKey.CreateMaster(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        var xprv = master.ToBase58(ExtKeyVersion.Xprv);
        Assert.DoesNotContain("xprv", master.ToString(), StringComparison.Ordinal);
        Assert.Equal("ExtKey(depth 0, fingerprint 3442193e)", master.ToString());
        // BIP32 vector 1 chain m: identifier 3442193e1bb7..., fingerprint its first 4 bytes, P2PKH address 15mKKb2e...
        var id = new byte[20];
        master.WriteIdentifier(id);
        Assert.Equal("3442193e1bb70916e914552172cd4e2dbc9df811", Convert.ToHexStringLower(id));
        Assert.Equal("15mKKb2eos1hWa6tisdPwwDC1a5J1y9nma", OPSource.Bitcoin.Addresses.Address.P2pkh(master.PublicKey, Network.Mainnet).ToString());
        // A private key given where a public one is expected: the message says so without echoing it.
        Assert.False(ExtPubKey.TryParse(xprv, out _, out _, out var error));
        Assert.DoesNotContain(xprv[4..20], error?.Message, StringComparison.Ordinal);
        Assert.Contains("private", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hardened_public_derivation_is_refused()
    {
        using var master = ExtKey.CreateMaster(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        var xpub = master.Neuter();
        Assert.False(xpub.TryDerive(KeyPath.Harden(0), out _));
        Assert.Throws<InvalidOperationException>(() => xpub.Derive(KeyPath.Parse("m/0'")));
    }

    [Fact]
    public void Slip132_versions_round_trip()
    {
        using var master = ExtKey.CreateMaster(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        foreach (var version in ExtKeyVersion.All)
        {
            string text;
            if (version.IsPrivate)
            {
                text = master.ToBase58(version);
                Assert.True(ExtKey.TryParse(text, out var k, out var v, out var e), e?.Message);
                k.Dispose();
                Assert.Same(version, v);
            }
            else
            {
                text = master.Neuter().ToString(version);
                Assert.True(ExtPubKey.TryParse(text, out _, out var v, out var e), e?.Message);
                Assert.Same(version, v);
            }

            Assert.StartsWith(version.Prefix, text, StringComparison.Ordinal);
            Assert.Same(version, version.IsPrivate ? version.Public.Private : version.Private.Public);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("xpub")]
    [InlineData("1111111111")]
    [InlineData("not base58 0OIl")]
    public void Garbage_is_a_parse_error(string text)
    {
        Assert.False(ExtPubKey.TryParse(text, out _, out _, out var error));
        Assert.StartsWith("bip32: ", error?.Message, StringComparison.Ordinal);
        Assert.Throws<BitcoinFormatException>(() => ExtKey.Parse(text));
    }

    [Fact]
    public void Random_bytes_never_crash_the_reader()
    {
        // A known version prefix, so the reader gets past the version check into the key checks.
        Gen.Select(Gen.Int[0, ExtKeyVersion.All.Count - 1], Gen.Byte.Array[74], Gen.Byte[0, 4]).Sample((v, rest, prefix) =>
        {
            var bytes = new byte[78];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, ExtKeyVersion.All[v].Value);
            rest.CopyTo(bytes, 4);
            bytes[45] = prefix;
            if (ExtKey.TryRead(bytes, out var k, out _, out _))
            {
                k.Dispose();
            }

            _ = ExtPubKey.TryRead(bytes, out _, out _, out _);
        }, iter: 2000);
    }

    [Fact]
    public void Seed_length_is_checked()
    {
        Assert.Throws<ArgumentException>(() => ExtKey.CreateMaster(new byte[15]));
        Assert.Throws<ArgumentException>(() => ExtKey.CreateMaster(new byte[65]));
    }

    [Fact]
    public void Property_public_derivation_matches_private_derivation()
    {
        // BIP32: N(CKDpriv((k, c), i)) == CKDpub(N(k, c), i) for non-hardened i.
        Gen.Select(Gen.Byte.Array[16, 64], Gen.UInt[0, KeyPath.HardenedBit - 1], Gen.UInt).Sample((seed, normal, any) =>
        {
            using var master = ExtKey.CreateMaster(seed);
            using var parent = master.Derive(any);
            using var child = parent.Derive(normal);
            var fromPublic = parent.Neuter().Derive(normal);
            Assert.Equal(child.Neuter(), fromPublic);
            Assert.Equal(parent.Fingerprint, fromPublic.ParentFingerprint);
            Assert.Equal(2, fromPublic.Depth);
            Assert.Equal(normal, fromPublic.ChildIndex);
            // Serialization round trip of a random derived key.
            var xprv = child.ToBase58(ExtKeyVersion.Tprv);
            using var parsed = ExtKey.Parse(xprv);
            Assert.Equal(child.Neuter(), parsed.Neuter());
        }, iter: 40);
    }

    [Fact]
    public void Path_derivation_from_xpub_matches_private_path()
    {
        using var master = ExtKey.CreateMaster(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"));
        using var account = master.Derive(KeyPath.Parse("m/84'/0'/0'"));
        using var leaf = master.Derive(KeyPath.Parse("m/84'/0'/0'/1/42"));
        Assert.Equal(leaf.Neuter(), account.Neuter().Derive(KeyPath.Parse("1/42")));
        using var same = master.Derive(KeyPath.Root);
        Assert.Equal(master.Neuter(), same.Neuter());
        Assert.NotSame(master, same);
    }
}
