using System.Text.RegularExpressions;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// docs/cli.md exit codes on real bad input for every command backed by a protocol parser: the typed error
/// (docs/errors.md) is a user error, exit 1 with exactly one line <c>error: ...</c> on stderr that names the
/// field and rule, never a .NET type name and never "internal error".
/// </summary>
public sealed partial class CliUserErrorTests : IDisposable
{
    private const string Xpub = "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB";
    private const string Pub = "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd";

    // Not PSBTs: the magic bytes alone (a truncated global map), and BIP174's invalid vector "PSBT with
    // duplicate keys in an input" (bip174_psbt_test_vectors.json).
    private const string PsbtMagicOnly = "cHNidP8=";
    private const string PsbtDuplicateKey = "cHNidP8BAHUCAAAAASaBcTce3/KF6Tet7qSze3gADAVmy7OtZGQXE8pCFxv2AAAAAAD+////AtPf9QUAAAAAGXapFNDFmQPFusKGh2DpD9UhpGZap2UgiKwA4fUFAAAAABepFDVF5uM7gyxHBQ8k0+65PJwDlIvHh7MuEwAAAQD9pQEBAAAAAAECiaPHHqtNIOA3G7ukzGmPopXJRjr6Ljl/hTPMti+VZ+UBAAAAFxYAFL4Y0VKpsBIDna89p95PUzSe7LmF/////4b4qkOnHf8USIk6UwpyN+9rRgi7st0tAXHmOuxqSJC0AQAAABcWABT+Pp7xp0XpdNkCxDVZQ6vLNL1TU/////8CAMLrCwAAAAAZdqkUhc/xCX/Z4Ai7NK9wnGIZeziXikiIrHL++E4sAAAAF6kUM5cluiHv1irHU6m80GfWx6ajnQWHAkcwRAIgJxK+IuAnDzlPVoMR3HyppolwuAJf3TskAinwf4pfOiQCIAGLONfc0xTnNMkna9b7QPZzMlvEuqFEyADS8vAtsnZcASED0uFWdJQbrUqZY3LLh+GFbTZSYG2YVi/jnF6efkE/IQUCSDBFAiEA0SuFLYXc2WHS9fSrZgZU327tzHlMDDPOXMMJ/7X85Y0CIGczio4OFyXBl/saiK9Z9R5E5CVbIBZ8hoQDHAXR8lkqASECI7cr7vCWXRC+B3jv7NYfysb3mk6haTkzgHNEZPhPKrMAAAAAAQA/AgAAAAH//////////////////////////////////////////wAAAAAA/////wEAAAAAAAAAAANqAQAAAAAAAAAA";

    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-cli-usererr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Command line and a fragment the one-line error must contain.</summary>
    public static TheoryData<string[], string> BadInputs() => new()
    {
        // Addresses (AddressError) and their hex inputs (EncodingError).
        { ["address", "validate", "bc1qnotanaddress"], "address: bech32: invalid data character" },
        { ["address", "from-script", "zz"], "hex: invalid character at position 0" },
        { ["address", "from-pubkey", "02zz"], "hex: invalid character at position 2" },
        // Descriptors (DescriptorError).
        { ["descriptor", "info", $"wsh(sh(pk({Pub})))"], "descriptor: sh() is only allowed at top level, not inside wsh() (BIP381)" },
        { ["descriptor", "derive", $"pkh([deadbeef]/1]{Pub})"], "descriptor: pkh(): misplaced '[' or ']'" },
        { ["descriptor", "derive", $"wpkh({Xpub}/<1;1>/*)"], "multipath specifier repeats an index (BIP389)" },
        { ["descriptor", "checksum", "raw(Ü)"], "descriptor: contains characters outside the" },
        // PSBTs (PsbtError).
        { ["psbt", "decode", "not base64!"], "psbt: not valid base64 or hex" },
        { ["psbt", "decode", PsbtMagicOnly], "psbt: global map is truncated" },
        { ["psbt", "analyze", PsbtDuplicateKey], "duplicate key" },
        { ["psbt", "finalize", PsbtMagicOnly], "psbt: global map is truncated" },
        { ["psbt", "extract", PsbtMagicOnly], "psbt: global map is truncated" },
        { ["psbt", "combine", PsbtMagicOnly, PsbtMagicOnly], "psbt: global map is truncated" },
        // Keys (KeyError).
        { ["key", "derive", "xpub-not-a-key", "--path", "m/0"], "key: base58: invalid character" },
        { ["key", "derive", Xpub, "--path", "m/1x"], "--path: step 1 '1x' is not a number" },
        { ["mnemonic", "seed", "--mnemonic", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"], "mnemonic: checksum mismatch" },
        { ["mnemonic", "seed", "--mnemonic", "abandon abandon abandon"], "mnemonic: has 3 words" },
        // Transactions (DecodeError) and scripts (ScriptParseError, EncodingError).
        { ["tx", "decode", "zz"], "hex: invalid character at position 0" },
        { ["tx", "decode", "0100"], "transaction" },
        { ["script", "decode", "zz"], "hex: invalid character at position 0" },
        { ["script", "encode", "OP_DUP OP_FROBNICATE"], "script: unknown word 'OP_FROBNICATE'" },
        // Miniscript (MiniscriptError) and script flags (ScriptFlagsError).
        { ["miniscript", "parse", "pk(zz)"], "miniscript: pk(): 'zz' is not a hex public key" },
        { ["miniscript", "compile", "pk("], "policy:" },
        { ["consensus", "verify", "--tx", "zz", "--prevouts", "[]"], "hex" },
        // Messages: a bad signing key (KeyError through the WIF parser).
        { ["message", "sign", "--wif", "notawif", "m"], "--wif:" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_to_a_parser_backed_command_is_a_one_line_user_error(string[] args, string expected)
    {
        var result = await Run(args);

        Assert.True(result.Code == 1, $"exit {result.Code} for {string.Join(' ', args)}: {result.Err}");
        var lines = result.Err.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotMatch(DotnetTypeName(), lines[0]);
    }

    [Fact]
    public async Task A_typed_error_reads_the_same_from_a_file_argument()
    {
        var path = Path.Combine(_dir, "bad.psbt");
        await File.WriteAllTextAsync(path, PsbtMagicOnly, TestContext.Current.CancellationToken);
        var fromFile = await Run("psbt", "decode", "@" + path);
        var inline = await Run("psbt", "decode", PsbtMagicOnly);
        Assert.Equal(1, fromFile.Code);
        Assert.Equal(inline.Err, fromFile.Err);
    }

    // "System.FormatException", "BitcoinFormatException:", "internal error".
    [GeneratedRegex(@"System\.|[A-Za-z]+Exception|internal error")]
    private static partial Regex DotnetTypeName();
}
