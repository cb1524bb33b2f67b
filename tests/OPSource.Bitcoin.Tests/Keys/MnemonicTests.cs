using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using OPSource.Bitcoin.Keys;
using OPSource.TestSupport;

namespace OPSource.Bitcoin.Tests.Keys;

public class MnemonicTests
{
    // trezor/python-mnemonic vectors.json: {language: [[entropy, mnemonic, seed, xprv]]}, passphrase "TREZOR".
    public static TheoryData<string, int> TrezorCases()
    {
        var data = new TheoryData<string, int>();
        var json = JsonNode.Parse(Vectors.ReadText("bip39", "trezor_vectors.json"))!.AsObject();
        foreach (var (language, cases) in json)
        {
            for (var i = 0; i < cases!.AsArray().Count; i++)
            {
                data.Add(language, i);
            }
        }

        return data;
    }

    internal static JsonArray TrezorCase(string language, int index) =>
        JsonNode.Parse(Vectors.ReadText("bip39", "trezor_vectors.json"))![language]![index]!.AsArray();

    private static string Nfkd(string s) => s.Normalize(NormalizationForm.FormKD);

    [Theory]
    [MemberData(nameof(TrezorCases))]
    public void Trezor_vector_entropy_mnemonic_seed(string language, int index)
    {
        var v = TrezorCase(language, index);
        var entropy = Convert.FromHexString((string)v[0]!);
        var phrase = (string)v[1]!;
        var seedHex = (string)v[2]!;

        if (Bip39Wordlist.TryParseLanguage(language, out var lang))
        {
            using var fromEntropy = Mnemonic.FromEntropy(entropy, lang);
            Assert.Equal(Nfkd(phrase), Nfkd(fromEntropy.ToPhrase()));

            using var parsed = Mnemonic.Parse(phrase, lang);
            Span<byte> back = stackalloc byte[32];
            Assert.Equal(entropy, back[..parsed.CopyEntropyTo(back)].ToArray());
            using var seed = parsed.DeriveSeed("TREZOR");
            Assert.Equal(seedHex, seed.ToHex());
            using var root = ExtKey.CreateMaster(seed);
            Assert.Equal((string)v[3]!, root.ToBase58(ExtKeyVersion.Xprv));

            // Language detection picks a list whose words and checksum fit.
            using var detected = Mnemonic.Parse(phrase);
            Assert.Contains(lang, Mnemonic.DetectLanguages(phrase));
            Span<byte> back2 = stackalloc byte[32];
            Assert.Equal(entropy, back2[..detected.CopyEntropyTo(back2)].ToArray());
        }
        else
        {
            // russian/turkish are not among the ten BIP39 lists; the seed is defined on the phrase alone.
            Assert.Contains(language, new[] { "russian", "turkish" });
            using var seed = Bip39Seed.FromPhraseUnchecked(phrase, "TREZOR");
            Assert.Equal(seedHex, seed.ToHex());
            using var root = ExtKey.CreateMaster(seed);
            Assert.Equal((string)v[3]!, root.ToBase58(ExtKeyVersion.Xprv));
        }
    }

    [Theory]
    [InlineData(MnemonicLanguage.English)]
    [InlineData(MnemonicLanguage.Japanese)]
    [InlineData(MnemonicLanguage.Korean)]
    [InlineData(MnemonicLanguage.Spanish)]
    [InlineData(MnemonicLanguage.ChineseSimplified)]
    [InlineData(MnemonicLanguage.ChineseTraditional)]
    [InlineData(MnemonicLanguage.French)]
    [InlineData(MnemonicLanguage.Italian)]
    [InlineData(MnemonicLanguage.Czech)]
    [InlineData(MnemonicLanguage.Portuguese)]
    public void Every_wordlist_has_2048_distinct_words(MnemonicLanguage language)
    {
        var list = Bip39Wordlist.Get(language);
        Assert.Equal(2048, list.Words.Count);
        Assert.Equal(2048, list.Words.Distinct(StringComparer.Ordinal).Count());
        for (var i = 0; i < 2048; i += 97)
        {
            Assert.True(list.TryGetIndex(list[i], out var index));
            Assert.Equal(i, index);
        }
    }

    [Fact]
    public void English_wordlist_is_byte_identical_to_the_bip()
    {
        var embedded = string.Join("\n", Bip39Wordlist.Get(MnemonicLanguage.English).Words) + "\n";
        Assert.Equal(Vectors.ReadText("bip39", "english.txt"), embedded);
    }

    [Fact]
    public void Japanese_phrase_uses_ideographic_space()
    {
        using var m = Mnemonic.FromEntropy(new byte[16], MnemonicLanguage.Japanese);
        var phrase = m.ToPhrase();
        Assert.Equal(11, phrase.Count(c => c == '\u3000'));
        Assert.DoesNotContain(' ', phrase);
    }

    [Fact]
    public void Wrong_checksum_is_reported()
    {
        Assert.False(Mnemonic.TryParse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", out _, out var error));
        Assert.Contains("checksum", error?.Message);
    }

    [Fact]
    public void Unknown_word_names_its_position_but_not_the_word()
    {
        Assert.False(Mnemonic.TryParse("abandon abandon abandon abandon abandxn abandon abandon abandon abandon abandon abandon about", out _, out var error));
        Assert.Equal("mnemonic: word 5 is not in the english word list", error?.Message);
        Assert.DoesNotContain("abandxn", error?.Message);
        Assert.Contains("abandon", Bip39Wordlist.Get(MnemonicLanguage.English).Suggest("abandxn"));
    }

    [Theory]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "11 words")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public void Wrong_word_count_is_reported(string phrase, string expected)
    {
        Assert.False(Mnemonic.TryParse(phrase, out _, out var error));
        Assert.Contains(expected, error?.Message);
        Assert.Throws<BitcoinFormatException>(() => Mnemonic.Parse(phrase));
    }

    [Fact]
    public void Parsing_tolerates_case_and_extra_whitespace()
    {
        using var m = Mnemonic.Parse("  Abandon abandon\tabandon abandon abandon abandon abandon abandon abandon abandon abandon ABOUT ");
        Assert.Equal("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", m.ToPhrase());
    }

    [Fact]
    public void Passphrase_is_nfkd_normalised()
    {
        using var m = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) give the same seed; a different passphrase does not.
        using var composed = m.DeriveSeed("caf\u00e9");
        using var decomposed = m.DeriveSeed("cafe\u0301");
        using var plain = m.DeriveSeed("cafe");
        Assert.Equal(composed.ToHex(), decomposed.ToHex());
        Assert.NotEqual(composed.ToHex(), plain.ToHex());
        // The seed equals PBKDF2 over the NFKD bytes, computed independently here.
        var expected = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(
            System.Text.Encoding.UTF8.GetBytes(m.ToPhrase()), System.Text.Encoding.UTF8.GetBytes("mnemonic" + "cafe\u0301"), 2048,
            System.Security.Cryptography.HashAlgorithmName.SHA512, 64);
        Assert.Equal(Convert.ToHexStringLower(expected), composed.ToHex());
    }

    [Fact]
    public void Secrets_are_not_printed_and_are_zeroed()
    {
        var m = Mnemonic.Parse("legal winner thank year wave sausage worth useful legal winner thank yellow");
        Assert.DoesNotContain("legal", m.ToString(), StringComparison.Ordinal);
        var seed = m.DeriveSeed();
        Assert.DoesNotContain(seed.ToHex()[..8], seed.ToString(), StringComparison.Ordinal);
        m.Dispose();
        seed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.ToPhrase());
        Assert.Throws<ObjectDisposedException>(() => seed.ToHex());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(36)]
    public void Bad_entropy_length_is_rejected(int length)
    {
        Assert.Throws<ArgumentException>(() => Mnemonic.FromEntropy(new byte[length]));
    }

    [Fact]
    public void Generate_gives_requested_word_counts()
    {
        foreach (var count in Mnemonic.ValidWordCounts)
        {
            using var m = Mnemonic.Generate(count);
            Assert.Equal(count, m.WordCount);
            Assert.Equal(count, m.GetWords().Count);
            using var again = Mnemonic.Parse(m.ToPhrase());
            Assert.Equal(m.ToPhrase(), again.ToPhrase());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => Mnemonic.Generate(13));
    }

    [Fact]
    public void Property_entropy_to_mnemonic_to_entropy()
    {
        var gen = Gen.Select(Gen.Int[4, 8], Gen.Enum<MnemonicLanguage>(), (words32, lang) => (words32, lang))
            .SelectMany(p => Gen.Byte.Array[p.words32 * 4].Select(e => (Entropy: e, p.lang)));
        gen.Sample(p =>
        {
            using var m = Mnemonic.FromEntropy(p.Entropy, p.lang);
            using var parsed = Mnemonic.Parse(m.ToPhrase(), p.lang);
            Span<byte> back = stackalloc byte[32];
            Assert.Equal(p.Entropy, back[..parsed.CopyEntropyTo(back)].ToArray());
            Assert.Equal(p.Entropy.Length * 3 / 4, m.WordCount);
        }, iter: 200);
    }

    [Fact]
    public void Random_text_never_crashes_the_parser()
    {
        Gen.String.Sample(s =>
        {
            if (Mnemonic.TryParse(s, out var m, out var error))
            {
                m.Dispose();
            }
            else
            {
                Assert.StartsWith("mnemonic: ", error?.Message);
            }
        }, iter: 500);
    }
}
