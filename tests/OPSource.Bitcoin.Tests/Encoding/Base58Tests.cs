using System.Text.Json.Nodes;
using CsCheck;
using OPSource.Bitcoin.Encoding;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Encoding;

public class Base58Tests
{
    public static TheoryData<int, string, string> CoreVectors()
    {
        var data = new TheoryData<int, string, string>();
        var array = JsonNode.Parse(Vectors.ReadText("bitcoin-core", "src-test-data", "base58_encode_decode.json"))!.AsArray();
        for (var i = 0; i < array.Count; i++)
        {
            data.Add(i, array[i]![0]!.GetValue<string>(), array[i]![1]!.GetValue<string>());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CoreVectors))]
    public void Core_vector_encodes_and_decodes(int index, string hex, string base58)
    {
        _ = index;
        var bytes = Hex.Parse(hex);
        Assert.Equal(base58, Base58.Encode(bytes));
        Assert.True(Base58.TryDecode(base58, out var decoded, out var error), error?.Message);
        Assert.Equal(hex.ToLowerInvariant(), Hex.Encode(decoded));
    }

    [Fact]
    public void Core_vector_file_is_not_empty()
    {
        Assert.True(CoreVectors().Count >= 10);
    }

    [Theory]
    [InlineData("invalid", 4)]
    [InlineData("3SEo3LWLoPntC0", 13)]
    [InlineData("1O", 1)]
    [InlineData(" 1", 0)]
    [InlineData("2g\u00e9", 2)]
    public void Invalid_character_reports_position(string text, int position)
    {
        Assert.False(Base58.TryDecode(text, out _, out var error));
        Assert.Contains($"position {position}", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_round_trip_and_checksum_failure()
    {
        // Core base58_tests.cpp base58_random_encode_decode / known P2PKH address.
        var payload = Hex.Parse("00f54a5851e9372b87810a8e60cdd2e7cfd80b6e31");
        var encoded = Base58.EncodeCheck(payload);
        Assert.Equal("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs", encoded);
        Assert.True(Base58.TryDecodeCheck(encoded, out var back, out _));
        Assert.Equal(payload, back);
        var tampered = encoded[..^1] + (encoded[^1] == 's' ? 't' : 's');
        Assert.False(Base58.TryDecodeCheck(tampered, out _, out var error));
        Assert.Contains("checksum", error?.Message, StringComparison.Ordinal);
        Assert.False(Base58.TryDecodeCheck("1", out _, out _));
        Assert.Throws<BitcoinFormatException>(() => Base58.DecodeCheck(tampered));
    }

    [Fact]
    public void Overlong_input_is_refused_before_quadratic_work()
    {
        Assert.False(Base58.TryDecode(new string('z', Base58.MaxDecodeLength + 1), out _, out var error));
        Assert.Contains("longer than", error?.Message, StringComparison.Ordinal);
        Assert.True(Base58.TryDecode(new string('z', Base58.MaxDecodeLength), out _, out _));
    }

    [Fact]
    public void Random_bytes_round_trip()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            var text = Base58.Encode(bytes);
            return Base58.TryDecode(text, out var back, out _) && back.AsSpan().SequenceEqual(bytes);
        });
    }

    [Fact]
    public void Random_strings_never_crash_the_decoder()
    {
        Gen.String[Gen.Char.AlphaNumeric, 0, 60].Sample(s =>
        {
            _ = Base58.TryDecode(s, out _, out _);
            _ = Base58.TryDecodeCheck(s, out _, out _);
        });
        Gen.String.Sample(s =>
        {
            _ = Base58.TryDecodeCheck(s, out _, out _);
        });
    }
}
