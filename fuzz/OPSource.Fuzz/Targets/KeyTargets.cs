using System.Buffers.Binary;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Keys;

namespace OPSource.Fuzz.Targets;

/// <summary>BIP32 extended keys and key paths; BIP39 phrases, words and passphrases.</summary>
internal static class KeyTargets
{
    public static FuzzTarget ExtKey { get; } = new(
        "extkey",
        "selector byte: 0 the 78-byte BIP32 serialization (Base58Check-encoded, then ExtKey/ExtPubKey.TryParse and TryRead), 1 extended-key text, 2 key path text; string -> key -> string is the identity, CKDpub(neuter(k)) == neuter(CKDpriv(k)) for a fuzzed unhardened index, paths round-trip",
        RunExtKey,
        ExtKeySeeds);

    public static FuzzTarget Bip39 { get; } = new(
        "bip39",
        "selector byte: 0 phrase (Mnemonic.TryParse, DetectLanguages, every word's Contains/Suggest in every list), 1 passphrase of a fixed phrase (DeriveSeed throws its documented ArgumentException exactly when the text is not well-formed); phrase -> mnemonic -> phrase keeps entropy and language",
        RunBip39,
        Bip39Seeds);

    private static void RunExtKey(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 3;
        var rest = reader.Rest();
        switch (selector)
        {
            case 0:
                {
                    var text = Base58.EncodeCheck(rest);
                    CheckExtendedKeyText(text);
                    var readPrivate = Bitcoin.Keys.ExtKey.TryRead(rest, out var key, out _, out _);
                    var readPublic = ExtPubKey.TryRead(rest, out var pub, out _, out _);
                    FuzzOracleException.Check(!(readPrivate && readPublic), "78 bytes read as both a private and a public key");
                    FuzzOracleException.Check(readPrivate == Bitcoin.Keys.ExtKey.TryParse(text, out var parsed, out _, out _), "TryRead and TryParse disagree (private)");
                    parsed?.Dispose();
                    FuzzOracleException.Check(readPublic == ExtPubKey.TryParse(text, out _, out _, out _), "TryRead and TryParse disagree (public)");
                    key?.Dispose();
                    _ = pub;
                    break;
                }

            case 1:
                CheckExtendedKeyText(FuzzText.Decode(rest));
                break;
            default:
                {
                    var text = FuzzText.Decode(rest);
                    if (KeyPath.TryParse(text, out var path, out var error))
                    {
                        foreach (var marker in (ReadOnlySpan<char>)['\'', 'h'])
                        {
                            var printed = path.ToString(true, marker);
                            if (!KeyPath.TryParse(printed, out var again, out var againError))
                            {
                                throw new FuzzOracleException($"key path '{printed}' does not parse back: {againError}");
                            }

                            FuzzOracleException.Check(again.Equals(path), "key path round trip");
                        }
                    }
                    else
                    {
                        FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "KeyPath.TryParse failed without an error message");
                    }

                    if (RootedKeyPath.TryParse(text, out var origin, out var originError))
                    {
                        _ = origin.ToString();
                    }
                    else
                    {
                        FuzzOracleException.Check(!string.IsNullOrEmpty(originError?.Message), "RootedKeyPath.TryParse failed without an error message");
                    }

                    break;
                }
        }
    }

    private static void CheckExtendedKeyText(string text)
    {
        if (Bitcoin.Keys.ExtKey.TryParse(text, out var key, out var version, out var error))
        {
            using (key)
            {
                FuzzOracleException.Equal(text, key.ToBase58(version), "xprv string round trip");
                using var neutered = key.Clone();
                var pub = neutered.Neuter();
                // BIP32: CKDpub(N(k), i) == N(CKDpriv(k, i)) for unhardened i.
                var index = (uint)(text.Length * 7919) & 0x7fffffffu;
                if (key.TryDerive(index, out var child))
                {
                    using (child)
                    {
                        FuzzOracleException.Check(pub.TryDerive(index, out var pubChild), "CKDpub failed where CKDpriv succeeded");
                        FuzzOracleException.Check(child.Neuter().Equals(pubChild), "CKDpub(N(k)) != N(CKDpriv(k))");
                    }
                }

                if (key.TryDerive(index | KeyPath.HardenedBit, out var hardened))
                {
                    hardened.Dispose();
                }
            }
        }
        else
        {
            FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "ExtKey.TryParse failed without an error message");
        }

        if (ExtPubKey.TryParse(text, out var xpub, out var pubVersion, out var pubError))
        {
            FuzzOracleException.Equal(text, xpub.ToString(pubVersion), "xpub string round trip");
            _ = xpub.Fingerprint;
            _ = xpub.TryDerive(0, out _);
        }
        else
        {
            FuzzOracleException.Check(!string.IsNullOrEmpty(pubError?.Message), "ExtPubKey.TryParse failed without an error message");
        }
    }

    private static IEnumerable<byte[]> ExtKeySeeds(string vectors)
    {
        var json = Seeds.Json(vectors, "bips", "bip32_test_vectors.json");
        foreach (var text in Seeds.Strings(json).Where(s => s.Length > 100 && s[1..4] is "pub" or "prv").Distinct())
        {
            if (Base58.TryDecodeCheck(text, out var payload, out _))
            {
                yield return [0, .. payload];
            }

            yield return [1, .. FuzzText.Encode(text)];
        }

        foreach (var text in Seeds.Strings(json).Where(s => s.StartsWith('m') && s.Length < 60).Distinct())
        {
            yield return [2, .. FuzzText.Encode(text)];
            yield return [2, .. FuzzText.Encode("[d34db33f/" + text[Math.Min(2, text.Length)..] + "]")];
        }
    }

    private const string FixedPhrase = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    // Shared by every input (never disposed: the fuzz process ends with it).
    private static readonly Lazy<Mnemonic> FixedMnemonic = new(() => Mnemonic.Parse(FixedPhrase));

    private static void RunBip39(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 2;
        var text = FuzzText.Decode(reader.Rest());
        if (selector == 0)
        {
            if (Mnemonic.TryParse(text, out var mnemonic, out var error))
            {
                using (mnemonic)
                {
                    var phrase = mnemonic.ToPhrase();
                    if (!Mnemonic.TryParse(phrase, mnemonic.Language, out var again, out var againError))
                    {
                        throw new FuzzOracleException("ToPhrase does not parse back: " + againError);
                    }

                    using (again)
                    {
                        Span<byte> a = stackalloc byte[32];
                        Span<byte> b = stackalloc byte[32];
                        FuzzOracleException.Check(mnemonic.CopyEntropyTo(a) == again.CopyEntropyTo(b) && a.SequenceEqual(b), "entropy round trip");
                    }

                    FuzzOracleException.Check(Mnemonic.DetectLanguages(text).Contains(mnemonic.Language), "DetectLanguages misses the parsed language");
                }
            }
            else
            {
                FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "Mnemonic.TryParse failed without an error message");
            }

            // One list per input (chosen by the text's length). Suggest compares against all 2048 words
            // (~14 ms on this machine), so only one input in eight asks it, for its first word.
            var list = Bip39Wordlist.Get((MnemonicLanguage)(text.Length % 10));
            var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var word in words.Take(2))
            {
                if (list.TryGetIndex(word, out var index))
                {
                    FuzzOracleException.Check(list.Contains(list[index]), "a word's index does not map back");
                }
            }

            if (words.Length > 0 && text.Length % 8 == 0)
            {
                _ = list.Suggest(words[0], 3);
            }
        }
        else
        {
            // The lone-surrogate class of bug lives in the NFKD step, before PBKDF2 (2048 HMAC-SHA512
            // rounds, ~1 ms): every input checks the normalization and DeriveSeed's refusal, and only
            // short passphrases pay for a full derivation, which keeps the target near the others' speed.
            var wellFormed = UnicodeText.FindInvalid(text) < 0;
            FuzzOracleException.Check(wellFormed == UnicodeText.TryNormalize(text, System.Text.NormalizationForm.FormKD, out _), "FindInvalid and TryNormalize disagree");
            if (wellFormed && text.Length > 1)
            {
                return;
            }

            try
            {
                using var seed = FixedMnemonic.Value.DeriveSeed(text);
                FuzzOracleException.Check(wellFormed, "DeriveSeed accepted a passphrase that has no NFKD form");
                FuzzOracleException.Check(seed.Span.Length == Bip39Seed.Length, "seed length");
            }
            catch (ArgumentException) when (!wellFormed)
            {
                // The documented refusal of a passphrase that is not well-formed Unicode.
            }
        }
    }

    private static IEnumerable<byte[]> Bip39Seeds(string vectors)
    {
        var json = Seeds.Json(vectors, "bip39", "trezor_vectors.json").AsObject();
        foreach (var (_, cases) in json)
        {
            foreach (var row in cases!.AsArray().Take(6))
            {
                yield return [0, .. FuzzText.Encode((string?)row![1] ?? string.Empty)];
            }
        }

        yield return [1, .. FuzzText.Encode("TREZOR")];
        yield return [1, .. FuzzText.Encode("\u00e9t\u00e9 \u3000 \ud83d\ude00")];
        yield return [1, .. FuzzText.Encode("\ud800")];
        yield return [0, .. FuzzText.Encode("\ud800")];
    }

    internal static uint ReadIndex(ReadOnlySpan<byte> data) =>
        data.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(data) : 0;
}
