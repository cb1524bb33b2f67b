using System.Text;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;

namespace OPSource.Bitcoin.Tests.Encoding;

/// <summary>
/// Regression for the fuzzing campaign's one crash (issue 9): <c>string.Normalize</c> throws
/// ArgumentException on a lone surrogate, and BIP39 normalizes user text.
/// </summary>
public class UnicodeTextTests
{
    [Fact]
    public void FindInvalid_agrees_with_the_runtime_normalizer_on_every_utf16_unit()
    {
        // Every single UTF-16 unit, alone and between letters: FindInvalid must predict exactly
        // when string.Normalize throws, so TryNormalize never throws and never refuses good text.
        for (var c = 0; c <= 0xFFFF; c++)
        {
            foreach (var text in new[] { ((char)c).ToString(), "a" + (char)c + "b" })
            {
                bool throws;
                try
                {
                    _ = text.Normalize(NormalizationForm.FormKD);
                    throws = false;
                }
                catch (ArgumentException)
                {
                    throws = true;
                }

                Assert.True(throws == (UnicodeText.FindInvalid(text) >= 0), $"U+{c:X4} in '{text.Length}' chars");
                Assert.Equal(!throws, UnicodeText.TryNormalize(text, NormalizationForm.FormKD, out _));
            }
        }
    }

    // Attribute strings cannot hold lone surrogates (metadata stores them as UTF-8) and xunit's theory-data
    // serialization mangles them too, so these cases are loops inside facts.
    private static readonly (string Text, int Expected)[] Positions =
    [
        ("\ud800", 0),
        ("\udc00", 0),
        ("ab\ud800", 2),
        ("a\udc00\ud800", 1),
        ("\ufffe", 0),
        ("\ud83d\ude00", -1), // a valid pair (U+1F600)
        ("abandon", -1),
    ];

    [Fact]
    public void FindInvalid_positions()
    {
        foreach (var (text, expected) in Positions)
        {
            Assert.Equal(expected, UnicodeText.FindInvalid(text));
        }
    }

    private static readonly string[] BadPhrases =
    [
        "\ud800",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon \udc00",
        "\ufffe abandon",
    ];

    [Fact]
    public void Mnemonic_parsers_refuse_lone_surrogates_without_throwing()
    {
        foreach (var phrase in BadPhrases)
        {
            AssertRefused(phrase);
        }
    }

    private static void AssertRefused(string phrase)
    {
        Assert.False(Mnemonic.TryParse(phrase, out _, out var error));
        Assert.NotNull(error);
        Assert.False(Mnemonic.TryParse(phrase, MnemonicLanguage.English, out _, out _));
        Assert.Empty(Mnemonic.DetectLanguages(phrase));
        Assert.Throws<BitcoinFormatException>(() => Mnemonic.Parse(phrase));
        Assert.Throws<BitcoinFormatException>(() => Mnemonic.Parse(phrase, MnemonicLanguage.Japanese));
    }

    [Fact]
    public void Mnemonic_error_names_the_position_not_the_text()
    {
        Assert.False(Mnemonic.TryParse("abandon \ud800", out _, out var error));
        Assert.Equal("mnemonic: is not valid Unicode text (lone surrogate at character 9)", error?.Message);
    }

    [Fact]
    public void Wordlist_lookups_are_false_or_empty_for_lone_surrogates()
    {
        foreach (var list in Bip39Wordlist.All)
        {
            Assert.False(list.Contains("\ud800"));
            Assert.False(list.TryGetIndex("ab\udfff", out _));
            Assert.Empty(list.Suggest("\ud800"));
            Assert.Empty(list.Suggest("aban\udc00"));
        }
    }

    [Fact]
    public void DeriveSeed_with_a_lone_surrogate_passphrase_throws_the_documented_argument_error()
    {
        using var mnemonic = Mnemonic.Parse("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        var ex = Assert.Throws<ArgumentException>(() => mnemonic.DeriveSeed("TREZOR\ud800"));
        Assert.Equal("passphrase", ex.ParamName);
        Assert.StartsWith("bip39: the passphrase is not valid Unicode text (lone surrogate at character 7)", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Bip39Seed.FromPhraseUnchecked("\udc00"));
        // A valid surrogate pair in a passphrase is fine (emoji passphrases exist).
        using var seed = mnemonic.DeriveSeed("\ud83d\ude00");
        Assert.Equal(64, seed.Span.Length);
    }
}
