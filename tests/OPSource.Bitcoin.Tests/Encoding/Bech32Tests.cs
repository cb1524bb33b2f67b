using System.Text.Json.Nodes;
using CsCheck;
using OPSource.Bitcoin.Encoding;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Encoding;

public class Bech32Tests
{
    private static JsonObject File() =>
        JsonNode.Parse(Vectors.ReadText("bips", "bech32_bech32m_test_vectors.json"))!.AsObject();

    private static string Latin1(JsonNode node) =>
        System.Text.Encoding.Latin1.GetString(Hex.Parse(node["bytes_hex"]!.GetValue<string>()));

    public static TheoryData<string, string> ValidStrings()
    {
        var data = new TheoryData<string, string>();
        foreach (var (list, variant) in new[] { ("bech32_valid", "Bech32"), ("bech32m_valid", "Bech32m") })
        {
            foreach (var s in File()[list]!.AsArray())
            {
                data.Add(s!.GetValue<string>(), variant);
            }
        }

        return data;
    }

    public static TheoryData<string, string, string> InvalidStrings()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var list in new[] { "bech32_invalid", "bech32m_invalid" })
        {
            foreach (var item in File()[list]!.AsArray())
            {
                data.Add(list, Hex.Encode(System.Text.Encoding.Latin1.GetBytes(Latin1(item!))), item!["reason"]!.GetValue<string>());
            }
        }

        return data;
    }

    public static TheoryData<string, string> ValidAddresses()
    {
        var data = new TheoryData<string, string>();
        foreach (var item in File()["bip350_valid_segwit_addresses"]!.AsArray())
        {
            data.Add(item!["address"]!.GetValue<string>(), item["scriptPubKey_hex"]!.GetValue<string>());
        }

        return data;
    }

    public static TheoryData<string, string> InvalidAddresses()
    {
        var data = new TheoryData<string, string>();
        foreach (var item in File()["bip350_invalid_segwit_addresses"]!.AsArray())
        {
            data.Add(item!["address"]!.GetValue<string>(), item["reason"]!.GetValue<string>());
        }

        return data;
    }

    public static TheoryData<string, string> Bip173Addresses()
    {
        var data = new TheoryData<string, string>();
        foreach (var item in File()["bip173_segwit_addresses"]!.AsArray())
        {
            data.Add(item!["address"]!.GetValue<string>(), item.ToJsonString());
        }

        foreach (var item in File()["bip173_invalid_segwit_addresses"]!.AsArray())
        {
            data.Add(item!["address"]!.GetValue<string>(), item.ToJsonString());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidStrings))]
    public void Valid_string_decodes_with_its_variant_and_reencodes(string text, string variant)
    {
        Assert.True(Bech32.TryDecode(text, out var hrp, out var data, out var actual, out var error), error?.Message);
        Assert.Equal(variant, actual.ToString());
        Assert.Equal(text.ToLowerInvariant(), Bech32.Encode(hrp, data, actual));

        // BIP350: no string is valid under both; flipping a character must fail.
        var pos = text.LastIndexOf('1') + 1;
        var upper = text.Any(char.IsUpper);
        var replacement = char.ToLowerInvariant(text[pos]) == 'q' ? 'p' : 'q';
        var flipped = text[..pos] + (upper ? char.ToUpperInvariant(replacement) : replacement) + text[(pos + 1)..];
        Assert.False(Bech32.TryDecode(flipped, out _, out _, out _, out var flipError));
        Assert.Equal(Bech32ErrorKind.InvalidChecksum, flipError!.Kind);
        Assert.Equal([pos], flipError.Positions);
    }

    [Theory]
    [MemberData(nameof(InvalidStrings))]
    public void Invalid_string_fails_with_the_vector_reason(string list, string bytesHex, string reason)
    {
        _ = list;
        var text = System.Text.Encoding.Latin1.GetString(Hex.Parse(bytesHex));
        Assert.False(Bech32.TryDecode(text, out _, out _, out _, out var error));
        Assert.NotNull(error);
        switch (reason)
        {
            case "HRP character out of range":
                Assert.Equal(Bech32ErrorKind.InvalidCharacter, error.Kind);
                Assert.True(error.Positions[0] < text.LastIndexOf('1') || text.LastIndexOf('1') < 0);
                break;
            case "overall max length exceeded":
                Assert.Equal(Bech32ErrorKind.TooLong, error.Kind);
                break;
            case "No separator character":
                Assert.Equal(Bech32ErrorKind.MissingSeparator, error.Kind);
                break;
            case "Empty HRP" or "empty HRP":
                Assert.Equal(Bech32ErrorKind.EmptyHrp, error.Kind);
                break;
            case "Invalid data character":
                Assert.Equal(Bech32ErrorKind.InvalidDataCharacter, error.Kind);
                break;
            case "Too short checksum":
                Assert.Equal(Bech32ErrorKind.TooShortChecksum, error.Kind);
                break;
            case "Invalid character in checksum":
                Assert.Contains(error.Kind, new[] { Bech32ErrorKind.InvalidCharacter, Bech32ErrorKind.InvalidDataCharacter });
                Assert.True(error.Positions[0] >= text.Length - 6, $"position {error.Positions[0]} not in checksum");
                break;
            case "checksum calculated with uppercase form of HRP":
                Assert.Equal(Bech32ErrorKind.InvalidChecksum, error.Kind);
                break;
            default:
                Assert.Fail($"unmapped reason '{reason}'");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(ValidAddresses))]
    public void Valid_segwit_address_decodes_to_its_script(string address, string scriptHex)
    {
        var hrp = address[..address.LastIndexOf('1')];
        Assert.True(Bech32.TryDecodeSegwit(hrp, address, out var version, out var program, out var error), error?.Message);
        var script = Hex.Parse(scriptHex);
        Assert.Equal(version == 0 ? 0 : 0x50 + version, script[0]);
        Assert.Equal(program.Length, script[1]);
        Assert.Equal(script[2..], program);
        Assert.Equal(address.ToLowerInvariant(), Bech32.EncodeSegwit(hrp.ToLowerInvariant(), version, program));
    }

    [Theory]
    [MemberData(nameof(InvalidAddresses))]
    public void Invalid_segwit_address_fails_with_the_vector_reason(string address, string reason)
    {
        // The vectors' valid HRPs are bc and tb; anything else is an HRP mismatch.
        var lower = address.ToLowerInvariant();
        var hrp = lower.StartsWith("tb", StringComparison.Ordinal) ? "tb" : "bc";
        Assert.False(Bech32.TryDecodeSegwit(hrp, address, out _, out _, out var error));
        Assert.NotNull(error);
        var expected = reason switch
        {
            "Invalid human-readable part" => SegwitAddressErrorKind.HrpMismatch,
            "Invalid checksum (Bech32 instead of Bech32m)" or "Invalid checksum (Bech32m instead of Bech32)" => SegwitAddressErrorKind.WrongVariant,
            "Invalid character in checksum" or "Mixed case" => SegwitAddressErrorKind.Bech32,
            "Invalid witness version" => SegwitAddressErrorKind.InvalidWitnessVersion,
            "Invalid program length (1 byte)" or "Invalid program length (41 bytes)" => SegwitAddressErrorKind.InvalidProgramLength,
            "Invalid program length for witness version 0 (per BIP141)" => SegwitAddressErrorKind.InvalidProgramLengthV0,
            "zero padding of more than 4 bits" => SegwitAddressErrorKind.ExcessPadding,
            "Non-zero padding in 8-to-5 conversion" => SegwitAddressErrorKind.NonZeroPadding,
            "Empty data section" => SegwitAddressErrorKind.EmptyData,
            _ => throw new InvalidOperationException($"unmapped reason '{reason}'"),
        };
        Assert.Equal(expected, error.Kind);
        if (reason == "Mixed case")
        {
            Assert.Equal(Bech32ErrorKind.MixedCase, error.Bech32Error!.Kind);
        }
        else if (reason == "Invalid character in checksum")
        {
            Assert.Equal(Bech32ErrorKind.InvalidDataCharacter, error.Bech32Error!.Kind);
            Assert.True(error.Bech32Error.Positions[0] >= address.Length - 6);
        }
    }

    [Theory]
    [MemberData(nameof(Bip173Addresses))]
    public void Bip173_addresses_follow_bip350_rules(string address, string json)
    {
        var item = JsonNode.Parse(json)!;
        var lower = address.ToLowerInvariant();
        var hrp = lower.StartsWith("tb", StringComparison.Ordinal) ? "tb" : "bc";
        var ok = Bech32.TryDecodeSegwit(hrp, address, out _, out var program, out _);
        var validUnder350 = item["valid_under_bip350"]?.GetValue<bool>() ?? false;
        Assert.Equal(validUnder350, ok);
        if (ok)
        {
            Assert.EndsWith(Hex.Encode(program), item["scriptPubKey_hex"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Two_substitutions_are_located()
    {
        const string valid = "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw";
        var chars = valid.ToCharArray();
        chars[10] = chars[10] == 'q' ? 'p' : 'q';
        chars[30] = chars[30] == 'q' ? 'p' : 'q';
        Assert.False(Bech32.TryDecode(new string(chars), out _, out _, out _, out var error));
        Assert.Equal(Bech32ErrorKind.InvalidChecksum, error!.Kind);
        Assert.Equal([10, 30], error.Positions);
    }

    [Fact]
    public void ConvertBits_round_trip()
    {
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            Assert.True(Bech32.ConvertBits(bytes, 8, 5, true, out var five));
            Assert.True(Bech32.ConvertBits(five, 5, 8, false, out var back));
            Assert.Equal(bytes, back);
        });
    }

    [Fact]
    public void Random_strings_never_crash_the_decoders()
    {
        Gen.String.Sample(s =>
        {
            _ = Bech32.TryDecode(s, out _, out _, out _, out _);
            _ = Bech32.TryDecodeSegwit("bc", s, out _, out _, out _);
        });
        var charset = Gen.OneOfConst("qpzry9x8gf2tvdw0s3jn54khce6mua7l1QPZbBio".ToCharArray());
        Gen.String[charset, 0, 95].Sample(s =>
        {
            _ = Bech32.TryDecodeSegwit("bc", "bc1" + s, out _, out _, out _);
        });
    }
}
