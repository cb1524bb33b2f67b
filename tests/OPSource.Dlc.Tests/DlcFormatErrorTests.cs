using OPSource.Bitcoin;
using OPSource.Dlc.Messages;

namespace OPSource.Dlc.Tests;

/// <summary>
/// docs/errors.md area <c>dlc</c>: a message that does not decode throws <see cref="DlcFormatException"/>, a
/// <see cref="BitcoinFormatException"/> whose typed error has a kind, the code <c>dlc.kind</c>, the field and the
/// byte offset, so the hosts report it as the user's input (exit 1 / HTTP 400) and never as a bug.
/// </summary>
public sealed class DlcFormatErrorTests
{
    private static byte[] Offer() =>
        Convert.FromHexString(DlcVectorFiles.Load("enum_single_oracle_test.json")["offer_message"]!["serialized"]!.GetValue<string>());

    [Fact]
    public void Every_truncation_of_a_valid_offer_is_a_typed_error_inside_the_data()
    {
        var offer = Offer();
        for (var length = 0; length < offer.Length; length++)
        {
            var ex = Assert.Throws<DlcFormatException>(() => DlcWireCodec.Decode(offer.AsSpan(0, length)));
            Assert.IsAssignableFrom<BitcoinFormatException>(ex);
            Assert.StartsWith("dlc.", ex.Error.Code, StringComparison.Ordinal);
            Assert.Equal(ex.Error.Code, ((BitcoinFormatException)ex).Error.Code);
            Assert.False(string.IsNullOrEmpty(ex.Field));
            if (ex.Kind == DlcFormatErrorKind.Truncated)
            {
                Assert.InRange(ex.Error.Position!.Value, 0, length);
            }
        }

        // Cut after the type: the protocol version is missing at byte 2.
        var cut = Assert.Throws<DlcFormatException>(() => DlcWireCodec.Decode(offer.AsSpan(0, 2)));
        Assert.Equal((DlcFormatErrorKind.Truncated, "dlc.truncated", (int?)2), (cut.Kind, cut.Error.Code, cut.Error.Position));
    }

    [Fact]
    public void Unknown_types_and_invalid_json_have_their_own_kinds()
    {
        var offer = Offer();
        // After the message comes its TLV stream (BOLT #1): an even type is unknown and required, an odd one needs its length.
        var even = Assert.Throws<DlcFormatException>(() => DlcWireCodec.Decode([.. offer, 0x00]));
        Assert.Equal((DlcFormatErrorKind.UnknownType, "dlc.unknown_type", "offer_dlc.tlvs"), (even.Kind, even.Error.Code, even.Field));
        var odd = Assert.Throws<DlcFormatException>(() => DlcWireCodec.Decode([.. offer, 0x01]));
        Assert.Equal((DlcFormatErrorKind.Truncated, "dlc.truncated", (int?)(offer.Length + 1)), (odd.Kind, odd.Error.Code, odd.Error.Position));

        var unknown = Assert.Throws<DlcFormatException>(() => DlcWireCodec.Decode([0xa7, 0x1b, 0x00]));
        Assert.Equal(("dlc.unknown_type", "message.type"), (unknown.Error.Code, unknown.Field));

        var json = Assert.Throws<DlcFormatException>(() => DlcJsonCodec.FromJson("{not json"));
        Assert.Equal("dlc.invalid_json", json.Error.Code);
    }
}
