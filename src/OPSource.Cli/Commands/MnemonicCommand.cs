using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Keys;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource mnemonic new|seed</c>: BIP39 phrases and the seeds / BIP32 root keys they give.
/// Output contains secrets by design; nothing here is logged.
/// </summary>
internal static class MnemonicCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var command = new Command("mnemonic", "Create BIP39 mnemonics and derive their seeds");
        command.Add(CreateNew(globals, output, error));
        command.Add(CreateSeed(globals, output, error, input));
        return command;
    }

    private static Command CreateNew(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var words = new Option<string>("--words", "-w")
        {
            Description = "Number of words: 12, 15, 18, 21 or 24",
            DefaultValueFactory = _ => "12",
        };
        var language = new Option<string>("--language", "-l")
        {
            Description = "Word list: english, japanese, korean, spanish, chinese_simplified, chinese_traditional, french, italian, czech, portuguese",
            DefaultValueFactory = _ => "english",
        };
        var command = new Command("new", "Generate a new random BIP39 mnemonic (prints a secret)") { words, language }
            .WithExamples("opsource mnemonic new", "opsource mnemonic new --words 24 --language japanese --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var countText = parse.GetValue(words);
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || !Mnemonic.ValidWordCounts.Contains(count))
            {
                throw new CliUserException($"--words: '{CliOptions.Shorten(countText ?? string.Empty)}' is not a BIP39 word count; use 12, 15, 18, 21 or 24");
            }

            var lang = ParseLanguage(parse.GetValue(language));
            using var mnemonic = Mnemonic.Generate(count, lang);
            var phrase = mnemonic.ToPhrase();
            var json = new JsonObject
            {
                ["mnemonic"] = phrase,
                ["words"] = count,
                ["language"] = Bip39Wordlist.FileName(lang),
                ["entropy_bits"] = mnemonic.EntropyLength * 8,
            };
            ctx.WriteResult(json, w => w.WriteLine(phrase));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateSeed(GlobalOptions globals, TextWriter output, TextWriter error, TextReader? input)
    {
        var mnemonicOption = new Option<string?>("--mnemonic", "-m")
        {
            Description = "The phrase, inline or @FILE (otherwise it is read from standard input, which keeps it out of shell history)",
        };
        var passphrase = new Option<string?>("--passphrase", "-p")
        {
            Description = "Optional BIP39 passphrase (the \"25th word\")",
        };
        var command = new Command("seed", "Validate a BIP39 mnemonic and print its seed and BIP32 root key (prints secrets)")
        {
            mnemonicOption, passphrase,
        }.WithExamples(
            "echo \"abandon abandon ... about\" | opsource mnemonic seed --passphrase TREZOR",
            "opsource mnemonic seed --mnemonic @phrase.txt --network testnet --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var phrase = parse.GetValue(mnemonicOption) is { } given ? CliInput.Text(ctx, given, "--mnemonic") : ReadPhrase(input ?? ctx.In);
            var passphraseText = parse.GetValue(passphrase);
            if (passphraseText is not null && OPSource.Bitcoin.Encoding.UnicodeText.FindInvalid(passphraseText) is var bad and >= 0)
            {
                throw new CliUserException($"--passphrase: is not valid Unicode text (lone surrogate at character {bad + 1})");
            }
            if (!Mnemonic.TryParse(phrase, out var mnemonic, out var parseError))
            {
                throw parseError.ToException();
            }

            using (mnemonic)
            {
                using var seed = mnemonic.DeriveSeed(passphraseText);
                using var root = ExtKey.CreateMaster(seed);
                // BIP32: mainnet uses xprv/xpub; testnet, signet and regtest use tprv/tpub.
                var network = Network.Get(ctx.Network);
                var xprv = root.ToBase58(network);
                var xpub = root.Neuter().ToString(network);
                var json = new JsonObject
                {
                    ["language"] = Bip39Wordlist.FileName(mnemonic.Language),
                    ["words"] = mnemonic.WordCount,
                    ["seed"] = seed.ToHex(),
                    ["network"] = ctx.Network,
                    ["root_xprv"] = xprv,
                    ["root_xpub"] = xpub,
                    ["master_fingerprint"] = root.Fingerprint.ToString(),
                };
                ctx.WriteResult(json, w =>
                {
                    w.WriteLine($"language:    {Bip39Wordlist.FileName(mnemonic.Language)} ({mnemonic.WordCount} words)");
                    w.WriteLine($"seed:        {seed.ToHex()}");
                    w.WriteLine($"root xprv:   {xprv}");
                    w.WriteLine($"root xpub:   {xpub}");
                    w.WriteLine($"fingerprint: {root.Fingerprint}");
                });
            }

            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static string ReadPhrase(TextReader reader)
    {
        var text = ReferenceEquals(reader, Console.In) && !Console.IsInputRedirected ? null : reader.ReadToEnd();
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CliUserException("mnemonic: no phrase given; pass --mnemonic or pipe it on standard input");
        }

        return text;
    }

    private static MnemonicLanguage ParseLanguage(string? name) =>
        Bip39Wordlist.TryParseLanguage(name, out var language)
            ? language
            : throw new CliUserException($"--language: '{name}' is not a BIP39 word list; use english, japanese, korean, spanish, chinese_simplified, chinese_traditional, french, italian, czech or portuguese");
}
