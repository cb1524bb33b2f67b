using OPSource.Crypto;

namespace OPSource.Crypto.Tests;

public class HashesTests
{
    [Fact]
    public void Hash160_of_empty_matches_known_value()
    {
        Span<byte> output = stackalloc byte[20];
        Hashes.Hash160([], output);
        Assert.Equal("b472a266d0bd89c13706a4132ccfb16f7c3b9fcb", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Ripemd160_abc_matches_reference()
    {
        Span<byte> output = stackalloc byte[20];
        Hashes.Ripemd160("abc"u8, output);
        Assert.Equal("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void TaggedHash_matches_definition()
    {
        Span<byte> expected = stackalloc byte[32];
        var tag = System.Security.Cryptography.SHA256.HashData("TapLeaf"u8);
        System.Security.Cryptography.SHA256.HashData([.. tag, .. tag, 0xc0, 0x00], expected);
        Span<byte> actual = stackalloc byte[32];
        Hashes.TaggedHash("TapLeaf", [0xc0, 0x00], actual);
        Assert.Equal(expected.ToArray(), actual.ToArray());
    }

    [Fact]
    public void TaggedHash_of_long_data_matches_definition()
    {
        byte[] data = new byte[5000];
        new Random(7).NextBytes(data);
        var tag = System.Security.Cryptography.SHA256.HashData("BIP0340/challenge"u8);
        byte[] expected = System.Security.Cryptography.SHA256.HashData([.. tag, .. tag, .. data]);
        Span<byte> actual = stackalloc byte[32];
        Hashes.TaggedHash("BIP0340/challenge", data, actual);
        Assert.Equal(expected, actual.ToArray());
        Hashes.TaggedHash("BIP0340/challenge", data.AsSpan(0, 100), actual);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([.. tag, .. tag, .. data.AsSpan(0, 100)]), actual.ToArray());
    }
}
