using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace OPSource.Bitcoin.Keys;

/// <summary>The ten official BIP39 word lists (bitcoin/bips bip-0039/bip-0039-wordlists.md).</summary>
public enum MnemonicLanguage
{
    /// <summary>english.txt</summary>
    English,
    /// <summary>japanese.txt; phrases are joined with the ideographic space U+3000.</summary>
    Japanese,
    /// <summary>korean.txt</summary>
    Korean,
    /// <summary>spanish.txt</summary>
    Spanish,
    /// <summary>chinese_simplified.txt</summary>
    ChineseSimplified,
    /// <summary>chinese_traditional.txt</summary>
    ChineseTraditional,
    /// <summary>french.txt</summary>
    French,
    /// <summary>italian.txt</summary>
    Italian,
    /// <summary>czech.txt</summary>
    Czech,
    /// <summary>portuguese.txt</summary>
    Portuguese,
}

/// <summary>
/// One BIP39 word list: 2048 words, each index an 11-bit value. Words are stored and looked up in
/// NFKD form, because BIP39 defines the seed over the NFKD-normalised phrase.
/// </summary>
public sealed class Bip39Wordlist
{
    /// <summary>Number of words in every BIP39 list (2^11).</summary>
    public const int WordCount = 2048;

    private static readonly Bip39Wordlist?[] Cache = new Bip39Wordlist?[Enum.GetValues<MnemonicLanguage>().Length];
    private static readonly Lock CacheLock = new();

    private readonly string[] _words;
    private readonly FrozenDictionary<string, int> _index;

    private Bip39Wordlist(MnemonicLanguage language, string[] words)
    {
        Language = language;
        _words = words;
        _index = words.Select((w, i) => (w, i)).ToFrozenDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The language of this list.</summary>
    public MnemonicLanguage Language { get; }

    /// <summary>
    /// The separator used when writing a phrase: U+3000 for Japanese (BIP39 wordlist notes), a space otherwise.
    /// NFKD maps U+3000 to U+0020, so the seed is the same either way.
    /// </summary>
    public string Separator => Language == MnemonicLanguage.Japanese ? "\u3000" : " ";

    /// <summary>The file name stem of the list in the BIP repository (e.g. <c>chinese_simplified</c>).</summary>
    public string Name => FileName(Language);

    /// <summary>The word for an 11-bit index.</summary>
    public string this[int index] => (uint)index < WordCount
        ? _words[index]
        : throw new ArgumentOutOfRangeException(nameof(index), "bip39: word index must be in 0..2047");

    /// <summary>All words in index order.</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>Looks a word up (NFKD-normalised, case-insensitive for alphabetic scripts).</summary>
    public bool TryGetIndex(string word, out int index)
    {
        ArgumentNullException.ThrowIfNull(word);
        index = -1;
        return TryNormalize(word, out var normalized) && _index.TryGetValue(normalized, out index);
    }

    /// <summary>Looks up a word already in NFKD lower case, without allocating a string for it.</summary>
    internal bool TryGetIndexNormalized(ReadOnlySpan<char> word, out int index) =>
        _index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out index);

    /// <summary>True when the list contains the word.</summary>
    public bool Contains(string word) => TryGetIndex(word, out _);

    /// <summary>
    /// Close words for a mistyped one: words starting with the input, then words within edit
    /// distance 2. Intended for an interactive prompt, so the typo is never echoed into errors.
    /// </summary>
    public IReadOnlyList<string> Suggest(string word, int max = 5)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (!TryNormalize(word, out var w) || w.Length == 0 || max <= 0)
        {
            return [];
        }

        var prefix = _words.Where(x => x.StartsWith(w, StringComparison.Ordinal)).Take(max).ToList();
        if (prefix.Count >= max)
        {
            return prefix;
        }

        var near = _words
            .Where(x => !prefix.Contains(x))
            .Select(x => (Word: x, Distance: Encoding.TextDistance.Levenshtein(w, x, 2)))
            .Where(p => p.Distance <= 2)
            .OrderBy(p => p.Distance)
            .ThenBy(p => Array.IndexOf(_words, p.Word))
            .Select(p => p.Word)
            .Take(max - prefix.Count);
        prefix.AddRange(near);
        return prefix;
    }

    /// <summary>The list for a language (loaded once from the embedded resource).</summary>
    public static Bip39Wordlist Get(MnemonicLanguage language)
    {
        if (!Enum.IsDefined(language))
        {
            throw new ArgumentOutOfRangeException(nameof(language));
        }

        var slot = (int)language;
        var cached = Volatile.Read(ref Cache[slot]);
        if (cached is not null)
        {
            return cached;
        }

        lock (CacheLock)
        {
            cached = Cache[slot] ??= Load(language);
            return cached;
        }
    }

    /// <summary>All ten lists.</summary>
    public static IEnumerable<Bip39Wordlist> All => Enum.GetValues<MnemonicLanguage>().Select(Get);

    /// <summary>Parses a language name: <c>english</c>, <c>chinese_simplified</c>, <c>ChineseSimplified</c>, ...</summary>
    public static bool TryParseLanguage(string? name, out MnemonicLanguage language)
    {
        language = default;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        var key = name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim();
        foreach (var candidate in Enum.GetValues<MnemonicLanguage>())
        {
            if (string.Equals(candidate.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                language = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>The file name stem of a language's list (e.g. <c>chinese_traditional</c>).</summary>
    public static string FileName(MnemonicLanguage language) => language switch
    {
        MnemonicLanguage.English => "english",
        MnemonicLanguage.Japanese => "japanese",
        MnemonicLanguage.Korean => "korean",
        MnemonicLanguage.Spanish => "spanish",
        MnemonicLanguage.ChineseSimplified => "chinese_simplified",
        MnemonicLanguage.ChineseTraditional => "chinese_traditional",
        MnemonicLanguage.French => "french",
        MnemonicLanguage.Italian => "italian",
        MnemonicLanguage.Czech => "czech",
        MnemonicLanguage.Portuguese => "portuguese",
        _ => throw new ArgumentOutOfRangeException(nameof(language)),
    };

    /// <summary>NFKD and lower case: the form words are compared in; false for text that is not well-formed (a lone surrogate).</summary>
    internal static bool TryNormalize(string word, [NotNullWhen(true)] out string? normalized)
    {
        if (!Encoding.UnicodeText.TryNormalize(word.Trim(), NormalizationForm.FormKD, out var nfkd))
        {
            normalized = null;
            return false;
        }

        normalized = nfkd.ToLowerInvariant();
        return true;
    }

    private static Bip39Wordlist Load(MnemonicLanguage language)
    {
        var resource = $"OPSource.Bitcoin.Keys.Wordlists.{FileName(language)}.txt";
        using var stream = typeof(Bip39Wordlist).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"bip39: embedded word list {resource} is missing");
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        var words = new List<string>(WordCount);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                words.Add(line.Normalize(NormalizationForm.FormKD));
            }
        }

        if (words.Count != WordCount || words.Distinct(StringComparer.Ordinal).Count() != WordCount)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"bip39: word list {FileName(language)} has {words.Count} words; expected {WordCount} distinct words"));
        }

        return new Bip39Wordlist(language, [.. words]);
    }
}
