using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

/// <summary>
/// docs/errors.md and docs/cli.md: what is a user error rests on the exception's type. Bad input in every area with
/// typed errors (DLC messages, Web5, settings, RGB, wallet descriptors) is exit 1 with one line naming the problem on
/// stderr and, with <c>--json</c>, <c>{"error": {"code", "message", "position"?}}</c> on stdout; a plain
/// <see cref="FormatException"/> (a bug) is exit 2, never a user error.
/// </summary>
public sealed class CliTypedErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-cli-typed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs with <c>--json</c>; asserts exit 1 and one <c>error:</c> line containing <paramref name="fragment"/>; returns the JSON error.</summary>
    private static async Task<JsonObject> UserError(string[] args, string fragment, string stdin = "")
    {
        var result = await RunWithInput(stdin, [.. args, "--json"]);
        Assert.True(result.Code == 1, $"exit {result.Code} for {string.Join(' ', args)}: {result.Err}");
        var lines = result.Err.TrimEnd().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        var error = JsonNode.Parse(result.Out)!["error"]!.AsObject();
        // The JSON message is the stderr line without its prefix.
        Assert.Equal(lines[0]["error: ".Length..], (string)error["message"]!);
        return error;
    }

    [Fact]
    public async Task A_truncated_dlc_message_is_a_user_error_with_its_code_and_byte_offset()
    {
        // offer_dlc's type (0xa71a) and then nothing: the protocol version u32 is missing at byte 2.
        var error = await UserError(["dlc", "message", "decode", "a71a"], "unexpected end of data");
        Assert.Equal("dlc.truncated", (string)error["code"]!);
        Assert.Equal(2, (int)error["position"]!);

        var unknown = await UserError(["dlc", "message", "decode", "a71b00"], "message.type");
        Assert.Equal("dlc.unknown_type", (string)unknown["code"]!);

        var json = await UserError(["dlc", "message", "encode", "{not json"], "invalid JSON");
        Assert.Equal("dlc.invalid_json", (string)json["code"]!);
    }

    [Fact]
    public async Task A_malformed_portable_did_is_a_user_error_with_a_web5_code()
    {
        var error = await UserError(["did", "import", "-", "--data-dir", _dir], "portable did", stdin: """{"uri": "did:example:1"}""");
        Assert.StartsWith("web5.invalid_", (string)error["code"]!, StringComparison.Ordinal);

        var notJson = await UserError(["did", "import", "-", "--data-dir", _dir], "portable did: not valid JSON", stdin: "{");
        Assert.Equal("web5.invalid_json", (string)notJson["code"]!);
    }

    [Fact]
    public async Task Bad_settings_are_user_errors_with_settings_codes()
    {
        var key = await UserError(["configure", "--set", "Server::Urls=http://127.0.0.1:1", "--data-dir", _dir], "is not Section:Key");
        Assert.Equal("settings.invalid_key", (string)key["code"]!);

        var value = await UserError(["configure", "--set", "Server:Urls=https://0.0.0.0:1", "--data-dir", _dir], "Server:Urls");
        Assert.Equal("settings.invalid_value", (string)value["code"]!);

        await File.WriteAllTextAsync(Path.Combine(_dir, "appsettings.json"), "{ \"Network\": ", Ct);
        var file = await UserError(["info", "--data-dir", _dir], "appsettings.json");
        Assert.Equal("settings.invalid_file", (string)file["code"]!);
        var configure = await UserError(["configure", "--set", "Network=regtest", "--data-dir", _dir], "appsettings.json");
        Assert.Equal("settings.invalid_file", (string)configure["code"]!);
    }

    [Fact]
    public async Task An_undecodable_rgb_consignment_is_a_user_error_with_an_rgb_code()
    {
        var path = Path.Combine(_dir, "bad.rgb");
        await File.WriteAllBytesAsync(path, [0x01, 0x02, 0x03], Ct);
        var error = await UserError(["rgb", "inspect", path], "consignment:");
        Assert.StartsWith("rgb.", (string)error["code"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_wallet_descriptor_shows_the_parsers_code_and_position()
    {
        var error = await UserError(["wallet", "create", "w", "--descriptor", "wpkh(nonsense)", "--birthday", "0", "--data-dir", _dir], "descriptor:");
        Assert.Equal("descriptor.invalid_key", (string)error["code"]!);
        Assert.Equal(5, (int)error["position"]!);
    }

    [Fact]
    public async Task A_library_parse_error_in_json_mode_carries_its_code_and_position()
    {
        var error = await UserError(["script", "decode", "00zz"], "hex: invalid character at position 2");
        Assert.Equal(("encoding.invalid_character", 2), ((string)error["code"]!, (int)error["position"]!));
    }

    [Fact]
    public async Task A_usage_error_in_json_mode_has_a_code_too()
    {
        var error = await UserError(["tx", "decod"], "unknown command 'decod'");
        Assert.Equal("cli.usage", (string)error["code"]!);
    }

    [Fact]
    public async Task Without_json_a_user_error_writes_nothing_on_stdout()
    {
        var result = await Run("dlc", "message", "decode", "a71a");
        Assert.Equal(1, result.Code);
        Assert.Equal(string.Empty, result.Out);
    }

    public static TheoryData<string> Bugs() => new()
    {
        // What a bug throws: a plain FormatException (int.Parse on internal data), an ArgumentException.
        "format",
        "argument",
    };

    [Theory]
    [MemberData(nameof(Bugs))]
    public async Task A_plain_exception_from_a_bug_is_an_internal_error_not_a_user_error(string kind)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(_dir, "regtest", Json: true, output, error);
        var code = await CliApp.Guard(context, _ => kind == "format"
            ? throw new FormatException("Input string was not in a correct format.")
            : throw new ArgumentException("value out of range"), Ct);

        Assert.Equal(CliApp.ExitInternalError, code);
        var line = Assert.Single(error.ToString().TrimEnd().Split('\n'));
        Assert.StartsWith("internal error: " + (kind == "format" ? "FormatException: " : "ArgumentException: "), line, StringComparison.Ordinal);
        Assert.Equal("internal_error", (string)JsonNode.Parse(output.ToString())!["error"]!["code"]!);
    }

    [Fact]
    public async Task A_typed_error_wrapped_by_a_command_keeps_its_code_and_position()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(_dir, "regtest", Json: true, output, error);
        var code = await CliApp.Guard(context, c =>
        {
            Assert.False(OPSource.Bitcoin.Encoding.Hex.TryParse("0g", out _, out var hexError));
            throw new CliUserException("--tx: " + hexError.Message, hexError.ToException());
        }, Ct);

        Assert.Equal(CliApp.ExitUserError, code);
        var json = JsonNode.Parse(output.ToString())!["error"]!;
        Assert.Equal(("encoding.invalid_character", 1), ((string)json["code"]!, (int)json["position"]!));
        Assert.StartsWith("error: --tx: hex:", error.ToString(), StringComparison.Ordinal);
    }
}
