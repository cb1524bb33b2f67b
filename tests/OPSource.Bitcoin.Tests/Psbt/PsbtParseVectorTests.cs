using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.TestSupport;
using PsbtT = OPSource.Bitcoin.Psbt.Psbt;

namespace OPSource.Bitcoin.Tests.Psbt;

// BIP174 test vectors (bip174_psbt_test_vectors.json) and Core's rpc_psbt.json parse cases: every case runs.
public class PsbtParseVectorTests
{
    internal static JsonObject Bip174() => JsonNode.Parse(Vectors.ReadText("bips", "bip174_psbt_test_vectors.json"))!.AsObject();

    internal static JsonObject Core() => JsonNode.Parse(Vectors.ReadText("bitcoin-core", "functional-data", "rpc_psbt.json"))!.AsObject();

    private static TheoryData<int> Indexes(Func<JsonObject> file, string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < file()[section]!.AsArray().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static TheoryData<int> Bip174Invalid() => Indexes(Bip174, "invalid");

    public static TheoryData<int> Bip174Valid() => Indexes(Bip174, "valid");

    public static TheoryData<int> Bip174SignerChecks() => Indexes(Bip174, "fails_signer_checks");

    public static TheoryData<int> CoreInvalid() => Indexes(Core, "invalid");

    public static TheoryData<int> CoreInvalidWithMsg() => Indexes(Core, "invalid_with_msg");

    public static TheoryData<int> CoreValid() => Indexes(Core, "valid");

    [Theory]
    [MemberData(nameof(Bip174Invalid))]
    public void Bip174_invalid_case_is_rejected(int index)
    {
        var c = Bip174()["invalid"]![index]!;
        Assert.False(PsbtT.TryParse(Hex.Parse((string)c["hex"]!), out _, out var error), (string)c["description"]!);
        Assert.StartsWith("psbt: ", error?.Message, StringComparison.Ordinal);
        Assert.False(PsbtT.TryParse((string)c["base64"]!, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Bip174Valid))]
    public void Bip174_valid_case_round_trips(int index)
    {
        var c = Bip174()["valid"]![index]!;
        Assert.True(PsbtT.TryParse((string)c["base64"]!, out var psbt, out var error), error?.Message);
        Assert.Equal((string)c["hex"]!, psbt.ToHex());
        Assert.Equal((string)c["base64"]!, psbt.ToBase64());
    }

    [Theory]
    [MemberData(nameof(Bip174SignerChecks))]
    public void Bip174_signer_check_case_parses(int index)
    {
        var c = Bip174()["fails_signer_checks"]![index]!;
        Assert.True(PsbtT.TryParse((string)c["hex"]!, out var psbt, out var error), error?.Message);
        Assert.Equal((string)c["hex"]!, psbt.ToHex());
    }

    [Theory]
    [MemberData(nameof(CoreInvalid))]
    public void Core_invalid_case_is_rejected(int index)
    {
        var b64 = (string)Core()["invalid"]![index]!;
        Assert.False(PsbtT.TryParse(b64, out _, out var error));
        Assert.StartsWith("psbt: ", error?.Message, StringComparison.Ordinal);
    }

    // Core's message -> the field/rule our error must name.
    private static string ExpectedFragment(string coreMessage) => coreMessage switch
    {
        "Input Taproot BIP32 keypath has an invalid length" => "input 0 tap_bip32_derivation value has an invalid length",
        "Output Taproot tree must not be empty" => "tap_tree must not be empty",
        "Input musig2 participants pubkeys aggregate key is not 34 bytes" => "input 0 musig2_participant_pubkeys aggregate key is not 34 bytes",
        "Input musig2 participants pubkeys value size is not a multiple of 33" => "input 0 musig2_participant_pubkeys value size is not a multiple of 33",
        "Output musig2 participants pubkeys aggregate key is not 34 bytes" => "musig2_participant_pubkeys aggregate key is not 34 bytes",
        "Output musig2 participants pubkeys value size is not a multiple of 33" => "musig2_participant_pubkeys value size is not a multiple of 33",
        "Input musig2 pubnonce key is not expected size" => "input 0 musig2_pub_nonce key is not the expected size",
        "Input musig2 pubnonce value is not 66 bytes" => "input 0 musig2_pub_nonce value must be 66 bytes",
        "Input musig2 partial sig key is not expected size" => "input 0 musig2_partial_sig key is not the expected size",
        // Core reads a fixed-size value and finds bytes left over; we check the fixed size up front.
        "Size of value was not the stated size" => "input 0 musig2_partial_sig value must be 32 bytes",
        _ => throw new InvalidOperationException("unmapped Core message: " + coreMessage),
    };

    [Theory]
    [MemberData(nameof(CoreInvalidWithMsg))]
    public void Core_invalid_case_is_rejected_for_the_stated_reason(int index)
    {
        var c = Core()["invalid_with_msg"]![index]!;
        Assert.False(PsbtT.TryParse((string)c[0]!, out _, out var error));
        Assert.Contains(ExpectedFragment((string)c[1]!), error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CoreValid))]
    public void Core_valid_case_round_trips(int index)
    {
        var b64 = (string)Core()["valid"]![index]!;
        Assert.True(PsbtT.TryParse(b64, out var psbt, out var error), error?.Message);
        Assert.Equal(b64, psbt.ToBase64());
    }
}
