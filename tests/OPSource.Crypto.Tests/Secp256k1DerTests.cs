using OPSource.Crypto.Secp256k1;

namespace OPSource.Crypto.Tests;

/// <summary>Lax DER (Bitcoin Core pubkey.cpp ecdsa_signature_parse_der_lax) hand cases and strict/lax relations.</summary>
public class Secp256k1DerTests
{
    private static EcdsaSignature Compact(string rHex, string sHex)
    {
        Assert.True(EcdsaSignature.TryParseCompact(Convert.FromHexString(rHex.PadLeft(64, '0') + sHex.PadLeft(64, '0')), out EcdsaSignature s));
        return s;
    }

    public static TheoryData<string, bool, string, string> LaxCases() => new()
    {
        // hex, accepted by lax, expected r, expected s (hex, 0 for the invalid (0,0) result)
        { "3006020101020102", true, "01", "02" },
        // Sequence length wrong (Core skips it entirely).
        { "307f020101020102", true, "01", "02" },
        { "3000020101020102", true, "01", "02" },
        // A long-form sequence length whose length-of-length exceeds the input is rejected.
        { "30ff020101020102", false, "", "" },
        // Long-form sequence length: its bytes are skipped.
        { "3082ffff020101020102", true, "01", "02" },
        // Excess zero padding in R and S (strict DER rejects).
        { "300a02030000010203000002", true, "01", "02" },
        // Long-form integer lengths with leading zero length bytes.
        { "3008028101010282000102", true, "01", "02" },
        // Negative R (high bit set, no padding): Core takes the magnitude bytes as is.
        { "3006020181020102", true, "81", "02" },
        // Trailing garbage after S is ignored.
        { "3006020101020102deadbeef", true, "01", "02" },
        // Zero-length integers give zero.
        { "30040200020102", true, "00", "02" },
        // R of 33 significant bytes overflows: parsed, but as the invalid signature (0, 0).
        { "30260221010101010101010101010101010101010101010101010101010101010101010101020102", true, "00", "00" },
        // R == n overflows too.
        { "3026022100fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141020102", true, "00", "00" },
        // Rejected: wrong tags, truncated lengths, length beyond input, 4+ length bytes.
        { "", false, "", "" },
        { "31", false, "", "" },
        { "3006030101020102", false, "", "" },
        { "3006020101030102", false, "", "" },
        { "30060201", false, "", "" },
        { "3006020501020102", false, "", "" },
        { "30080284000000010102", false, "", "" },
        { "3085", false, "", "" },
    };

    [Theory]
    [MemberData(nameof(LaxCases))]
    public void Lax_der_behaves_like_core(string hex, bool accepted, string r, string s)
    {
        bool ok = EcdsaSignature.TryParseDerLax(Convert.FromHexString(hex), out EcdsaSignature sig);
        Assert.Equal(accepted, ok);
        if (accepted)
        {
            Assert.Equal(Compact(r, s), sig);
        }
    }

    [Fact]
    public void Lax_accepts_what_strict_accepts_with_the_same_value()
    {
        var rng = new Random(4242);
        using SecretKey key = SecretKey.Generate();
        for (int i = 0; i < 300; i++)
        {
            var msg = new byte[32];
            rng.NextBytes(msg);
            byte[] der = Ecdsa.Sign(key, msg).ToDer();
            if (i % 2 == 1)
            {
                der[rng.Next(der.Length)] ^= (byte)(1 << rng.Next(8));
            }

            // Out-of-range integers: strict zeroes only that integer, Core's lax parser zeroes both; both are invalid.
            if (EcdsaSignature.TryParseDer(der, out EcdsaSignature strict) && !strict.ToCompact().AsSpan(0, 32).SequenceEqual(new byte[32]) && !strict.ToCompact().AsSpan(32).SequenceEqual(new byte[32]))
            {
                Assert.True(EcdsaSignature.TryParseDerLax(der, out EcdsaSignature lax), $"case {i}: lax rejected strict-valid {Convert.ToHexString(der)}");
                Assert.True(strict == lax, $"case {i}: {Convert.ToHexString(der)} strict {strict} lax {lax}");
            }
        }
    }

    [Fact]
    public void Der_writer_is_minimal()
    {
        Assert.Equal("3006020101020102", Convert.ToHexStringLower(Compact("01", "02").ToDer()));
        Assert.Equal("3007020200800201" + "02", Convert.ToHexStringLower(Compact("80", "02").ToDer()));
        Assert.Equal("3006020100020100", Convert.ToHexStringLower(Compact("00", "00").ToDer()));
    }
}
