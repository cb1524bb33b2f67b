using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OPSource.Bitcoin.Keys;

public sealed partial class Mnemonic
{
    private const int MaxWords = 24;

    /// <summary>
    /// Parses a phrase held in a character buffer without making a string of it or of its words (the
    /// caller clears its own buffer afterwards). Same rules and messages as <see cref="TryParse(string?, out Mnemonic?, out KeyError?)"/>:
    /// NFKD, case-insensitive, any whitespace between words, language detected.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> phrase, [NotNullWhen(true)] out Mnemonic? mnemonic, [NotNullWhen(false)] out KeyError? error)
    {
        mnemonic = null;
        var invalid = Encoding.UnicodeText.FindInvalid(phrase);
        if (invalid >= 0)
        {
            error = new KeyError(KeyErrorKind.InvalidEncoding, string.Create(CultureInfo.InvariantCulture, $"mnemonic: is not valid Unicode text (lone surrogate at character {invalid + 1})"));
            return false;
        }

        var length = phrase.GetNormalizedLength(NormalizationForm.FormKD);
        var normalized = GC.AllocateArray<char>(length, pinned: true);
        var lower = GC.AllocateArray<char>(length, pinned: true);
        try
        {
            if (!phrase.TryNormalize(normalized, out var written, NormalizationForm.FormKD))
            {
                error = new KeyError(KeyErrorKind.InvalidEncoding, "mnemonic: is not valid Unicode text");
                return false;
            }

            written = MemoryExtensions.ToLowerInvariant(normalized.AsSpan(0, written), lower);
            ReadOnlySpan<char> text = lower.AsSpan(0, written);
            Span<Range> words = stackalloc Range[MaxWords + 1];
            var count = 0;
            var i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i > start)
                {
                    if (count == words.Length)
                    {
                        count++;
                        break;
                    }

                    words[count++] = start..i;
                }
            }

            if (count == 0)
            {
                error = new KeyError(KeyErrorKind.Empty, "mnemonic: phrase is empty");
                return false;
            }

            if (!ValidWordCounts.Contains(count))
            {
                error = new KeyError(KeyErrorKind.WordCount, count > MaxWords
                    ? "mnemonic: has more than 24 words; BIP39 allows 12, 15, 18, 21 or 24"
                    : string.Create(CultureInfo.InvariantCulture, $"mnemonic: has {count} words; BIP39 allows 12, 15, 18, 21 or 24"));
                return false;
            }

            Span<int> indices = stackalloc int[count];
            try
            {
                KeyError? firstError = null;
                Bip39Wordlist? best = null;
                var bestMatches = -1;
                var firstMissing = 0;
                foreach (var list in Bip39Wordlist.All)
                {
                    var matches = 0;
                    var missing = -1;
                    for (var w = 0; w < count; w++)
                    {
                        if (list.TryGetIndexNormalized(text[words[w]], out indices[w]))
                        {
                            matches++;
                        }
                        else if (missing < 0)
                        {
                            missing = w;
                        }
                    }

                    if (missing < 0)
                    {
                        if (TryFromIndices(indices, list.Language, out mnemonic, out var e))
                        {
                            error = null;
                            return true;
                        }

                        firstError ??= e;
                    }
                    else if (matches > bestMatches)
                    {
                        best = list;
                        bestMatches = matches;
                        firstMissing = missing;
                    }
                }

                // The word itself is secret material: name only its position.
                error = firstError ?? new KeyError(KeyErrorKind.UnknownWord, string.Create(CultureInfo.InvariantCulture, $"mnemonic: word {firstMissing + 1} is not in the {best!.Name} word list"));
                return false;
            }
            finally
            {
                indices.Clear();
            }
        }
        finally
        {
            Array.Clear(normalized);
            Array.Clear(lower);
        }
    }

    /// <summary>Length in characters of the phrase <see cref="CopyPhraseTo"/> writes.</summary>
    public int PhraseLength
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var list = Bip39Wordlist.Get(Language);
            Span<int> indices = stackalloc int[WordCount];
            WordIndices(_entropy, indices);
            var length = (indices.Length - 1) * list.Separator.Length;
            foreach (var index in indices)
            {
                length += list[index].Length;
            }

            indices.Clear();
            return length;
        }
    }

    /// <summary>
    /// Writes the phrase (words joined by the language's separator) into <paramref name="destination"/> without
    /// making a string of it; returns the number of characters written. This reveals the secret: clear the buffer.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="PhraseLength"/>.</exception>
    public int CopyPhraseTo(Span<char> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.Length < PhraseLength)
        {
            throw new ArgumentException("bip39: destination is shorter than the phrase", nameof(destination));
        }

        var list = Bip39Wordlist.Get(Language);
        Span<int> indices = stackalloc int[WordCount];
        WordIndices(_entropy, indices);
        var position = 0;
        for (var i = 0; i < indices.Length; i++)
        {
            if (i > 0)
            {
                list.Separator.CopyTo(destination[position..]);
                position += list.Separator.Length;
            }

            var word = list[indices[i]];
            word.CopyTo(destination[position..]);
            position += word.Length;
        }

        indices.Clear();
        return position;
    }

    /// <summary>
    /// BIP39 seed with a passphrase held in a character buffer: PBKDF2-HMAC-SHA512(NFKD(phrase), "mnemonic" +
    /// NFKD(passphrase), 2048, 64 bytes), with every intermediate buffer pinned and cleared (no strings).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="passphrase"/> is not well-formed Unicode (a lone surrogate).</exception>
    public Bip39Seed DeriveSeed(ReadOnlySpan<char> passphrase)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var invalid = Encoding.UnicodeText.FindInvalid(passphrase);
        if (invalid >= 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"bip39: the passphrase is not valid Unicode text (lone surrogate at character {invalid + 1})"), nameof(passphrase));
        }

        // BIP39: password = NFKD(mnemonic sentence). The list words are stored in NFKD and NFKD maps the
        // Japanese separator U+3000 to U+0020, so the normalised sentence is the words joined by spaces.
        var list = Bip39Wordlist.Get(Language);
        Span<int> indices = stackalloc int[WordCount];
        WordIndices(_entropy, indices);
        var passwordLength = indices.Length - 1;
        foreach (var index in indices)
        {
            passwordLength += System.Text.Encoding.UTF8.GetByteCount(list[index]);
        }

        var normalizedLength = passphrase.IsEmpty ? 0 : passphrase.GetNormalizedLength(NormalizationForm.FormKD);
        var password = GC.AllocateArray<byte>(passwordLength, pinned: true);
        var chars = GC.AllocateArray<char>(normalizedLength, pinned: true);
        var salt = GC.AllocateArray<byte>(8 + System.Text.Encoding.UTF8.GetMaxByteCount(normalizedLength), pinned: true);
        var seed = new byte[Bip39Seed.Length];
        try
        {
            var position = 0;
            for (var i = 0; i < indices.Length; i++)
            {
                if (i > 0)
                {
                    password[position++] = (byte)' ';
                }

                position += System.Text.Encoding.UTF8.GetBytes(list[indices[i]], password.AsSpan(position));
            }

            var written = 0;
            if (!passphrase.IsEmpty && !passphrase.TryNormalize(chars, out written, NormalizationForm.FormKD))
            {
                throw new ArgumentException("bip39: the passphrase is not valid Unicode text", nameof(passphrase));
            }

            "mnemonic"u8.CopyTo(salt);
            var saltLength = 8 + System.Text.Encoding.UTF8.GetBytes(chars.AsSpan(0, written), salt.AsSpan(8));
            // BIP39: "iteration count set to 2048", HMAC-SHA512, 512 bits.
            Rfc2898DeriveBytes.Pbkdf2(password, salt.AsSpan(0, saltLength), seed, 2048, HashAlgorithmName.SHA512);
            return new Bip39Seed(seed);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(seed);
            throw;
        }
        finally
        {
            indices.Clear();
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(salt);
            Array.Clear(chars);
        }
    }
}
