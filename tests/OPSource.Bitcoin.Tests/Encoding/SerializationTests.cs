using CsCheck;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Tests.Encoding;

public class SerializationTests
{
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(252UL, "fc")]
    [InlineData(253UL, "fdfd00")]
    [InlineData(0xffffUL, "fdffff")]
    [InlineData(0x10000UL, "fe00000100")]
    [InlineData(0xffffffffUL, "feffffffff")]
    [InlineData(0x100000000UL, "ff0000000001000000")]
    public void CompactSize_encodings(ulong value, string hex)
    {
        Span<byte> buf = stackalloc byte[9];
        var n = CompactSize.Write(buf, value);
        Assert.Equal(hex, Hex.Encode(buf[..n]));
        Assert.Equal(n, CompactSize.GetSize(value));
        Assert.True(CompactSize.TryRead(Hex.Parse(hex), out var back, out var consumed, out _, rangeCheck: false));
        Assert.Equal(value, back);
        Assert.Equal(n, consumed);
    }

    [Theory]
    [InlineData("fdfc00", "non-canonical")]
    [InlineData("feffff0000", "non-canonical")]
    [InlineData("ffffffffff00000000", "non-canonical")]
    [InlineData("fe01000002", "too large")]
    [InlineData("fd00", "unexpected end")]
    [InlineData("", "unexpected end")]
    public void CompactSize_rejects_like_core(string hex, string fragment)
    {
        Assert.False(CompactSize.TryRead(Hex.Parse(hex), out _, out _, out var error));
        Assert.Contains(fragment, error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_and_reader_round_trip()
    {
        var w = new BitcoinWriter();
        w.WriteUInt8(7);
        w.WriteUInt16LE(0x1234);
        w.WriteInt32LE(-2);
        w.WriteUInt64LE(0x0102030405060708);
        w.WriteInt64LE(-5);
        w.WriteVarBytes([1, 2, 3]);
        w.WriteCompactSize(300);
        Assert.Equal(1 + 2 + 4 + 8 + 8 + 4 + 3, (int)w.BytesWritten);
        var r = new BitcoinReader(w.WrittenSpan);
        Assert.True(r.TryReadUInt8(out var b) && b == 7);
        Assert.True(r.TryReadUInt16LE(out var u16) && u16 == 0x1234);
        Assert.True(r.TryReadInt32LE(out var i32) && i32 == -2);
        Assert.True(r.TryReadUInt64LE(out var u64) && u64 == 0x0102030405060708);
        Assert.True(r.TryReadInt64LE(out var i64) && i64 == -5);
        Assert.True(r.TryReadVarBytes(out var bytes));
        Assert.Equal([1, 2, 3], bytes.ToArray());
        Assert.True(r.TryReadCompactSize(out var cs) && cs == 300);
        Assert.True(r.IsAtEnd);
        Assert.False(r.TryReadUInt32LE(out _));
        Assert.Contains("offset 30", r.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_never_throws_on_random_input()
    {
        Gen.Byte.Array[0, 40].Sample(data =>
        {
            var r = new BitcoinReader(data);
            while (r.TryReadVarBytes(out _))
            {
            }

            Assert.NotNull(r.Error);
        });
    }

    [Fact]
    public void Hex_reports_bad_position()
    {
        Assert.False(Hex.TryParse("00zz", out _, out var error));
        Assert.Contains("position 2", error?.Message, StringComparison.Ordinal);
        Assert.False(Hex.TryParse("abc", out _, out error));
        Assert.Contains("odd", error?.Message, StringComparison.Ordinal);
        Assert.Equal([0xab, 0xCD], Hex.Parse("abCD"));
    }

    [Fact]
    public void UInt256_displays_reversed()
    {
        var bytes = new byte[32];
        bytes[0] = 1;
        var v = new UInt256(bytes);
        Assert.Equal("0000000000000000000000000000000000000000000000000000000000000001", v.ToString());
        Assert.Equal(v, UInt256.Parse(v.ToString()));
        Assert.True(v > UInt256.Zero);
        Assert.Equal(bytes, v.ToBytes());
    }
}
