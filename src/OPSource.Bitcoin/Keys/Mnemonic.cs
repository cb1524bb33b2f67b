using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OPSource.Bitcoin.Keys;

/// <summary>
/// A BIP39 mnemonic: entropy plus checksum written as words from one word list. It is a secret:
/// <see cref="ToString"/> never shows the words, <see cref="Dispose"/> zeroes the entropy, and the
/// phrase is only revealed through <see cref="ToPhrase"/>.
/// </summary>
public sealed partial class Mnemonic : IDisposable
{
    /// <summary>Word counts BIP39 allows (128..256 bits of entropy in 32-bit steps).</summary>
    public static IReadOnlyList<int> ValidWordCounts { get; } = [12, 15, 18, 21, 24];

    private readonly byte[] _entropy;
    private bool _disposed;

    private Mnemonic(byte[] entropy, MnemonicLanguage language)
    {
        _entropy = entropy;
        Language = language;
    }

    /// <summary>The word list the phrase is written in.</summary>
    public MnemonicLanguage Language { get; }

    /// <summary>Number of words (12, 15, 18, 21 or 24).</summary>
    // BIP39: MS = (ENT + ENT/32) / 11.
    public int WordCount => _entropy.Length * 8 * 33 / 32 / 11;

    /// <summary>Entropy length in bytes (16..32).</summary>
    public int EntropyLength => _entropy.Length;

    /// <summary>Creates the mnemonic for the given entropy (16, 20, 24, 28 or 32 bytes).</summary>
    public static Mnemonic FromEntropy(ReadOnlySpan<byte> entropy, MnemonicLanguage language = MnemonicLanguage.English)
    {
        // BIP39: "The allowed size of ENT is 128-256 bits", a multiple of 32 bits.
        if (entropy.Length < 16 || entropy.Length > 32 || entropy.Length % 4 != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"bip39: entropy is {entropy.Length * 8} bits; must be 128..256 bits in steps of 32"), nameof(entropy));
        }

        _ = Bip39Wordlist.Get(language);
        return new Mnemonic(entropy.ToArray(), language);
    }

    /// <summary>Generates a new mnemonic from the operating system's CSPRNG.</summary>
    public static Mnemonic Generate(int wordCount = 12, MnemonicLanguage language = MnemonicLanguage.English)
    {
        if (!ValidWordCounts.Contains(wordCount))
        {
            throw new ArgumentOutOfRangeException(nameof(wordCount), wordCount, "bip39: word count must be 12, 15, 18, 21 or 24");
        }

        // BIP39: CS = ENT / 32 and MS = (ENT + CS) / 11, so ENT = MS * 11 * 32 / 33.
        Span<byte> entropy = stackalloc byte[wordCount * 11 * 32 / 33 / 8];
        RandomNumberGenerator.Fill(entropy);
        try
        {
            return FromEntropy(entropy, language);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    /// <summary>
    /// Parses a phrase, detecting its language. When the words fit several lists (English and
    /// French share words; the two Chinese lists share characters), the first list in
    /// <see cref="MnemonicLanguage"/> order whose checksum matches wins.
    /// </summary>
    public static bool TryParse(string? phrase, [NotNullWhen(true)] out Mnemonic? mnemonic, [NotNullWhen(false)] out KeyError? error)
    {
        mnemonic = null;
        if (!TrySplit(phrase, out var words, out error))
        {
            return false;
        }

        var candidates = DetectLanguages(words);
        if (candidates.Count == 0)
        {
            // Report the first word that is in no list, against the list most of the words fit.
            var best = Bip39Wordlist.All.OrderByDescending(l => words.Count(l.Contains)).First();
            return TryParseWords(words, best.Language, out mnemonic, out error);
        }

        KeyError? firstError = null;
        foreach (var language in candidates)
        {
            if (TryParseWords(words, language, out mnemonic, out var e))
            {
                error = null;
                return true;
            }

            firstError ??= e;
        }

        error = firstError!;
        return false;
    }

    /// <summary>Parses a phrase written in a known language.</summary>
    public static bool TryParse(string? phrase, MnemonicLanguage language, [NotNullWhen(true)] out Mnemonic? mnemonic, [NotNullWhen(false)] out KeyError? error)
    {
        mnemonic = null;
        if (!TrySplit(phrase, out var words, out error))
        {
            return false;
        }

        return TryParseWords(words, language, out mnemonic, out error);
    }

    /// <summary>Parses a phrase, detecting its language; throws <see cref="BitcoinFormatException"/> when invalid.</summary>
    public static Mnemonic Parse(string phrase) =>
        TryParse(phrase, out var m, out var error) ? m : throw error.ToException();

    /// <summary>Parses a phrase in a known language; throws <see cref="BitcoinFormatException"/> when invalid.</summary>
    public static Mnemonic Parse(string phrase, MnemonicLanguage language) =>
        TryParse(phrase, language, out var m, out var error) ? m : throw error.ToException();

    /// <summary>
    /// The languages whose word list contains every word of the phrase (checksum not checked),
    /// in <see cref="MnemonicLanguage"/> order.
    /// </summary>
    public static IReadOnlyList<MnemonicLanguage> DetectLanguages(string phrase)
    {
        return TrySplit(phrase, out var words, out _) ? DetectLanguages(words) : [];
    }

    /// <summary>Copies the entropy into <paramref name="destination"/>; returns the number of bytes written.</summary>
    public int CopyEntropyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _entropy.CopyTo(destination);
        return _entropy.Length;
    }

    /// <summary>The words, in the list's own spelling (NFKD).</summary>
    public IReadOnlyList<string> GetWords()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var list = Bip39Wordlist.Get(Language);
        Span<int> indices = stackalloc int[WordCount];
        WordIndices(_entropy, indices);
        var words = new string[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            words[i] = list[indices[i]];
        }

        indices.Clear();
        return words;
    }

    /// <summary>The phrase, words joined by the language's separator (U+3000 for Japanese). This reveals the secret.</summary>
    public string ToPhrase() => string.Join(Bip39Wordlist.Get(Language).Separator, GetWords());

    /// <summary>
    /// BIP39 seed: PBKDF2-HMAC-SHA512(NFKD(phrase), "mnemonic" + NFKD(passphrase), 2048 iterations, 64 bytes).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="passphrase"/> is not well-formed Unicode (a lone surrogate): it has no NFKD form.</exception>
    public Bip39Seed DeriveSeed(string? passphrase = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Bip39Seed.FromPhraseUnchecked(ToPhrase(), passphrase);
    }

    /// <summary>Never shows the words.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Mnemonic({WordCount} words, {Bip39Wordlist.FileName(Language)})");

    /// <summary>Zeroes the entropy.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_entropy);
        _disposed = true;
    }

    private static bool TrySplit(string? phrase, out string[] words, [NotNullWhen(false)] out KeyError? error)
    {
        words = [];
        if (string.IsNullOrWhiteSpace(phrase))
        {
            error = new KeyError(KeyErrorKind.Empty, "mnemonic: phrase is empty");
            return false;
        }

        // NFKD first: it also maps the ideographic space U+3000 to U+0020. Text that is not
        // well-formed UTF-16 (a lone surrogate) has no NFKD form and no UTF-8 encoding: refuse it.
        if (!Encoding.UnicodeText.TryNormalize(phrase, NormalizationForm.FormKD, out var normalized))
        {
            error = new KeyError(KeyErrorKind.InvalidEncoding, string.Create(CultureInfo.InvariantCulture,
                $"mnemonic: is not valid Unicode text (lone surrogate at character {Encoding.UnicodeText.FindInvalid(phrase) + 1})"));
            return false;
        }

        words = normalized
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!ValidWordCounts.Contains(words.Length))
        {
            error = new KeyError(KeyErrorKind.WordCount, string.Create(CultureInfo.InvariantCulture,
                $"mnemonic: has {words.Length} words; BIP39 allows 12, 15, 18, 21 or 24"));
            return false;
        }

        error = null;
        return true;
    }

    private static List<MnemonicLanguage> DetectLanguages(string[] words) =>
        Bip39Wordlist.All.Where(l => words.All(l.Contains)).Select(l => l.Language).ToList();

    private static bool TryParseWords(string[] words, MnemonicLanguage language, [NotNullWhen(true)] out Mnemonic? mnemonic, [NotNullWhen(false)] out KeyError? error)
    {
        mnemonic = null;
        var list = Bip39Wordlist.Get(language);
        Span<int> indices = stackalloc int[words.Length];
        try
        {
            for (var i = 0; i < words.Length; i++)
            {
                if (!list.TryGetIndex(words[i], out indices[i]))
                {
                    // The word itself is secret material: name only its position.
                    error = new KeyError(KeyErrorKind.UnknownWord, string.Create(CultureInfo.InvariantCulture,
                        $"mnemonic: word {i + 1} is not in the {list.Name} word list"));
                    return false;
                }
            }

            return TryFromIndices(indices, language, out mnemonic, out error);
        }
        finally
        {
            indices.Clear();
        }
    }

    /// <summary>Packs 11-bit word indices into entropy and checks the BIP39 checksum.</summary>
    private static bool TryFromIndices(ReadOnlySpan<int> indices, MnemonicLanguage language, [NotNullWhen(true)] out Mnemonic? mnemonic, [NotNullWhen(false)] out KeyError? error)
    {
        mnemonic = null;
        var totalBits = indices.Length * 11;
        // BIP39: the checksum is ENT/32 bits, so ENT = MS * 11 * 32 / 33.
        var entropyBits = totalBits * 32 / 33;
        var checksumBits = totalBits - entropyBits;
        Span<byte> bits = stackalloc byte[33];
        bits.Clear();
        try
        {
            for (var i = 0; i < indices.Length; i++)
            {
                var index = indices[i];
                for (var b = 0; b < 11; b++)
                {
                    if ((index & (1 << (10 - b))) != 0)
                    {
                        var pos = (i * 11) + b;
                        bits[pos / 8] |= (byte)(0x80 >> (pos % 8));
                    }
                }
            }

            var entropyLength = entropyBits / 8;
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(bits[..entropyLength], hash);
            // BIP39: the checksum is the first ENT/32 bits of SHA256(entropy).
            var mask = (byte)(0xFF << (8 - checksumBits));
            if ((hash[0] & mask) != (bits[entropyLength] & mask))
            {
                error = new KeyError(KeyErrorKind.ChecksumMismatch, "mnemonic: checksum mismatch (a word is wrong or the words are out of order)");
                return false;
            }

            mnemonic = new Mnemonic(bits[..entropyLength].ToArray(), language);
            error = null;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bits);
        }
    }

    private static void WordIndices(ReadOnlySpan<byte> entropy, Span<int> indices)
    {
        Span<byte> data = stackalloc byte[33];
        data.Clear();
        entropy.CopyTo(data);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(entropy, hash);
        // BIP39: append the first ENT/32 bits of SHA256(entropy); ENT/32 <= 8 so one byte holds them.
        data[entropy.Length] = hash[0];
        for (var i = 0; i < indices.Length; i++)
        {
            var value = 0;
            for (var b = 0; b < 11; b++)
            {
                var pos = (i * 11) + b;
                value = (value << 1) | ((data[pos / 8] >> (7 - (pos % 8))) & 1);
            }

            indices[i] = value;
        }

        CryptographicOperations.ZeroMemory(data);
    }
}

/// <summary>
/// A 64-byte BIP39 seed, the input of BIP32 master key generation. A secret: zeroed on
/// <see cref="Dispose"/>, hidden by <see cref="ToString"/>.
/// </summary>
public sealed class Bip39Seed : IDisposable
{
    /// <summary>Seed length: PBKDF2-HMAC-SHA512 output, 512 bits.</summary>
    public const int Length = 64;

    // BIP39: "iteration count set to 2048".
    private const int Iterations = 2048;

    private readonly byte[] _bytes;
    private bool _disposed;

    internal Bip39Seed(byte[] bytes) => _bytes = bytes;

    /// <summary>
    /// The seed of any phrase, without checking words or checksum (BIP39 allows recovery from
    /// phrases made with other lists). Prefer <see cref="Mnemonic.DeriveSeed(string?)"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="phrase"/> or <paramref name="passphrase"/> is not well-formed Unicode (a lone surrogate): it has no NFKD form.</exception>
    public static Bip39Seed FromPhraseUnchecked(string phrase, string? passphrase = null)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        // BIP39: password = NFKD(mnemonic sentence), salt = "mnemonic" + NFKD(passphrase), UTF-8.
        if (!Encoding.UnicodeText.TryNormalize(phrase, NormalizationForm.FormKD, out var normalizedPhrase))
        {
            throw new ArgumentException("bip39: the phrase is not valid Unicode text (lone surrogate)", nameof(phrase));
        }

        if (!Encoding.UnicodeText.TryNormalize(passphrase ?? string.Empty, NormalizationForm.FormKD, out var normalizedPassphrase))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"bip39: the passphrase is not valid Unicode text (lone surrogate at character {Encoding.UnicodeText.FindInvalid(passphrase) + 1})"), nameof(passphrase));
        }

        var password = System.Text.Encoding.UTF8.GetBytes(normalizedPhrase);
        var salt = System.Text.Encoding.UTF8.GetBytes("mnemonic" + normalizedPassphrase);
        var seed = new byte[Length];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, seed, Iterations, HashAlgorithmName.SHA512);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(salt);
        }

        return new Bip39Seed(seed);
    }

    /// <summary>The seed bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    /// <summary>Lower-case hex of the seed. This reveals the secret.</summary>
    public string ToHex()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Convert.ToHexStringLower(_bytes);
    }

    /// <summary>Never shows the seed.</summary>
    public override string ToString() => "Bip39Seed(64 bytes)";

    /// <summary>Zeroes the seed.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_bytes);
        _disposed = true;
    }
}
