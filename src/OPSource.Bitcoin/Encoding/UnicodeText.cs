using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace OPSource.Bitcoin.Encoding;

/// <summary>
/// Unicode normalization of user text without exceptions. <see cref="string.Normalize(NormalizationForm)"/>
/// throws <see cref="ArgumentException"/> on text that is not well-formed UTF-16 (a lone surrogate, or
/// U+FFFE, which .NET's normalizer rejects too); BIP39 phrases and passphrases are NFKD-normalized user
/// text, so every normalization of input goes through <see cref="TryNormalize"/> instead.
/// </summary>
public static class UnicodeText
{
    /// <summary>
    /// The index of the first UTF-16 unit that <see cref="string.Normalize(NormalizationForm)"/> would
    /// reject (a lone high or low surrogate, or U+FFFE), or -1 when the text is acceptable.
    /// </summary>
    public static int FindInvalid(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < '\uD800')
            {
                continue;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (char.IsLowSurrogate(c) || c == '\uFFFE')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Normalizes <paramref name="text"/>; false (and no exception) when it is not well-formed.</summary>
    public static bool TryNormalize(string text, NormalizationForm form, [NotNullWhen(true)] out string? normalized)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (FindInvalid(text) >= 0)
        {
            normalized = null;
            return false;
        }

        normalized = text.Normalize(form);
        return true;
    }
}
